"""The engine and the factory evaluation never raise and never return NaN or infinity for an
accepted scenario; degenerate factories give zeros with a stated reason."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from factory_app.serving.catalog import default_catalog
from factory_app.factory.evaluation import evaluate_factory
from factory_app.factory.results import TOTAL_KEYS
from factory_app.serving.frontier import Speculation
from factory_app.serving.performance import PrecisionNotSupported
from factory_app.serving.predict import LayoutConstraint, ServiceLevel, predict
from factory_app.scenario.demand_shapes import CUSTOM, HOURS, SHAPE_CHOICES
from factory_app.scenario.fields import FLEET_FIELDS, SITE_FIELDS, WORKLOAD_FIELDS, FieldSpec
from factory_app.scenario.model import Assignment, Fleet, PricePoint, Scenario, Site, Workload, validate_scenario
from reliability_helpers import assert_finite_result, examples

pytestmark = pytest.mark.reliability  # property and attack tests (docs/reliability.md)

CATALOG = default_catalog()
PLATFORMS = sorted(CATALOG.platforms)
MODELS = sorted(CATALOG.models)
#: Traffic shapes: a few, so frontiers repeat and the property runs quickly, plus the extremes
#: (one token, ten million: beyond every context window).
TOKENS = st.sampled_from([1, 100, 1000, 1000, 1000, 4000, 4000, 32_000, 10_000_000])
#: Precisions: mostly those most platforms run, so that many random factories sell tokens.
PRECISION = st.sampled_from(["fp8", "fp8", "fp8", "bf16", "bf16", "fp4", "int8"])


def _in_range(spec: FieldSpec) -> st.SearchStrategy:
    """Values of a field: its ends, zero where allowed, and anything between (log-spread)."""
    lo = spec.minimum if not spec.exclusive_minimum else math.nextafter(spec.minimum, math.inf)
    hi = spec.maximum
    ends = [v for v in (lo, hi, 1.0, 0.0) if lo <= v <= hi]
    if spec.integer:
        values = st.one_of(st.sampled_from([int(math.ceil(v)) for v in ends]), st.integers(int(math.ceil(lo)), int(hi)))
    else:
        values = st.one_of(st.sampled_from(ends), st.floats(lo, hi, allow_nan=False, allow_infinity=False))
    return st.one_of(values, st.none()) if spec.optional else values


@st.composite
def sites(draw, plausible: bool) -> Site:
    kw = {name: draw(_in_range(spec)) for name, spec in SITE_FIELDS.items()}
    if plausible:
        kw.update(facility_power_mw=draw(st.floats(1.0, 2000.0)), pue=draw(st.floats(1.05, 1.6)),
                  non_accelerator_share=draw(st.floats(0.0, 0.3)))
    return Site(**kw)


@st.composite
def demand_shapes(draw) -> dict:
    """A template, or 24 custom hours (including all-zero hours and one spike) scaled to average 1."""
    shape = draw(st.sampled_from(SHAPE_CHOICES))
    if shape != CUSTOM:
        return {"demand_shape": shape}
    raw = draw(st.lists(st.one_of(st.just(0.0), st.floats(0.0, 10.0)), min_size=HOURS, max_size=HOURS))
    total = sum(raw)
    hours = tuple(v * HOURS / total for v in raw) if total > 0 else (1.0,) * HOURS
    if max(hours) > 24.0 or abs(sum(hours) / HOURS - 1.0) > 1e-9:
        hours = (1.0,) * HOURS
    return {"demand_shape": CUSTOM, "demand_hourly": hours}


#: Shares: round ones, then anything from 0 to 1 (tiny ones give fleets of no accelerators).
SHARES = st.one_of(st.sampled_from([1.0, 0.5, 0.3, 0.25]), st.floats(0, 1))
COUNTS = st.one_of(st.sampled_from([0, 1, 4, 8, 72, 1000, 10_000_000]), st.integers(0, 20_000), st.integers(0, 10_000_000))
PLAUSIBLE_COUNTS = st.sampled_from([72, 144, 576, 1008, 5040, 20_160])


@st.composite
def scenarios(draw, max_fleets: int = 4, max_workloads: int = 4, plausible: bool = False) -> Scenario:
    """A scenario that passes validation: any platform, model and precision (combinations the
    hardware cannot run included), power- and count-sized fleets, shares adding up to at most one,
    demand caps, price curves, service levels from nothing to impossible. ``plausible`` keeps
    sites, shares, counts, traffic and service levels to what a planner would type (most such
    factories sell tokens); otherwise any value in the fields' ranges."""
    site = draw(sites(plausible))
    n_fleets = draw(st.sampled_from(list(range(1, max_fleets + 1)) + ([] if plausible else [0])))
    n_workloads = draw(st.sampled_from(list(range(1, max_workloads + 1)) + ([] if plausible else [0])))
    shares = draw(st.lists(st.sampled_from([1.0, 0.5, 0.3]) if plausible else SHARES, min_size=n_fleets, max_size=n_fleets))
    total = sum(shares)
    if total > 1:
        shares = [s / total * (1 - 1e-9) for s in shares]
    fleets = []
    for i in range(n_fleets):
        sizing = draw(st.sampled_from(["power", "power", "count"]))
        fleets.append(Fleet(
            id=f"f{i}", platform=draw(st.sampled_from(PLATFORMS)), name=draw(st.text(max_size=8)), sizing=sizing,
            power_share=shares[i] if sizing == "power" else draw(st.one_of(st.none(), st.floats(0, 1))),
            accelerators=draw(PLAUSIBLE_COUNTS if plausible else COUNTS) if sizing == "count" else None,
            life_years=draw(_in_range(FLEET_FIELDS["life_years"])), price_usd=draw(_in_range(FLEET_FIELDS["price_usd"])),
            residual_value_share=draw(_in_range(FLEET_FIELDS["residual_value_share"])),
            delivery_year=draw(st.integers(0, site.horizon_years - 1)),
            refresh_platform=draw(st.sampled_from(["", "", *PLATFORMS])),
        ))
    workloads = []
    for i in range(n_workloads):
        speeds = sorted(set(draw(st.lists(st.floats(0, 100_000), max_size=3))))
        curve = tuple(PricePoint(s, draw(st.floats(0, 100))) for s in speeds)
        ttft = [None, 2000.0, 10_000.0] if plausible else [None, None, None, 1e-9, 1.0, 200.0, 2000.0, 1e7]
        speed = [None, 10.0, 30.0] if plausible else [None, None, None, 1e-9, 1.0, 30.0, 200.0, 1e5]
        workloads.append(Workload(
            id=f"w{i}", model=draw(st.sampled_from(MODELS)), precision=draw(st.sampled_from(["fp8", "bf16"]) if plausible else PRECISION),
            isl=draw(st.sampled_from([100, 1000, 4000]) if plausible else TOKENS),
            osl=draw(st.sampled_from([100, 1000, 4000]) if plausible else TOKENS),
            max_ttft_ms=draw(st.sampled_from(ttft)), min_tokens_per_s_per_user=draw(st.sampled_from(speed)),
            price_in_usd_per_mtok=draw(_in_range(WORKLOAD_FIELDS["price_in_usd_per_mtok"])),
            price_out_usd_per_mtok=draw(_in_range(WORKLOAD_FIELDS["price_out_usd_per_mtok"])),
            demand_tokens_per_s=draw(st.one_of(st.none(), st.none(), _in_range(WORKLOAD_FIELDS["demand_tokens_per_s"]))),
            default_utilisation=draw(_in_range(WORKLOAD_FIELDS["default_utilisation"])),
            price_decline_per_year=draw(_in_range(WORKLOAD_FIELDS["price_decline_per_year"])),
            demand_growth_per_year=draw(_in_range(WORKLOAD_FIELDS["demand_growth_per_year"])),
            price_curve=curve,
            **draw(demand_shapes()),
        ))
    linked = n_fleets and n_workloads and (plausible or draw(st.sampled_from([True] * 9 + [False])))  # some factories have no links
    pairs = draw(st.lists(st.tuples(st.integers(0, n_fleets - 1), st.integers(0, n_workloads - 1)),
                          min_size=1, max_size=8, unique=True)) if linked else []
    assignments = []
    for fi in range(n_fleets):
        mine = [(f, w) for f, w in pairs if f == fi]
        raw = draw(st.lists(st.just(1.0) if plausible else SHARES, min_size=len(mine), max_size=len(mine)))
        scale = max(sum(raw), 1.0)
        assignments += [Assignment(f"f{f}", f"w{w}", r / scale * (1 - 1e-9)) for (f, w), r in zip(mine, raw)]
    scenario = Scenario(name="random", site=site, fleets=tuple(fleets), workloads=tuple(workloads),
                        assignments=tuple(assignments), optimise=False)
    validate_scenario(scenario, CATALOG)  # the strategy only builds what the app accepts
    return scenario


