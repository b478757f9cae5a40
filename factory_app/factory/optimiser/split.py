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
``W_f`` all-in watts. It is solved exactly by
:func:`factory_app.factory.optimiser.simplex.maximise`. The solution is rounded to whole purchase units (boards, racks, hosts)
(each power-sized fleet rounded down and up, every combination that fits the power tried when
there are at most four such fleets) and every candidate, together with the even split and the
scenario as given, is evaluated with the full model; the most profitable is kept. So the result is
never worse than the even split, and it says which candidate won.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace
from typing import Callable

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


def solve(model: LinearModel) -> np.ndarray:
    """Accelerators per pair that maximise the linear profit (continuous, before rounding)."""
    n = len(model.pairs)
    if n == 0:
        return np.zeros(0)
    c = np.concatenate([[-p.cost for p in model.pairs], [p.value * SECONDS_PER_YEAR for p in model.pairs]])
    rows: list[np.ndarray] = []
    bounds: list[float] = []
    for i, p in enumerate(model.pairs):  # s_p - r_p x_p <= 0
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
    return maximise(c, np.array(rows), np.array(bounds)).x[:n]


def _with_split(scenario: Scenario, model: LinearModel, fleet_accelerators: dict[int, int], split: dict[int, float]) -> Scenario:
    """The scenario with power-sized fleets holding ``fleet_accelerators`` and assignment
    ``a`` taking share ``split[a]`` of its fleet."""
    budget = model.budget_w
    fleets = list(scenario.fleets)
    for fi, n in fleet_accelerators.items():
        watts = next(p.watts for p in model.pairs if p.fleet == fi) if any(p.fleet == fi for p in model.pairs) else 1.0
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
    for combo in itertools.product(*options.values()):
        sizes = dict(zip(options, combo))
        watts = sum(n * next((p.watts for p in model.pairs if p.fleet == fi), 0.0) for fi, n in sizes.items())
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


def _describe(scenario: Scenario) -> str:
    powers = ", ".join(f"{f.id} {f.power_share or 0:.3f}" for f in scenario.fleets if f.sizing == "power")
    shares = ", ".join(f"{a.fleet_id}->{a.workload_id} {a.share:.3f}" for a in scenario.assignments)
    return f"power shares: {powers or 'none'}; assignment shares: {shares or 'none'}"


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
    x = solve(model)
    even = even_split(scenario, model)
    candidates = [("linear-programme optimum", s) for s in lp_candidates(scenario, catalog, model, x)]
    candidates += [("even split", even), ("split as given", replace(scenario, optimise=False))]
    evaluated: dict[Scenario, FactoryResult] = {}
    ranked: list[tuple[str, Scenario, FactoryResult]] = []
    for label, s in candidates:
        if s not in evaluated:
            evaluated[s] = evaluate(s, catalog)
            ranked.append((label, s, evaluated[s]))
    label, chosen, best = max(ranked, key=lambda item: _profit(item[2]))  # the first wins a tie
    note = (
        f"optimised by a linear programme ({2 * len(model.pairs)} variables, exact simplex), rounded to whole "
        f"purchase units; kept the {label}: {_describe(chosen)}; profit {_profit(best):,.0f} USD/year "
        f"(even split {_profit(evaluated[even]):,.0f})"
    )
    return replace(chosen, optimise=scenario.optimise), best, note


__all__ = ["LinearModel", "Pair", "build_model", "even_split", "lp_candidates", "optimise", "optimised_split", "solve"]
