"""The optimiser: an exact LP solver, checked against brute force, and never worse than the even split."""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np
import pytest
from factory_cases import two_by_two

from factory_app.serving.catalog import default_catalog
from factory_app.factory.evaluation import _evaluate, evaluate_factory
from factory_app.factory.optimiser.split import build_model, even_split, solve
from factory_app.factory.nonfinite_guard import non_finite_paths
from factory_app.factory.optimiser.simplex import LinearProgramError, maximise
from factory_app.io.scenario_file import load_scenario
from factory_app.resources import resource_path

CAT = default_catalog()
EXAMPLES = sorted(resource_path("examples").glob("*.json"))


# -- the simplex --------------------------------------------------------------------------------


def _vertex_optimum(c: np.ndarray, a: np.ndarray, b: np.ndarray) -> float:
    """Best objective over every vertex of {A x <= b, x >= 0}: each vertex makes n of the m + n
    constraints tight."""
    m, n = a.shape
    rows = np.vstack([a, -np.eye(n)])
    rhs = np.concatenate([b, np.zeros(n)])
    best = -np.inf
    for tight in itertools.combinations(range(m + n), n):
        sub = rows[list(tight)]
        if abs(np.linalg.det(sub)) < 1e-12:
            continue
        x = np.linalg.solve(sub, rhs[list(tight)])
        if np.all(rows @ x <= rhs + 1e-9):
            best = max(best, float(c @ x))
    return best


@pytest.mark.parametrize("seed", range(25))
def test_simplex_matches_vertex_enumeration(seed):
    rng = np.random.default_rng(seed)
    n, m = rng.integers(2, 5), rng.integers(2, 5)
    a = rng.uniform(-1, 3, size=(m, n))
    a[0] = rng.uniform(0.1, 2, size=n)  # one all-positive row keeps the programme bounded
    b = rng.uniform(0, 10, size=m)
    c = rng.uniform(-2, 5, size=n) * 10.0 ** rng.integers(-3, 6)  # mixed scales, as in the factory
    sol = maximise(c, a, b)
    assert np.all(sol.x >= 0) and np.all(a @ sol.x <= b + 1e-7 * (1 + np.abs(b)))
    assert sol.objective == pytest.approx(_vertex_optimum(c, a, b), rel=1e-7, abs=1e-9)


def test_simplex_refuses_unbounded_and_negative_bounds():
    with pytest.raises(LinearProgramError, match="unbounded"):
        maximise(np.array([1.0, 1.0]), np.array([[1.0, -1.0]]), np.array([1.0]))
    with pytest.raises(LinearProgramError):
        maximise(np.array([1.0]), np.array([[1.0]]), np.array([-1.0]))


# -- the linear model against brute force -----------------------------------------------------------


def test_linear_optimum_beats_a_grid_of_the_same_linear_model():
    s = two_by_two(facility_mw=10.0, chat_cap=3_000_000.0, reasoning_cap=4_000_000.0)
    model = build_model(s, CAT)
    x = solve(model)
    assert model.feasible(x)
    best = model.profit(x)
    watts = {p.fleet: p.watts for p in model.pairs}
    grid = np.linspace(0, 1, 21)
    seen = 0
    for p1, p2 in itertools.product(grid, grid):
        if p1 + p2 > 1 + 1e-9:
            continue
        n = {0: p1 * model.power_w / watts[0], 1: p2 * model.power_w / watts[1]}
        for s1, s2 in itertools.product(grid, grid):
            split = {0: (s1, 1 - s1), 1: (s2, 1 - s2)}
            xg = np.array([n[p.fleet] * split[p.fleet][0 if p.workload_id == "chat" else 1] for p in model.pairs])
            assert model.feasible(xg)
            assert model.profit(xg) <= best * (1 + 1e-9) + 1e-6
            seen += 1
    assert seen > 40_000


