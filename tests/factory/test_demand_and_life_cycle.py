"""Demand over the day and the life cycle: what is served, what is drawn, what each year earns (issue 14)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from factory_cases import CHAT, REASONING
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from factory_app.factory.demand import drawn_w, served_by_point, utilisation
from factory_app.factory.economics import HOURS_PER_YEAR
from factory_app.factory.evaluation import evaluate_factory
from factory_app.scenario.demand_shapes import SHAPES
from factory_app.scenario.model import Assignment, Fleet, Scenario, Site, Workload
from factory_app.serving.catalog import default_catalog

CAT = default_catalog()


#: Tokens/s: none, or from a thousandth up (sub-normal floats are not rates the engine gives)
RATES = st.one_of(st.just(0.0), st.floats(1e-3, 1e9))


@settings(max_examples=200, deadline=None)
@given(
    demand=arrays(float, (3, 24), elements=RATES),
    capacity=arrays(float, 5, elements=RATES),
    of=arrays(int, 5, elements=st.integers(0, 2)),
)
def test_each_hour_serves_at_most_the_demand_and_at_most_the_capacity(demand, capacity, of):
    served = served_by_point(demand, capacity, of)
    assert served.shape == (5, 24) and (served >= 0).all()
    assert (served <= capacity[:, None] * (1 + 1e-12) + 1e-6).all()
    per_workload = np.zeros((3, 24))
    np.add.at(per_workload, of, served)
    assert (per_workload <= demand * (1 + 1e-12) + 1e-6).all()
    # and no more is left unserved than capacity forces: min(demand, capacity) is served
    cap_w = np.zeros(3)
    np.add.at(cap_w, of, capacity)
    assert per_workload == pytest.approx(np.minimum(demand, cap_w[:, None]), rel=1e-9, abs=1e-6)
    use = utilisation(served, capacity)
    assert ((use >= 0) & (use <= 1 + 1e-12)).all()


def test_accelerators_draw_idle_power_plus_their_busy_share():
    watts = drawn_w(np.array([8.0]), np.array([1000.0]), np.array([300.0]), np.array([[0.0, 0.5, 1.0]]))
    assert watts.tolist() == [[2400.0, 5200.0, 8000.0]]


def _site(**kw) -> Site:
    return Site(facility_power_mw=10.0, pue=1.2, **kw)


def _one(workload: Workload, site: Site | None = None, **fleet) -> Scenario:
    return Scenario(
        site=site or _site(), fleets=(Fleet(id="b", platform="gb200", power_share=1.0, **fleet),),
        workloads=(workload,), assignments=(Assignment("b", workload.id, 1.0),),
    )


def test_energy_follows_the_power_drawn_hour_by_hour():
    """Full all day: the full-load bill. Nothing demanded: the idle share of it. A daily shape:
    idle plus the busy share of each hour, summed over the hours."""
    s = _one(replace(CHAT, demand_shape="flat", default_utilisation=1.0))
    full = evaluate_factory(s)
    price = 0.08
    ops = [op for f in full.fleets for op in f.operating_points]
    assert sum(op.accelerators for op in ops) == full.fleets[0].accelerators  # none idle
    busy_w = sum(op.accelerators * op.power_w_per_accelerator for op in ops)  # the engine's watts at the operating point
    assert 0 < busy_w <= full.fleets[0].accelerators * default_catalog().platform("gb200").all_in_w.value
    full_load_mw = s.site.facility_power_for(busy_w) / 1e6
    assert full.cost_breakdown["energy"] == pytest.approx(full_load_mw * HOURS_PER_YEAR * 1000 * price, rel=1e-9)
    idle = evaluate_factory(_one(replace(CHAT, demand_tokens_per_s=0.0)))
    assert idle.cost_breakdown["energy"] == pytest.approx(0.3 * full.cost_breakdown["energy"], rel=1e-9)
    shaped = evaluate_factory(_one(replace(CHAT, demand_shape="evening", default_utilisation=0.6)))
    w = shaped.workloads[0]
    use = np.array(w.served_by_hour) / w.output_capacity_tokens_per_s
    expected = full.cost_breakdown["energy"] * np.mean(0.3 + 0.7 * use)  # the assignment uses every accelerator here
    assert shaped.fleets[0].idle_accelerators == 0
    assert shaped.cost_breakdown["energy"] == pytest.approx(expected, rel=1e-9)


def test_the_busiest_hour_above_capacity_loses_demand():
    w = replace(CHAT, demand_shape="evening", default_utilisation=0.9)  # peak 1.45 x 0.9 > capacity
    r = evaluate_factory(_one(w)).workloads[0]
    peak = max(SHAPES["evening"].values)
    assert r.peak_demand_tokens_per_s == pytest.approx(0.9 * peak * r.output_capacity_tokens_per_s, rel=1e-9)
    assert max(r.served_by_hour) == pytest.approx(r.output_capacity_tokens_per_s, rel=1e-12)
    assert 0 < r.unserved_share < 0.1 and r.utilisation < 0.9
    lost = np.maximum(np.array(r.demand_by_hour) - r.output_capacity_tokens_per_s, 0).mean()
    assert r.unserved_share == pytest.approx(lost / r.demand_tokens_per_s, rel=1e-9)


def test_cash_flows_follow_price_decline_demand_growth_ramp_and_speed_up():
    site = _site(horizon_years=4, first_year_ramp=0.5, wacc=0.08, software_speedup_per_year=0.2)
    w = replace(REASONING, demand_tokens_per_s=1_000.0, demand_shape="flat", price_decline_per_year=0.3, demand_growth_per_year=0.1)
    r = evaluate_factory(_one(w, site))
    years = r.life_cycle.years
    value = r.totals["revenue_usd_per_year"] / r.totals["output_tokens_per_s"]  # USD per token-second of year 1
    assert r.totals["output_tokens_per_s"] == pytest.approx(1_000.0)
    assert years[1].revenue_usd == pytest.approx(0.5 * 1_000 * value, rel=1e-9)  # the ramp
    for t in (2, 3, 4):  # demand far below capacity: revenue = demand x growth x price decline
        assert years[t].revenue_usd == pytest.approx(1_000 * 1.1 ** (t - 1) * 0.7 ** (t - 1) * value, rel=1e-9)
        assert years[t].output_capacity_tokens_per_s == pytest.approx(years[1].output_capacity_tokens_per_s * 1.2 ** (t - 1), rel=1e-9)
    assert years[0].capex_usd == pytest.approx(r.totals["capex_usd"], rel=1e-12) and all(y.capex_usd == 0 for y in years[1:])
    for y in years:
        assert y.discounted_usd == pytest.approx(y.cash_flow_usd / 1.08 ** y.year, rel=1e-12)
    assert r.totals["npv_usd"] == pytest.approx(sum(y.discounted_usd for y in years), rel=1e-12)


def test_residual_values_at_the_end_of_life_and_at_the_horizon():
    site = _site(horizon_years=7, facility_life_years=20.0)
    r = evaluate_factory(_one(CHAT, site, life_years=4.0, residual_value_share=0.1))  # retired after 4 years
    years = r.life_cycle.years
    it_capex = years[0].capex_usd - site.it_power_mw * site.facility_capex_usd_per_mw
    assert years[4].residual_value_usd == pytest.approx(0.1 * it_capex, rel=1e-9)
    assert years[7].residual_value_usd == pytest.approx(site.it_power_mw * site.facility_capex_usd_per_mw * (1 - 7 / 20), rel=1e-9)
    assert years[5].output_capacity_tokens_per_s == 0 and years[5].accelerators == 0  # retired: nothing runs
    assert any("retired at the end of its 4-year life" in e for e in r.life_cycle.events)


def test_a_fleet_in_service_at_the_horizon_is_valued_on_the_straight_line():
    site = _site(horizon_years=3, facility_life_years=3.0)
    r = evaluate_factory(_one(CHAT, site, life_years=6.0, residual_value_share=0.1))
    it_capex = r.life_cycle.years[0].capex_usd - site.it_power_mw * site.facility_capex_usd_per_mw
    assert r.life_cycle.years[3].residual_value_usd == pytest.approx(it_capex * (1 - 0.9 * 3 / 6), rel=1e-9)


def test_a_refresh_buys_the_successor_at_the_same_power_and_sells_the_old_fleet():
    site = _site(horizon_years=8)
    r = evaluate_factory(_one(replace(REASONING, precision="fp8"), site, life_years=4.0, refresh_platform="rubin", residual_value_share=0.1))
    years = r.life_cycle.years
    rubin, gb200 = CAT.platform("rubin"), CAT.platform("gb200")
    first = r.fleets[0].accelerators
    second = rubin.accelerators_for_power(first * gb200.all_in_w.value)
    assert second > 0 and years[5].accelerators == second and years[4].accelerators == first
    markup = 1 + 0.15 / 0.85
    assert years[4].capex_usd == pytest.approx(second * rubin.price_usd.value * markup, rel=1e-9)
    assert years[4].residual_value_usd == pytest.approx(0.1 * first * gb200.price_usd.value * markup, rel=1e-9)
    assert years[5].output_capacity_tokens_per_s > years[4].output_capacity_tokens_per_s  # more tokens at the same power
    assert any("refreshed to" in e and "Rubin" in e for e in r.life_cycle.events)
    assert any("Rubin NVL144 (per GPU package), which is announced" in w for w in r.warnings)


def test_a_fleet_delivered_later_earns_from_the_year_after():
    site = _site(horizon_years=5)
    r = evaluate_factory(_one(CHAT, site, delivery_year=2))
    years = r.life_cycle.years
    facility = site.it_power_mw * site.facility_capex_usd_per_mw
    assert years[0].capex_usd == pytest.approx(facility) and years[2].capex_usd > 0
    assert years[1].revenue_usd == years[2].revenue_usd == 0 and years[3].revenue_usd > 0
