"""The finance, demand and refresh fields: defaults from the field table, refusals naming the field,
and demand-shape edits that stay consistent (issue 14)."""

from __future__ import annotations

import pytest

from factory_app.scenario.demand_shapes import HOURS, SHAPES
from factory_app.scenario.edits import preview
from factory_app.scenario.fields import FLEET_FIELDS, SITE_FIELDS, WORKLOAD_FIELDS, ValidationError, label_of
from factory_app.scenario.model import Assignment, Fleet, Scenario, Site, Workload
from factory_app.serving.catalog import default_catalog

CAT = default_catalog()
BASE = Scenario(
    fleets=(Fleet(id="f", platform="gb200", power_share=1.0),),
    workloads=(Workload(id="w", model="deepseek-r1", precision="fp4"),),
    assignments=(Assignment("f", "w"),),
)


def test_defaults_come_from_the_field_table_with_their_sources():
    site, fleet, w = Site(), BASE.fleets[0], BASE.workloads[0]
    assert site.wacc == SITE_FIELDS["wacc"].default == 0.10 and "cost_of_capital" in SITE_FIELDS["wacc"].source
    assert site.horizon_years == 5 and isinstance(site.horizon_years, int)
    assert site.facility_capex_usd_per_mw == 12_000_000 and site.other_opex_usd_per_mw_year == 500_000
    assert site.networking_share == 0.15 and "networking_share" in SITE_FIELDS["networking_share"].source
    assert "ESTIMATE" in SITE_FIELDS["idle_power_share"].source and "ESTIMATE" in SITE_FIELDS["first_year_ramp"].source
    assert fleet.residual_value_share == FLEET_FIELDS["residual_value_share"].default == 0.10 and fleet.refresh_platform == ""
    assert w.default_utilisation == 0.65 and "utilisation" in WORKLOAD_FIELDS["default_utilisation"].source
    assert w.price_decline_per_year == 0.35 and "token_price_decline" in WORKLOAD_FIELDS["price_decline_per_year"].source
    assert w.demand_tokens_per_s is None and w.demand_shape == "daytime" and w.demand_hourly == ()
    assert label_of("site", "wacc") == "Cost of capital (WACC)" and label_of("fleet", "refresh_platform") == "Refresh to"


def test_every_template_has_24_hours_averaging_one():
    for shape in SHAPES.values():
        assert len(shape.values) == HOURS and abs(sum(shape.values) / HOURS - 1) <= 0.005, shape.id
        assert shape.source


@pytest.mark.parametrize("kind,item,field,value,message", [
    ("site", "site", "wacc", -0.01, "$.site.wacc: must be between 0 and 1, got -0.01"),
    ("site", "site", "wacc", 1.01, "$.site.wacc: must be between 0 and 1, got 1.01"),
    ("site", "site", "horizon_years", 31, "$.site.horizon_years: must be between 1 and 30 years, got 31"),
    ("site", "site", "horizon_years", 2.5, "$.site.horizon_years: must be a whole number, got 2.5"),
    ("site", "site", "software_speedup_per_year", 1.5, "$.site.software_speedup_per_year: must be between 0 and 1 fraction per year, got 1.5"),
    ("workload", "w", "price_decline_per_year", -0.2, "$.workloads[0].price_decline_per_year: must be between 0 and 1 fraction per year, got -0.2"),
    ("workload", "w", "demand_growth_per_year", 2.0, "$.workloads[0].demand_growth_per_year: must be between 0 and 1 fraction per year, got 2"),
    ("workload", "w", "demand_hourly", [0.5] * 24, "$.workloads[0].demand_hourly: must average 1 (multipliers of the mean demand), got a mean of 0.5"),
    ("workload", "w", "demand_hourly", [1.0] * 23, "$.workloads[0].demand_hourly: must hold 24 values (00 to 23 h), got 23"),
    ("workload", "w", "demand_shape", "weekly", "$.workloads[0].demand_shape: must be one of daytime, evening, follow-the-sun, flat, custom"),
    ("fleet", "f", "refresh_platform", "b999", "$.fleets[0].refresh_platform: unknown platform 'b999' to refresh to; known: "),
    ("fleet", "f", "delivery_year", 5, "$.fleets[0].delivery_year: must be before the end of the 5-year horizon (at most 4), got 5"),
    ("fleet", "f", "residual_value_share", 1.2, "$.fleets[0].residual_value_share: must be between 0 and 1, got 1.2"),
])
def test_bad_values_are_refused_naming_the_field(kind, item, field, value, message):
    with pytest.raises(ValidationError) as info:
        preview(BASE, CAT, kind, item, field, value)
    assert str(info.value).startswith(message) and "\n" not in str(info.value)


def test_a_shorter_horizon_is_refused_while_a_fleet_is_delivered_after_it():
    late = preview(BASE, CAT, "fleet", "f", "delivery_year", 4)
    with pytest.raises(ValidationError, match=r"^\$\.fleets\[0\]\.delivery_year: must be before the end of the 3-year horizon"):
        preview(late, CAT, "site", "site", "horizon_years", 3)


def test_demand_shape_edits_stay_consistent():
    custom = preview(BASE, CAT, "workload", "w", "demand_shape", "custom")
    w = custom.workloads[0]
    assert w.demand_shape == "custom" and w.demand_hourly == SHAPES["daytime"].values  # starts from the shape it had
    hours = [2.0] * 12 + [0.0] * 12
    edited = preview(custom, CAT, "workload", "w", "demand_hourly", hours).workloads[0]
    assert edited.demand_shape == "custom" and edited.demand_hourly == tuple(hours)
    back = preview(custom, CAT, "workload", "w", "demand_shape", "evening").workloads[0]
    assert back.demand_shape == "evening" and back.demand_hourly == ()
    typed = preview(BASE, CAT, "workload", "w", "demand_hourly", [1.0] * 24).workloads[0]
    assert typed.demand_shape == "custom"  # typing hours makes the shape custom
    assert preview(BASE, CAT, "fleet", "f", "refresh_platform", "rubin").fleets[0].refresh_platform == "rubin"


@pytest.mark.parametrize("cap", [5.0, 5_000.0, 12.0])
def test_a_power_cap_out_of_range_gets_the_platforms_own_range_at_once(cap):
    """A fresh-eyes run typed 5 W and was told 100 to 5,000 W, then 5,000 and was told 350 to
    700 W for h200: the first refusal names the range that applies."""
    from dataclasses import replace

    from factory_app.scenario.model import validate_scenario

    s = replace(BASE, fleets=(Fleet(id="f", platform="h200", power_share=1.0, power_cap_w=cap),))
    with pytest.raises(ValidationError, match=r"must be between 350 and 700 W for h200"):
        validate_scenario(s, CAT)
