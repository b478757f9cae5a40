"""Tornado and Monte Carlo (issue 15): percentiles in order, the Monte Carlo of collapsed ranges is
the evaluation, a linear input's swing is its derivative times its range, every sample is the
evaluation of the scenario with those inputs, seeds reproduce, correlations hold, cancel stops."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from factory_app.cli.common import dump_json
from factory_app.factory.evaluation import evaluate_factory
from factory_app.factory.metrics import HEADLINES
from factory_app.factory.operating_points import Capacity
from factory_app.factory.results import TOTAL_KEYS
from factory_app.factory.structure import build_structure
from factory_app.factory.uncertainty.analysis import Cancelled, analyse, analysis_structure, monte_carlo, summary, tornado
from factory_app.factory.uncertainty.inputs import uncertain_inputs
from factory_app.factory.uncertainty.throughput import throughput_range
from factory_app.io.scenario_file import load_scenario
from factory_app.io.uncertainty_report import analysis_to_json
from factory_app.scenario.edits import with_field
from factory_app.scenario.model import validate_scenario
from factory_app.scenario.uncertainty import Correlation, UncertainRange, Uncertainty, default_inputs, parse_input
from factory_app.serving.catalog import default_catalog

EXAMPLES = Path(__file__).resolve().parents[2] / "resources" / "examples"
CATALOG = default_catalog()


def _example(name: str):
    return load_scenario(EXAMPLES / f"{name}.json")


def _value(scenario, path: str) -> float:
    t = parse_input(path)
    if t.kind == "throughput":
        return 1.0
    item = scenario.site if t.kind == "site" else (scenario.fleet(t.item_id) if t.kind == "fleets" else scenario.workload(t.item_id))
    value = getattr(item, t.field)
    if value is None and t.field == "price_usd":
        return float(CATALOG.platforms[item.platform].price_usd.value)
    return float(value)


def _collapsed(scenario, extra: tuple[str, ...] = ()):
    """Every default input and ``extra`` given a range of one point: its value."""
    paths = tuple(dict.fromkeys(default_inputs(scenario, CATALOG) + extra))
    ranges = tuple(UncertainRange(p, "triangular", _value(scenario, p), _value(scenario, p), _value(scenario, p)) for p in paths)
    return replace(scenario, uncertainty=Uncertainty(defaults=False, ranges=ranges, samples=300))


def _close(a, b, rel=1e-9, abs_=1e-6):
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= max(rel * max(abs(a), abs(b)), abs_)


@pytest.mark.parametrize("name", ["iso-power-hopper-vs-gb200", "refresh-blackwell-to-rubin", "mixed-chat-and-reasoning"])
def test_percentiles_are_in_order(name):
    a = analyse(_example(name), CATALOG, samples=1000)
    for key in HEADLINES:
        p = a.monte_carlo.percentiles(key)
        values = [v for v in (p["p10"], p["p50"], p["p90"]) if v is not None]
        assert values == sorted(values), key
        v = a.monte_carlo.totals[key]
        if p["mean"] is not None:
            assert np.nanmin(v) - 1e-9 * abs(np.nanmin(v)) <= p["mean"] <= np.nanmax(v) + 1e-9 * abs(np.nanmax(v)), key
    assert 0.0 <= a.monte_carlo.probability_npv_negative <= 1.0


@pytest.mark.parametrize("name", ["iso-power-hopper-vs-gb200", "refresh-blackwell-to-rubin", "campus-1gw-announced"])
def test_with_every_range_collapsed_to_a_point_the_monte_carlo_is_the_evaluation(name):
    scenario = _example(name)
    w = scenario.workloads[0].id
    scenario = _collapsed(scenario, (f"workloads.{w}.price_out_usd_per_mtok", "site.first_year_ramp", "site.idle_power_share",
                                     f"fleets.{scenario.fleets[0].id}.price_usd"))
    validate_scenario(scenario, CATALOG)
    a = analyse(scenario, CATALOG)
    result = evaluate_factory(scenario, CATALOG)
    assert len(a.inputs) > 10
    for key in TOTAL_KEYS:
        expected = result.totals[key]
        samples = a.monte_carlo.totals[key]
        for v in (samples.min(), samples.max()):
            assert _close(None if np.isnan(v) else float(v), expected), key
        assert _close(a.base[key], expected), key
    cumulative = [y.cumulative_discounted_usd for y in result.life_cycle.years]
    assert np.allclose(a.monte_carlo.fan, np.array(cumulative)[None, :], rtol=1e-9, atol=1e-3)
    for bars in a.tornadoes.values():
        assert all(b.swing <= 1e-9 * max(1.0, abs(b.low_value or 0.0)) for b in bars.bars)


def test_the_swing_of_a_linear_input_is_its_derivative_times_its_range():
    """NPV is linear in the electricity price and revenue per watt-year in the output price (the
    operating points held): the tornado's swing is the analytic derivative times the range."""
    scenario = _example("iso-power-hopper-vs-gb200")
    w = scenario.workloads[1].id
    ranged = Uncertainty(defaults=False, ranges=(
        UncertainRange("site.electricity_usd_per_kwh", "triangular", 0.05, 0.13),
        UncertainRange(f"workloads.{w}.price_out_usd_per_mtok", "uniform", 0.5, 1.5),
    ))
    scenario = replace(scenario, uncertainty=ranged)
    structure = analysis_structure(scenario, CATALOG)
    bars = tornado(structure, uncertain_inputs(structure))
    result = evaluate_factory(scenario, CATALOG)
    # d NPV / d price = -sum_t energy_t / price / (1 + wacc)^t
    price, wacc = scenario.site.electricity_usd_per_kwh, scenario.site.wacc
    derivative = -sum(y.energy_usd / price / (1 + wacc) ** y.year for y in result.life_cycle.years)
    npv = {b.input: b for b in bars["npv_usd"].bars}["site.electricity_usd_per_kwh"]
    assert npv.swing == pytest.approx(abs(derivative) * (0.13 - 0.05), rel=1e-9)
    assert npv.high_value < npv.low_value  # dearer power, lower NPV
    # d (revenue per W-yr) / d price_out = tokens sold x price multiplier x seconds / 1e6 / facility W
    ops = [op for f in result.fleets for op in f.operating_points if op.workload_id == w]
    per_usd = sum(op.output_tokens_per_s * op.price_out_usd_per_mtok / scenario.workload(w).price_out_usd_per_mtok for op in ops)
    derivative = per_usd * 365 * 24 * 3600 / 1e6 / (scenario.site.facility_power_mw * 1e6)
    revenue = {b.input: b for b in bars["revenue_usd_per_watt_year"].bars}[f"workloads.{w}.price_out_usd_per_mtok"]
    assert revenue.swing == pytest.approx(derivative * (1.5 - 0.5), rel=1e-9)
    assert [b.swing for b in bars["npv_usd"].bars] == sorted((b.swing for b in bars["npv_usd"].bars), reverse=True)


