"""Calibration: score the performance model against published measurements and fit the
efficiency factors of each platform family, its software trend, the latency tail and the
power model.

Inputs are ``resources/calibration/measurements.json`` and ``measurements-2026.json`` (the
measurements with their sources) and ``resources/calibration/points.json`` (how each is scored:
catalogue ids, traffic shape, service level, stated layout, metric, software month, power cap).
``factory-app calibrate`` runs :func:`fit_all`, writes the fitted factors to
``resources/catalog/efficiency.json``, the error bands to ``resources/calibration/bands.json``
and the per-point errors (in sample and leave-one-system-out) to ``docs/calibration.md``. The fit
is deterministic: same inputs, same factors.

What is fitted, and why it is physics rather than curve-fitting: nine factors per family
(achieved HBM bandwidth, GEMM efficiency curve, per-step and per-layer software overhead,
achieved link bandwidth and latency, the share of FP4's datasheet advantage that FP4 GEMMs
realise, and a yearly software speed-up), each inside a physically plausible range and pulled
by a weak prior towards typical values. The same nine numbers must explain every model, batch,
sequence length, GPU count and software month of the family; there is no per-point term.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable, Iterable

import numpy as np

from factory_app.resources import resource_path
from factory_app.serving.catalog import Catalog, Efficiency, LatencyTail, PowerModel, SoftwareDates, default_catalog
from factory_app.serving.frontier import Speculation
from factory_app.serving.nelder_mead import nelder_mead
from factory_app.serving.predict import LayoutConstraint, Prediction, ServiceLevel, predict
from factory_app.serving.software import parse_month
from factory_app.serving.speculation_spread import speculation_tpot_spread

#: The files a fit reads (their digest is the fit's provenance).
INPUT_FILES = ("measurements.json", "measurements-2026.json", "points.json")


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
    speculation: Speculation  # Speculation() = none
    kv_precision: str | None
    date: str
    source: str
    description: str
    assumption: str = ""
    compute_precision: str | None = None
    power_cap_w: float | None = None
    measured_power_w: float | None = None
    latency_ms: dict[str, float] | None = None  # the run's own mean and p99 TTFT/TPOT
    output_cv: float = 0.0  # spread of the output length of the dataset (0: fixed lengths)

    @property
    def system(self) -> str:
        """The system a leave-one-system-out run holds out (the platform id)."""
        return self.platform


@dataclass(frozen=True, slots=True)
class ScoredPoint:
    point: CalibrationPoint
    predicted: float  # at the layout the source states (what the fit uses)
    predicted_free: float  # at the layout the engine picks (what `factory-app predict` says)
    bound: str
    layout: str
    predicted_power_w: float = float("nan")

    @property
    def error(self) -> float:
        """Signed relative error of the stated-layout prediction."""
        return self.predicted / self.point.measured - 1.0

    @property
    def error_free(self) -> float:
        return self.predicted_free / self.point.measured - 1.0

    @property
    def power_error(self) -> float:
        if not self.point.measured_power_w:
            return float("nan")
        return self.predicted_power_w / self.point.measured_power_w - 1.0


# Bounds (low, high) and prior centre of each fitted factor; the prior is weak (see _PRIOR_WEIGHT).
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
    "fp4_efficiency": (0.4, 1.0, 0.7),
    "weight_only_efficiency": (0.15, 1.0, 0.5),
    # log-rate per year: 0.18 = 20% faster per year
    "software_trend_per_year": (-0.05, 0.7, 0.18),
    # HBM passes over each token's activations per layer between the GEMMs: a fused kernel reads
    # and writes each element once (2 passes); norms, residuals, rotary, gated activation,
    # quantisation and MoE permutation make a few such kernels per layer
    "activation_passes": (1.0, 16.0, 4.0),
}
_PRIOR_WEIGHT = 0.05
#: Weight of the worst point's squared log error in the fit (a soft push against outliers).
MAX_WEIGHT = 0.1
_LOG_SCALED = ("compute_half_tokens", "step_overhead_ms", "layer_overhead_us", "comm_latency_us", "activation_passes")


def _load_measurements(folder: Path) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for name in INPUT_FILES[:2]:
        path = folder / name
        if path.exists():
            for m in json.loads(path.read_text(encoding="utf-8"))["points"]:
                out[m["id"]] = m
    return out


def load_points(folder: Path | None = None, catalog: Catalog | None = None) -> list[CalibrationPoint]:
    """Read the measurements and their scoring specs.

    A stated speculative decoding without an acceptance rate takes the model's published
    drafter default; points without one are scored without speculation."""
    folder = folder or resource_path("calibration")
    catalog = catalog or default_catalog()
    measurements = _load_measurements(folder)
    specs = json.loads((folder / "points.json").read_text(encoding="utf-8"))["points"]
    out = []
    for s in specs:
        m = measurements[s["id"]]
        spec = Speculation()
        if s.get("speculation"):
            drafter = catalog.model(s["model"]).drafter
            acc = s["speculation"].get("acceptance", drafter.acceptance if drafter else 0.0)
            spec = Speculation(int(s["speculation"]["draft_tokens"]), float(acc))
        lay = s.get("layout")
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
                layout=LayoutConstraint(**lay) if lay else None,
                metric=s["metric"],
                measured=float(s["measured"]),
                speculation=spec,
                kv_precision=s.get("kv_precision"),
                date=s["date"],
                source=m["source"],
                description=f"{m['system']}, {m['model']}, {m['precision']}, {m['scenario']}",
                assumption=s.get("assumption", ""),
                compute_precision=s.get("compute_precision"),
                power_cap_w=s.get("power_cap_w"),
                measured_power_w=s.get("measured_system_power_w"),
                latency_ms=s.get("measured_latency_ms"),
                output_cv=float(s.get("output_cv", 0.0)),
            )
        )
    return out


def _metric(pred: Prediction, metric: str) -> float:
    if not pred.feasible:
        return float("nan")
    return float(getattr(pred, metric))


def predict_point(point: CalibrationPoint, catalog: Catalog, use_layout: bool = True) -> Prediction:
    """The engine's answer to a point's question, for the software month it measured."""
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
        software=point.date,
        power_cap_w=point.power_cap_w,
        compute_precision=point.compute_precision,
        evidence=False,
        output_cv=point.output_cv,
    )


def score(points: Iterable[CalibrationPoint], catalog: Catalog) -> list[ScoredPoint]:
    """Predict every point, at its stated layout and at the engine's own choice."""
    rows = []
    for p in points:
        fixed = predict_point(p, catalog, True)
        free = predict_point(p, catalog, False) if p.layout else fixed
        lay = fixed.layout
        lay_text = (f"{lay.replicas}x(tp{lay.tp} dp{lay.dp} ep{lay.ep} pp{lay.pp}) b={lay.batch_per_replica:g} {lay.serving[:5]}"
                    if lay else "-")
        power = fixed.power_w if fixed.feasible else float("nan")
        rows.append(ScoredPoint(p, _metric(fixed, p.metric), _metric(free, p.metric), fixed.bound, lay_text, power))
    return rows


