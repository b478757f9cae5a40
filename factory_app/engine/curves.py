"""Frontier curves of a factory for charts: tokens/s per MW of facility power against tokens/s per
user, one curve per fleet x workload, with the operating point the evaluation chose.

The per-GPU frontier of the engine is turned into per-MW terms with the same power chain the
factory uses: an accelerator draws its all-in watts, the site adds its non-accelerator IT share
and PUE on top.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from factory_app.engine.catalog import Catalog, default_catalog
from factory_app.engine.factory_results import FactoryResult
from factory_app.engine.frontier import Traffic
from factory_app.engine.performance import PrecisionNotSupported, make_deployment
from factory_app.engine.predict import cached_frontier
from factory_app.scenario.model import Scenario

#: Largest replica searched for a fleet, as in the factory evaluation.
MAX_REPLICA_GPUS = 144


@dataclass(frozen=True, slots=True)
class FrontierCurve:
    """Pareto curve of one fleet x workload, in facility terms."""

    fleet_id: str
    workload_id: str
    platform: str
    label: str
    tokens_per_s_per_user: np.ndarray
    tokens_per_s_per_mw: np.ndarray
    operating_point: tuple[float, float] | None  # (tokens/s per user, tokens/s per MW)
    facility_watts_per_accelerator: float


def facility_watts_per_accelerator(all_in_w: float, pue: float, non_accelerator_share: float) -> float:
    """Facility watts one accelerator costs: its all-in watts, grossed up for the site's
    non-accelerator IT share and PUE."""
    return all_in_w / max(1e-9, 1.0 - non_accelerator_share) * pue


def frontier_curves(scenario: Scenario, result: FactoryResult | None = None, catalog: Catalog | None = None) -> list[FrontierCurve]:
    """One curve per assignment whose platform can run the workload."""
    cat = catalog or default_catalog()
    site = scenario.site
    out: list[FrontierCurve] = []
    for a in scenario.assignments:
        fleet = scenario.fleet(a.fleet_id)
        work = scenario.workload(a.workload_id)
        platform = cat.platforms.get(fleet.platform)
        model = cat.models.get(work.model)
        if platform is None or model is None:
            continue
        try:
            d = make_deployment(platform, model, work.precision, cat.efficiency_for(platform))
        except PrecisionNotSupported:
            continue
        if work.isl + work.osl > model.max_context_tokens:
            continue
        replica = int(min(2 * platform.domain_size, MAX_REPLICA_GPUS))
        f = cached_frontier(d, Traffic(float(work.isl), float(work.osl)), replica, None, work.max_ttft_ms is not None)
        if f.empty:
            continue
        idx = f.pareto_indices()
        watts = facility_watts_per_accelerator(platform.all_in_w.value, site.pue, site.non_accelerator_share)
        per_mw = f.tokens_per_s_per_gpu[idx] * 1e6 / watts
        point = None
        op = result.operating_point(a.fleet_id, a.workload_id) if result else None
        if op is not None and op.feasible and op.accelerators > 0:
            point = (op.tokens_per_s_per_user, op.output_capacity_tokens_per_s / op.accelerators * 1e6 / watts)
        label = f"{fleet.name or platform.id} · {work.name or model.id}"
        out.append(FrontierCurve(a.fleet_id, a.workload_id, platform.id, label, f.tokens_per_s_per_user[idx], per_mw, point, watts))
    return out