def _fields(obj) -> dict:
    return {name: getattr(obj, name) for name in obj.__slots__}


def _check_result(scenario: Scenario, optimise: bool = False) -> None:
    r = evaluate_factory(scenario, CATALOG, optimise=optimise)
    assert_finite_result(r)
    t = r.totals
    assert set(t) == set(TOTAL_KEYS)
    eps = 1e-6
    assert t["output_tokens_per_s"] <= t["output_capacity_tokens_per_s"] * (1 + eps) + eps
    assert 0.0 <= t["idle_share"] <= 1.0 + eps
    assert t["margin"] <= 1.0 + eps
    assert t["accelerator_power_used_mw"] <= t["accelerator_power_mw"] * (1 + eps) + eps
    assert t["facility_power_used_mw"] <= t["facility_power_mw"] * (1 + eps) + eps
    assert math.isclose(sum(r.power_breakdown.values()), t["facility_power_mw"], rel_tol=1e-9, abs_tol=1e-6)
    assert math.isclose(sum(w.revenue_usd_per_year for w in r.workloads), t["revenue_usd_per_year"], rel_tol=1e-9, abs_tol=1e-6)
    for f in r.fleets:
        for op in f.operating_points:
            assert op.feasible or op.reason, op  # every infeasible pair says why
            assert not op.feasible or (op.output_capacity_tokens_per_s > 0 and op.tokens_per_s_per_user > 0), op  # feasible means it runs
            assert op.output_tokens_per_s >= 0 and op.accelerators >= 0
            if not op.feasible:
                assert op.output_tokens_per_s == 0 and op.revenue_usd_per_year == 0
    for w in r.workloads:
        spec = scenario.workload(w.workload_id)
        if spec.demand_tokens_per_s is not None:  # never sells more than the market buys, hour by hour
            assert w.output_tokens_per_s <= spec.demand_tokens_per_s * (1 + eps) + eps
        assert all(s <= d * (1 + eps) + eps and s <= w.output_capacity_tokens_per_s * (1 + eps) + eps
                   for s, d in zip(w.served_by_hour, w.demand_by_hour))
    years = r.life_cycle.years
    assert [y.year for y in years] == list(range(scenario.site.horizon_years + 1))
    assert math.isclose(t["npv_usd"], sum(y.discounted_usd for y in years), rel_tol=1e-9, abs_tol=1e-3)
    assert all(y.output_tokens_per_s <= y.output_capacity_tokens_per_s * (1 + eps) + eps for y in years)
    for w in r.workloads:
        if w.output_capacity_tokens_per_s == 0:
            assert w.reason or any(not op.feasible for f in r.fleets for op in f.operating_points if op.workload_id == w.workload_id) \
                or not scenario.assignments_of_workload(w.workload_id)
    event("sells tokens" if t["output_tokens_per_s"] > 0 else "sells nothing")


