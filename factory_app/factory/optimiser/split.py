"""Split the power envelope among fleets, and each fleet among its workloads, for the most profit.

Method (see docs/factory.md): each fleet x workload's operating point is fixed per accelerator
(tokens/s per accelerator from the engine at a representative size: the whole power left for
power-sized fleets, the fleet's count otherwise). Then revenue is linear in the accelerators
``x_p`` of each pair and the tokens ``s_p`` it sells, and so is cost, so the problem is a linear
programme:

    maximise   sum_p s_p v_p Y - sum_{p in power-sized fleets} x_p c_f
    subject to s_p <= r_p x_p                                 (capacity of the operating point)
               sum_{p of workload w} s_p <= D_w               (mean demand, where one is stated)
               sum_{p in power-sized fleets} x_p W_f <= P      (power left by count-sized fleets)
               sum_{p of count fleet f} x_p <= N_f             (a count fleet's accelerators)
               x, s >= 0

with ``r_p`` tokens/s per accelerator (times the workload's default utilisation when it states
no demand: it sells that share of whatever serves it), ``D_w`` the workload's mean demand (the
hourly shape is left to the full evaluation of each candidate), ``v_p`` USD per output token
(input tokens included), ``Y`` seconds per year, ``c_f`` USD/year per accelerator (capital charge
at the cost of capital + full-load energy; the facility's own costs are fixed by its budget),
``W_f`` all-in watts. :func:`reduce_programme` presolves it to one row per resource still shared
with a workload of stated demand and one per such workload (see :class:`ReducedProgramme`), which
:func:`factory_app.factory.optimiser.simplex.maximise` solves exactly: thousands of fleets give a
programme of a dozen rows. The solution is rounded to whole purchase units (boards, racks, hosts)
(each power-sized fleet rounded down and up, every combination that fits the power tried when
there are at most four such fleets) and every candidate, together with the even split and the
scenario as given, is evaluated with the full model; the most profitable is kept. So the result is
never worse than the even split, and it says which candidate won.
"""

from __future__ import annotations

import contextlib
import itertools
import threading
from dataclasses import dataclass, replace
from typing import Callable, Iterator

import numpy as np

from factory_app.serving.catalog import Catalog
from factory_app.factory.economics import SECONDS_PER_YEAR, accelerator_cost_usd_per_year
from factory_app.factory.operating_points import capacity
from factory_app.factory.power import size_fleets
from factory_app.factory.results import FactoryResult
from factory_app.factory.optimiser.simplex import maximise
from factory_app.scenario.model import Scenario

#: Power-sized fleets up to which every floor/ceil rounding combination is evaluated.
MAX_ROUNDING_FLEETS = 4

Evaluate = Callable[[Scenario, Catalog], FactoryResult]


class OptimiserCancelled(Exception):
    """The optimiser was asked to stop (the app's scenario changed while it ran)."""


_cancel = threading.local()


@contextlib.contextmanager
def cancellable(stop: Callable[[], bool]) -> Iterator[None]:
    """Run the optimiser in this thread such that it raises :class:`OptimiserCancelled` soon after
    ``stop()`` turns true: it asks between engine calls and between candidate evaluations, so it
    ends within one evaluation of the factory (the app's worker cancels a stale optimisation)."""
    previous = getattr(_cancel, "stop", None)
    _cancel.stop = stop
    try:
        yield
    finally:
        _cancel.stop = previous


def checkpoint() -> None:
    """Raise :class:`OptimiserCancelled` if this thread's optimisation was cancelled."""
    stop = getattr(_cancel, "stop", None)
    if stop is not None and stop():
        raise OptimiserCancelled("the optimisation was cancelled")


@dataclass(frozen=True, slots=True)
class Pair:
    """One assignment as the linear programme sees it."""

    assignment: int  # index into scenario.assignments
    fleet: int  # index into scenario.fleets
    workload_id: str
    rate: float  # output tokens/s per accelerator
    value: float  # USD per output token sold
    cost: float  # USD/year per accelerator (0 for count-sized fleets: already bought)
    watts: float  # all-in W per accelerator


