"""Error bands of the engine: how far its answers stray from the measurements, by platform
family, model class and kind of service, in sample and on systems held out of the fit.

``bands_document`` is written to ``resources/calibration/bands.json`` by ``factory-app
calibrate``; :mod:`factory_app.serving.evidence` reads it to put a band on every prediction.
A band is the 10th-90th percentile of the log residuals of comparable points, at least as wide
as their median absolute residual either side (docs/calibration.md says how and shows the
coverage).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from factory_app.serving.calibration import CalibrationPoint, ScoredPoint
from factory_app.serving.calibration_holdout import HoldOut
from factory_app.serving.catalog import Catalog
from factory_app.serving.evidence import pick_band


def _kind(p: CalibrationPoint) -> str:
    if p.service.concurrency is not None:
        return "closed"
    return "latency" if (p.service.has_latency_limit or p.service.min_tokens_per_s_per_user) else "offline"


def _quantile_band(residuals: list[float]) -> dict[str, float]:
    r = np.array(residuals)
    m = float(np.median(np.abs(r)))
    low = min(float(np.quantile(r, 0.1)), -m)
    high = max(float(np.quantile(r, 0.9)), m)
    return {"n": len(r), "low": round(low, 4), "high": round(high, 4)}


def group_bands(rows: list[ScoredPoint], catalog: Catalog) -> dict[str, dict[str, float]]:
    """Log-residual bands per group 'family|dense-or-moe|service kind' and its coarser groups."""
    groups: dict[str, list[float]] = {}
    for r in rows:
        if not (math.isfinite(r.error) and r.predicted > 0):
            continue
        p = r.point
        fam = catalog.platform(p.platform).family
        cls = "moe" if catalog.model(p.model).is_moe else "dense"
        res = math.log(r.predicted / p.measured)
        for key in (f"{fam}|{cls}|{_kind(p)}", f"{fam}|{cls}|*", f"{fam}|*|*", "*|*|*"):
            groups.setdefault(key, []).append(res)
    return {k: _quantile_band(v) for k, v in sorted(groups.items())}


def _lookup(groups: dict[str, dict[str, float]], fam: str, cls: str, kind: str) -> dict[str, float] | None:
    picked = pick_band(groups, fam, cls, kind)  # the app's rule (evidence.band_for), so coverage is the app's
    return picked[0] if picked else None


def inside_band(r: ScoredPoint, band: dict[str, float]) -> bool:
    """Is the measurement inside the band around the prediction?"""
    low, high = r.predicted * math.exp(-band["high"]), r.predicted * math.exp(-band["low"])
    return low <= r.point.measured <= high


def _holdout_residuals(holdouts: list[HoldOut], catalog: Catalog, points_by_family: dict[str, int], family_kept: bool,
                       exclude: str | None = None) -> list[float]:
    """Log residuals of held-out systems whose family kept other points (``family_kept``) or not."""
    out = []
    for h in holdouts:
        if h.system == exclude:
            continue
        fam = catalog.platform(h.system).family
        kept = points_by_family.get(fam, 0) > len(h.rows)
        if kept != family_kept:
            continue
        out += [math.log(r.predicted / r.point.measured) for r in h.rows if math.isfinite(r.error) and r.predicted > 0]
    return out


def _family_counts(rows: list[ScoredPoint], catalog: Catalog) -> dict[str, int]:
    counts: dict[str, int] = {}
    for r in rows:
        fam = catalog.platform(r.point.platform).family
        counts[fam] = counts.get(fam, 0) + 1
    return counts


def band_coverage(rows: list[ScoredPoint], holdouts: list[HoldOut], catalog: Catalog) -> dict[str, Any]:
    """How often measurements fall inside the bands the app would show.

    In sample: each point against its group's band (its platform has measurements). Leave one
    system out: each held-out point against the band the app shows for a platform without
    measurements (the unseen-system band, or the unseen-family band when its family has no other
    points), built from the other systems' hold-out residuals, so the band never saw the
    measurement it is judged on."""
    groups = group_bands(rows, catalog)
    counts = _family_counts(rows, catalog)
    ins = [inside_band(r, _lookup(groups, catalog.platform(r.point.platform).family,
                                  "moe" if catalog.model(r.point.model).is_moe else "dense", _kind(r.point)))
           for r in rows if math.isfinite(r.error)]
    out_hits, widths, per_system = [], [], {}
    for h in holdouts:
        fam = catalog.platform(h.system).family
        kept = counts.get(fam, 0) > len(h.rows)
        band = _quantile_band(_holdout_residuals(holdouts, catalog, counts, kept, exclude=h.system) or [0.0])
        mine = [inside_band(r, band) for r in h.rows if math.isfinite(r.error)]
        out_hits += mine
        widths += [band["high"] - band["low"]] * len(mine)
        per_system[h.system] = f"{sum(mine)} of {len(mine)}"
    return {
        "per_system": per_system,
        "in_sample": (sum(ins), len(ins)),
        "hold_out": (sum(out_hits), len(out_hits)),
        "hold_out_median_width": float(np.median(widths)) if widths else float("nan"),
    }


def bands_document(rows: list[ScoredPoint], holdouts: list[HoldOut], catalog: Catalog, digest: str) -> dict[str, Any]:
    """``bands.json``: log-residual bands per group of comparable points (see
    :mod:`factory_app.serving.evidence`), and the band of hardware the fit has not seen."""
    counts = _family_counts(rows, catalog)
    unseen_system = _holdout_residuals(holdouts, catalog, counts, True)
    unseen_family = _holdout_residuals(holdouts, catalog, counts, False)
    return {
        "format": "factory_app.calibration.bands",
        "about": (
            "Error bands of predictions: per group 'family|dense-or-moe|service kind' (offline, latency, closed), "
            "the 10th and 90th percentiles of log(predicted/measured) over the calibration points, never narrower "
            "than the median absolute residual; 'unseen_system' from the leave-one-system-out residuals of systems whose "
            "family kept other points (for platforms without measurements of their own), 'unseen_family' from those whose "
            "family had none (for families without measurements); widened by "
            "date_sigma_per_year per year between the software month and the family's nearest measurement. "
            "Written by 'factory-app calibrate'."
        ),
        "inputs_sha256": digest,
        "date_sigma_per_year": 0.1,
        "groups": group_bands(rows, catalog),
        "unseen_system": _quantile_band(unseen_system) if unseen_system else {"n": 0, "low": -0.5, "high": 0.5},
        "unseen_family": _quantile_band(unseen_family) if unseen_family else {"n": 0, "low": -0.5, "high": 0.5},
    }
