"""The documents a calibration run writes: the digest of its inputs, the summary of its errors,
and ``resources/catalog/efficiency.json`` (the fitted factors with their provenance)."""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from factory_app.resources import resource_path
from factory_app.serving.calibration import INPUT_FILES, FitResult, ScoredPoint
from factory_app.serving.catalog import Efficiency, LatencyTail, PowerModel


def inputs_digest(folder: Path | None = None) -> str:
    """SHA-256 (first 12 hex) of the measurement and scoring files: provenance of a fit."""
    folder = folder or resource_path("calibration")
    h = hashlib.sha256()
    for name in INPUT_FILES:
        h.update((folder / name).read_bytes())
    return h.hexdigest()[:12]


def summary(rows: list[ScoredPoint], free: bool = False) -> dict[str, Any]:
    errs = np.array([r.error_free if free else r.error for r in rows])
    finite = errs[np.isfinite(errs)]
    if not len(finite):
        return {"points": len(rows), "median_abs_error": float("nan"), "mean_abs_error": float("nan"), "worst_error": float("nan"),
                "worst_point": "", "within_15": 0, "beyond_35": 0, "beyond_40": 0, "beyond_2x": 0, "infeasible": len(rows)}
    i = int(np.nanargmax(np.abs(errs)))
    ratio = 1.0 + finite
    return {
        "points": len(rows),
        "median_abs_error": float(np.median(np.abs(finite))),
        "mean_abs_error": float(np.mean(np.abs(finite))),
        "worst_error": float(errs[i]),
        "worst_point": rows[i].point.id,
        "within_15": int(np.sum(np.abs(finite) <= 0.15)),
        "beyond_35": int(np.sum(np.abs(finite) > 0.35)),
        "beyond_40": int(np.sum(np.abs(finite) > 0.40)),
        "beyond_2x": int(np.sum((ratio > 2.0) | (ratio < 0.5))),
        "infeasible": int(np.sum(~np.isfinite(errs))),
    }


def efficiency_document(result: FitResult, inherits: dict[str, dict[str, str]], digest: str, iterations: int) -> dict[str, Any]:
    """The ``efficiency.json`` content for a fit: factors, the families that borrow them, the
    latency tail, the power model, the software months, and where they came from."""
    families: dict[str, Any] = {}
    for name, eff in sorted(result.families.items()):
        families[name] = {k: getattr(eff, k) for k in Efficiency.FIELDS}
        families[name]["reference_date"] = eff.reference_date
    families.update({k: v for k, v in inherits.items() if k not in result.families})
    return {
        "format": "factory_app.catalog.efficiency",
        "format_version": 2,
        "provenance": (
            f"fitted by 'factory-app calibrate' (Nelder-Mead, {iterations} iterations, from the prior centres) "
            f"against resources/calibration ({', '.join(INPUT_FILES)}), sha256 {digest}; "
            "per-point errors in docs/calibration.md"
        ),
        "inputs_sha256": digest,
        "software_dates": list(result.dates),
        "moe_software_trend_per_year": result.moe_trend,
        "latency_tail": {k: getattr(result.tail, k) for k in LatencyTail.__slots__},
        "power": {k: getattr(result.power, k) for k in PowerModel.__slots__},
        "families": families,
    }


def inherited_families(path: Path) -> dict[str, dict[str, str]]:
    """Families in an efficiency file that borrow another family's factors (kept by a refit)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return {k: v for k, v in data.get("families", {}).items() if "inherits" in v}


# --------------------------------------------------------------------------------------------
# error bands