@dataclass(frozen=True, slots=True)
class LinearModel:
    """The optimiser's linear programme in named parts (for the solver and for tests)."""

    pairs: tuple[Pair, ...]
    power_fleets: tuple[int, ...]  # indices of power-sized fleets with a known platform
    count_limits: dict[int, int]  # count-sized fleet index -> accelerators it has
    caps: dict[str, float]  # workload id -> demand cap, output tokens/s
    power_w: float  # accelerator power left for power-sized fleets
    budget_w: float  # the site's accelerator power

    def profit(self, x: np.ndarray) -> float:
        """Linear profit (USD/year, before fixed facility costs) of accelerators ``x`` per pair,
        selling up to capacity and demand caps (best value first)."""
        sold = np.array([p.rate for p in self.pairs]) * x
        for w, cap in self.caps.items():
            idx = sorted((i for i, p in enumerate(self.pairs) if p.workload_id == w), key=lambda i: -self.pairs[i].value)
            left = cap
            for i in idx:
                sold[i] = min(sold[i], left)
                left -= sold[i]
        revenue = sum(sold[i] * p.value * SECONDS_PER_YEAR for i, p in enumerate(self.pairs))
        return float(revenue - sum(x[i] * p.cost for i, p in enumerate(self.pairs)))

    def fleet_watts(self) -> dict[int, float]:
        """All-in W per accelerator of each fleet that has a pair."""
        out: dict[int, float] = {}
        for p in self.pairs:
            out.setdefault(p.fleet, p.watts)
        return out

    def feasible(self, x: np.ndarray, tol: float = 1e-6) -> bool:
        if np.any(x < -tol):
            return False
        power = sum(x[i] * p.watts for i, p in enumerate(self.pairs) if p.fleet in self.power_fleets)
        if power > self.power_w * (1 + tol) + tol:
            return False
        for f, limit in self.count_limits.items():
            if sum(x[i] for i, p in enumerate(self.pairs) if p.fleet == f) > limit * (1 + tol) + tol:
                return False
        return True


def build_model(scenario: Scenario, catalog: Catalog) -> LinearModel:
    """Per-accelerator rates, values and costs of every assignment, and the shared limits."""
    site = scenario.site
    budget_w = site.accelerator_power_mw * 1e6
    counts_only = replace(scenario, fleets=tuple(replace(f, power_share=0.0) if f.sizing == "power" else f for f in scenario.fleets))
    sizes, _ = size_fleets(counts_only, catalog, budget_w)
    count_w = sum(s.accelerator_power_w for f, s in zip(scenario.fleets, sizes) if f.sizing == "count")
    power_w = max(budget_w - count_w, 0.0)
    index = {f.id: i for i, f in enumerate(scenario.fleets)}
    workloads = {w.id: w for w in scenario.workloads}
    pairs: list[Pair] = []
    for ai, a in enumerate(scenario.assignments):
        if ai % 64 == 0:
            checkpoint()
        fi = index.get(a.fleet_id)
        w = workloads.get(a.workload_id)
        fleet = scenario.fleets[fi] if fi is not None else None
        platform = catalog.platforms.get(fleet.platform) if fleet else None
        if fleet is None or w is None or platform is None:
            continue
        by_power = fleet.sizing == "power"
        gpus = platform.accelerators_for_power(power_w, fleet.power_cap_w) if by_power else sizes[fi].accelerators
        c = capacity(catalog, fleet, platform.domain_size, w, gpus, scenario.software_for(fleet))
        cost = accelerator_cost_usd_per_year(platform, fleet, site) if by_power else 0.0
        # without a stated demand, a workload sells its default utilisation of whatever serves it
        sells = w.default_utilisation if w.demand_tokens_per_s is None else 1.0
        pairs.append(Pair(ai, fi, w.id, c.tokens_per_s_per_gpu * sells, c.value_usd_per_token, cost, platform.provisioned_w(fleet.power_cap_w)))
    power_fleets = tuple(i for i, f in enumerate(scenario.fleets) if f.sizing == "power" and f.platform in catalog.platforms)
    count_limits = {i: sizes[i].accelerators for i, f in enumerate(scenario.fleets) if f.sizing == "count"}
    caps = {w.id: float(w.demand_tokens_per_s) for w in scenario.workloads if w.demand_tokens_per_s is not None}
    return LinearModel(tuple(pairs), power_fleets, count_limits, caps, power_w, budget_w)