def _grid_scenario(s, p1: float, p2: float, s1: float, s2: float):
    fleets = (replace(s.fleets[0], power_share=p1), replace(s.fleets[1], power_share=p2))
    shares = {("hopper", "chat"): s1, ("hopper", "reasoning"): 1 - s1, ("blackwell", "chat"): s2, ("blackwell", "reasoning"): 1 - s2}
    assignments = tuple(replace(a, share=shares[(a.fleet_id, a.workload_id)]) for a in s.assignments)
    return replace(s, fleets=fleets, assignments=assignments)


@pytest.mark.parametrize("caps", [(None, None), (2_000_000.0, 1_500_000.0), (500_000.0, None)])
def test_optimised_factory_beats_a_brute_force_grid(caps):
    """2 fleets x 2 workloads, every split on a grid evaluated with the full model."""
    s = two_by_two(facility_mw=8.0, chat_cap=caps[0], reasoning_cap=caps[1])
    optimised = evaluate_factory(s, optimise=True)
    assert optimised.optimised and "linear programme" in optimised.optimiser_note
    best_grid = -np.inf
    powers = np.linspace(0, 1, 11)
    splits = np.linspace(0, 1, 5)
    for p1, p2 in itertools.product(powers, powers):
        if p1 + p2 > 1 + 1e-9:
            continue
        for s1, s2 in itertools.product(splits, splits):
            profit = _evaluate(_grid_scenario(s, p1, p2, s1, s2), CAT).totals["profit_usd_per_year"]
            best_grid = max(best_grid, profit)
    assert optimised.totals["profit_usd_per_year"] >= best_grid - 1e-6 * abs(best_grid)


# -- never worse than the even split ----------------------------------------------------------------


def _cases():
    yield "two-by-two", two_by_two(facility_mw=20.0)
    yield "two-by-two capped", two_by_two(facility_mw=20.0, chat_cap=1_000_000.0, reasoning_cap=500_000.0)
    for path in EXAMPLES:
        yield path.stem, load_scenario(path)


@pytest.mark.parametrize("name,scenario", list(_cases()), ids=[n for n, _ in _cases()])
def test_optimiser_is_never_worse_than_the_even_split(name, scenario):
    optimised = evaluate_factory(scenario, optimise=True)
    even = evaluate_factory(even_split(scenario, build_model(scenario, CAT)), optimise=False)
    assert optimised.totals["profit_usd_per_year"] >= even.totals["profit_usd_per_year"] - 1e-6 * abs(even.totals["profit_usd_per_year"])
    assert non_finite_paths(optimised) == []
    # the power envelope still holds after rounding to whole domains
    assert optimised.totals["accelerator_power_used_mw"] <= scenario.site.accelerator_power_mw * (1 + 1e-12)


def test_scenario_flag_and_argument():
    s = two_by_two(facility_mw=5.0)
    assert not evaluate_factory(s).optimised
    assert evaluate_factory(replace(s, optimise=True)).optimised
    assert not evaluate_factory(replace(s, optimise=True), optimise=False).optimised
    assert evaluate_factory(s, optimise=True).optimised


def test_count_fleets_keep_their_size_under_the_optimiser():
    s = two_by_two(facility_mw=10.0)
    counted = replace(s.fleets[0], sizing="count", accelerators=800, power_share=None)
    s = replace(s, fleets=(counted, replace(s.fleets[1], power_share=0.6)))
    r = evaluate_factory(s, optimise=True)
    assert r.fleet("hopper").accelerators == 800
    assert r.fleet("hopper").idle_accelerators == 0 or r.fleet("hopper").output_tokens_per_s == 0


def test_nothing_to_optimise():
    r = evaluate_factory(replace(two_by_two(), assignments=()), optimise=True)
    assert r.optimised and "nothing to optimise" in r.optimiser_note


# -- the presolved programme (issue 11: the dense tableau over 2 x pairs variables did not scale) ----------