@settings(max_examples=examples(300))
@given(scenarios())
def test_random_valid_scenarios_evaluate_to_finite_numbers(scenario):
    _check_result(scenario)


@settings(max_examples=examples(200))
@given(scenarios(plausible=True))
def test_random_plausible_scenarios_evaluate_to_finite_numbers(scenario):
    _check_result(scenario)


@settings(max_examples=examples(60))
@given(st.one_of(scenarios(max_fleets=3, max_workloads=3), scenarios(max_fleets=3, max_workloads=3, plausible=True)))
def test_random_valid_scenarios_optimise_to_finite_numbers(scenario):
    _check_result(scenario, optimise=True)


SERVICE = st.builds(
    ServiceLevel,
    max_ttft_ms=st.sampled_from([None, None, None, 1e-6, 1.0, 100.0, 1000.0, 1e7]),
    max_tpot_ms=st.sampled_from([None, None, None, 1e-6, 1.0, 20.0, 100.0, 1e6]),
    min_tokens_per_s_per_user=st.sampled_from([None, None, None, 1e-6, 1.0, 50.0, 500.0, 1e5]),
    concurrency=st.sampled_from([None, None, None, None, 1, 2, 64, 10_000, 100_000_000]),
)


@settings(max_examples=examples(300))
@given(
    platform=st.sampled_from(PLATFORMS), model=st.sampled_from(MODELS), precision=PRECISION,
    gpus=st.one_of(st.sampled_from([1, 2, 7, 8, 72, 144, 1_000_000]), st.integers(1, 5000)),
    isl=TOKENS, osl=TOKENS, service=SERVICE,
    tp=st.sampled_from([None, None, None, 1, 2, 8, 1024]), ep=st.sampled_from([None, None, None, 1, 8, 1024]),
    draft=st.sampled_from([0, 0, 1, 3, 16]), acceptance=st.sampled_from([0.0, 0.5, 0.9, 1.0]),
    kv=st.sampled_from([None, "bf16", "fp8"]),
)
def test_predict_is_finite_or_says_why_not(platform, model, precision, gpus, isl, osl, service, tp, ep, draft, acceptance, kv):
    _check_prediction(platform, model, precision, gpus, isl, osl, service, tp, ep, draft, acceptance, kv)


