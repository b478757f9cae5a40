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

from factory_app.factory import economics as eco
from factory_app.factory.day import DayService, PointDay, finance_assumptions, serve_day
from factory_app.factory.life_cycle import generations, life_cycle
from factory_app.serving.catalog import Catalog, default_catalog
from factory_app.factory.operating_points import Capacity, capacity
from factory_app.factory.power import FleetSize, size_fleets
from factory_app.factory.results import COST_TERMS, FactoryResult, FleetResult, LifeCycle, OperatingPoint, WorkloadResult, empty_totals
from factory_app.factory.nonfinite_guard import clean_result
from factory_app.scenario.model import Fleet, Scenario, Workload

_SHARE_EPS = 1e-9  # so that a share of 0.3 of 10 accelerators is 3, not 2


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
    cat = catalog or default_catalog()
    sizes, _ = size_fleets(scenario, cat)
    return sizes, _capacities(scenario, cat, sizes)


def _evaluate(scenario: Scenario, catalog: Catalog) -> FactoryResult:
    """One evaluation with the shares as the scenario states them."""
    site = scenario.site
    sizes, size_warnings = size_fleets(scenario, catalog)
    warnings = list(size_warnings)
    if site.facility_power_mw <= 0:
        warnings.append("the site has no power: nothing runs")
    served = _capacities(scenario, catalog, sizes)
    day = serve_day(scenario, catalog, served)
    workload_of = {w.id: w for w in scenario.workloads}
    points = {key: _operating_point(c, day.point(key), workload_of[c.workload_id]) for key, c in served.items()}
    by_fleet = _group(points, 0)
    by_workload = _group(served, 1)  # workload id -> its operating points' keys, in scenario order
    fleets = tuple(_fleet_result(scenario, catalog, f, s, tuple(points[k] for k in by_fleet.get(f.id, ())), day)
                   for f, s in zip(scenario.fleets, sizes))
    fleets = _allocate_site_costs(scenario, fleets)
    workloads = tuple(_workload_result(w, [points[k] for k in by_workload.get(w.id, ())], day) for w in scenario.workloads)
    warnings += _warnings(scenario, catalog, sizes, served, workloads)
    gens, all_points, events, life_warnings = generations(scenario, catalog, {s.fleet_id: s.accelerators for s in sizes}, served)
    life = replace(life_cycle(scenario, gens, all_points, day.demand_mean, day.shapes), events=tuple(events))
    warnings += life_warnings
    if life.irr_count > 1:
        warnings.append(f"the cash flows change sign more than once: {life.irr_count} rates zero them; the lowest is reported as the IRR")
    totals, costs = _totals(scenario, fleets, workloads, life)
    result = FactoryResult(
        totals=totals,
        fleets=fleets,
        workloads=workloads,
        cost_breakdown=costs,
        power_breakdown=_power_breakdown(scenario, fleets),
        warnings=tuple(dict.fromkeys(warnings)),
        life_cycle=life,
        finance=finance_assumptions(scenario, catalog, gens),
    )
    result, bad = clean_result(result)
    if bad:  # a bug, not a user error: say where rather than show NaN
        result = replace(result, warnings=result.warnings + (f"internal: non-finite numbers set to 0 at {', '.join(bad[:5])}",))
    return result


# -- operating points ---------------------------------------------------------------------------


def _capacities(scenario: Scenario, catalog: Catalog, sizes: tuple[FleetSize, ...]) -> dict[tuple[str, str], Capacity]:
    """Engine operating point of every assignment, keyed by (fleet id, workload id)."""
    out: dict[tuple[str, str], Capacity] = {}
    by_id = {f.id: (f, s) for f, s in zip(scenario.fleets, sizes)}
    workloads = {w.id: w for w in scenario.workloads}
    for a in scenario.assignments:
        if a.fleet_id not in by_id or a.workload_id not in workloads:
            continue
        fleet, size = by_id[a.fleet_id]
        w = workloads[a.workload_id]
        platform = catalog.platforms.get(fleet.platform)
        gpus = int(math.floor(max(a.share, 0.0) * size.accelerators + _SHARE_EPS))
        if platform is None:
            out[(fleet.id, w.id)] = Capacity(fleet.id, w.id, 0, False, reason=f"unknown platform '{fleet.platform}'")
            continue
        c = capacity(catalog, fleet, platform.domain_size, w, gpus, scenario.software_for(fleet))
        if gpus <= 0 and size.accelerators <= 0:
            c = replace(c, reason=f"the fleet has no accelerators ({_why_empty(scenario, fleet, size, catalog)})")
        out[(fleet.id, w.id)] = c
    return out