def _full_programme(model):
    """The optimiser's programme as docs/factory.md writes it (x and s per pair, every row), the
    way it was solved before the presolve: the reference the presolved one must match."""
    from factory_app.factory.economics import SECONDS_PER_YEAR

    n = len(model.pairs)
    c = np.concatenate([[-p.cost for p in model.pairs], [p.value * SECONDS_PER_YEAR for p in model.pairs]])
    rows, bounds = [], []
    for i, p in enumerate(model.pairs):
        row = np.zeros(2 * n)
        row[i], row[n + i] = -p.rate, 1.0
        rows.append(row)
        bounds.append(0.0)
    for w, cap in model.caps.items():
        row = np.zeros(2 * n)
        row[[n + i for i, p in enumerate(model.pairs) if p.workload_id == w]] = 1.0
        rows.append(row)
        bounds.append(cap)
    power = np.zeros(2 * n)
    for i, p in enumerate(model.pairs):
        if p.fleet in model.power_fleets:
            power[i] = p.watts
    rows.append(power)
    bounds.append(model.power_w)
    for f, limit in model.count_limits.items():
        row = np.zeros(2 * n)
        row[[i for i, p in enumerate(model.pairs) if p.fleet == f]] = 1.0
        rows.append(row)
        bounds.append(float(limit))
    return c, np.array(rows), np.array(bounds)


def _random_model(rng):
    from factory_app.factory.optimiser.split import LinearModel, Pair

    fleets = int(rng.integers(1, 6))
    power_fleets = tuple(f for f in range(fleets) if rng.random() < 0.6)
    count_limits = {f: int(rng.integers(0, 5000)) for f in range(fleets) if f not in power_fleets}
    workloads = [f"w{i}" for i in range(int(rng.integers(1, 5)))]
    caps = {w: float(rng.choice([0.0, rng.uniform(1e3, 1e7)])) for w in workloads if rng.random() < 0.5}
    pairs, k = [], 0
    for f in range(fleets):
        for w in rng.choice(workloads, size=int(rng.integers(1, len(workloads) + 1)), replace=False):
            rate = float(rng.choice([0.0, rng.uniform(1, 5000)]))
            cost = float(rng.uniform(0, 3e4)) if f in power_fleets else 0.0
            pairs.append(Pair(k, f, str(w), rate, float(rng.uniform(0, 5e-6)), cost, float(rng.uniform(500, 2500))))
            k += 1
    return LinearModel(tuple(pairs), power_fleets, count_limits, caps, float(rng.uniform(0, 5e7)), 5e7)


@pytest.mark.parametrize("seed", range(60))
def test_the_presolved_programme_has_the_optimum_of_the_full_one(seed):
    """Eliminating x, dropping pairs that cannot gain, keeping each resource's best uncapped pair
    and filling a resource with one use changes the solution, never the optimum."""
    model = _random_model(np.random.default_rng(seed))
    x = solve(model)
    assert model.feasible(x)
    c, a, b = _full_programme(model)
    full = maximise(c, a, b)
    assert model.profit(x) == pytest.approx(full.objective, rel=1e-7, abs=1e-3)


def test_a_factory_of_3000_fleets_presolves_to_a_handful_of_rows():
    """The programme the simplex sees grows with the demand caps, not with the fleets."""
    import importlib.util
    from pathlib import Path

    from factory_app.factory.optimiser.split import reduce_programme

    bench = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_big_factory.py"
    spec = importlib.util.spec_from_file_location("bench_big_factory", bench)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    scenario = module.build_big_scenario(3000)
    model = build_model(scenario, CAT)
    reduced = reduce_programme(model)
    capped = {w.id for w in scenario.workloads if w.demand_tokens_per_s is not None}  # a stated demand bounds sales
    assert len(model.pairs) > 5000
    assert reduced.rows.shape[0] <= 1 + len(capped)  # the power, and one row per demand cap
    assert reduced.rows.shape[1] <= 1 + sum(1 for p in model.pairs if p.workload_id in capped)
    x = solve(model)
    assert model.feasible(x) and model.profit(x) > 0


def test_the_optimiser_stops_when_cancelled():
    from factory_app.factory.optimiser.split import OptimiserCancelled, cancellable

    s = two_by_two(facility_mw=20.0)
    with cancellable(lambda: True), pytest.raises(OptimiserCancelled):
        evaluate_factory(s, optimise=True)
    assert evaluate_factory(s, optimise=True).optimised  # and runs again outside
