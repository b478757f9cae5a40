"""Leave one system out: each system's points predicted by a fit that never saw them -- the
honest estimate of the engine's error on hardware the calibration has not measured."""

from __future__ import annotations

from dataclasses import dataclass, replace

from factory_app.serving.calibration import (
    FALLBACK_FAMILY,
    PARAM_SPACE,
    REFERENCE_FAMILY,
    TREND_FAMILIES,
    CalibrationPoint,
    FitResult,
    ScoredPoint,
    apply_fit,
    borrowed_factors,
    families_of,
    fit_family,
    fit_moe_trend,
    score,
)
from factory_app.serving.catalog import Catalog


@dataclass(frozen=True, slots=True)
class HoldOut:
    """One system's points predicted by a fit that never saw them."""

    system: str
    rows: list[ScoredPoint]
    note: str


def leave_one_system_out(
    catalog: Catalog, points: list[CalibrationPoint], fit: FitResult, iterations: int = 400
) -> list[HoldOut]:
    """For every system (platform), refit its family without its points and predict them.

    Other families do not see the held-out points, so they keep the full fit's factors; the
    held-out family is refitted from its prior centres on its remaining points, or, with none
    left, borrows its fallback family's factors. The latency tail and the power model keep the
    full fit (they are global and fitted on latencies and watts, not throughput); the MoE
    software trend is refitted on the other systems' points."""
    out = []
    base = apply_fit(catalog, fit.families, fit.tail, fit.power, fit.software)
    mean_trend = _mean_trend(fit, points, catalog)
    for system in sorted({p.system for p in points}):
        held = [p for p in points if p.system == system]
        family = catalog.platform(system).family
        rest = [p for p in points if p.system != system and catalog.platform(p.platform).family == family]
        families = {k: v for k, v in fit.families.items() if k != family}
        if rest:
            trend = None if family in TREND_FAMILIES else mean_trend
            families[family] = fit_family(base, family, rest, iterations, fit.families.get(REFERENCE_FAMILY), trend,
                                          borrowed_factors(fit.families, family))
            note = f"{family} refitted on its other {len(rest)} points"
        else:
            note = f"{family} has no other points: borrows {FALLBACK_FAMILY.get(family, '?')}'s factors"
        cat = apply_fit(catalog, families, fit.tail, fit.power, fit.software)
        # the MoE software trend is refitted without the held-out system's points too
        others = [p for p in points if p.system != system]
        cat = replace(cat, software=replace(cat.software, moe_trend_per_year=fit_moe_trend(cat, others)))
        out.append(HoldOut(system, score(held, cat), note))
    return out


def _mean_trend(fit: FitResult, points: list[CalibrationPoint], catalog: Catalog) -> float:
    groups = families_of(points, catalog)
    pairs = [(fit.families[f].software_trend_per_year, len(groups[f])) for f in TREND_FAMILIES if f in fit.families and f in groups]
    return sum(t * n for t, n in pairs) / sum(n for _, n in pairs) if pairs else PARAM_SPACE["software_trend_per_year"][2]