@settings(max_examples=examples(200))
@given(
    platform=st.sampled_from(PLATFORMS), model=st.sampled_from(MODELS), precision=st.sampled_from(["fp8", "bf16"]),
    gpus=st.sampled_from([8, 16, 64, 72, 144, 1000]), isl=st.sampled_from([200, 1000, 4000]), osl=st.sampled_from([200, 1000, 4000]),
    service=st.builds(ServiceLevel, max_ttft_ms=st.sampled_from([None, 2000.0]), min_tokens_per_s_per_user=st.sampled_from([None, 20.0]),
                      concurrency=st.sampled_from([None, None, 64])),
    draft=st.sampled_from([0, 0, 1, 3]), acceptance=st.sampled_from([0.5, 0.9]),
)
def test_predict_on_plausible_deployments_is_finite_or_says_why_not(platform, model, precision, gpus, isl, osl, service, draft, acceptance):
    _check_prediction(platform, model, precision, gpus, isl, osl, service, None, None, draft, acceptance, None)


def _check_prediction(platform, model, precision, gpus, isl, osl, service, tp, ep, draft, acceptance, kv) -> None:
    constraint = LayoutConstraint(tp=tp, ep=ep) if (tp or ep) else None
    spec = Speculation(draft, acceptance) if draft else None
    try:
        p = predict(platform, gpus, model, precision, isl, osl, service, spec, catalog=CATALOG, constraint=constraint, kv_precision=kv)
    except PrecisionNotSupported as exc:
        assert precision not in CATALOG.platforms[platform].precisions and str(exc)
        event("precision not supported")
        return
    data = p.to_json()
    json.dumps(data, allow_nan=False)  # raises on NaN or infinity anywhere
    if p.feasible:
        event("feasible")
        assert p.output_tokens_per_s > 0 and p.tokens_per_s_per_user > 0 and p.layout is not None and p.layout.replicas >= 1
        assert p.ttft_ms >= 0 and p.tpot_ms > 0 and p.concurrency > 0
        assert p.layout.replicas >= 1 and p.layout.replicas * p.layout.gpus_per_replica <= gpus
    else:
        event("not feasible")
        assert p.reason and p.output_tokens_per_s == 0


