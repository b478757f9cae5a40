"""Demand over the day, hour by hour: what each operating point serves and what it draws.

Every function is numpy arithmetic over arrays whose last axis is the 24 hours, so the same code
serves the single-year view (pairs x 24) and the life cycle (pairs x years x 24).

- A workload's demand in hour h is ``mean demand x shape[h]`` (the shape averages 1). Without a
  stated demand, the mean is ``default_utilisation x`` the capacity of the operating points that
  serve it (as the scenario places them), never all of it.
- Each hour the workload is served ``min(demand, capacity)``; its operating points share that in
  proportion to their capacity (a load balancer spreading requests), so every point runs at the
  same utilisation. The operating point is the engine's for the busiest hour (its p99 limits
  hold at full load); off-peak, replicas are drained and idle.
- A busy accelerator draws its power at the operating point, an idle one ``idle_power_share`` of
  it; an assignment's accelerators draw ``idle + utilisation x (busy - idle)`` on average.
"""

from __future__ import annotations

import numpy as np

from factory_app.scenario.demand_shapes import HOURS, shape_values
from factory_app.scenario.model import Workload

#: Days in a year: each hour of the day is lived 365 times.
DAYS_PER_YEAR = 365


def shape_of(w: Workload) -> np.ndarray:
    """The workload's 24 multipliers, divided by their mean (so they average exactly 1)."""
    values = np.asarray(shape_values(w.demand_shape, w.demand_hourly) or (1.0,) * HOURS, dtype=float)
    mean = values.mean()
    return values / mean if mean > 0 else np.ones(HOURS)


def mean_demand(workloads: tuple[Workload, ...], capacity_by_workload: np.ndarray) -> np.ndarray:
    """Mean output tokens/s each workload's market buys: the stated demand, else its default
    utilisation of the capacity serving it."""
    stated = np.array([np.nan if w.demand_tokens_per_s is None else w.demand_tokens_per_s for w in workloads], dtype=float)
    default = np.array([w.default_utilisation for w in workloads], dtype=float) * capacity_by_workload
    return np.where(np.isnan(stated), default, stated) if len(workloads) else np.zeros(0)


def workload_capacity(capacity: np.ndarray, workload_of: np.ndarray, workloads: int) -> np.ndarray:
    """Capacity per workload: the sum over its operating points (first axis), other axes kept."""
    out = np.zeros((workloads,) + capacity.shape[1:])
    np.add.at(out, workload_of, capacity)
    return out


def served_by_point(demand: np.ndarray, capacity: np.ndarray, workload_of: np.ndarray) -> np.ndarray:
    """Output tokens/s each operating point serves, hour by hour.

    ``demand``: workloads x ... x 24 (tokens/s); ``capacity``: points x ... (tokens/s, the same
    middle axes); ``workload_of``: the workload index of each point. Returns points x ... x 24,
    each value at most the point's capacity and, summed over a workload's points, at most its
    demand (the identities the tests check)."""
    per_workload = workload_capacity(capacity, workload_of, demand.shape[0])
    served = np.minimum(demand, per_workload[..., None])  # workloads x ... x 24
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(per_workload[workload_of] > 0, capacity / per_workload[workload_of], 0.0)
    return served[workload_of] * share[..., None]


def utilisation(served: np.ndarray, capacity: np.ndarray) -> np.ndarray:
    """Served / capacity, hour by hour (0 where there is no capacity)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(capacity[..., None] > 0, served / capacity[..., None], 0.0)


def drawn_w(accelerators: np.ndarray, busy_w: np.ndarray, idle_w: np.ndarray, use: np.ndarray) -> np.ndarray:
    """Watts the accelerator systems of each point draw, hour by hour: ``n x (idle + use x (busy -
    idle))`` with ``use`` the hour's utilisation (points x ... x 24)."""
    return accelerators[..., None] * (idle_w[..., None] + use * (busy_w - idle_w)[..., None])


__all__ = ["DAYS_PER_YEAR", "drawn_w", "mean_demand", "served_by_point", "shape_of", "utilisation", "workload_capacity"]
