"""The engine's answers inside the factory (issue 13): the month of serving software, power caps,
power at the operating point, the error band and the nearest measurement on every operating point."""

from __future__ import annotations

from dataclasses import replace

import pytest

from factory_app.factory.evaluation import evaluate_factory
from factory_app.factory.power_caps import CAP_SHARES, best_cap, tokens_per_mw_by_cap
from factory_app.scenario.edits import preview
from factory_app.scenario.fields import ValidationError
from factory_app.scenario.model import Assignment, Fleet, Scenario, Site, Workload, validate_scenario
from factory_app.serving.catalog import default_catalog

CAT = default_catalog()
CHAT = Workload(id="chat", model="llama-3.3-70b", precision="fp8", isl=2000, osl=500, max_ttft_ms=2000.0, demand_tokens_per_s=None)


def _one(platform: str = "h200", **fleet) -> Scenario:
    return Scenario(site=Site(facility_power_mw=10.0), fleets=(Fleet(id="f", platform=platform, power_share=1.0, **fleet),),
                    workloads=(CHAT,), assignments=(Assignment("f", "chat", 1.0),))


def _op(s: Scenario):
    return evaluate_factory(s, CAT).operating_point("f", "chat")


def test_an_operating_point_carries_the_engines_evidence():
    op = _op(_one())
    assert op.feasible and op.calibrated_for == CAT.software.dates[-1]
    assert 0 < op.output_capacity_low_tokens_per_s <= op.output_capacity_tokens_per_s <= op.output_capacity_high_tokens_per_s
    assert 0 < op.power_w_per_accelerator <= CAT.platform("h200").all_in_w.value
    assert op.nearest_measurement is None or {"id", "source", "date", "value", "metric"} <= set(op.nearest_measurement)


def test_older_software_is_slower_on_a_family_whose_software_got_faster():
    """Hopper's fitted software trend is positive: the same fleet with 2024-08 software makes fewer tokens."""
    assert CAT.efficiency["hopper"].software_trend_per_year > 0
    now, then = _op(_one()), _op(_one(software_as_of="2024-08"))
    assert then.calibrated_for == "2024-08" and now.calibrated_for != then.calibrated_for
    assert then.output_capacity_tokens_per_s < now.output_capacity_tokens_per_s
    site_wide = replace(_one(), site=replace(_one().site, software_as_of="2024-08"))
    assert _op(site_wide).output_capacity_tokens_per_s == pytest.approx(then.output_capacity_tokens_per_s)  # the site's month, inherited


def test_a_power_cap_places_more_slower_accelerators_on_the_same_power():
    tdp = CAT.platform("h200").tdp_w.value
    free, capped = evaluate_factory(_one(), CAT), evaluate_factory(_one(power_cap_w=0.7 * tdp), CAT)
    assert capped.fleets[0].accelerators > free.fleets[0].accelerators
    assert capped.fleets[0].accelerator_power_mw <= free.totals["accelerator_power_mw"] + 1e-9
    a, b = free.operating_point("f", "chat"), capped.operating_point("f", "chat")
    assert b.output_capacity_tokens_per_s / b.accelerators < a.output_capacity_tokens_per_s / a.accelerators
    assert b.power_w_per_accelerator < a.power_w_per_accelerator


def test_the_cap_curve_covers_half_the_tdp_to_the_tdp_and_marks_the_cap_now():
    s = _one(power_cap_w=0.8 * CAT.platform("h200").tdp_w.value)
    curve = tokens_per_mw_by_cap(s, "f", CAT)
    tdp = CAT.platform("h200").tdp_w.value
    assert curve.caps_w == tuple(round(x * tdp) for x in CAP_SHARES)
    assert all(v > 0 for v in curve.tokens_per_s_per_mw) and curve.current_cap_w == pytest.approx(0.8 * tdp)
    assert best_cap(curve) in curve.caps_w
    unlinked = replace(s, assignments=())
    assert tokens_per_mw_by_cap(unlinked, "f", CAT) is None


@pytest.mark.parametrize("field, value, message", [
    ("software_as_of", "2026-4", "must be a month written YYYY-MM"),
    ("software_as_of", "2020-01", "or later (the earliest software the engine is calibrated for)"),
    ("power_cap_w", 200.0, "must be between 350 and 700 W for h200"),
    ("power_cap_w", 900.0, "must be between 350 and 700 W for h200"),
])
def test_bad_months_and_caps_are_refused_naming_the_field(field, value, message):
    with pytest.raises(ValidationError) as info:
        preview(_one(), CAT, "fleet", "f", field, value)
    assert f"$.fleets[0].{field}" in str(info.value) and message in str(info.value)


def test_a_site_month_is_checked_too():
    with pytest.raises(ValidationError, match=r"\$\.site\.software_as_of: must be a month"):
        validate_scenario(replace(_one(), site=replace(_one().site, software_as_of="April")), CAT)