# -- degenerate factories: zeros and a stated reason (example-based) --------------------------------------

CHAT = Workload(id="chat", model="llama-3.3-70b", precision="fp8", isl=1000, osl=400)


def _one(**changes) -> Scenario:
    base = dict(
        site=Site(facility_power_mw=10.0),
        fleets=(Fleet(id="h", platform="h200", power_share=1.0),),
        workloads=(CHAT,),
        assignments=(Assignment("h", "chat", 1.0),),
    )
    base.update(changes)
    s = Scenario(**base)
    validate_scenario(s, CATALOG)
    return s


def _evaluate(s: Scenario):
    r = evaluate_factory(s, CATALOG)
    assert_finite_result(r)
    return r


def _zero_output(r) -> None:
    for key in ("output_tokens_per_s", "input_tokens_per_s", "output_capacity_tokens_per_s", "tokens_per_s_per_mw",
                "revenue_usd_per_year", "revenue_usd_per_watt_year", "cost_usd_per_million_tokens", "margin", "joules_per_token",
                "idle_share"):
        assert r.totals[key] == 0.0, key
    # nothing sold: the capex (if any) is never repaid; with nothing spent there is nothing to repay
    spent = r.totals["capex_usd"] > 0 or r.totals["cost_usd_per_year"] > 0
    assert r.totals["payback_years"] is None if spent else r.totals["payback_years"] == 0.0


def test_zero_power():
    r = _evaluate(_one(site=Site(facility_power_mw=0.0)))
    _zero_output(r)
    assert r.totals["accelerators"] == 0 and r.totals["facility_power_used_mw"] == 0
    assert "the site has no power: nothing runs" in r.warnings
    op = r.operating_point("h", "chat")
    assert not op.feasible and op.reason == "the fleet has no accelerators (the site has no power)"
    assert r.workload("chat").reason == "no operating point is feasible: the fleet has no accelerators (the site has no power)"


def test_a_workload_with_no_fleet():
    r = _evaluate(_one(assignments=()))
    _zero_output(r)
    assert r.workload("chat").reason == "no fleet serves this workload"
    assert "workload 'chat': no fleet serves it" in r.warnings


def test_a_fleet_with_nothing_to_serve():
    r = _evaluate(_one(workloads=(), assignments=()))
    _zero_output(r)
    n = r.fleet("h").accelerators
    assert n > 0 and r.fleet("h").revenue_usd_per_year == 0 and r.fleet("h").cost_usd_per_year > 0
    assert f"fleet 'h' serves no workload: its {n:,} accelerators earn nothing" in r.warnings
    assert r.totals["profit_usd_per_year"] < 0 and r.totals["margin"] == 0.0


def test_a_model_that_fits_nowhere():
    big = Workload(id="chat", model="llama-3.1-405b", precision="bf16", isl=1000, osl=400)
    r = _evaluate(_one(fleets=(Fleet(id="h", platform="gh200", sizing="count", accelerators=1),), workloads=(big,)))
    _zero_output(r)
    op = r.operating_point("h", "chat")
    assert not op.feasible and op.reason == "llama-3.1-405b at bf16 does not fit in 1 x gh200 (144 GB each) with room for one 1000+400-token request"
    assert f"h -> chat: {op.reason}" in r.warnings


def test_a_precision_the_hardware_does_not_run_is_served_weight_only():
    r = _evaluate(_one(workloads=(Workload(id="chat", model="llama-3.3-70b", precision="fp4"),)))
    op = r.operating_point("h", "chat")
    assert op.feasible and r.totals["output_tokens_per_s"] > 0
    assert any("weight-only fp4: weights stored at fp4, math at bf16" in w for w in r.warnings)