def _group(pairs: dict[tuple[str, str], object], side: int) -> dict[str, list[tuple[str, str]]]:
    """(fleet id, workload id) keys grouped by their fleet (``side`` 0) or workload (1), in order:
    one pass, so a factory of hundreds of fleets is not evaluated in quadratic time."""
    out: dict[str, list[tuple[str, str]]] = {}
    for key in pairs:
        out.setdefault(key[side], []).append(key)
    return out


def _operating_point(c: Capacity, hours: PointDay, w: Workload) -> OperatingPoint:
    """The year-1 operating point: the engine's capacity, and what the day's demand buys of it."""
    sold = hours.sold
    below = c.feasible and sold < c.output_tokens_per_s * (1 - 1e-12)
    reason = c.reason
    if below:
        reason = (
            f"demand uses {eco.ratio(sold, c.output_tokens_per_s):.0%} of capacity over the day "
            f"(busiest hour {hours.peak_utilisation:.0%}): sells {sold:,.0f} of {c.output_tokens_per_s:,.0f} tokens/s "
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
        revenue_usd_per_year=sold * c.value_usd_per_token * eco.SECONDS_PER_YEAR,
        power_w_per_accelerator=c.power_w_per_gpu,
        output_capacity_low_tokens_per_s=c.output_tokens_per_s_low,
        output_capacity_high_tokens_per_s=c.output_tokens_per_s_high,
        calibrated_for=c.calibrated_for,
        nearest_measurement=c.nearest_measurement,
    )


# -- fleets and workloads -----------------------------------------------------------------------


def _fleet_result(scenario: Scenario, catalog: Catalog, f: Fleet, size: FleetSize, ops: tuple[OperatingPoint, ...], day: DayService) -> FleetResult:
    """A fleet's tokens, revenue and its own costs (capital of its accelerators and network,
    energy over the day; site costs follow); ``ops`` are its operating points in the order of
    the scenario's assignments."""
    site = scenario.site
    platform = catalog.platforms.get(f.platform)
    accelerator_mw = size.accelerator_power_w / 1e6
    price = eco.accelerator_price_usd(f, platform) if platform else 0.0
    capex = eco.it_capex_per_accelerator_usd(price, site) * size.accelerators
    depreciation, financing = eco.capital_usd_per_year(capex, f.residual_value_share, f.life_years, site.wacc)
    idle = max(size.accelerators - sum(op.accelerators for op in ops), 0)
    mean_w = day.fleet_mean_w(f.id) + idle * size.all_in_w * site.idle_power_share
    mean_mw = site.facility_power_for(mean_w) / 1e6
    costs = {
        "accelerator_depreciation": depreciation,
        "facility_depreciation": 0.0,
        "financing": financing,
        "energy": eco.energy_usd_per_year(mean_mw, site.electricity_usd_per_kwh),
        "other_opex": 0.0,
    }
    return FleetResult(
        fleet_id=f.id,
        platform=f.platform,
        accelerators=size.accelerators,
        accelerator_power_mw=accelerator_mw,
        facility_power_mw=site.facility_power_for(accelerator_mw),
        output_tokens_per_s=sum(op.output_tokens_per_s for op in ops),
        input_tokens_per_s=sum(op.input_tokens_per_s for op in ops),
        revenue_usd_per_year=sum(op.revenue_usd_per_year for op in ops),
        cost_usd_per_year=sum(costs.values()),
        cost_breakdown=costs,
        capex_usd=capex,
        idle_accelerators=idle,
        limited_by=size.limited_by,
        operating_points=ops,
        facility_power_mean_mw=mean_mw,
    )


def _allocate_site_costs(scenario: Scenario, fleets: tuple[FleetResult, ...]) -> tuple[FleetResult, ...]:
    """Share the facility's depreciation, financing, other opex and capex among fleets in
    proportion to the facility power each can draw, so fleet costs add up to the site's total
    (when any fleet draws)."""
    site = scenario.site
    drawn = sum(f.facility_power_mw for f in fleets)
    if drawn <= 0:
        return fleets
    depreciation, financing = eco.facility_capital_usd_per_year(site)
    opex = eco.other_opex_usd_per_year(site)
    capex = eco.facility_capex_usd(site)
    out = []
    for f in fleets:
        part = f.facility_power_mw / drawn
        costs = dict(f.cost_breakdown, facility_depreciation=depreciation * part, other_opex=opex * part,
                     financing=f.cost_breakdown["financing"] + financing * part)
        out.append(replace(f, cost_breakdown=costs, cost_usd_per_year=sum(costs.values()), capex_usd=f.capex_usd + capex * part))
    return tuple(out)