def test_every_sample_is_the_evaluation_of_the_scenario_with_its_inputs():
    """The vectorised money is evaluate_factory's: samples re-evaluated one by one agree, lives
    that round to other whole years (other generations) included."""
    scenario = _example("refresh-blackwell-to-rubin")
    families = [p for p in default_inputs(scenario, CATALOG) if p.startswith("throughput.")]
    scenario = replace(scenario, uncertainty=Uncertainty(samples=200, ranges=tuple(UncertainRange(p, "lognormal", 1, 1, 1) for p in families)))
    a = analyse(scenario, CATALOG, samples=200, seed=3)
    paths = [i.path for i in a.inputs if not i.path.startswith("throughput.")]
    lives = a.monte_carlo.values[:, [i.path.endswith("life_years") for i in a.inputs]]
    assert len(np.unique(np.floor(lives + 0.5), axis=0)) > 1  # several combinations of whole-year lives
    for row in (0, 17, 101, 199):
        s = scenario
        for j, inp in enumerate(a.inputs):
            if inp.path in paths:
                t = parse_input(inp.path)
                kind = "site" if t.kind == "site" else t.kind[:-1]
                s = with_field(s, kind, None if kind == "site" else t.item_id, t.field, float(a.monte_carlo.values[row, j]))
        totals = evaluate_factory(s, CATALOG).totals
        for key in TOTAL_KEYS:
            v = a.monte_carlo.totals[key][row]
            assert _close(None if np.isnan(v) else float(v), totals[key], rel=1e-8), (row, key)


