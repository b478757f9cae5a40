"""Frontier curves of a factory for charts: tokens/s per MW of facility power against tokens/s per
user, one curve per fleet x workload, with the operating point the evaluation chose.

The per-GPU frontier of the engine is turned into per-MW terms with the same power chain the
factory uses: an accelerator draws its all-in watts, the site adds its non-accelerator IT share
and PUE on top.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from factory_app.factory.memo import CatalogMemo
from factory_app.serving.catalog import Catalog, default_catalog
from factory_app.factory.results import FactoryResult
from factory_app.serving.performance import PrecisionNotSupported
from factory_app.serving.curve import frontier_with_band
from factory_app.scenario.model import Scenario



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
    #: the engine's error band on tokens/s per MW at each point (calibration residuals, docs/calibration.md)
    tokens_per_s_per_mw_low: np.ndarray | None = None
    tokens_per_s_per_mw_high: np.ndarray | None = None


def frontier_curves(scenario: Scenario, result: FactoryResult | None = None, catalog: Catalog | None = None) -> list[FrontierCurve]:
    """One curve per assignment whose platform can run the workload."""
    cat = catalog or default_catalog()
    site = scenario.site
    fleets = {f.id: f for f in scenario.fleets}
    workloads = {w.id: w for w in scenario.workloads}
    ops = {(op.fleet_id, op.workload_id): op for f in result.fleets for op in f.operating_points} if result else {}
    out: list[FrontierCurve] = []
    for a in scenario.assignments:
        fleet, work = fleets.get(a.fleet_id), workloads.get(a.workload_id)
        if fleet is None or work is None:
            continue
        platform = cat.platforms.get(fleet.platform)
        if platform is None:
            continue
        # facility watts one accelerator costs: its provisioned watts through the site's power chain
        watts = site.facility_power_for(platform.provisioned_w(fleet.power_cap_w))
        curve = _pair_curve(cat, fleet.platform, work.model, work.precision, work.isl, work.osl, work.max_ttft_ms is not None,
                            watts, scenario.software_for(fleet), fleet.power_cap_w)
        if curve is None:
            continue
        users, per_mw, low, high = curve
        point = None
        op = ops.get((a.fleet_id, a.workload_id))
        if op is not None and op.feasible and op.accelerators > 0:
            point = (op.tokens_per_s_per_user, op.output_capacity_tokens_per_s / op.accelerators * 1e6 / watts)
        label = f"{fleet.name or fleet.platform} · {work.name or work.model}"
        out.append(FrontierCurve(a.fleet_id, a.workload_id, fleet.platform, label, users, per_mw, point, watts, low, high))
    return out


_curves: CatalogMemo[tuple[np.ndarray, ...] | None] = CatalogMemo(4096)


def _pair_curve(
    cat: Catalog, platform_id: str, model_id: str, precision: str, isl: int, osl: int, queued: bool, facility_w: float,
    software: str | None = None, power_cap_w: float | None = None,
) -> tuple[np.ndarray, ...] | None:
    """The Pareto curve of one platform x workload shape in facility terms (tokens/s per user,
    tokens/s per MW with its error band, ``facility_w`` facility watts per accelerator), or None when the
    platform cannot serve it. Remembered like the engine's answers: an edit recomputes only the
    curves whose inputs changed."""
    key = (platform_id, model_id, precision, int(isl), int(osl), queued, float(facility_w), software, power_cap_w)
    return _curves.get(cat, key, lambda: _compute_pair_curve(cat, platform_id, model_id, precision, isl, osl, queued, facility_w,
                                                             software, power_cap_w))


def clear_curve_cache() -> None:
    """Forget remembered curves (benchmarks measure cold work with this)."""
    _curves.clear()


def _compute_pair_curve(
    cat: Catalog, platform_id: str, model_id: str, precision: str, isl: int, osl: int, queued: bool, facility_w: float,
    software: str | None, power_cap_w: float | None,
) -> tuple[np.ndarray, ...] | None:
    """(tokens/s per user, tokens/s per MW, its low and high band) of the pair's Pareto curve,
    searched as predict searches (drafters included), or None when the platform cannot serve it."""
    platform = cat.platforms.get(platform_id)
    model = cat.models.get(model_id)
    if platform is None or model is None or isl + osl > model.max_context_tokens:
        return None
    try:
        f = frontier_with_band(platform_id, model_id, precision, isl, osl, catalog=cat, queued=queued, software=software,
                               power_cap_w=power_cap_w)
    except (PrecisionNotSupported, ValueError):
        return None
    if len(f) == 0:
        return None
    per_mw = 1e6 / facility_w
    out = (f.tokens_per_s_per_user, f.tokens_per_s_per_gpu * per_mw, f.tokens_per_s_per_gpu_low * per_mw,
           f.tokens_per_s_per_gpu_high * per_mw)
    for a in out:
        a.flags.writeable = False  # shared by every curve drawn from this entry
    return out


def largest_curves(curves: list[FrontierCurve], result: FactoryResult | None, limit: int) -> list[FrontierCurve]:
    """At most ``limit`` curves: those whose operating points have the most output capacity, in
    their original order. A chart of hundreds of curves (a factory of 200 fleets) is unreadable
    and slow to draw; the largest pairs are the ones that move the factory's figures."""
    if len(curves) <= limit:
        return list(curves)
    capacity: dict[tuple[str, str], float] = {}
    if result is not None:
        for f in result.fleets:
            for op in f.operating_points:
                capacity[(op.fleet_id, op.workload_id)] = op.output_capacity_tokens_per_s
    ranked = sorted(range(len(curves)), key=lambda i: -capacity.get((curves[i].fleet_id, curves[i].workload_id), 0.0))
    keep = set(ranked[: max(limit, 0)])
    return [c for i, c in enumerate(curves) if i in keep]

