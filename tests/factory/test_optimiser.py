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