def _with_efficiency(catalog: Catalog, family: str, eff: Efficiency) -> Catalog:
    table = dict(catalog.efficiency)
    table[family] = eff
    return replace(catalog, efficiency=table)


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


@dataclass(frozen=True, slots=True)
class FitResult:
    """Fitted factors per family, the latency tail, the power model and the software months."""

    families: dict[str, Efficiency]
    tail: LatencyTail
    power: PowerModel
    dates: tuple[str, ...]
    moe_trend: float = 0.0  # SoftwareDates.moe_trend_per_year

    @property
    def software(self) -> SoftwareDates:
        return SoftwareDates(self.dates, self.moe_trend)


#: Factors that describe the software stack rather than the chip (launch and scheduling
#: overheads, collective latency). Max-throughput measurements barely see them, so a family is
#: pulled towards the reference family's values for these unless its data says otherwise.
SOFTWARE_FACTORS = ("step_overhead_ms", "layer_overhead_us", "comm_latency_us")
#: Offsets (in the unit cube, alternating in sign over the factors) of the fit's starting points.
START_OFFSETS = (0.0, 0.15, -0.15)
#: Families fitted first, in this order: they span several software months, so they fix the
#: software trend; the others take the point-weighted mean trend.
TREND_FAMILIES = ("hopper", "blackwell")
REFERENCE_FAMILY = "hopper"
_ANCHOR_WEIGHT = 0.5
#: A family whose points span less than this (years) does not fit its own trend.
MIN_TREND_SPAN_YEARS = 0.9


