"""Evaluate a whole AI factory: power -> accelerators -> operating points -> tokens -> money.

``evaluate_factory(scenario)`` is the one call behind the canvas's results, ``factory-app
evaluate`` and sweeps. Steps (docs/factory.md explains each with units):

1. size every fleet from the power envelope (:mod:`factory_power`);
2. give each assignment ``floor(share x fleet accelerators)`` accelerators (not rounded to whole
   domains: replicas of up to 144 GPUs are placed inside them, the rest of a share idles) and ask
   the engine for its best operating point (:mod:`factory_points`);
3. serve each workload's demand hour by hour, ``min(demand, capacity)``, its points sharing it in
   proportion to capacity (:mod:`day`, :mod:`demand`): year 1 at steady state;
4. turn tokens into revenue, and capital (annualised at the cost of capital), the power drawn
   over the day and the building into costs (:mod:`economics`, :mod:`finance`);
5. run the life cycle: years 0..horizon of capex, revenue, opex and residual value, with
   refreshes, price decline, demand growth and software speed-up (:mod:`life_cycle`);
6. add up totals and breakdowns, and check every float is finite (:mod:`nonfinite_guard`).

Nothing here raises for an infeasible factory: a fleet with nothing to serve, a workload with no
fleet, a model that fits nowhere or zero power give zeros with a reason and a warning.
"""

from __future__ import annotations

import math
import time
from dataclasses import replace

import numpy as np

from factory_app.factory import economics as eco
from factory_app.factory.day import DayArrays, finance_assumptions
from factory_app.factory.life_cycle import COLUMNS, CashFlowArrays
from factory_app.factory.money import Money, run_money
from factory_app.factory.numbers import Numbers
from factory_app.factory.nonfinite_guard import clean_result
from factory_app.factory.operating_points import Capacity
from factory_app.factory.power import FleetSize
from factory_app.factory.results import (
    COST_TERMS, OPTIONAL_TOTALS, FactoryResult, FleetResult, LifeCycle, OperatingPoint, WorkloadResult, YearCashFlow, empty_totals,
)
from factory_app.factory.structure import Structure, build_structure
from factory_app.scenario.model import Fleet, Scenario, Workload
from factory_app.serving.catalog import Catalog, default_catalog


def evaluate_factory(scenario: Scenario, catalog: Catalog | None = None, optimise: bool | None = None) -> FactoryResult:
    """Evaluate ``scenario`` (``optimise`` overrides ``scenario.optimise``). Never raises for an
    infeasible factory; expects a scenario that passed :func:`validate_scenario` (unknown ids in
    one that did not become zeros with a warning)."""
    start = time.perf_counter()
    cat = catalog or default_catalog()
    do_optimise = scenario.optimise if optimise is None else bool(optimise)
    if do_optimise:
        from factory_app.factory.optimiser.split import optimise as run_optimiser  # optimiser imports this module's peers

        result, note = run_optimiser(scenario, cat, _evaluate)
        result = replace(result, optimised=True, optimiser_note=note)
    else:
        result = _evaluate(scenario, cat)
    return replace(result, compute_ms=(time.perf_counter() - start) * 1e3)


def optimise_factory(scenario: Scenario, catalog: Catalog | None = None) -> tuple[Scenario, FactoryResult, str]:
    """The scenario with the optimiser's power and assignment shares, its evaluation, and a note
    saying what was chosen (the app offers to apply the shares as one undoable edit)."""
    from factory_app.factory.optimiser.split import optimised_split

    cat = catalog or default_catalog()
    chosen, result, note = optimised_split(scenario, cat, _evaluate)
    return chosen, replace(result, optimised=True, optimiser_note=note), note


def placed_capacities(scenario: Scenario, catalog: Catalog | None = None) -> tuple[tuple[FleetSize, ...], dict[tuple[str, str], Capacity]]:
    """The fleets' sizes and the engine's operating point of every assignment, keyed by (fleet id,
    workload id), exactly as :func:`evaluate_factory` computes them (shares as the scenario states
    them): what the workbook export writes out as the engine's figures."""
    structure = build_structure(scenario, catalog or default_catalog())
    return structure.sizes, structure.capacities