@dataclass(frozen=True, slots=True)
class ReducedProgramme:
    """The programme :func:`solve` hands to the simplex, after eliminating ``x`` and presolving.

    With ``x_p = s_p / r_p`` (no optimum buys capacity it does not sell: an unused accelerator
    of a power-sized fleet costs money and power, one of a count-sized fleet earns nothing), each
    pair is one variable ``s_p`` (tokens/s sold) with gain ``g_p = v_p Y - c_f / r_p`` per token/s,
    in one resource row (the power, or its count fleet's accelerators, coefficient ``W_f / r_p``
    or ``1 / r_p``) and at most one demand-cap row. Presolve drops pairs that cannot gain
    (``g_p <= 0``), keeps of each resource's uncapped pairs only the one with the most gain per
    unit of the resource (the others are dominated: moving the resource to it never loses), and
    fills a resource whose only remaining pair is uncapped directly. What is left has one row per
    resource or cap still shared, usually a handful, whatever the number of fleets."""

    columns: np.ndarray  # pair index of each LP column
    gain: np.ndarray  # g_p of each column
    rows: np.ndarray  # dense (rows x columns) coefficients
    bounds: np.ndarray  # right-hand sides
    fixed: dict[int, float]  # pair index -> tokens/s sold, set by presolve


def _resources(model: LinearModel) -> tuple[dict[object, float], list[object | None], np.ndarray]:
    """Each pair's resource key ("power" or ("count", fleet)), the resources' sizes, and each
    pair's use of its resource per accelerator (W for power, 1 for a count)."""
    power_fleets = set(model.power_fleets)
    capacity: dict[object, float] = {}
    keys: list[object | None] = []
    per_accelerator = np.zeros(len(model.pairs))
    for i, p in enumerate(model.pairs):
        if p.fleet in power_fleets:
            keys.append("power")
            capacity["power"] = model.power_w
            per_accelerator[i] = p.watts
        elif p.fleet in model.count_limits:
            keys.append(("count", p.fleet))
            capacity[("count", p.fleet)] = float(model.count_limits[p.fleet])
            per_accelerator[i] = 1.0
        else:
            keys.append(None)
    return capacity, keys, per_accelerator


def reduce_programme(model: LinearModel) -> ReducedProgramme:
    """The presolved programme in ``s`` (see :class:`ReducedProgramme`)."""
    n = len(model.pairs)
    rate = np.array([p.rate for p in model.pairs], dtype=float)
    value = np.array([p.value for p in model.pairs], dtype=float)
    cost = np.array([p.cost for p in model.pairs], dtype=float)
    capacity, keys, per_accelerator = _resources(model)
    usable = np.isfinite(rate) & (rate > 0)
    safe_rate = np.where(usable, rate, 1.0)
    gain = np.where(usable, value * SECONDS_PER_YEAR - cost / safe_rate, 0.0)
    use = per_accelerator / safe_rate  # resource per token/s sold
    capped = [p.workload_id in model.caps for p in model.pairs]
    best_uncapped: dict[object, int] = {}
    live: dict[object, list[int]] = {}
    for i in range(n):
        key = keys[i]
        if key is None or not usable[i] or not gain[i] > 0 or not np.isfinite(gain[i]):
            continue
        if not capped[i]:
            j = best_uncapped.get(key)
            if j is None or gain[i] / use[i] > gain[j] / use[j]:
                best_uncapped[key] = i
            continue
        live.setdefault(key, []).append(i)
    fixed: dict[int, float] = {}
    for key, i in best_uncapped.items():
        if key in live:
            live[key].append(i)
        else:  # the resource's one use: fill it
            fixed[i] = capacity[key] / use[i]
    columns = np.array(sorted(i for idx in live.values() for i in idx), dtype=int)
    resource_rows = {key: r for r, key in enumerate(sorted(live, key=str))}
    cap_ids = sorted({model.pairs[i].workload_id for i in columns if capped[i]})
    cap_rows = {w: len(resource_rows) + r for r, w in enumerate(cap_ids)}
    rows = np.zeros((len(resource_rows) + len(cap_rows), len(columns)))
    bounds = np.zeros(len(resource_rows) + len(cap_rows))
    for key, r in resource_rows.items():
        bounds[r] = capacity[key]
    for w, r in cap_rows.items():
        bounds[r] = model.caps[w]
    for c, i in enumerate(columns):
        rows[resource_rows[keys[i]], c] = use[i]
        if capped[i]:
            rows[cap_rows[model.pairs[i].workload_id], c] = 1.0
    return ReducedProgramme(columns, gain[columns], rows, bounds, fixed)