def _family_objective(
    catalog: Catalog, family: str, points: list[CalibrationPoint], free: list[str], fixed: dict[str, float],
    reference_date: str, anchor: Efficiency | None = None,
) -> Callable[[np.ndarray], float]:
    prior_u = np.array([_to_unit(n, PARAM_SPACE[n][2]) for n in free])
    weights = np.full(len(free), _PRIOR_WEIGHT)
    if anchor is not None:
        for i, n in enumerate(free):
            if n in SOFTWARE_FACTORS:
                prior_u[i] = _to_unit(n, getattr(anchor, n))
                weights[i] = _ANCHOR_WEIGHT

    def f(u: np.ndarray) -> float:
        values = {n: _from_unit(n, float(x)) for n, x in zip(free, u)}
        values.update(fixed)
        cat = _with_efficiency(catalog, family, Efficiency(**values, reference_date=reference_date))
        logs = []
        for p in points:
            pred = _metric(predict_point(p, cat, True), p.metric)
            logs.append(math.log(pred / p.measured) if pred > 0 and math.isfinite(pred) else 3.0)
        arr = np.array(logs)
        clipped = np.clip(u, 0.0, 1.0)
        # mean squared log error, a soft push on the worst point, a weak prior towards typical
        # factor values, and a wall at the bounds
        return float(
            np.mean(arr**2)
            + MAX_WEIGHT * np.max(np.abs(arr)) ** 2
            + float(np.sum(weights * (clipped - prior_u) ** 2))
            + 10.0 * np.sum((clipped - u) ** 2)
        )

    return f


def _span_years(points: list[CalibrationPoint]) -> float:
    months = [parse_month(p.date) for p in points]
    return max(months) - min(months) if months else 0.0


