"""Year 1 at steady state, hour by hour: what each operating point sells and draws over a day.

The single-year figures of a factory (totals, fleets, workloads) describe this day lived 365
times: every fleet as placed, year-1 prices and software, full demand (no first-year ramp). The
arithmetic is :mod:`factory_app.factory.demand`'s, the same as each year of the life cycle.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from factory_app.factory.demand import drawn_w, mean_demand, served_by_point, shape_of, utilisation, workload_capacity
from factory_app.factory.life_cycle import Generation, busy_watts, software_speedup
from factory_app.factory.operating_points import Capacity
from factory_app.factory.results import REPORT_YEAR, REPORT_YEAR_TEXT
from factory_app.scenario.demand_shapes import HOURS
from factory_app.serving.catalog import Catalog
from factory_app.scenario.model import Scenario


@dataclass(frozen=True, slots=True)
class PointDay:
    sold: float  # output tokens/s, averaged over the day
    peak_utilisation: float  # of the busiest hour


@dataclass(frozen=True, slots=True)
class WorkloadDay:
    mean_demand: float  # output tokens/s
    demand: tuple[float, ...]  # per hour
    served: tuple[float, ...]  # per hour


@dataclass(frozen=True, slots=True)
class DayService:
    """The day of every operating point (in the order of ``keys``) and every workload."""

    index: dict[tuple[str, str], int]  # (fleet id, workload id) -> point
    fleet_w: dict[str, float]  # fleet id -> W its assigned accelerators draw, averaged over the day
    sold: np.ndarray  # per point, mean output tokens/s
    peak_use: np.ndarray  # per point
    mean_w: np.ndarray  # per point: W its accelerators draw, averaged over the day
    workload_ids: tuple[str, ...]
    demand_mean: np.ndarray  # per workload, output tokens/s
    shapes: np.ndarray  # workloads x 24, each averaging 1
    demand: np.ndarray  # workloads x 24
    served: np.ndarray  # workloads x 24

    def point(self, key: tuple[str, str]) -> PointDay:
        i = self.index[key]
        return PointDay(float(self.sold[i]), float(self.peak_use[i]))

    def fleet_mean_w(self, fleet_id: str) -> float:
        return self.fleet_w.get(fleet_id, 0.0)

    def workload(self, workload_id: str) -> WorkloadDay:
        i = self.workload_ids.index(workload_id)
        return WorkloadDay(float(self.demand_mean[i]), tuple(self.demand[i].tolist()), tuple(self.served[i].tolist()))


def serve_day(scenario: Scenario, catalog: Catalog, points: dict[tuple[str, str], Capacity]) -> DayService:
    """Serve each workload's demand over the day on the operating points ``points`` (keyed by
    fleet and workload id): hour by hour ``min(demand, capacity)``, shared in proportion to
    capacity; accelerators draw idle power plus their busy share (see :mod:`demand`)."""
    site, workloads = scenario.site, scenario.workloads
    index = {w.id: i for i, w in enumerate(workloads)}
    keys = tuple(points)
    caps = np.array([c.output_tokens_per_s if c.feasible else 0.0 for c in points.values()], dtype=float)
    of = np.array([index[k[1]] for k in keys], dtype=int)
    fleets = {f.id: f for f in scenario.fleets}
    busy = np.array([busy_watts(c, catalog.platforms[fleets[k[0]].platform]) if fleets[k[0]].platform in catalog.platforms else 0.0
                     for k, c in points.items()], dtype=float)
    count = np.array([c.gpus for c in points.values()], dtype=float)
    demand_mean = mean_demand(workloads, workload_capacity(caps, of, len(workloads)))
    shapes = np.array([shape_of(w) for w in workloads], dtype=float).reshape(len(workloads), HOURS)
    demand = demand_mean[:, None] * shapes
    served = served_by_point(demand, caps, of)  # points x 24
    use = utilisation(served, caps)
    watts = drawn_w(count, busy, busy * site.idle_power_share, use)
    by_workload = workload_capacity(served, of, len(workloads))  # workloads x 24
    mean_w = watts.mean(axis=-1)
    fleet_w: dict[str, float] = {}
    for k, w in zip(keys, mean_w.tolist()):
        fleet_w[k[0]] = fleet_w.get(k[0], 0.0) + w
    return DayService(
        index={k: i for i, k in enumerate(keys)}, fleet_w=fleet_w, sold=served.mean(axis=-1), peak_use=use.max(axis=-1, initial=0.0), mean_w=mean_w,
        workload_ids=tuple(index), demand_mean=demand_mean, shapes=shapes, demand=demand, served=by_workload,
    )


def finance_assumptions(scenario: Scenario, catalog: Catalog, gens: list[Generation]) -> dict[str, Any]:
    """The assumptions the money rests on, as ``evaluate --json`` prints them under ``finance``."""
    site = scenario.site
    speedups = {}
    for g in gens:
        speedups.setdefault(g.fleet_id, {})[g.platform.id] = g.speedup
    for f in scenario.fleets:
        p = catalog.platforms.get(f.platform)
        if f.id not in speedups and p is not None:
            speedups[f.id] = {p.id: software_speedup(site, p, catalog)}
    return {
        "wacc": site.wacc,
        "horizon_years": site.horizon_years,
        "report_year": REPORT_YEAR,
        "report_year_means": REPORT_YEAR_TEXT,
        "networking_share": site.networking_share,
        "idle_power_share": site.idle_power_share,
        "first_year_ramp": site.first_year_ramp,
        "software_speedup_per_year": speedups,
        "software_speedup_source": "site assumption" if site.software_speedup_per_year is not None else "engine's fitted trend (0 until fitted)",
        "price_decline_per_year": {w.id: w.price_decline_per_year for w in scenario.workloads},
        "demand_growth_per_year": {w.id: w.demand_growth_per_year for w in scenario.workloads},
        "facility_capex_usd": site.it_power_mw * site.facility_capex_usd_per_mw,
    }


__all__ = ["DayService", "PointDay", "WorkloadDay", "finance_assumptions", "serve_day"]
