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