def solve(model: LinearModel) -> np.ndarray:
    """Accelerators per pair that maximise the linear profit (continuous, before rounding): the
    presolved programme of :func:`reduce_programme`, solved exactly by the simplex."""
    return _solve_reduced(model, reduce_programme(model)) if model.pairs else np.zeros(0)


def _solve_reduced(model: LinearModel, reduced: ReducedProgramme) -> np.ndarray:
    n = len(model.pairs)
    x = np.zeros(n)
    sold = np.zeros(n)
    for i, s in reduced.fixed.items():
        sold[i] = s
    if len(reduced.columns):
        sold[reduced.columns] = maximise(reduced.gain, reduced.rows, reduced.bounds).x
    rate = np.array([p.rate for p in model.pairs], dtype=float)
    ok = np.isfinite(rate) & (rate > 0)
    x[ok] = sold[ok] / rate[ok]
    return x


def _with_split(scenario: Scenario, model: LinearModel, fleet_accelerators: dict[int, int], split: dict[int, float]) -> Scenario:
    """The scenario with power-sized fleets holding ``fleet_accelerators`` and assignment
    ``a`` taking share ``split[a]`` of its fleet."""
    budget = model.budget_w
    fleets = list(scenario.fleets)
    watts_of = model.fleet_watts()
    for fi, n in fleet_accelerators.items():
        watts = watts_of.get(fi, 1.0)
        # half an accelerator of headroom so flooring in size_fleets lands on n exactly
        share = min((n + 0.5) * watts / budget, 1.0) if (budget > 0 and n > 0) else 0.0
        fleets[fi] = replace(fleets[fi], power_share=share)
    assignments = tuple(replace(a, share=split.get(i, a.share)) for i, a in enumerate(scenario.assignments))
    return replace(scenario, fleets=tuple(fleets), assignments=assignments, optimise=False)


def lp_candidates(scenario: Scenario, catalog: Catalog, model: LinearModel, x: np.ndarray) -> list[Scenario]:
    """The linear optimum rounded to whole purchase units (boards, racks, hosts), every floor/ceil mix that fits."""
    totals = {fi: 0.0 for fi in model.power_fleets}
    for i, p in enumerate(model.pairs):
        if p.fleet in totals:
            totals[p.fleet] += x[i]
    split: dict[int, float] = {}
    for i, p in enumerate(model.pairs):
        whole = totals.get(p.fleet) if p.fleet in totals else model.count_limits.get(p.fleet, 0)
        split[p.assignment] = min(x[i] / whole, 1.0) if whole else 0.0
    options: dict[int, list[int]] = {}
    for fi, n in totals.items():
        platform = catalog.platforms[scenario.fleets[fi].platform]
        domain = platform.purchase_unit
        low = platform.whole_units(n)
        options[fi] = sorted({low, low + domain}) if (n - low > 1e-6 and len(totals) <= MAX_ROUNDING_FLEETS) else [low]
    out = []
    watts_of = model.fleet_watts()
    for combo in itertools.product(*options.values()):
        sizes = dict(zip(options, combo))
        watts = sum(n * watts_of.get(fi, 0.0) for fi, n in sizes.items())
        if watts <= model.power_w + 1e-6:
            out.append(_with_split(scenario, model, sizes, split))
    return out