def _workload_result(w: Workload, ops: list[OperatingPoint], day: DayService) -> WorkloadResult:
    capacity_tps = sum(op.output_capacity_tokens_per_s for op in ops)
    sold = sum(op.output_tokens_per_s for op in ops)
    feasible = [op for op in ops if op.feasible]
    reason = ""
    if not ops:
        reason = "no fleet serves this workload"
    elif not feasible:
        reason = f"no operating point is feasible: {ops[0].reason}"
    largest = max(feasible, key=lambda op: op.output_capacity_tokens_per_s, default=None)
    hours = day.workload(w.id)
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
        demand_tokens_per_s=hours.mean_demand,
        peak_demand_tokens_per_s=max(hours.demand, default=0.0),
        unserved_share=eco.ratio(hours.mean_demand - sum(hours.served) / len(hours.served), hours.mean_demand) if hours.served else 0.0,
        demand_by_hour=hours.demand,
        served_by_hour=hours.served,
    )


# -- totals -------------------------------------------------------------------------------------


def _site_costs(scenario: Scenario, fleets: tuple[FleetResult, ...]) -> dict[str, float]:
    site = scenario.site
    costs = {term: sum(f.cost_breakdown[term] for f in fleets) for term in COST_TERMS}
    # the building is paid for whether or not a fleet draws power
    depreciation, financing = eco.facility_capital_usd_per_year(site)
    costs["facility_depreciation"] = depreciation
    costs["financing"] = sum(f.cost_breakdown["financing"] for f in fleets) + (0.0 if any(f.facility_power_mw > 0 for f in fleets) else financing)
    costs["other_opex"] = eco.other_opex_usd_per_year(site)
    return costs


def _totals(
    scenario: Scenario, fleets: tuple[FleetResult, ...], workloads: tuple[WorkloadResult, ...], life: LifeCycle
) -> tuple[dict[str, float | None], dict[str, float]]:
    site = scenario.site
    costs = _site_costs(scenario, fleets)
    revenue = sum(w.revenue_usd_per_year for w in workloads)
    cost = sum(costs.values())
    profit = revenue - cost
    sold = sum(w.output_tokens_per_s for w in workloads)
    capacity_tps = sum(w.output_capacity_tokens_per_s for w in workloads)
    facility_used = sum(f.facility_power_mw for f in fleets)
    facility_mean = sum(f.facility_power_mean_mw for f in fleets)
    accelerators = sum(f.accelerators for f in fleets)
    # fleets carry the facility's capex in proportion to power drawn; when none draws, add it here
    capex = sum(f.capex_usd for f in fleets) + (0.0 if facility_used > 0 else eco.facility_capex_usd(site))
    capital = costs["accelerator_depreciation"] + costs["facility_depreciation"] + costs["financing"]
    totals = empty_totals()
    totals.update(
        facility_power_mw=site.facility_power_mw,
        facility_power_used_mw=facility_used,
        it_power_mw=site.it_power_mw,
        accelerator_power_mw=site.accelerator_power_mw,
        accelerator_power_used_mw=sum(f.accelerator_power_mw for f in fleets),
        accelerators=float(accelerators),
        output_tokens_per_s=sold,
        input_tokens_per_s=sum(w.input_tokens_per_s for w in workloads),
        output_capacity_tokens_per_s=capacity_tps,
        tokens_per_s_per_mw=eco.ratio(sold, site.facility_power_mw),
        revenue_usd_per_year=revenue,
        cost_usd_per_year=cost,
        profit_usd_per_year=profit,
        revenue_usd_per_watt_year=eco.ratio(revenue, site.facility_power_mw * 1e6),
        cost_usd_per_million_tokens=eco.ratio(cost, sold * eco.SECONDS_PER_YEAR / 1e6),
        margin=eco.margin(profit, revenue),
        payback_years=eco.payback_years(capex, profit, capital),
        joules_per_token=eco.ratio(facility_mean * 1e6, sold),
        capex_usd=capex,
        idle_share=max(0.0, 1.0 - eco.ratio(sold, capacity_tps)) if capacity_tps > 0 else 0.0,
        utilisation=min(eco.ratio(sold, capacity_tps), 1.0),
        facility_power_mean_mw=facility_mean,
        cost_usd_per_accelerator_hour=eco.ratio(cost, accelerators * eco.HOURS_PER_YEAR),
        cost_of_capital_usd_per_year=costs["financing"],
        npv_usd=life.npv_usd,
        irr=life.irr,
        discounted_payback_years=life.discounted_payback_years,
    )
    return totals, costs


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


__all__ = ["evaluate_factory", "optimise_factory", "placed_capacities"]