def fit_family(
    catalog: Catalog, family: str, points: list[CalibrationPoint], iterations: int = 600,
    anchor: Efficiency | None = None, trend: float | None = None, borrowed: dict[str, float] | None = None,
) -> Efficiency:
    """Fit one family's factors to its points.

    The trend is fitted when the points span ``MIN_TREND_SPAN_YEARS`` or more and ``trend`` is
    None, else fixed at ``trend``; ``fp4_efficiency`` and ``weight_only_efficiency`` are fitted
    only when some point runs FP4 or weight-only math, else taken from ``borrowed`` (the other
    families' geometric mean) or the prior centre. The search always starts from the prior centres, so the result depends only on the
    inputs. ``anchor`` (the reference family's fit) centres the prior of the software factors.
    """
    reference_date = max(p.date for p in points)
    fixed: dict[str, float] = {}
    if trend is not None or _span_years(points) < MIN_TREND_SPAN_YEARS:
        fixed["software_trend_per_year"] = trend if trend is not None else PARAM_SPACE["software_trend_per_year"][2]
    borrowed = borrowed or {}
    if not any(_runs_fp4_math(p, catalog) for p in points):
        fixed["fp4_efficiency"] = borrowed.get("fp4_efficiency", PARAM_SPACE["fp4_efficiency"][2])
    if not any(_weight_only(p, catalog) for p in points):
        fixed["weight_only_efficiency"] = borrowed.get("weight_only_efficiency", PARAM_SPACE["weight_only_efficiency"][2])
    free = [n for n in Efficiency.FIELDS if n not in fixed]
    u0 = np.clip(np.array([_to_unit(n, PARAM_SPACE[n][2]) for n in free]), 0.02, 0.98)
    objective = _family_objective(catalog, family, points, free, fixed, reference_date, anchor)
    # The objective is rough (the best layout switches as factors move), so the search starts
    # from the prior centres and from two fixed offsets of them, and keeps the best.
    best, best_value = u0, math.inf
    for offset in START_OFFSETS:
        start = np.clip(u0 + offset * np.where(np.arange(len(free)) % 2 == 0, 1.0, -1.0), 0.02, 0.98)
        x = nelder_mead(objective, start, step=0.15, iterations=iterations)
        # a restart from the optimum escapes an early collapse of the simplex
        x = nelder_mead(objective, x, step=0.05, iterations=iterations // 2)
        value = objective(x)
        if value < best_value:
            best, best_value = x, value
    values = {n: round(_from_unit(n, float(x)), 4) for n, x in zip(free, best)}
    values.update({k: round(v, 4) for k, v in fixed.items()})
    return Efficiency(**values, reference_date=reference_date)


def _runs_fp4_math(p: CalibrationPoint, catalog: Catalog) -> bool:
    if p.precision != "fp4" or p.compute_precision not in (None, "fp4"):
        return False
    model = catalog.model(p.model)
    return "fp4" in catalog.platform(p.platform).precisions and "fp4" not in model.weight_only


def _weight_only(p: CalibrationPoint, catalog: Catalog) -> bool:
    """Does the point run weight-only GEMMs (weights narrower than the math)?"""
    model = catalog.model(p.model)
    chip = catalog.platform(p.platform).precisions
    return p.precision in model.weight_only or p.precision not in chip or (
        p.compute_precision is not None and p.compute_precision != p.precision)


def families_of(points: Iterable[CalibrationPoint], catalog: Catalog) -> dict[str, list[CalibrationPoint]]:
    out: dict[str, list[CalibrationPoint]] = {}
    for p in points:
        out.setdefault(catalog.platform(p.platform).family, []).append(p)
    return out


def fit_tail(catalog: Catalog, points: list[CalibrationPoint]) -> LatencyTail:
    """The latency tail from the runs' own measured mean and p99 latencies: medians of p99/mean
    TPOT (aggregated and disaggregated runs apart; each run's ratio divided by the spread its
    stated speculative decoding causes, which the engine adds back per question) and TTFT, and the iterations a request waits
    before its prompt runs: (measured mean TTFT - the engine's unloaded TTFT) / measured mean TPOT."""
    tpot_agg, tpot_dis, ttft, admission = [], [], [], []
    for p in points:
        lat = p.latency_ms
        if not lat or not lat.get("mean_tpot"):
            continue
        # the tail without drafting: the spread drafting adds is physics (speculation_spread.speculation_tpot_spread)
        ratio = lat["p99_tpot"] / lat["mean_tpot"] / speculation_tpot_spread(p.speculation, p.osl, p.output_cv)
        disagg = p.layout is not None and p.layout.serving == "disaggregated"
        (tpot_dis if disagg else tpot_agg).append(ratio)
        ttft.append(lat["p99_ttft"] / lat["mean_ttft"])
        alone = predict(p.platform, p.gpus, p.model, p.precision, p.isl, p.osl, ServiceLevel(concurrency=1),
                        p.speculation, catalog=catalog, software=p.date, compute_precision=p.compute_precision, evidence=False)
        if alone.feasible:
            admission.append(max((lat["mean_ttft"] - alone.ttft_ms) / lat["mean_tpot"], 0.0))
    med = lambda xs, default: round(float(np.median(xs)), 3) if xs else default  # noqa: E731
    base = LatencyTail()
    return LatencyTail(
        tpot_p99_over_mean_aggregated=med(tpot_agg, base.tpot_p99_over_mean_aggregated),
        tpot_p99_over_mean_disaggregated=med(tpot_dis, base.tpot_p99_over_mean_disaggregated),
        ttft_p99_over_mean=med(ttft, base.ttft_p99_over_mean),
        admission_steps=med(admission, base.admission_steps),
    )


#: The power model's fitted parameters: bounds and prior centre. ``idle_fraction`` is kept at
#: its prior (MLPerf Power measures loaded systems only, which do not separate idle from host).
POWER_SPACE: dict[str, tuple[float, float, float]] = {
    "memory_activity": (0.3, 1.0, 0.65),
    "host_w_share": (0.1, 1.0, 0.4),
}
THROTTLE_RANGE = (1.5, 4.0)


def fit_power(catalog: Catalog, points: list[CalibrationPoint], iterations: int = 120) -> PowerModel:
    """Fit the power model to MLPerf Power's metered system watts (points that state no power
    cap they ran under; MaxQ runs' caps are not stated, so they are scored, not fitted), then
    the throttle exponent to the throughput lost under a stated cap."""
    metered = [p for p in points if p.measured_power_w and "MaxQ" not in p.assumption]
    names = list(POWER_SPACE)
    lo = np.array([POWER_SPACE[n][0] for n in names])
    hi = np.array([POWER_SPACE[n][1] for n in names])
    centre = np.array([(POWER_SPACE[n][2] - POWER_SPACE[n][0]) / (POWER_SPACE[n][1] - POWER_SPACE[n][0]) for n in names])

    def model(u: np.ndarray) -> PowerModel:
        v = lo + np.clip(u, 0, 1) * (hi - lo)
        return replace(catalog.power, **{n: float(x) for n, x in zip(names, v)})

    def f(u: np.ndarray) -> float:
        cat = replace(catalog, power=model(u))
        errs = []
        for p in metered:
            pred = predict_point(p, cat)
            errs.append(math.log(pred.power_w / p.measured_power_w) if pred.feasible else 3.0)
        return float(np.mean(np.square(errs)) + 0.05 * np.sum((np.clip(u, 0, 1) - centre) ** 2) + 10 * np.sum((np.clip(u, 0, 1) - u) ** 2))

    power = catalog.power
    if metered:
        best = nelder_mead(f, centre.copy(), step=0.2, iterations=iterations)
        power = model(best)
    capped = [p for p in points if p.power_cap_w]
    if capped:
        cat = replace(catalog, power=power)
        grid = np.linspace(*THROTTLE_RANGE, 11)
        errs = []
        for g in grid:
            c = replace(cat, power=replace(power, throttle_exponent=float(g)))
            errs.append(sum(math.log(_metric(predict_point(p, c), p.metric) / p.measured) ** 2 for p in capped))
        power = replace(power, throttle_exponent=float(grid[int(np.argmin(errs))]))
    return replace(power, **{k: round(getattr(power, k), 4) for k in PowerModel.__slots__})


#: Families without measurements borrow: the nearest family of the same vendor, else Hopper.
FALLBACK_FAMILY = {"cdna4": "cdna3", "cdna3": "hopper", "tpu": "hopper", "blackwell": "hopper", "hopper": "blackwell",
                   "ampere": "hopper", "rubin": "blackwell"}


def fit_families(
    catalog: Catalog, points: list[CalibrationPoint], iterations: int = 600, trend: float | None = None
) -> dict[str, Efficiency]:
    """Fit every family that has measurements: trend families first (their fitted trend, weighted
    by their points, is the trend of the others unless ``trend`` fixes it for all)."""
    groups = families_of(points, catalog)
    families: dict[str, Efficiency] = {}
    order = [f for f in TREND_FAMILIES if f in groups] + sorted(f for f in groups if f not in TREND_FAMILIES)
    fitted_trends: list[tuple[float, int]] = []
    for fam in order:
        anchor = families.get(REFERENCE_FAMILY) if fam != REFERENCE_FAMILY else None
        own = trend
        if fam not in TREND_FAMILIES and trend is None and fitted_trends:
            own = sum(t * n for t, n in fitted_trends) / sum(n for _, n in fitted_trends)
        families[fam] = fit_family(catalog, fam, groups[fam], iterations, anchor, own)
        if fam in TREND_FAMILIES:
            fitted_trends.append((families[fam].software_trend_per_year, len(groups[fam])))
    # factors a family's own points cannot determine: the geometric mean of the families that can
    for name, uses in (("fp4_efficiency", _runs_fp4_math), ("weight_only_efficiency", _weight_only)):
        able = [f for f in families if any(uses(p, catalog) for p in groups[f])]
        if able:
            value = round(float(np.exp(np.mean([np.log(getattr(families[f], name)) for f in able]))), 4)
            for f in families:
                if f not in able:
                    families[f] = replace(families[f], **{name: value})
    return families


def borrowed_factors(families: dict[str, Efficiency], exclude: str) -> dict[str, float]:
    """Geometric means over the other families of the factors only some data determine."""
    others = [e for k, e in families.items() if k != exclude]
    if not others:
        return {}
    return {n: float(np.exp(np.mean([np.log(getattr(e, n)) for e in others]))) for n in ("fp4_efficiency", "weight_only_efficiency")}


def apply_fit(catalog: Catalog, families: dict[str, Efficiency], tail: LatencyTail | None = None,
              power: PowerModel | None = None, software: SoftwareDates | None = None, provenance: str = "") -> Catalog:
    """The catalogue with fitted factors in place; families without measurements borrow."""
    table = dict(catalog.efficiency)
    for fam, eff in families.items():
        table[fam] = replace(eff, calibrated=True, provenance=provenance)
    for fam in list(table):
        if fam in families:
            continue
        parent = fam
        while parent not in families and parent in FALLBACK_FAMILY:
            parent = FALLBACK_FAMILY[parent]
            if parent == fam:
                break
        if parent in families:
            table[fam] = replace(families[parent], calibrated=False,
                                 provenance=f"not calibrated: no published measurements in the calibration set; uses {parent}'s factors")
    return replace(
        catalog,
        efficiency=table,
        tail=tail or catalog.tail,
        power=power or catalog.power,
        software=software if software is not None else catalog.software,
    )


def fit_all(catalog: Catalog | None = None, points: list[CalibrationPoint] | None = None, iterations: int = 600) -> FitResult:
    """Fit the latency tail, every family with measurements, then the power model."""
    catalog = catalog or default_catalog()
    points = points or load_points(catalog=catalog)
    dates = tuple(sorted({p.date for p in points}))
    catalog = replace(catalog, software=SoftwareDates(dates, MOE_TREND_RANGE[2]))
    # the tail's unloaded TTFTs come from the prior centres, so the fit depends on its inputs
    # only (not on the factors of the previous fit)
    prior = Efficiency(**{n: PARAM_SPACE[n][2] for n in Efficiency.FIELDS}, reference_date=dates[-1])
    tail = fit_tail(apply_fit(catalog, {f: prior for f in families_of(points, catalog)}), points)
    catalog = replace(catalog, tail=tail)
    families = fit_families(catalog, points, iterations)
    catalog = apply_fit(catalog, families)
    moe_trend = fit_moe_trend(catalog, points)
    catalog = replace(catalog, software=SoftwareDates(dates, moe_trend))
    power = fit_power(catalog, points)
    return FitResult(dict(sorted(families.items())), tail, power, dates, moe_trend)


#: Bounds and prior centre of the extra yearly log-rate of MoE serving software. The families
#: are fitted at the prior centre; the rate is then fitted alone, on the MoE points it moves.
MOE_TREND_RANGE = (0.0, 0.7, 0.18)


def fit_moe_trend(catalog: Catalog, points: list[CalibrationPoint]) -> float:
    """The extra software trend of mixture-of-experts models (yearly log-rate), fitted (the
    families' Nelder-Mead, in one dimension) on the MoE points measured away from their family's
    reference month (the only points it moves), with the families' factors held. With no such
    point: the prior centre."""
    moved = [p for p in points if catalog.models[p.model].is_moe
             and p.date != catalog.efficiency_for(catalog.platform(p.platform)).reference_date]
    lo, hi, centre = MOE_TREND_RANGE
    if not moved:
        return centre

    def f(x: np.ndarray) -> float:
        m = min(max(float(x[0]), lo), hi)
        cat = replace(catalog, software=replace(catalog.software, moe_trend_per_year=m))
        logs = []
        for p in moved:
            pred = _metric(predict_point(p, cat, True), p.metric)
            logs.append(math.log(pred / p.measured) if pred > 0 and math.isfinite(pred) else 3.0)
        # mean squared log error, a weak prior towards the centre, a wall at the bounds
        return float(np.mean(np.square(logs))) + _PRIOR_WEIGHT * ((m - centre) / (hi - lo)) ** 2 + 10.0 * (m - float(x[0])) ** 2

    best = nelder_mead(f, np.array([centre]), step=0.1, iterations=200, tolerance=1e-9)
    return round(min(max(float(best[0]), lo), hi), 4)