def even_split(scenario: Scenario, model: LinearModel) -> Scenario:
    """The baseline: the power left by count-sized fleets split equally among power-sized
    fleets, each fleet's accelerators equally among its workloads."""
    k = len(model.power_fleets)
    share = (model.power_w / model.budget_w / k) if (k and model.budget_w > 0) else 0.0
    fleets = tuple(replace(f, power_share=share) if i in model.power_fleets else f for i, f in enumerate(scenario.fleets))
    per_fleet: dict[str, int] = {}
    for a in scenario.assignments:
        per_fleet[a.fleet_id] = per_fleet.get(a.fleet_id, 0) + 1
    assignments = tuple(replace(a, share=1.0 / per_fleet[a.fleet_id]) for a in scenario.assignments)
    return replace(scenario, fleets=fleets, assignments=assignments, optimise=False)


def _profit(r: FactoryResult) -> float:
    return r.totals["profit_usd_per_year"]


#: Shares a note lists before it says how many more there are (a note is one readable line).
NOTE_ITEMS = 8


def _listed(items: list[str]) -> str:
    if not items:
        return "none"
    more = len(items) - NOTE_ITEMS
    return ", ".join(items[:NOTE_ITEMS]) + (f" and {more:,} more" if more > 0 else "")


def _describe(scenario: Scenario) -> str:
    powers = _listed([f"{f.id} {f.power_share or 0:.3f}" for f in scenario.fleets if f.sizing == "power"])
    shares = _listed([f"{a.fleet_id}->{a.workload_id} {a.share:.3f}" for a in scenario.assignments])
    return f"power shares: {powers}; assignment shares: {shares}"


def optimise(scenario: Scenario, catalog: Catalog, evaluate: Evaluate) -> tuple[FactoryResult, str]:
    """The most profitable split found (see the module docstring), and a note saying what it
    chose and how it compares with the even split."""
    _, result, note = optimised_split(scenario, catalog, evaluate)
    return result, note


def optimised_split(scenario: Scenario, catalog: Catalog, evaluate: Evaluate) -> tuple[Scenario, FactoryResult, str]:
    """Like :func:`optimise`, and also the scenario with the chosen shares (what the app applies)."""
    if not scenario.assignments:
        return scenario, evaluate(scenario, catalog), "nothing to optimise: no fleet serves a workload"
    model = build_model(scenario, catalog)
    reduced = reduce_programme(model)
    x = _solve_reduced(model, reduced)
    lp_size = f"presolved to {len(reduced.columns):,} variables in {len(reduced.bounds):,} constraints"
    even = even_split(scenario, model)
    candidates = [("linear-programme optimum", s) for s in lp_candidates(scenario, catalog, model, x)]
    candidates += [("even split", even), ("split as given", replace(scenario, optimise=False))]
    evaluated: dict[Scenario, FactoryResult] = {}
    ranked: list[tuple[str, Scenario, FactoryResult]] = []
    for label, s in candidates:
        checkpoint()
        if s not in evaluated:
            evaluated[s] = evaluate(s, catalog)
            ranked.append((label, s, evaluated[s]))
    label, chosen, best = max(ranked, key=lambda item: _profit(item[2]))  # the first wins a tie
    note = (
        f"optimised by a linear programme ({len(model.pairs):,} pairs; {lp_size}, exact simplex), rounded to whole "
        f"purchase units; kept the {label}: {_describe(chosen)}; profit {_profit(best):,.0f} USD/year "
        f"(even split {_profit(evaluated[even]):,.0f})"
    )
    return replace(chosen, optimise=scenario.optimise), best, note


__all__ = [
    "LinearModel",
    "OptimiserCancelled",
    "Pair",
    "ReducedProgramme",
    "build_model",
    "cancellable",
    "checkpoint",
    "even_split",
    "lp_candidates",
    "optimise",
    "optimised_split",
    "reduce_programme",
    "solve",
]
