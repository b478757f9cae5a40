"""The Pareto frontier of one platform x workload for charts, with power and an error band.

``frontier_with_band`` is what the factory's charts call: tokens/s per user against tokens/s
per GPU on the Pareto front, the system watts per GPU at each point (for tokens/s per MW), and
the low/high band of each point's tokens/s per GPU from :mod:`factory_app.serving.evidence`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from factory_app.serving.catalog import Catalog, default_catalog
from factory_app.serving.evidence import error_band
from factory_app.serving.frontier import Speculation, Traffic, pareto_indices
from factory_app.serving.predict import cached_frontier, deployment_for, largest_replica, speculation_options


@dataclass(frozen=True, slots=True)
class BandedFrontier:
    """Pareto points by rising tokens/s per user (arrays of equal length; read-only)."""

    tokens_per_s_per_user: np.ndarray
    tokens_per_s_per_gpu: np.ndarray
    tokens_per_s_per_gpu_low: np.ndarray
    tokens_per_s_per_gpu_high: np.ndarray
    power_w_per_gpu: np.ndarray  # system watts per GPU at each point (accelerator + host share)
    calibrated_for: str  # software month (YYYY-MM)
    calibrated: bool
    reason: str = ""  # why it is empty, if it is

    def __len__(self) -> int:
        return len(self.tokens_per_s_per_user)


def frontier_with_band(
    platform_id: str,
    model_id: str,
    precision: str,
    isl: float,
    osl: float,
    *,
    catalog: Catalog | None = None,
    queued: bool = True,
    software: str | None = None,
    power_cap_w: float | None = None,
    max_gpus_per_replica: int | None = None,
    speculation: Speculation | None = None,
) -> BandedFrontier:
    """The frontier of a platform x model x precision x traffic shape (``queued``: latency-limited
    service, the band of latency-limited points; else maximum throughput) for the software of
    ``software`` under an optional per-accelerator power cap (W). Replicas are searched up to
    ``max_gpus_per_replica`` (default :func:`~factory_app.serving.predict.largest_replica`).
    ``speculation`` None searches what :func:`~factory_app.serving.predict.predict` searches
    (plain decoding and the model's published drafter), so a chart's curve holds the points its
    operating point is chosen from.

    Raises the errors of :func:`~factory_app.serving.predict.deployment_for`."""
    cat = catalog or default_catalog()
    platform = cat.platform(platform_id)
    model = cat.model(model_id)
    d = deployment_for(cat, platform, model, precision, software=software, power_cap_w=power_cap_w)
    replica = max_gpus_per_replica or largest_replica(platform.domain_size)
    traffic = Traffic(float(isl), float(osl))
    frontiers = [cached_frontier(d, traffic, replica, spec, queued) for spec, _ in speculation_options(model, speculation)]
    users = np.concatenate([f.tokens_per_s_per_user for f in frontiers])
    per_gpu_all = np.concatenate([f.tokens_per_s_per_gpu for f in frontiers])
    watts = np.concatenate([f.power_w_per_gpu for f in frontiers])
    if queued:  # the batches predict refines a latency-limited answer between (see predict._refine)
        extra = [_refined(d, traffic, f, spec) for f, (spec, _) in zip(frontiers, speculation_options(model, speculation))]
        users = np.concatenate([users] + [e.tokens_per_s_per_user for e in extra if e is not None])
        per_gpu_all = np.concatenate([per_gpu_all] + [e.tokens_per_s_per_gpu for e in extra if e is not None])
        watts = np.concatenate([watts] + [e.power_w_per_gpu for e in extra if e is not None])
    calibrated = cat.efficiency_for(platform).calibrated
    low, high, _ = error_band(cat, platform, model, "TTFT p99" if queued else "maximum throughput", d.software_date, calibrated)
    idx = pareto_indices(users, per_gpu_all)
    per_gpu = per_gpu_all[idx]
    out = BandedFrontier(
        tokens_per_s_per_user=users[idx],
        tokens_per_s_per_gpu=per_gpu,
        tokens_per_s_per_gpu_low=per_gpu * math.exp(-high),
        tokens_per_s_per_gpu_high=per_gpu * math.exp(-low),
        power_w_per_gpu=watts[idx],
        calibrated_for=d.software_date,
        calibrated=calibrated,
        reason=next((f.reason for f in frontiers if f.reason), ""),
    )
    for a in (out.tokens_per_s_per_user, out.tokens_per_s_per_gpu, out.tokens_per_s_per_gpu_low,
              out.tokens_per_s_per_gpu_high, out.power_w_per_gpu):
        a.flags.writeable = False
    return out


def _refined(d, traffic: Traffic, f, spec):
    """Points between each Pareto vertex of a frontier and the next batch up on its layout, mode
    and drafter (``REFINE_STEPS`` of them, as predict refines its answer), so that a refined
    operating point lies on the curve drawn beside it."""
    from factory_app.serving.frontier import evaluate_points
    from factory_app.serving.layouts import LayoutArrays
    from factory_app.serving.predict import REFINE_STEPS

    if f.empty:
        return None
    key = f.tp + 1e3 * f.dp + 1e6 * f.ep + 1e9 * f.pp + 1e12 * f.disaggregated
    tp, dp, ep, pp, batch, limit, disagg = [], [], [], [], [], [], []
    for i in f.pareto_indices():
        up = (key == key[i]) & (f.batch > f.batch[i])
        if not up.any():
            continue
        grid = np.unique(np.round(np.linspace(f.batch[i], f.batch[up].min(), REFINE_STEPS + 2)[1:-1]))
        grid = grid[grid > f.batch[i]]
        for name, out in (("tp", tp), ("dp", dp), ("ep", ep), ("pp", pp), ("batch_limit", limit), ("disaggregated", disagg)):
            out.append(np.full(len(grid), getattr(f, name)[i]))
        batch.append(grid)
    if not batch:
        return None
    lay = LayoutArrays(*(np.concatenate(a) for a in (tp, dp, ep, pp)))
    b, lim, dis = np.concatenate(batch), np.concatenate(limit), np.concatenate(disagg).astype(bool)
    pts = evaluate_points(d, traffic, lay, b, lim, spec, queued=True, disaggregation=bool(dis.any()))
    n = len(b)
    return pts.take(np.where(dis, np.arange(n) + n, np.arange(n)) if dis.any() else np.arange(n))
