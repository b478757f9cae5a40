"""Calibration: score the performance model against published measurements and fit the
efficiency factors of each platform family.

Inputs are ``resources/calibration/measurements.json`` (the measurements with their sources) and
``resources/calibration/points.json`` (how each is scored: catalogue ids, traffic shape, service
level, stated layout, metric). ``factory-app calibrate`` runs :func:`fit_all`, writes the fitted
factors to ``resources/catalog/efficiency.json`` with their provenance and the per-point errors to
``docs/calibration.md``. The fit is deterministic: same inputs, same factors.

What is fitted, and why it is physics rather than curve-fitting: seven factors per family
(achieved HBM bandwidth, GEMM efficiency curve, per-step and per-layer software overhead,
achieved link bandwidth and latency), each kept inside a physically plausible range by bounds and
by a weak prior towards typical values. The same seven numbers must explain every model, batch
size, sequence length and GPU count of the family.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable, Iterable

import numpy as np

from factory_app.serving.catalog import Catalog, Efficiency, default_catalog
from factory_app.serving.frontier import Speculation
from factory_app.serving.nelder_mead import nelder_mead
from factory_app.serving.predict import LayoutConstraint, Prediction, ServiceLevel, predict
from factory_app.resources import resource_path


@dataclass(frozen=True, slots=True)
class CalibrationPoint:
    """One published measurement and how to score it."""

    id: str
    platform: str
    gpus: int
    model: str
    precision: str
    isl: float
    osl: float
    service: ServiceLevel
    layout: LayoutConstraint | None
    metric: str
    measured: float
    speculation: Speculation | None
    kv_precision: str | None
    software: str | None
    source: str
    description: str
    assumption: str = ""


@dataclass(frozen=True, slots=True)
class ScoredPoint:
    point: CalibrationPoint
    predicted: float  # at the layout the source states (what the fit uses)
    predicted_free: float  # at the layout the engine picks (what `factory-app predict` says)
    bound: str
    layout: str

    @property
    def error(self) -> float:
        """Signed relative error of the stated-layout prediction."""
        return self.predicted / self.point.measured - 1.0

    @property
    def error_free(self) -> float:
        return self.predicted_free / self.point.measured - 1.0


# Bounds (low, high) and prior centre of each fitted factor; the prior is weak (see _PRIOR_WEIGHT)
# Overheads and latencies are barely visible in max-throughput measurements, so their ranges are
# kept to what kernel and collective timings show, lest they absorb other errors.
PARAM_SPACE: dict[str, tuple[float, float, float]] = {
    "mem_efficiency": (0.60, 0.92, 0.82),
    "compute_efficiency_max": (0.30, 0.85, 0.60),
    "compute_half_tokens": (8.0, 256.0, 48.0),
    "step_overhead_ms": (0.3, 4.0, 1.2),
    "layer_overhead_us": (4.0, 50.0, 15.0),
    "link_efficiency": (0.5, 0.9, 0.75),
    "comm_latency_us": (3.0, 25.0, 8.0),
}
_PRIOR_WEIGHT = 0.05


def load_points(folder: Path | None = None) -> list[CalibrationPoint]:
    """Read the measurements and their scoring specs."""
    folder = folder or resource_path("calibration")
    measurements = {p["id"]: p for p in json.loads((folder / "measurements.json").read_text(encoding="utf-8"))["points"]}
    specs = json.loads((folder / "points.json").read_text(encoding="utf-8"))["points"]
    out = []
    for s in specs:
        m = measurements[s["id"]]
        spec = s.get("speculation")
        out.append(
            CalibrationPoint(
                id=s["id"],
                platform=s["platform"],
                gpus=int(s["gpus"]),
                model=s["model"],
                precision=s["precision"],
                isl=float(s["isl"]),
                osl=float(s["osl"]),
                service=ServiceLevel(**s.get("service", {})),
                layout=LayoutConstraint(**s["layout"]) if s.get("layout") else None,
                metric=s["metric"],
                measured=float(s["measured"]),
                speculation=Speculation(**spec) if spec else None,
                kv_precision=s.get("kv_precision"),
                software=s.get("software"),
                source=m["source"],
                description=f"{m['system']}, {m['model']}, {m['precision']}, {m['scenario']}",
                assumption=s.get("assumption", ""),
            )
        )
    return out


def _metric(pred: Prediction, metric: str) -> float:
    if not pred.feasible:
        return float("nan")
    return float(getattr(pred, metric))


def predict_point(point: CalibrationPoint, catalog: Catalog, use_layout: bool = True) -> Prediction:
    return predict(
        point.platform,
        point.gpus,
        point.model,
        point.precision,
        point.isl,
        point.osl,
        point.service,
        point.speculation,
        catalog=catalog,
        constraint=point.layout if use_layout else None,
        kv_precision=point.kv_precision,
    )


def score(
    points: Iterable[CalibrationPoint], catalog: Catalog, software: dict[str, float] | None = None
) -> list[ScoredPoint]:
    """Predict every point, at its stated layout and at the engine's own choice.

    ``software`` scales the points of older releases by their fitted speed factor.
    """
    software = software or {}
    rows = []
    for p in points:
        fixed = predict_point(p, catalog, True)
        free = predict_point(p, catalog, False) if p.layout else fixed
        factor = software.get(p.software, 1.0) if p.software else 1.0
        lay = fixed.layout
        lay_text = f"{lay.replicas}x(tp{lay.tp} dp{lay.dp} ep{lay.ep} pp{lay.pp}) b={lay.batch_per_replica:g}" if lay else "-"
        rows.append(
            ScoredPoint(p, _metric(fixed, p.metric) * factor, _metric(free, p.metric) * factor, fixed.bound, lay_text)
        )
    return rows


def _with_efficiency(catalog: Catalog, family: str, eff: Efficiency) -> Catalog:
    table = dict(catalog.efficiency)
    table[family] = eff
    return replace(catalog, efficiency=table)


_LOG_SCALED = ("compute_half_tokens", "step_overhead_ms", "layer_overhead_us", "comm_latency_us")
#: Range of the speed of an older software release relative to the reference stacks.
SOFTWARE_FACTOR_RANGE = (0.4, 1.2)


def _to_unit(name: str, value: float) -> float:
    lo, hi, _ = PARAM_SPACE[name]
    if name in _LOG_SCALED:  # factors that span decades are searched on a log scale
        return (math.log(value) - math.log(lo)) / (math.log(hi) - math.log(lo))
    return (value - lo) / (hi - lo)


def _from_unit(name: str, u: float) -> float:
    lo, hi, _ = PARAM_SPACE[name]
    u = min(max(u, 0.0), 1.0)
    if name in _LOG_SCALED:
        return math.exp(math.log(lo) + u * (math.log(hi) - math.log(lo)))
    return lo + u * (hi - lo)


def _software_from_unit(u: float) -> float:
    lo, hi = SOFTWARE_FACTOR_RANGE
    return lo + min(max(u, 0.0), 1.0) * (hi - lo)


@dataclass(frozen=True, slots=True)
class FitResult:
    """Fitted factors per family, and the speed of older software releases relative to them."""

    families: dict[str, Efficiency]
    software: dict[str, float]


#: Factors that describe the software stack rather than the chip (launch and scheduling
#: overheads, collective latency). Max-throughput measurements barely see them, so a family is
#: pulled towards the reference family's values for these unless its data says otherwise.
SOFTWARE_FACTORS = ("step_overhead_ms", "layer_overhead_us", "comm_latency_us")
#: The family with the most measurements; fitted first, its software factors anchor the others.
REFERENCE_FAMILY = "hopper"
_ANCHOR_WEIGHT = 0.5


def _objective(
    catalog: Catalog, family: str, points: list[CalibrationPoint], releases: list[str], anchor: Efficiency | None = None
) -> Callable[[np.ndarray], float]:
    names = Efficiency.FIELDS
    prior_u = np.array([_to_unit(n, PARAM_SPACE[n][2]) for n in names])
    weights = np.full(len(names), _PRIOR_WEIGHT)
    if anchor is not None:
        for i, n in enumerate(names):
            if n in SOFTWARE_FACTORS:
                prior_u[i] = _to_unit(n, getattr(anchor, n))
                weights[i] = _ANCHOR_WEIGHT

    def f(u: np.ndarray) -> float:
        values = {n: _from_unit(n, float(x)) for n, x in zip(names, u)}
        factors = {r: _software_from_unit(float(x)) for r, x in zip(releases, u[len(names) :])}
        cat = _with_efficiency(catalog, family, Efficiency(**values))
        logs = []
        for p in points:
            pred = _metric(predict_point(p, cat, True), p.metric) * factors.get(p.software, 1.0)
            logs.append(math.log(pred / p.measured) if pred > 0 and math.isfinite(pred) else 3.0)
        arr = np.array(logs)
        clipped = np.clip(u, 0.0, 1.0)
        # mean squared log error, a soft push on the worst point, a weak prior towards typical
        # factor values, and a wall at the bounds
        return float(
            np.mean(arr**2)
            + 0.1 * np.max(np.abs(arr)) ** 2
            + float(np.sum(weights * (clipped[: len(names)] - prior_u) ** 2))
            + 10.0 * np.sum((clipped - u) ** 2)
        )

    return f


def fit_family(
    catalog: Catalog, family: str, points: list[CalibrationPoint], iterations: int = 600, anchor: Efficiency | None = None
) -> tuple[Efficiency, dict[str, float]]:
    """Fit one family's factors (and its older releases' speed factors) to its points.

    The search always starts from the prior centres, so the result depends only on the inputs.
    ``anchor`` (the reference family's fit) centres the prior of the software factors.
    """
    releases = sorted({p.software for p in points if p.software})
    u0 = np.array([_to_unit(n, PARAM_SPACE[n][2]) for n in Efficiency.FIELDS] + [0.5] * len(releases))
    u0 = np.clip(u0, 0.02, 0.98)
    objective = _objective(catalog, family, points, releases, anchor)
    best = nelder_mead(objective, u0, step=0.15, iterations=iterations)
    # a restart from the optimum escapes an early collapse of the simplex
    best = nelder_mead(objective, best, step=0.05, iterations=iterations // 2)
    n = len(Efficiency.FIELDS)
    values = {name: round(_from_unit(name, float(x)), 4) for name, x in zip(Efficiency.FIELDS, best[:n])}
    factors = {r: round(_software_from_unit(float(x)), 3) for r, x in zip(releases, best[n:])}
    return Efficiency(**values), factors


def families_of(points: Iterable[CalibrationPoint], catalog: Catalog) -> dict[str, list[CalibrationPoint]]:
    out: dict[str, list[CalibrationPoint]] = {}
    for p in points:
        out.setdefault(catalog.platform(p.platform).family, []).append(p)
    return out


def fit_all(
    catalog: Catalog | None = None, points: list[CalibrationPoint] | None = None, iterations: int = 600
) -> FitResult:
    """Fit every family that has measurements."""
    catalog = catalog or default_catalog()
    points = points or load_points()
    families: dict[str, Efficiency] = {}
    software: dict[str, float] = {}
    groups = families_of(points, catalog)
    order = sorted(groups, key=lambda fam: (fam != REFERENCE_FAMILY, fam))
    for fam in order:
        anchor = families.get(REFERENCE_FAMILY) if fam != REFERENCE_FAMILY else None
        families[fam], factors = fit_family(catalog, fam, groups[fam], iterations, anchor)
        software.update(factors)
    return FitResult(dict(sorted(families.items())), software)


def inputs_digest(folder: Path | None = None) -> str:
    """SHA-256 (first 12 hex) of the measurement and scoring files: provenance of a fit."""
    folder = folder or resource_path("calibration")
    h = hashlib.sha256()
    for name in ("measurements.json", "points.json"):
        h.update((folder / name).read_bytes())
    return h.hexdigest()[:12]


def summary(rows: list[ScoredPoint], free: bool = False) -> dict[str, Any]:
    errs = np.array([r.error_free if free else r.error for r in rows])
    finite = errs[np.isfinite(errs)]
    worst = rows[int(np.nanargmax(np.abs(errs)))] if len(finite) else None
    return {
        "points": len(rows),
        "median_abs_error": float(np.median(np.abs(finite))) if len(finite) else float("nan"),
        "mean_abs_error": float(np.mean(np.abs(finite))) if len(finite) else float("nan"),
        "worst_error": float(errs[int(np.nanargmax(np.abs(errs)))]) if len(finite) else float("nan"),
        "worst_point": worst.point.id if worst else "",
        "within_15": int(np.sum(np.abs(finite) <= 0.15)),
        "beyond_40": int(np.sum(np.abs(finite) > 0.40)),
        "infeasible": int(np.sum(~np.isfinite(errs))),
    }


def efficiency_document(result: FitResult, inherits: dict[str, dict[str, str]], digest: str, iterations: int) -> dict[str, Any]:
    """The ``efficiency.json`` content for a fit: factors, the families that borrow them, and
    where they came from."""
    families: dict[str, Any] = {}
    for name, eff in sorted(result.families.items()):
        families[name] = {k: getattr(eff, k) for k in Efficiency.FIELDS}
    families.update(inherits)
    return {
        "format": "factory_app.catalog.efficiency",
        "format_version": 1,
        "provenance": (
            f"fitted by 'factory-app calibrate' (Nelder-Mead, {iterations} iterations, from the prior centres) "
            f"against resources/calibration/measurements.json + points.json, sha256 {digest}; "
            "per-point errors in docs/calibration.md"
        ),
        "inputs_sha256": digest,
        "software_speed_factors": result.software,
        "families": families,
    }


def inherited_families(path: Path) -> dict[str, dict[str, str]]:
    """Families in an efficiency file that borrow another family's factors (kept by a refit)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return {k: v for k, v in data.get("families", {}).items() if "inherits" in v}