def test_a_request_longer_than_the_context_window():
    r = _evaluate(_one(workloads=(Workload(id="chat", model="llama-3.3-70b", isl=10_000_000, osl=10_000_000),)))
    _zero_output(r)
    assert r.operating_point("h", "chat").reason == "llama-3.3-70b: 1e+07 + 1e+07 tokens exceed its context window of 131072 tokens"


def test_a_service_level_nothing_meets():
    fast = Workload(id="chat", model="llama-3.3-70b", precision="fp8", isl=1000, osl=400, min_tokens_per_s_per_user=100_000.0)
    r = _evaluate(_one(workloads=(fast,)))
    _zero_output(r)
    assert r.operating_point("h", "chat").reason.startswith("no layout of ")
    assert ">= 100000 tokens/s per user (best reachable:" in r.operating_point("h", "chat").reason


@pytest.mark.parametrize("fleet, why", [
    (Fleet(id="h", platform="h200", power_share=0.0), "its power share is 0"),
    (Fleet(id="h", platform="h200", sizing="count", accelerators=0), "its count is 0"),
    (Fleet(id="h", platform="gb200", power_share=1e-6), "its share of the power is less than one purchase unit (72 accelerators)"),
    (Fleet(id="h", platform="mi355x", sizing="count", accelerators=7), "its count of 7 is less than one purchase unit (8 accelerators)"),
])
def test_a_fleet_with_no_accelerators(fleet, why):
    r = _evaluate(_one(fleets=(fleet,)))
    _zero_output(r)
    assert r.operating_point("h", "chat").reason == f"the fleet has no accelerators ({why})"
    assert f"fleet 'h' has no accelerators: {why}" in r.warnings


def test_a_zero_share_and_a_zero_demand():
    r = _evaluate(_one(assignments=(Assignment("h", "chat", 0.0),)))
    _zero_output(r)
    assert r.operating_point("h", "chat").reason == "no accelerators assigned (the share is less than one accelerator)"
    capped = Workload(id="chat", model="llama-3.3-70b", precision="fp8", isl=1000, osl=400, demand_tokens_per_s=0.0)
    r = _evaluate(_one(workloads=(capped,)))
    assert r.totals["output_tokens_per_s"] == 0 and r.totals["output_capacity_tokens_per_s"] > 0
    assert r.totals["idle_share"] == 1.0 and r.totals["revenue_usd_per_year"] == 0
    op = r.operating_point("h", "chat")
    assert op.bound == "demand" and op.reason.startswith("demand uses 0% of capacity over the day (busiest hour 0%): sells 0 of ")


def test_free_everything_and_nothing_to_sell():
    """Prices, electricity and capex all zero: every ratio is a plain zero, not 0/0."""
    free = Workload(id="chat", model="llama-3.3-70b", precision="fp8", isl=1000, osl=400, price_in_usd_per_mtok=0.0, price_out_usd_per_mtok=0.0)
    site = Site(facility_power_mw=10.0, electricity_usd_per_kwh=0.0, facility_capex_usd_per_mw=0.0, other_opex_usd_per_mw_year=0.0)
    r = _evaluate(_one(site=site, fleets=(Fleet(id="h", platform="h200", power_share=1.0, price_usd=0.0),), workloads=(free,)))
    assert r.totals["output_tokens_per_s"] > 0 and r.totals["revenue_usd_per_year"] == 0 and r.totals["cost_usd_per_year"] == 0
    assert r.totals["margin"] == 0 and r.totals["payback_years"] == 0 and r.totals["cost_usd_per_million_tokens"] == 0


def test_an_empty_scenario():
    r = _evaluate(Scenario())
    _zero_output(r)
    assert r.fleets == () and r.workloads == () and r.totals["facility_power_mw"] == 100.0