def _evaluate(scenario: Scenario, catalog: Catalog) -> FactoryResult:
    """One evaluation with the shares as the scenario states them: the structure, then the
    money of one sample (the scenario's own numbers), read out as results."""
    structure = build_structure(scenario, catalog)
    money = run_money(structure, Numbers.of(structure))
    return result_of(structure, money)


def result_of(structure: Structure, money: Money, sample: int = 0) -> FactoryResult:
    """The results of one sample of ``money`` (every fleet, workload and operating point)."""
    scenario, catalog, sizes = structure.scenario, structure.catalog, structure.sizes
    warnings = list(structure.size_warnings)
    if scenario.site.facility_power_mw <= 0:
        warnings.append("the site has no power: nothing runs")
    served = {key: _explained(scenario, catalog, structure, key, c) for key, c in structure.capacities.items()}
    workload_of = {w.id: w for w in scenario.workloads}
    day = money.day
    peak = day.use[:, sample].max(axis=-1, initial=0.0) if day.use.size else np.zeros(0)
    points = {key: _operating_point(c, float(day.sold[i, sample]), float(peak[i]), float(money.revenue[i, sample]), workload_of[c.workload_id])
              for i, (key, c) in enumerate(served.items())}
    by_fleet = _group(points, 0)
    by_workload = _group(served, 1)  # workload id -> its operating points' keys, in scenario order
    fleets = tuple(_fleet_result(structure, money, sample, i, tuple(points[k] for k in by_fleet.get(f.id, ())))
                   for i, f in enumerate(scenario.fleets))
    workloads = tuple(_workload_result(w, [points[k] for k in by_workload.get(w.id, ())], day, j, sample)
                      for j, w in enumerate(scenario.workloads))
    warnings += _warnings(scenario, catalog, sizes, served, workloads)
    generations = structure.generations()
    life = _life_cycle(money.life, sample, generations.events)
    warnings += generations.warnings
    if life.irr_count > 1:
        warnings.append(f"the cash flows change sign more than once: {life.irr_count} rates zero them; the lowest is reported as the IRR")
    totals = empty_totals()
    totals.update({k: _total(k, v[sample]) for k, v in money.totals.items()})
    result = FactoryResult(
        totals=totals,
        fleets=fleets,
        workloads=workloads,
        cost_breakdown={term: float(money.site_costs[term][sample]) for term in COST_TERMS},
        power_breakdown=_power_breakdown(scenario, fleets),
        warnings=tuple(dict.fromkeys(warnings)),
        life_cycle=life,
        finance=finance_assumptions(scenario, catalog, generations.gens),
    )
    result, bad = clean_result(result)
    if bad:  # a bug, not a user error: say where rather than show NaN
        result = replace(result, warnings=result.warnings + (f"internal: non-finite numbers set to 0 at {', '.join(bad[:5])}",))
    return result


def _total(key: str, value: float) -> float | None:
    """A total as the results hold it: ``None`` for an IRR or discounted payback that does not exist."""
    value = float(value)
    return None if key in OPTIONAL_TOTALS and math.isnan(value) else value


def _life_cycle(life: CashFlowArrays, sample: int, events: tuple[str, ...]) -> LifeCycle:
    """The cash flows of one sample as years."""
    columns = [life.columns[k][sample].tolist() for k in COLUMNS]
    accelerators = np.rint(life.accelerators[sample]).astype(int).tolist()
    rows = tuple(YearCashFlow(year, *values, accelerators=n) for year, n, *values in zip(range(len(accelerators)), accelerators, *columns))
    irr = float(life.irr[sample])
    payback = float(life.discounted_payback_years[sample])
    return LifeCycle(years=rows, npv_usd=float(life.npv_usd[sample]), irr=None if math.isnan(irr) else irr,
                     irr_count=int(life.irr_count[sample]), discounted_payback_years=None if math.isnan(payback) else payback,
                     events=events)


# -- operating points ---------------------------------------------------------------------------


def _explained(scenario: Scenario, catalog: Catalog, structure: Structure, key: tuple[str, str], c: Capacity) -> Capacity:
    """A capacity whose fleet has no accelerators says why."""
    i = structure.fleet_index[key[0]]
    size = structure.sizes[i]
    if c.gpus <= 0 and size.accelerators <= 0 and structure.platforms[i] is not None:
        return replace(c, reason=f"the fleet has no accelerators ({_why_empty(scenario, scenario.fleets[i], size, catalog)})")
    return c