def test_the_same_seed_gives_the_same_json_and_another_seed_another():
    scenario = _example("iso-power-hopper-vs-gb200")
    first = dump_json(analysis_to_json(analyse(scenario, CATALOG, samples=500, seed=42)))
    again = dump_json(analysis_to_json(analyse(scenario, CATALOG, samples=500, seed=42)))
    other = dump_json(analysis_to_json(analyse(scenario, CATALOG, samples=500, seed=43)))
    assert first == again and first != other
    data = json.loads(first)
    assert list(data) == ["percentiles", "probability_npv_negative", "tornado", "samples", "seed"]
    assert data["samples"] == 500 and data["seed"] == 42
    assert set(data["percentiles"]) == set(HEADLINES)
    assert all(set(p) == {"p10", "p50", "p90", "mean"} for p in data["percentiles"].values())
    assert all(list(b) == ["input", "low", "high", "low_value", "high_value", "swing"] for b in data["tornado"])


def test_rank_correlation_between_inputs_is_what_the_scenario_says():
    scenario = _example("iso-power-hopper-vs-gb200")
    w = scenario.workloads[1].id
    a_, b_ = f"workloads.{w}.price_decline_per_year", "throughput.blackwell"
    scenario = replace(scenario, uncertainty=replace(scenario.uncertainty, correlations=(Correlation(a_, b_, -0.6),)))
    validate_scenario(scenario, CATALOG)
    mc = analyse(scenario, CATALOG, samples=4000).monte_carlo
    paths = [i.path for i in analyse(scenario, CATALOG, samples=100).inputs]
    x, y = mc.values[:, paths.index(a_)], mc.values[:, paths.index(b_)]
    ranks = lambda v: np.argsort(np.argsort(v))  # noqa: E731
    assert np.corrcoef(ranks(x), ranks(y))[0, 1] == pytest.approx(-0.6, abs=0.03)


def test_a_cancelled_analysis_stops_between_chunks():
    scenario = _example("campus-1gw-announced")
    structure = analysis_structure(scenario, CATALOG)
    calls = []
    with pytest.raises(Cancelled):
        monte_carlo(structure, uncertain_inputs(structure), 10_000, 1, progress=lambda d, n: calls.append(d),
                    cancelled=lambda: len(calls) >= 2)
    assert calls == [2000, 4000]


def test_the_throughput_band_is_the_engines_when_predictions_carry_one():
    scenario = _example("iso-power-hopper-vs-gb200")
    structure = build_structure(scenario, CATALOG)
    low, mode, high, source = throughput_range(structure, "hopper")  # the engine's own band (issue 13)
    assert low < mode < high and "engine" in source
    bandless = {k: replace(c, output_tokens_per_s_low=0.0, output_tokens_per_s_high=0.0) for k, c in structure.capacities.items()}
    low, mode, high, source = throughput_range(replace(structure, capacities=bandless), "hopper")
    assert mode == 1.0 and low == pytest.approx(1 / high) and "calibration" in source  # the report's, without one
    banded = {k: replace(c, output_tokens_per_s_low=c.output_tokens_per_s * 0.8, output_tokens_per_s_high=c.output_tokens_per_s * 1.05)
              for k, c in structure.capacities.items()}
    low, mode, high, source = throughput_range(replace(structure, capacities=banded), "hopper")
    assert "engine" in source
    assert mode == pytest.approx(np.sqrt(0.8 * 1.05))  # the band's centre: the engine reads high here
    assert np.log(high / low) == pytest.approx(np.log(1.05 / 0.8) * 1.6448536269514722 / 1.2815515655446004)
    assert isinstance(next(iter(banded.values())), Capacity)


def test_missing_totals_count_as_the_worst_in_percentiles_and_are_left_out_of_the_mean():
    values = np.array([1.0, 2.0, np.nan, np.nan, 3.0, np.nan, np.nan, np.nan, np.nan, np.nan])
    p = summary(values, "discounted_payback_years")
    assert p["p10"] == pytest.approx(1.9) and p["p50"] is None and p["p90"] is None and p["mean"] == pytest.approx(2.0)
    p = summary(values, "irr")
    assert p["p10"] is None and p["p90"] == pytest.approx(2.1) and p["mean"] == pytest.approx(2.0)
