"""The life cycle of a factory: years 0..horizon of capex, revenue, opex and residual value.

Year 0 is the build: the facility and the fleets delivered in year 0 are paid for; a fleet earns
from the year after its delivery. Each fleet is a chain of *generations*: the fleet as placed,
then, when its life ends inside the horizon and it names a successor platform, the successor at
the same power (accelerators the fleet's power buys of the successor, whole purchase units),
then the successor again at the end of its own life; without a successor the fleet retires.

Year by year (numpy over generations x years and operating points x years x 24 hours):

- capacity of a point = its engine capacity x ``(1 + software speed-up)^(year - 1)`` while its
  generation is in service;
- demand of a workload = mean demand x ``(1 + growth)^(year - 1)`` x shape[hour] (x the
  first-year ramp in year 1), served ``min(demand, capacity)`` each hour
  (:mod:`factory_app.factory.demand`);
- revenue = tokens served x value per token x ``(1 - price decline)^(year - 1)``;
- energy follows the hourly power (busy and idle accelerators); other opex per MW of IT load;
- capex: the facility in year 0, each generation in its delivery year (network included);
- residual value: a generation sold at the end of its life at ``residual_value_share`` of its
  capex, one still in service at the horizon at its straight-line value, the facility at its
  remaining book value.

Cash flow = revenue - energy - other opex - capex + residual value; discounted at the WACC.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from factory_app.factory import economics as eco
from factory_app.factory.demand import DAYS_PER_YEAR, drawn_w, served_by_point, utilisation
from factory_app.factory.finance import discount_factors, discounted_payback_years, irr, residual_share_at
from factory_app.factory.operating_points import Capacity, capacity
from factory_app.factory.results import LifeCycle, YearCashFlow
from factory_app.serving.catalog import Catalog, Platform
from factory_app.scenario.model import Scenario, Site

_SHARE_EPS = 1e-9  # so that a share of 0.3 of 10 accelerators is 3, not 2


def software_speedup(site: Site, platform: Platform, catalog: Catalog) -> float:
    """Yearly gain in tokens/s from software on the same hardware: the site's assumption when it
    states one, else the engine's fitted trend for the platform's family (a yearly log-rate,
    ``software_trend_per_year`` on the family's efficiency factors; 0 until the engine fits one).
    The one place the engine's software trend plugs in."""
    if site.software_speedup_per_year is not None:
        return float(site.software_speedup_per_year)
    trend = getattr(catalog.efficiency_for(platform), "software_trend_per_year", 0.0) or 0.0
    return math.expm1(float(trend))


def busy_watts(c: Capacity, platform: Platform) -> float:
    """W one accelerator of a point draws while busy: the engine's power at the operating point
    when it gives one (``Prediction.power_w_per_gpu``, host share included), else the
    catalogue's all-in W. The one place the engine's power plugs in."""
    return c.power_w_per_gpu or platform.all_in_w.value


@dataclass(frozen=True, slots=True)
class Generation:
    """A fleet's accelerators of one platform, from delivery to the end of their life."""

    fleet_id: str
    platform: Platform
    accelerators: int
    delivery_year: int
    end_year: int  # delivery + life in whole years: sold (or replaced) then
    capex_usd: float  # accelerators x price x (1 + network markup)
    residual_share: float
    unassigned: int  # accelerators no assignment uses (they idle)
    speedup: float  # yearly software speed-up


@dataclass(frozen=True, slots=True)
class PointArrays:
    """The operating points of every generation as arrays (one entry per point)."""

    capacity: np.ndarray  # output tokens/s at year-1 software
    workload: np.ndarray  # index into scenario.workloads
    generation: np.ndarray  # index into the generations
    accelerators: np.ndarray
    busy_w: np.ndarray  # per accelerator, at the operating point
    value: np.ndarray  # USD per output token sold, at year-1 prices

    @staticmethod
    def of(points: list[tuple[Capacity, int, int, float]]) -> "PointArrays":
        """From (capacity, workload index, generation index, busy W) tuples."""
        return PointArrays(
            capacity=np.array([c.output_tokens_per_s if c.feasible else 0.0 for c, *_ in points], dtype=float),
            workload=np.array([w for _, w, _, _ in points], dtype=int),
            generation=np.array([g for _, _, g, _ in points], dtype=int),
            accelerators=np.array([c.gpus for c, *_ in points], dtype=float),
            busy_w=np.array([b for *_, b in points], dtype=float),
            value=np.array([c.value_usd_per_token if c.feasible else 0.0 for c, *_ in points], dtype=float),
        )


def generations(
    scenario: Scenario, catalog: Catalog, accelerators: dict[str, int], first: dict[tuple[str, str], Capacity],
    detail: list[tuple[int, Capacity, float]] | None = None,
) -> tuple[list[Generation], PointArrays, list[str], list[str]]:
    """Every fleet's generations within the horizon, the operating points of all of them (those
    of the fleets as placed are ``first``; successors' come from the engine), the events in
    words and warnings. ``detail``, when given, receives (generation index, capacity, busy W)
    of every point in the order of the arrays (the workbook export writes them out)."""
    site, horizon = scenario.site, scenario.site.horizon_years
    workload_index = {w.id: i for i, w in enumerate(scenario.workloads)}
    links_of: dict[str, list] = {}  # one pass: a factory of hundreds of fleets stays linear
    for a in scenario.assignments:
        if a.workload_id in workload_index:
            links_of.setdefault(a.fleet_id, []).append(a)
    gens: list[Generation] = []
    points: list[tuple[Capacity, int, int, float]] = []
    events, warnings = [], []
    for fleet in scenario.fleets:
        platform = catalog.platforms.get(fleet.platform)
        n = accelerators.get(fleet.id, 0)
        if platform is None or n <= 0:
            continue
        power_w = n * platform.provisioned_w(fleet.power_cap_w)  # a successor gets the same power
        life = eco.whole_life_years(fleet.life_years)
        start, current, price = fleet.delivery_year, platform, eco.accelerator_price_usd(fleet, platform)
        links = links_of.get(fleet.id, [])
        placed = True  # the fleet as placed: its operating points are ``first``
        while True:
            used = 0
            for a in links:
                if placed:
                    c = first[(fleet.id, a.workload_id)]
                else:
                    gpus = int(math.floor(max(a.share, 0.0) * n + _SHARE_EPS))
                    # a successor is a new platform: the fleet's cap (set for the old chip) does not carry over
                    c = capacity(catalog, replace(fleet, platform=current.id, price_usd=None, power_cap_w=None), current.domain_size,
                                 scenario.workloads[workload_index[a.workload_id]], gpus, scenario.software_for(fleet))
                    if not c.feasible and gpus > 0:
                        warnings.append(f"after the refresh of fleet '{fleet.id}' to {current.id}, {a.workload_id} is not feasible: {c.reason}")
                used += c.gpus
                points.append((c, workload_index[a.workload_id], len(gens), busy_watts(c, current)))
                if detail is not None:
                    detail.append((len(gens), c, points[-1][3]))
            gens.append(Generation(
                fleet.id, current, n, start, start + life, eco.it_capex_per_accelerator_usd(price, site) * n,
                fleet.residual_value_share, max(n - used, 0), software_speedup(site, current, catalog),
            ))
            events.append(f"year {start}: fleet '{fleet.id}' {'delivered' if placed else 'refreshed to'} {n:,} x {current.id}")
            placed = False
            end = start + life
            if end >= horizon:
                break
            successor = catalog.platforms.get(fleet.refresh_platform) if fleet.refresh_platform else None
            if successor is None:
                events.append(f"year {end}: fleet '{fleet.id}' retired at the end of its {life}-year life")
                break
            current, start, price = successor, end, float(successor.price_usd.value)
            n = successor.accelerators_for_power(power_w)
            if successor.announced:
                warnings.append(f"fleet '{fleet.id}' is refreshed to {successor.id}, which is announced, not shipping: its figures are estimates")
    return gens, PointArrays.of(points) if points else _no_points(), events, warnings


def _no_points() -> PointArrays:
    empty = np.zeros(0)
    return PointArrays(empty, np.zeros(0, dtype=int), np.zeros(0, dtype=int), empty, empty, empty)


def life_cycle(
    scenario: Scenario, gens: list[Generation], points: PointArrays, demand_mean: np.ndarray, shapes: np.ndarray
) -> LifeCycle:
    """Cash flows of years 0..horizon (see the module docstring), their NPV, IRR and discounted
    payback. ``demand_mean``: mean output tokens/s of each workload in year 1 at steady state;
    ``shapes``: workloads x 24 multipliers averaging 1.

    Long because: one vectorised pass over generations x years x hours, kept together so each
    array's axes are visible where it is used."""
    site, workloads = scenario.site, scenario.workloads
    horizon = site.horizon_years
    years = np.arange(1, horizon + 1, dtype=float)  # operating years
    delivery = np.array([g.delivery_year for g in gens], dtype=float)
    end = np.array([g.end_year for g in gens], dtype=float)
    live = (years[None, :] > delivery[:, None]) & (years[None, :] <= end[:, None])  # generations x years
    speed = (1.0 + np.array([g.speedup for g in gens]))[:, None] ** (years - 1.0)[None, :]
    gen = points.generation
    cap = points.capacity[:, None] * (live * speed)[gen] if len(gens) else np.zeros((0, horizon))  # points x years
    growth = (1.0 + np.array([w.demand_growth_per_year for w in workloads]))[:, None] ** (years - 1.0)[None, :]
    ramp = np.where(years == 1.0, site.first_year_ramp, 1.0)
    demand = demand_mean[:, None, None] * (growth * ramp[None, :])[:, :, None] * shapes[:, None, :]  # workloads x years x 24
    served = served_by_point(demand, cap, points.workload)  # points x years x 24
    price = (1.0 - np.array([w.price_decline_per_year for w in workloads]))[:, None] ** (years - 1.0)[None, :]
    revenue = (served.sum(axis=2) * (DAYS_PER_YEAR * 3600.0) * points.value[:, None] * price[points.workload]).sum(axis=0)
    in_service = points.accelerators[:, None] * live[gen] if len(gens) else np.zeros((0, horizon))
    busy = np.broadcast_to(points.busy_w[:, None], in_service.shape)
    watts = drawn_w(in_service, busy, busy * site.idle_power_share, utilisation(served, cap))  # points x years x 24
    idle_w = np.array([g.unassigned * g.platform.all_in_w.value * site.idle_power_share for g in gens])
    watt_hours = watts.sum(axis=(0, 2)) + 24.0 * (idle_w[:, None] * live).sum(axis=0)  # per day, at the accelerators
    energy = site.facility_power_for(watt_hours) / 1e3 * DAYS_PER_YEAR * site.electricity_usd_per_kwh
    opex_other = np.full(horizon, eco.other_opex_usd_per_year(site))
    capex, residual = _capital_flows(site, gens)
    zero = np.zeros(1)
    revenue, energy, opex_other = (np.concatenate([zero, x]) for x in (revenue, energy, opex_other))
    cash = revenue - energy - opex_other - capex + residual
    discounted = cash * discount_factors(site.wacc, horizon)
    cumulative = np.cumsum(discounted)
    sold = np.concatenate([zero, served.sum(axis=(0, 2)) / 24.0])
    capacity_total = np.concatenate([zero, cap.sum(axis=0)])
    accelerators_live = np.concatenate([zero, (np.array([g.accelerators for g in gens], dtype=float)[:, None] * live).sum(axis=0)])
    columns = zip(range(horizon + 1), *(x.tolist() for x in (
        capex, revenue, energy, opex_other, energy + opex_other, residual, cash, discounted, cumulative, sold, capacity_total,
        np.divide(sold, capacity_total, out=np.zeros_like(sold), where=capacity_total > 0), np.rint(accelerators_live),
    )))
    rows = tuple(YearCashFlow(*row[:-1], accelerators=int(row[-1])) for row in columns)
    rate, count = irr(cash)
    return LifeCycle(
        years=rows, npv_usd=float(discounted.sum()), irr=rate, irr_count=count,
        discounted_payback_years=discounted_payback_years(discounted),
    )


def _capital_flows(site: Site, gens: list[Generation]) -> tuple[np.ndarray, np.ndarray]:
    """Capex and residual value of years 0..horizon: the facility built in year 0 and valued at
    its remaining book value at the horizon; each generation bought in its delivery year, sold at
    the end of its life at its residual share, or valued on the straight line at the horizon."""
    horizon = site.horizon_years
    capex = np.zeros(horizon + 1)
    residual = np.zeros(horizon + 1)
    facility = eco.facility_capex_usd(site)
    capex[0] += facility
    residual[horizon] += facility * max(0.0, 1.0 - horizon / site.facility_life_years)
    if not gens:
        return capex, residual
    delivery = np.array([g.delivery_year for g in gens])
    end = np.array([g.end_year for g in gens])
    cost = np.array([g.capex_usd for g in gens])
    share = np.array([g.residual_share for g in gens])
    np.add.at(capex, delivery, cost)
    sold = end <= horizon
    np.add.at(residual, end[sold], cost[sold] * share[sold])
    left = ~sold
    life = (end - delivery).astype(float)
    residual[horizon] += float((cost[left] * residual_share_at(horizon - delivery[left], life[left], share[left])).sum())
    return capex, residual


__all__ = ["Generation", "PointArrays", "busy_watts", "generations", "life_cycle", "software_speedup"]