def _group(pairs: dict[tuple[str, str], object], side: int) -> dict[str, list[tuple[str, str]]]:
    """(fleet id, workload id) keys grouped by their fleet (``side`` 0) or workload (1), in order:
    one pass, so a factory of hundreds of fleets is not evaluated in quadratic time."""
    out: dict[str, list[tuple[str, str]]] = {}
    for key in pairs:
        out.setdefault(key[side], []).append(key)
    return out


def _operating_point(c: Capacity, sold: float, peak_utilisation: float, revenue: float, w: Workload) -> OperatingPoint:
    """The year-1 operating point: the engine's capacity, and what the day's demand buys of it."""
    below = c.feasible and sold < c.output_tokens_per_s * (1 - 1e-12)
    reason = c.reason
    if below:
        reason = (
            f"demand uses {eco.ratio(sold, c.output_tokens_per_s):.0%} of capacity over the day "
            f"(busiest hour {peak_utilisation:.0%}): sells {sold:,.0f} of {c.output_tokens_per_s:,.0f} tokens/s "
            f"on average (engine bound: {c.bound})"
        )
    return OperatingPoint(
        fleet_id=c.fleet_id,
        workload_id=c.workload_id,
        accelerators=c.gpus,
        feasible=c.feasible,
        reason=reason,
        bound="demand" if below else c.bound,
        layout=c.layout,
        output_capacity_tokens_per_s=c.output_tokens_per_s,
        output_tokens_per_s=sold,
        input_tokens_per_s=sold * c.input_per_output,
        tokens_per_s_per_user=c.tokens_per_s_per_user,
        ttft_ms=c.ttft_ms,
        ttft_p99_ms=c.ttft_p99_ms,
        tpot_ms=c.tpot_ms,
        utilisation=eco.ratio(sold, c.output_tokens_per_s),
        price_out_usd_per_mtok=w.price_out_usd_per_mtok * c.multiplier if c.feasible else 0.0,
        revenue_usd_per_year=revenue,
        power_w_per_accelerator=c.power_w_per_gpu,
        output_capacity_low_tokens_per_s=c.output_tokens_per_s_low,
        output_capacity_high_tokens_per_s=c.output_tokens_per_s_high,
        calibrated_for=c.calibrated_for,
        nearest_measurement=c.nearest_measurement,
    )


# -- fleets and workloads -----------------------------------------------------------------------


def _fleet_result(structure: Structure, money: Money, sample: int, i: int, ops: tuple[OperatingPoint, ...]) -> FleetResult:
    """A fleet's tokens, revenue and costs (its accelerators' capital and network, the energy it
    draws over the day, and its share of the site's costs); ``ops`` are its operating points in
    the order of the scenario's assignments."""
    f, size = structure.scenario.fleets[i], structure.sizes[i]
    costs = {term: float(money.fleet_costs[term][i, sample]) for term in COST_TERMS}
    return FleetResult(
        fleet_id=f.id,
        platform=f.platform,
        accelerators=size.accelerators,
        accelerator_power_mw=size.accelerator_power_w / 1e6,
        facility_power_mw=float(structure.fleet_facility_mw[i]),
        output_tokens_per_s=sum(op.output_tokens_per_s for op in ops),
        input_tokens_per_s=sum(op.input_tokens_per_s for op in ops),
        revenue_usd_per_year=sum(op.revenue_usd_per_year for op in ops),
        cost_usd_per_year=sum(costs.values()),
        cost_breakdown=costs,
        capex_usd=float(money.fleet_capex[i, sample]),
        idle_accelerators=int(structure.fleet_idle[i]),
        limited_by=size.limited_by,
        operating_points=ops,
        facility_power_mean_mw=float(money.fleet_mean_mw[i, sample]),
    )


