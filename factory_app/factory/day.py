"""Year 1 at steady state, hour by hour: what each operating point sells and draws over a day.

The single-year figures of a factory (totals, fleets, workloads) describe this day lived 365
times: every fleet as placed, year-1 prices and software, full demand (no first-year ramp). The
arithmetic is :mod:`factory_app.factory.demand`'s, the same as each year of the life cycle, and
runs over every sample of the numbers at once (one for an evaluation).

Axes: points ``(P, S, 24)``, workloads ``(W, S, 24)``: item, sample, hour.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from factory_app.factory.demand import drawn_w, mean_demand_of, served_by_point, utilisation, workload_capacity
from factory_app.factory.numbers import Numbers
from factory_app.factory.results import REPORT_YEAR, REPORT_YEAR_TEXT
from factory_app.factory.structure import Generation, Structure, software_speedup
from factory_app.scenario.model import Scenario
from factory_app.serving.catalog import Catalog


@dataclass(frozen=True, slots=True)
class DayArrays:
    """The day of every operating point and every workload, for every sample."""

    capacity: np.ndarray  # (P, S): output tokens/s at the operating point, throughput applied
    demand_mean: np.ndarray  # (W, S): output tokens/s
    demand: np.ndarray  # (W, S, 24)
    served: np.ndarray  # (P, S, 24)
    use: np.ndarray  # (P, S, 24)
    watts: np.ndarray  # (P, S, 24): W the point's accelerators draw
    by_workload: np.ndarray  # (W, S, 24): served
    sold: np.ndarray  # (P, S): output tokens/s sold, averaged over the day
    mean_w: np.ndarray  # (P, S): W drawn, averaged over the day


def point_capacity(structure: Structure, numbers: Numbers, points=None) -> np.ndarray:
    """(P, S): each point's capacity times its platform family's throughput multiplier."""
    points = structure.points if points is None else points
    return points.capacity[:, None] * numbers.throughput[points.family] if len(points.capacity) else np.zeros((0, numbers.samples))


def serve_day(structure: Structure, numbers: Numbers) -> DayArrays:
    """Serve each workload's demand over the day on the year-1 operating points: hour by hour
    ``min(demand, capacity)``, shared in proportion to capacity; accelerators draw idle power
    plus their busy share (see :mod:`demand`)."""
    points = structure.points
    caps = point_capacity(structure, numbers)
    w = len(structure.scenario.workloads)
    demand_mean = mean_demand_of(numbers.workloads["demand_tokens_per_s"], numbers.workloads["default_utilisation"],
                                 workload_capacity(caps, points.workload, w))
    demand = demand_mean[:, :, None] * structure.shapes[:, None, :]
    served = served_by_point(demand, caps, points.workload)
    use = utilisation(served, caps)
    busy = points.busy_w[:, None]
    watts = drawn_w(points.accelerators[:, None], busy, busy * numbers.site.idle_power_share, use)
    return DayArrays(caps, demand_mean, demand, served, use, watts, workload_capacity(served, points.workload, w),
                     served.mean(axis=-1), watts.mean(axis=-1))


def finance_assumptions(scenario: Scenario, catalog: Catalog, gens: tuple[Generation, ...]) -> dict[str, Any]:
    """The assumptions the money rests on, as ``evaluate --json`` prints them under ``finance``."""
    site = scenario.site
    speedups: dict[str, dict[str, float]] = {}
    for g in gens:
        speedups.setdefault(g.fleet_id, {})[g.platform.id] = software_speedup(site, g.platform, catalog)
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
        "software_speedup_source": "site assumption" if site.software_speedup_per_year is not None else "engine's fitted trend per platform family",
        "price_decline_per_year": {w.id: w.price_decline_per_year for w in scenario.workloads},
        "demand_growth_per_year": {w.id: w.demand_growth_per_year for w in scenario.workloads},
        "facility_capex_usd": site.it_power_mw * site.facility_capex_usd_per_mw,
    }


__all__ = ["DayArrays", "finance_assumptions", "point_capacity", "serve_day"]
