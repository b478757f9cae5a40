"""evaluate_factory: identities that must hold for any scenario, and the cases with nothing to do."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest
from factory_cases import CHAT, REASONING, two_by_two, with_curve

from factory_app.serving.catalog import default_catalog
from factory_app.factory.economics import HOURS_PER_YEAR, SECONDS_PER_YEAR
from factory_app.factory.evaluation import evaluate_factory
from factory_app.factory.operating_points import clear_cache
from factory_app.factory.results import COST_TERMS, TOTAL_KEYS
from factory_app.factory.nonfinite_guard import non_finite_paths
from factory_app.serving.predict import cached_frontier
from factory_app.scenario.demand_shapes import SHAPES
from factory_app.scenario.model import Assignment, Fleet, Scenario, Site, Workload

CAT = default_catalog()


def _all_ops(r):
    return [op for f in r.fleets for op in f.operating_points]


@pytest.fixture(scope="module")
def base():
    return two_by_two(facility_mw=20.0, chat_cap=2_000_000.0)


@pytest.fixture(scope="module")
def result(base):
    return evaluate_factory(base)


# -- identities ---------------------------------------------------------------------------------


def test_revenue_equals_the_sum_of_its_parts(base, result):
    prices = {w.id: w.price_in_usd_per_mtok for w in base.workloads}
    ops = _all_ops(result)
    assert ops and all(op.feasible for op in ops)
    for op in ops:  # recomputed from the operating point's own tokens and effective price
        per_s = (op.input_tokens_per_s * prices[op.workload_id] + op.output_tokens_per_s * op.price_out_usd_per_mtok) / 1e6
        assert op.revenue_usd_per_year == pytest.approx(per_s * SECONDS_PER_YEAR, rel=1e-12)
    total = result.totals["revenue_usd_per_year"]
    assert total > 0
    assert total == pytest.approx(sum(op.revenue_usd_per_year for op in ops), rel=1e-12)
    assert total == pytest.approx(sum(f.revenue_usd_per_year for f in result.fleets), rel=1e-12)
    assert total == pytest.approx(sum(w.revenue_usd_per_year for w in result.workloads), rel=1e-12)


def test_revenue_per_watt_is_revenue_over_facility_watts(base, result):
    t = result.totals
    assert t["revenue_usd_per_watt_year"] == pytest.approx(t["revenue_usd_per_year"] / (base.site.facility_power_mw * 1e6), rel=1e-12)
    assert t["tokens_per_s_per_mw"] == pytest.approx(t["output_tokens_per_s"] / base.site.facility_power_mw, rel=1e-12)


def test_costs_add_up_and_energy_follows_the_power_drawn(base, result):
    t = result.totals
    assert t["cost_usd_per_year"] == pytest.approx(sum(result.cost_breakdown[k] for k in COST_TERMS), rel=1e-12)
    assert t["cost_usd_per_year"] == pytest.approx(sum(f.cost_usd_per_year for f in result.fleets), rel=1e-12)
    # energy follows the power drawn hour by hour (busy and idle accelerators), not the full-load draw
    energy = t["facility_power_mean_mw"] * HOURS_PER_YEAR * 1000 * base.site.electricity_usd_per_kwh
    assert result.cost_breakdown["energy"] == pytest.approx(energy, rel=1e-12)
    assert 0 < t["facility_power_mean_mw"] < t["facility_power_used_mw"]
    assert t["profit_usd_per_year"] == pytest.approx(t["revenue_usd_per_year"] - t["cost_usd_per_year"], rel=1e-12)
    assert t["margin"] == pytest.approx(t["profit_usd_per_year"] / t["revenue_usd_per_year"], rel=1e-12)
    assert t["cost_usd_per_million_tokens"] == pytest.approx(
        t["cost_usd_per_year"] / (t["output_tokens_per_s"] * SECONDS_PER_YEAR / 1e6), rel=1e-12)
    assert t["joules_per_token"] == pytest.approx(t["facility_power_mean_mw"] * 1e6 / t["output_tokens_per_s"], rel=1e-12)
    assert t["cost_usd_per_accelerator_hour"] == pytest.approx(t["cost_usd_per_year"] / (t["accelerators"] * HOURS_PER_YEAR), rel=1e-12)
    assert t["cost_of_capital_usd_per_year"] == result.cost_breakdown["financing"] > 0


def test_power_breakdown_adds_up_to_the_facility(base, result):
    assert sum(result.power_breakdown.values()) == pytest.approx(base.site.facility_power_mw, rel=1e-12)
    assert result.power_breakdown["unused"] >= 0


@pytest.mark.parametrize("count,fits", [(72, True), (100, True), (7_200, False), (1_000_000, False)])
def test_accelerators_never_draw_more_than_the_accelerator_power(base, count, fits):
    fleets = tuple(replace(f, power_share=0.3) for f in base.fleets)  # 40% left for the count fleet
    s = replace(base, fleets=fleets + (Fleet(id="extra", platform="gb200", sizing="count", accelerators=count),))
    r = evaluate_factory(s)
    budget_w = s.site.accelerator_power_mw * 1e6
    drawn_w = 0.0
    for f, fr in zip(s.fleets, r.fleets):
        p = CAT.platform(f.platform)
        assert fr.accelerators % p.domain_size == 0
        drawn_w += fr.accelerators * p.all_in_w.value
    assert drawn_w <= budget_w * (1 + 1e-12)
    assert r.totals["accelerator_power_used_mw"] * 1e6 == pytest.approx(drawn_w, rel=1e-12)
    extra = r.fleet("extra")
    if fits:  # rounded down to whole NVL72 racks
        assert extra.limited_by == "count" and extra.accelerators == count // 72 * 72
    else:  # more than fits: cut to what the power leaves, with a warning
        assert extra.limited_by == "power" and 0 < extra.accelerators < count
        assert any("extra" in w and "reduced" in w for w in r.warnings)
        assert drawn_w > budget_w * 0.99  # and the power is used, not left idle


def test_doubling_the_electricity_price_changes_only_the_energy_cost(base, result):
    doubled = replace(base, site=replace(base.site, electricity_usd_per_kwh=base.site.electricity_usd_per_kwh * 2))
    r2 = evaluate_factory(doubled)
    assert r2.cost_breakdown["energy"] == pytest.approx(2 * result.cost_breakdown["energy"], rel=1e-12)
    for term in COST_TERMS:
        if term != "energy":
            assert r2.cost_breakdown[term] == result.cost_breakdown[term]
    money = {"cost_usd_per_year", "profit_usd_per_year", "margin", "cost_usd_per_million_tokens", "payback_years",
             "cost_usd_per_accelerator_hour", "npv_usd", "irr", "discounted_payback_years"}  # energy is in each of these
    for key in TOTAL_KEYS:
        if key not in money:
            assert r2.totals[key] == result.totals[key], key
    extra = r2.totals["cost_usd_per_year"] - result.totals["cost_usd_per_year"]
    assert extra == pytest.approx(result.cost_breakdown["energy"], rel=1e-9)
    assert _all_ops(r2) == _all_ops(result)


def test_every_float_is_finite(result):
    assert non_finite_paths(result) == []
    assert set(result.totals) == set(TOTAL_KEYS)


# -- operating points ---------------------------------------------------------------------------


def test_assignments_get_floor_of_share_times_fleet(result, base):
    for f in result.fleets:
        for op in f.operating_points:
            share = next(a.share for a in base.assignments if (a.fleet_id, a.workload_id) == (f.fleet_id, op.workload_id))
            assert op.accelerators == math.floor(share * f.accelerators)
        assert f.idle_accelerators == f.accelerators - sum(op.accelerators for op in f.operating_points)


def test_demand_cap_is_split_in_proportion_and_reported(base, result):
    chat = result.workload("chat")
    assert chat.output_capacity_tokens_per_s > 2_000_000.0
    assert chat.output_tokens_per_s == pytest.approx(2_000_000.0, rel=1e-12)
    assert chat.bound == "demand" and chat.demand_cap_tokens_per_s == 2_000_000.0
    ops = [op for op in _all_ops(result) if op.workload_id == "chat"]
    for op in ops:
        assert op.bound == "demand" and op.reason.startswith("demand uses")
        assert op.utilisation == pytest.approx(chat.utilisation, rel=1e-9)
        assert op.output_tokens_per_s == pytest.approx(op.output_capacity_tokens_per_s * chat.utilisation, rel=1e-9)
        assert op.input_tokens_per_s == pytest.approx(op.output_tokens_per_s * CHAT.isl / CHAT.osl, rel=1e-12)
    t = result.totals
    assert t["idle_share"] == pytest.approx(1 - t["output_tokens_per_s"] / t["output_capacity_tokens_per_s"], rel=1e-12)
    # no stated demand: the default utilisation of its capacity (never all of it), over the business-hours day
    uncapped = result.workload("reasoning")
    assert uncapped.bound == "demand" and uncapped.utilisation == pytest.approx(REASONING.default_utilisation, rel=1e-9)
    assert uncapped.demand_cap_tokens_per_s == 0 and uncapped.peak_demand_tokens_per_s == pytest.approx(
        uncapped.demand_tokens_per_s * max(SHAPES["daytime"].values) / (sum(SHAPES["daytime"].values) / 24), rel=1e-9)


def test_a_rising_price_curve_buys_faster_tokens():
    flat = Scenario(
        site=Site(facility_power_mw=10.0),
        fleets=(Fleet(id="gb", platform="gb200", power_share=1.0),),
        workloads=(REASONING,),
        assignments=(Assignment("gb", "reasoning", 1.0),),
    )
    steep = replace(flat, workloads=(with_curve(REASONING, (40.0, 1.0), (120.0, 6.0)),))
    a, b = evaluate_factory(flat), evaluate_factory(steep)
    op_a, op_b = a.operating_point("gb", "reasoning"), b.operating_point("gb", "reasoning")
    assert op_b.tokens_per_s_per_user > op_a.tokens_per_s_per_user
    assert op_b.price_out_usd_per_mtok > op_a.price_out_usd_per_mtok == REASONING.price_out_usd_per_mtok
    assert b.totals["revenue_usd_per_year"] > a.totals["revenue_usd_per_year"]


def test_re_evaluation_hits_the_engine_frontier_cache(base):
    evaluate_factory(base)
    clear_cache()  # force fresh engine calls: they must find their frontiers cached
    before = cached_frontier.cache_info()
    evaluate_factory(replace(base, site=replace(base.site, electricity_usd_per_kwh=0.1)))
    after = cached_frontier.cache_info()
    assert after.misses == before.misses and after.hits > before.hits


# -- nothing to do: zeros with a reason, never an exception ----------------------------------------


def _finite_and_zero_revenue(r):
    assert non_finite_paths(r) == []
    assert r.totals["revenue_usd_per_year"] == 0 and r.totals["output_tokens_per_s"] == 0
    assert r.totals["margin"] == 0 and r.totals["cost_usd_per_million_tokens"] == 0 and r.totals["joules_per_token"] == 0


def test_empty_scenario():
    r = evaluate_factory(Scenario())
    _finite_and_zero_revenue(r)
    assert r.totals["cost_usd_per_year"] > 0  # the building is paid for anyway
    assert r.totals["payback_years"] is None  # never pays back: no number, not 0


def test_zero_power():
    s = replace(two_by_two(), site=Site(facility_power_mw=0.0))
    r = evaluate_factory(s)
    _finite_and_zero_revenue(r)
    assert all(f.accelerators == 0 for f in r.fleets)
    assert any("no power" in w for w in r.warnings)
    assert all("no power" in op.reason for op in _all_ops(r))


def test_workload_with_no_fleet_and_fleet_with_nothing_to_serve():
    s = Scenario(
        site=Site(facility_power_mw=5.0),
        fleets=(Fleet(id="idle", platform="h200", power_share=1.0),),
        workloads=(CHAT,),
    )
    r = evaluate_factory(s)
    _finite_and_zero_revenue(r)
    assert r.workload("chat").reason == "no fleet serves this workload"
    assert r.fleet("idle").idle_accelerators == r.fleet("idle").accelerators > 0
    assert any("serves no workload" in w for w in r.warnings)


def test_model_that_fits_nowhere_and_unsupported_precision():
    huge = Workload(id="huge", model="llama-3.1-405b", precision="bf16", isl=100_000, osl=100_000)
    fp4 = Workload(id="fp4", model="llama-3.3-70b", precision="fp4")
    s = Scenario(
        site=Site(facility_power_mw=1.0),
        fleets=(Fleet(id="a100", platform="a100", power_share=1.0),),
        workloads=(huge, fp4),
        assignments=(Assignment("a100", "huge", 0.5), Assignment("a100", "fp4", 0.5)),
    )
    r = evaluate_factory(s)
    huge_op, fp4_op = r.operating_point("a100", "huge"), r.operating_point("a100", "fp4")
    assert not huge_op.feasible and huge_op.reason
    # fp4 weights on an A100 (no FP4 math) are served weight-only with bf16 math (issue 13)
    assert fp4_op.feasible and any("weight-only fp4" in w for w in r.warnings)


def test_unvalidated_scenario_with_unknown_ids_gives_warnings_not_exceptions():
    s = Scenario(
        fleets=(Fleet(id="x", platform="nope", power_share=0.5), Fleet(id="y", platform="h200", power_share=0.9)),
        workloads=(Workload(id="w", model="gpt-99"),),
        assignments=(Assignment("x", "w", 1.0), Assignment("y", "w", 1.0)),
    )
    r = evaluate_factory(s)
    assert non_finite_paths(r) == []
    assert any("unknown platform" in w for w in r.warnings)
    assert any("power shares add up to" in w for w in r.warnings)
    assert r.totals["accelerator_power_used_mw"] <= s.site.accelerator_power_mw * (1 + 1e-12)
    assert "gpt-99" in r.operating_point("y", "w").reason