def _workload_result(w: Workload, ops: list[OperatingPoint], day: DayArrays, j: int, sample: int) -> WorkloadResult:
    capacity_tps = sum(op.output_capacity_tokens_per_s for op in ops)
    sold = sum(op.output_tokens_per_s for op in ops)
    feasible = [op for op in ops if op.feasible]
    reason = ""
    if not ops:
        reason = "no fleet serves this workload"
    elif not feasible:
        reason = f"no operating point is feasible: {ops[0].reason}"
    largest = max(feasible, key=lambda op: op.output_capacity_tokens_per_s, default=None)
    mean_demand = float(day.demand_mean[j, sample])
    demand, served = day.demand[j, sample], day.by_workload[j, sample]
    below = capacity_tps > 0 and sold < capacity_tps * (1 - 1e-12)
    return WorkloadResult(
        workload_id=w.id,
        output_tokens_per_s=sold,
        input_tokens_per_s=sum(op.input_tokens_per_s for op in ops),
        output_capacity_tokens_per_s=capacity_tps,
        demand_cap_tokens_per_s=float(w.demand_tokens_per_s or 0.0),
        revenue_usd_per_year=sum(op.revenue_usd_per_year for op in ops),
        utilisation=eco.ratio(sold, capacity_tps),
        bound="demand" if below else (largest.bound if largest else ""),
        reason=reason,
        demand_tokens_per_s=mean_demand,
        peak_demand_tokens_per_s=max(demand.tolist(), default=0.0),
        unserved_share=eco.ratio(mean_demand - float(served.mean()), mean_demand),
        demand_by_hour=tuple(demand.tolist()),
        served_by_hour=tuple(served.tolist()),
    )


def _power_breakdown(scenario: Scenario, fleets: tuple[FleetResult, ...]) -> dict[str, float]:
    """MW at the facility meter: accelerator systems per fleet, the rest of IT, cooling and
    losses (PUE), and the budget left unused. Adds up to the facility power."""
    site = scenario.site
    out = {f.fleet_id: f.accelerator_power_mw for f in fleets}
    accelerators = sum(out.values())
    it = site.it_power_for(accelerators)
    out["non_accelerator_it"] = it - accelerators
    out["cooling_and_losses"] = it * (site.pue - 1.0)  # the facility's share of PUE
    out["unused"] = max(site.facility_power_mw - site.facility_power_for(accelerators), 0.0)
    return out


def _why_empty(scenario: Scenario, f: Fleet, size: FleetSize, catalog: Catalog) -> str:
    """Why a fleet has no accelerators, in the words of what sized it."""
    if scenario.site.facility_power_mw <= 0:
        return "the site has no power"
    if f.sizing == "power" and not f.power_share:
        return "its power share is 0"
    if f.sizing == "count" and not f.accelerators:
        return "its count is 0"
    platform = catalog.platforms.get(f.platform)
    unit = f"one purchase unit ({platform.purchase_unit:,} accelerators)" if platform else "one purchase unit"
    if f.sizing == "count" and size.requested < (platform.purchase_unit if platform else 1):
        return f"its count of {f.accelerators:,} is less than {unit}"
    if f.sizing == "count":
        return f"the power left by the power-sized fleets is less than {unit}"
    return f"its share of the power is less than {unit}"


def _warnings(
    scenario: Scenario, catalog: Catalog, sizes: tuple[FleetSize, ...], served: dict[tuple[str, str], Capacity],
    workloads: tuple[WorkloadResult, ...],
) -> list[str]:
    out: list[str] = []
    assigned = {a.fleet_id for a in scenario.assignments}
    for f, s in zip(scenario.fleets, sizes):
        if f.id not in assigned and s.accelerators > 0:
            out.append(f"fleet '{f.id}' serves no workload: its {s.accelerators:,} accelerators earn nothing")
        elif s.accelerators == 0 and s.all_in_w > 0 and scenario.site.facility_power_mw > 0:
            out.append(f"fleet '{f.id}' has no accelerators: {_why_empty(scenario, f, s, catalog)}")
    for c in served.values():
        if not c.feasible and c.gpus > 0:
            out.append(f"{c.fleet_id} -> {c.workload_id}: {c.reason}")
        out.extend(c.notes)
    for w in workloads:
        if w.reason == "no fleet serves this workload":
            out.append(f"workload '{w.workload_id}': no fleet serves it")
    return out


__all__ = ["evaluate_factory", "optimise_factory", "placed_capacities", "result_of"]
