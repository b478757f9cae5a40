"""Predict one deployment: the best layout over a number of GPUs, at a service level.

This is the engine call behind ``factory-app predict`` and behind every fleet x workload of a
factory. A prediction is for the serving software of a month (``software``, default the latest
calibrated), may cap each accelerator's power (``power_cap_w``), considers speculative decoding
where the model has a published drafter, and carries its evidence: the system watts at the
operating point, an error band from the calibration residuals of comparable points and the
nearest published measurement (see :mod:`factory_app.serving.evidence`). Latency limits (``max_ttft_ms``, ``max_tpot_ms``) are 99th percentiles under random
arrivals, as service contracts and MLPerf state them; ``min_tokens_per_s_per_user`` is a floor
on the mean speed each user sees; ``concurrency`` fixes the requests in flight (a closed system
of that many users, 1 = single-user latency). With none of them the answer is the maximum
throughput.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, replace
from functools import lru_cache
from typing import Any, Callable

import numpy as np

from factory_app.serving.catalog import Catalog, Model, Platform, default_catalog
from factory_app.serving.frontier import BOUNDS, Frontier, PointArrays, Speculation, Traffic, compute_frontier, evaluate_points
from factory_app.serving.layouts import LayoutArrays, candidate_layouts
from factory_app.serving.performance import Deployment, make_deployment, max_batch_per_replica
from factory_app.serving.software import calibrated_for, software_speed


#: Largest replica the engine searches for a fleet: two scale-up domains, at most 144 GPUs, so a
#: fleet of 100,000 accelerators costs no more to evaluate than one of 144.
MAX_REPLICA_GPUS = 144


def largest_replica(domain_size: int, gpus: int | None = None) -> int:
    """The replica-size rule: ``min(gpus, 2 x scale-up domain, 144)``, at least 1. The factory's
    operating points and its chart curves both search replicas up to this size."""
    cap = min(2 * int(domain_size), MAX_REPLICA_GPUS)
    return max(1, cap if gpus is None else min(int(gpus), cap))


@dataclass(frozen=True, slots=True)
class ServiceLevel:
    """What a workload's users are promised. ``None`` means no limit."""

    max_ttft_ms: float | None = None
    max_tpot_ms: float | None = None
    min_tokens_per_s_per_user: float | None = None
    concurrency: int | None = None

    @property
    def has_latency_limit(self) -> bool:
        return self.max_ttft_ms is not None or self.max_tpot_ms is not None

    def describe(self) -> str:
        parts = []
        if self.max_ttft_ms is not None:
            parts.append(f"TTFT p99 <= {self.max_ttft_ms:g} ms")
        if self.max_tpot_ms is not None:
            parts.append(f"TPOT p99 <= {self.max_tpot_ms:g} ms")
        if self.min_tokens_per_s_per_user is not None:
            parts.append(f">= {self.min_tokens_per_s_per_user:g} tokens/s per user")
        if self.concurrency is not None:
            parts.append(f"{self.concurrency} requests in flight")
        return ", ".join(parts) or "maximum throughput"


@dataclass(frozen=True, slots=True)
class LayoutConstraint:
    """Pin parts of the layout (``None`` leaves the engine free to choose)."""

    tp: int | None = None
    dp: int | None = None
    ep: int | None = None
    pp: int | None = None
    serving: str | None = None  # "aggregated" or "disaggregated"
    gpus: int | None = None  # decode GPUs per replica (tp x dp x pp), when a source states only that

    def mask(self, lay: LayoutArrays, disaggregated: np.ndarray | None = None) -> np.ndarray:
        ok = np.ones(len(lay), dtype=bool)
        for name in ("tp", "dp", "ep", "pp"):
            want = getattr(self, name)
            if want is not None:
                ok &= getattr(lay, name) == want
        if self.gpus is not None:
            ok &= lay.tp * lay.dp * lay.pp == self.gpus
        if self.serving is not None and disaggregated is not None:
            ok &= disaggregated == (self.serving == "disaggregated")
        return ok

    def describe(self) -> str:
        return " ".join(f"{k}={getattr(self, k)}" for k in ("tp", "dp", "ep", "pp", "serving", "gpus") if getattr(self, k) is not None)


@dataclass(frozen=True, slots=True)
class Layout:
    """How the GPUs are used. ``gpus_per_replica`` counts decode GPUs; with disaggregated
    serving each replica also keeps ``prefill_gpus_per_replica`` busy in a prefill pool."""

    replicas: int
    gpus_per_replica: int
    tp: int
    dp: int
    ep: int
    pp: int
    batch_per_replica: float
    serving: str = "aggregated"
    prefill_gpus_per_replica: float = 0.0


@dataclass(frozen=True, slots=True)
class Prediction:
    """The operating point of a deployment. Rates are output tokens/s unless named input.

    ``power_w`` is the whole system's draw at the operating point (every accelerator with its
    host share; accelerators no replica uses idle). ``output_tokens_per_s_range`` is (low, high)
    from the calibration residuals of comparable points; ``nearest_measurement`` the published
    measurement most like this question; ``calibrated_for`` the software month answered for.
    """

    feasible: bool
    platform: str
    model: str
    precision: str
    gpus: int
    isl: float
    osl: float
    service_level: str
    reason: str = ""
    layout: Layout | None = None
    output_tokens_per_s: float = 0.0
    output_tokens_per_s_per_gpu: float = 0.0
    input_tokens_per_s: float = 0.0
    tokens_per_s_per_user: float = 0.0
    concurrency: float = 0.0
    ttft_ms: float = 0.0
    ttft_p99_ms: float = 0.0
    tpot_ms: float = 0.0
    tpot_p99_ms: float = 0.0
    bound: str = ""
    time_shares: dict[str, float] = field(default_factory=dict)
    kv_limit_per_replica: float = 0.0
    calibrated: bool = True
    notes: tuple[str, ...] = ()
    compute_precision: str = ""
    calibrated_for: str = ""
    power_w: float = 0.0
    power_w_per_gpu: float = 0.0
    power_cap_w: float | None = None
    speculation: dict[str, Any] | None = None
    output_tokens_per_s_range: tuple[float, float] = (0.0, 0.0)
    nearest_measurement: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict; the key names are a public contract (see docs/cli.md)."""
        out = asdict(self)
        out["notes"] = list(self.notes)
        out["output_tokens_per_s_range"] = list(self.output_tokens_per_s_range)
        if not self.feasible:
            out["layout"] = None
        return out


@dataclass(frozen=True, slots=True)
class Question:
    """What a prediction answers, repeated in every answer."""

    d: Deployment
    traffic: Traffic
    gpus: int
    service: ServiceLevel
    calibrated: bool
    notes: tuple[str, ...]
    power_cap_w: float | None


def _identity(q: Question) -> dict[str, Any]:
    """The fields every prediction repeats from its question."""
    return dict(
        platform=q.d.platform_id,
        model=q.d.model_id,
        precision=q.d.precision,
        compute_precision=q.d.compute_precision,
        gpus=q.gpus,
        isl=q.traffic.isl,
        osl=q.traffic.osl,
        service_level=q.service.describe(),
        calibrated=q.calibrated,
        notes=q.notes,
        calibrated_for=q.d.software_date,
        power_cap_w=q.power_cap_w,
    )


def _infeasible(q: Question, reason: str) -> Prediction:
    return Prediction(feasible=False, reason=reason, **_identity(q))


def _speculation_json(spec: Speculation | None, method: str) -> dict[str, Any] | None:
    if spec is None or not spec.draft_tokens:
        return None
    return {"method": method, "draft_tokens": spec.draft_tokens, "acceptance": spec.acceptance,
            "tokens_per_step": round(spec.tokens_per_step, 4)}


def _meets(service: ServiceLevel, points: PointArrays, placeable: np.ndarray) -> np.ndarray:
    """Which points meet the service level (and can be placed)."""
    ok = placeable.copy()
    if service.max_ttft_ms is not None:
        ok &= points.ttft_p99_s * 1e3 <= service.max_ttft_ms
    if service.max_tpot_ms is not None:
        ok &= points.tpot_p99_s * 1e3 <= service.max_tpot_ms
    if service.min_tokens_per_s_per_user is not None:
        ok &= points.tokens_per_s_per_user >= service.min_tokens_per_s_per_user
    return ok


#: Batches tried between the best feasible batch of the frontier's grid and the next one up.
REFINE_STEPS = 12


def _refine(
    q: Question, specs: list[tuple[Speculation | None, str]], points: PointArrays, lay: LayoutArrays,
    batch: np.ndarray, limit: np.ndarray, replicas: np.ndarray, index: np.ndarray,
    value_per_token: Callable[[np.ndarray], np.ndarray] | None,
) -> tuple[PointArrays, LayoutArrays, np.ndarray, np.ndarray, np.ndarray] | None:
    """Points between the best feasible batch of the frontier's grid and the next batch up on the
    same layout, serving mode and drafter: a latency limit binds somewhere in that gap, and the
    grid's batches are about 1.6x apart, which would otherwise quantise the answer by as much."""
    ok = _meets(q.service, points, replicas >= 1)
    if not ok.any():
        return None
    tps = points.tokens_per_s_per_user
    objective = replicas * batch * tps * (value_per_token(tps) if value_per_token else 1.0)
    i = int(np.argmax(np.where(ok, objective, -np.inf)))
    disagg = bool(points.disaggregated[i])
    same = ((lay.tp == lay.tp[i]) & (lay.dp == lay.dp[i]) & (lay.ep == lay.ep[i]) & (lay.pp == lay.pp[i])
            & (points.disaggregated == disagg) & (index == index[i]) & (batch > batch[i]))
    if not same.any():
        return None
    grid = np.unique(np.round(np.linspace(batch[i], batch[same].min(), REFINE_STEPS + 2)[1:-1]))
    grid = grid[grid > batch[i]]
    if not len(grid):
        return None
    n = len(grid)
    sub = LayoutArrays(*(np.full(n, getattr(lay, f)[i]) for f in ("tp", "dp", "ep", "pp")))
    lim = np.full(n, limit[i])
    out = evaluate_points(q.d, q.traffic, sub, grid, lim, specs[int(index[i])][0], queued=q.service.has_latency_limit,
                          disaggregation=disagg)
    out = out.take(slice(n, 2 * n) if disagg else slice(0, n))
    return out, sub, grid, lim, np.full(n, index[i])


def _selected(
    q: Question,
    points: PointArrays,
    lay: LayoutArrays,
    batch: np.ndarray,
    limit: np.ndarray,
    replicas: np.ndarray,
    active: np.ndarray,
    specs: list[tuple[Speculation | None, str]],
    spec_index: np.ndarray,
    value_per_token: Callable[[np.ndarray], np.ndarray] | None = None,
) -> Prediction:
    service, gpus, d = q.service, q.gpus, q.d
    placeable = replicas >= 1  # a disaggregated replica's prefill pool may need more GPUs than there are
    ok = _meets(service, points, placeable)
    base = _identity(q)
    if not ok.any():
        best_user = float(points.tokens_per_s_per_user[placeable].max()) if placeable.any() else 0.0
        best_ttft = float(points.ttft_s[placeable].min() * 1e3) if placeable.any() else 0.0
        reason = (
            f"no layout of {gpus} x {d.platform_id} meets {service.describe()} "
            f"(best reachable: {best_user:.1f} tokens/s per user, {best_ttft:.0f} ms TTFT)"
        )
        return Prediction(feasible=False, reason=reason, **base)
    system = active * batch * points.tokens_per_s_per_user
    objective = system * value_per_token(points.tokens_per_s_per_user) if value_per_token else system
    i = int(np.argmax(np.where(ok, objective, -np.inf)))
    shares = points.time_shares[i]
    tps_user = float(points.tokens_per_s_per_user[i])
    total = float(system[i])
    ttft_p99 = points.ttft_p99_s[i]
    per_replica = float(lay.gpus[i] + points.prefill_gpus[i])
    used = min(float(active[i]) * per_replica, float(gpus))
    idle_w = d.power.idle_fraction * d.tdp_w + d.host_w
    power_w = used * float(points.power_w_per_gpu[i]) + (gpus - used) * idle_w
    spec, method = specs[int(spec_index[i])]
    return Prediction(
        feasible=True,
        layout=Layout(
            replicas=int(replicas[i]),
            gpus_per_replica=int(lay.gpus[i]),
            tp=int(lay.tp[i]),
            dp=int(lay.dp[i]),
            ep=int(lay.ep[i]),
            pp=int(lay.pp[i]),
            batch_per_replica=round(float(batch[i]), 3),
            serving="disaggregated" if points.disaggregated[i] else "aggregated",
            prefill_gpus_per_replica=round(float(points.prefill_gpus[i]), 3),
        ),
        output_tokens_per_s=total,
        output_tokens_per_s_per_gpu=total / gpus,
        input_tokens_per_s=total * q.traffic.isl / q.traffic.osl,
        tokens_per_s_per_user=tps_user,
        concurrency=float(active[i] * batch[i]),
        ttft_ms=float(points.ttft_s[i] * 1e3),
        ttft_p99_ms=float(ttft_p99 * 1e3) if math.isfinite(ttft_p99) else float(points.ttft_s[i] * 1e3),
        tpot_ms=float(points.tpot_s[i] * 1e3),
        tpot_p99_ms=float(points.tpot_p99_s[i] * 1e3),
        bound=BOUNDS[int(points.bound[i])],
        time_shares={k: round(float(v), 4) for k, v in zip(BOUNDS[:4], shares)},
        kv_limit_per_replica=float(limit[i]),
        power_w=power_w,
        power_w_per_gpu=power_w / gpus,
        speculation=_speculation_json(spec, method),
        **base,
    )


def deployment_for(
    catalog: Catalog,
    platform: Platform,
    model: Model,
    precision: str,
    *,
    kv_precision: str | None = None,
    compute_precision: str | None = None,
    software: str | None = None,
    power_cap_w: float | None = None,
) -> Deployment:
    """The :class:`Deployment` of a platform x model x precision for the serving software of
    ``software`` (YYYY-MM; None = the latest calibrated month) under an optional per-accelerator
    power cap (W). This is what the factory's charts and operating points evaluate.

    Raises :class:`~factory_app.serving.performance.PrecisionNotSupported` and
    :class:`~factory_app.serving.software.SoftwareDateError`."""
    eff = catalog.efficiency_for(platform)
    date = calibrated_for(software, catalog)
    return make_deployment(
        platform, model, precision, eff, kv_precision,
        compute_precision=compute_precision,
        software_date=date,
        software_speed=software_speed(eff, date, catalog.software.moe_trend_per_year if model.is_moe else 0.0),
        power=catalog.power,
        tail=catalog.tail,
        power_cap_w=power_cap_w,
    )


def speculation_options(model: Model, speculation: Speculation | None) -> list[tuple[Speculation | None, str]]:
    """The speculative-decoding settings a search considers: as given (``Speculation(0)`` means
    none), or, when None, plain decoding and the model's published drafter at its default
    acceptance. Each comes with the drafter's method name."""
    method = model.drafter.method if model.drafter else "draft"
    if speculation is not None:
        return [(speculation if speculation.draft_tokens else None, method)]
    options: list[tuple[Speculation | None, str]] = [(None, "")]
    if model.drafter is not None:
        options.append((Speculation(model.drafter.draft_tokens, model.drafter.acceptance), model.drafter.method))
    return options


def predict(
    platform_id: str,
    gpus: int,
    model_id: str,
    precision: str,
    isl: float,
    osl: float,
    service: ServiceLevel | None = None,
    speculation: Speculation | None = None,
    catalog: Catalog | None = None,
    constraint: LayoutConstraint | None = None,
    kv_precision: str | None = None,
    max_gpus_per_replica: int | None = None,
    value_per_token: Callable[[np.ndarray], np.ndarray] | None = None,
    *,
    software: str | None = None,
    power_cap_w: float | None = None,
    compute_precision: str | None = None,
    evidence: bool = True,
    output_cv: float = 0.0,
) -> Prediction:
    """Best operating point of ``gpus`` accelerators serving a model at a service level.

    ``max_gpus_per_replica`` bounds the replica size searched (default: all ``gpus``; a large
    fleet passes a cap such as two scale-up domains). ``value_per_token`` maps tokens/s per user
    to the value of one output token (a price that rises with interactivity): the point that
    maximises value per second is chosen instead of the one with the most tokens.

    ``software`` is the month of serving software (YYYY-MM, default the latest calibrated);
    ``power_cap_w`` caps each accelerator's power in W; ``compute_precision`` overrides the GEMM
    format (``precision`` is the weights'); ``speculation`` None lets the search use the model's
    published drafter where it earns more, ``Speculation(0)`` turns it off. ``evidence`` adds
    the error band and the nearest measurement (the calibration turns it off). ``output_cv`` is
    the coefficient of variation of the output length (0: every request generates ``osl``).

    Raises :class:`~factory_app.serving.catalog.UnknownIdError` for unknown ids,
    :class:`~factory_app.serving.performance.PrecisionNotSupported` for a precision the hardware
    cannot run and :class:`~factory_app.serving.software.SoftwareDateError` for a malformed
    month; every other infeasibility is a ``Prediction`` with ``feasible=False``.
    """
    cat = catalog or default_catalog()
    platform = cat.platform(platform_id)
    model = cat.model(model_id)
    eff = cat.efficiency_for(platform)
    d = deployment_for(cat, platform, model, precision, kv_precision=kv_precision, compute_precision=compute_precision,
                       software=software, power_cap_w=power_cap_w)
    service = service or ServiceLevel()
    traffic = Traffic(float(isl), float(osl), float(output_cv))
    notes = []
    if platform.announced:
        notes.append(f"{platform.name} is announced, not shipping: its figures are vendor claims or estimates")
    if not eff.calibrated:
        notes.append(f"{platform.name}: efficiency factors not calibrated: {eff.provenance.removeprefix('not calibrated: ')}")
    if d.compute_precision != precision:
        notes.append(f"weight-only {precision}: weights stored at {precision}, math at {d.compute_precision}")
    if eff.reference_date and d.software_date and d.software_date > eff.reference_date:
        notes.append(f"{platform.family} has no measurements of {d.software_date} software: its {eff.reference_date} "
                     "factors are carried forward by the fitted software trend")
    if model.released and d.software_date and d.software_date < model.released:
        notes.append(f"{model.name} was released in {model.released}, after the {d.software_date} software answered for: "
                     "no one served it then; its speed is the current software's taken back by the fitted software trends")
    q = Question(d, traffic, gpus, service, eff.calibrated, tuple(notes), power_cap_w)
    specs = speculation_options(model, speculation)
    if service.concurrency is not None:
        result = _predict_concurrency(q, specs, constraint)
    else:
        result = _predict_open(q, specs, constraint, max_gpus_per_replica, value_per_token)
    if evidence and result.feasible:
        from factory_app.serving.evidence import attach_evidence  # reads resources/calibration lazily

        result = attach_evidence(result, cat, platform, model)
    return result


def _predict_open(
    q: Question,
    specs: list[tuple[Speculation | None, str]],
    constraint: LayoutConstraint | None,
    max_gpus_per_replica: int | None,
    value_per_token: Callable[[np.ndarray], np.ndarray] | None,
) -> Prediction:
    """Open traffic (random arrivals or maximum throughput): the best point of the frontiers."""
    gpus = q.gpus
    search = min(gpus, max_gpus_per_replica) if max_gpus_per_replica else gpus
    parts, lays, batches, limits, index = [], [], [], [], []
    reason = ""
    for k, (spec, _) in enumerate(specs):
        frontier = cached_frontier(q.d, q.traffic, search, spec, q.service.has_latency_limit)
        lay = LayoutArrays(frontier.tp, frontier.dp, frontier.ep, frontier.pp)
        keep = constraint.mask(lay, frontier.disaggregated) if constraint else np.ones(len(lay), dtype=bool)
        if frontier.empty or not keep.any():
            reason = reason or frontier.reason or f"no feasible layout with {constraint.describe() if constraint else ''}"
            continue
        parts.append(frontier.points().take(keep))
        lays.append(LayoutArrays(lay.tp[keep], lay.dp[keep], lay.ep[keep], lay.pp[keep]))
        batches.append(frontier.batch[keep])
        limits.append(frontier.batch_limit[keep])
        index.append(np.full(int(keep.sum()), k))
    if not parts:
        return _infeasible(q, reason)
    points = PointArrays.concatenate(parts)
    lay = LayoutArrays(*(np.concatenate([getattr(x, f) for x in lays]) for f in ("tp", "dp", "ep", "pp")))
    batch, limit, index = np.concatenate(batches), np.concatenate(limits), np.concatenate(index)
    replicas = np.floor(gpus / (lay.gpus + points.prefill_gpus) + 1e-9)
    if q.service.has_latency_limit:  # a speed floor keeps the grid: the factory's charts draw it
        extra = _refine(q, specs, points, lay, batch, limit, replicas, index, value_per_token)
        if extra is not None:
            more, sub, grid, lim, idx = extra
            points = PointArrays.concatenate([points, more])
            lay = LayoutArrays(*(np.concatenate([getattr(lay, f), getattr(sub, f)]) for f in ("tp", "dp", "ep", "pp")))
            batch, limit, index = np.concatenate([batch, grid]), np.concatenate([limit, lim]), np.concatenate([index, idx])
            replicas = np.floor(gpus / (lay.gpus + points.prefill_gpus) + 1e-9)
    return _selected(q, points, lay, batch, limit, replicas, replicas, specs, index, value_per_token)


def _predict_concurrency(
    q: Question, specs: list[tuple[Speculation | None, str]], constraint: LayoutConstraint | None = None
) -> Prediction:
    """A closed system of ``service.concurrency`` users spread evenly over the replicas."""
    d, traffic, gpus, service = q.d, q.traffic, q.gpus, q.service
    n = float(service.concurrency or 1)
    lay = candidate_layouts(d.shape, d.domain, gpus)
    limit = max_batch_per_replica(d, lay.tp, lay.dp, lay.ep, lay.pp, traffic.isl, traffic.osl)
    replicas = np.floor(gpus / lay.gpus)
    active = np.minimum(replicas, n)
    wanted = np.maximum(n / np.maximum(replicas, 1.0), 1.0)
    # requests beyond what the KV cache holds wait for a slot (a server admits what fits)
    batch = np.minimum(wanted, np.maximum(limit, 1.0))
    fits = (limit >= 1) & (replicas >= 1)
    reason = (
        f"{d.model_id} at {d.precision} does not fit in {gpus} x {d.platform_id} with room for one "
        f"{traffic.isl:g}+{traffic.osl:g}-token request"
    )
    if constraint:
        if not (constraint.mask(lay) & (replicas >= 1)).any():
            reason = f"no layout of {gpus} x {d.platform_id} has {constraint.describe()}"
        fits &= constraint.mask(lay)
    if traffic.isl + traffic.osl > d.max_context_tokens:
        fits[:] = False
        reason = f"{d.model_id}: {traffic.isl:g} + {traffic.osl:g} tokens exceed its context window of {d.max_context_tokens} tokens"
    if not fits.any():
        return _infeasible(q, reason)
    sub = LayoutArrays(lay.tp[fits], lay.dp[fits], lay.ep[fits], lay.pp[fits])
    # a closed system of users: prefill stays mixed into decoding (no separate pool to size)
    parts, index = [], []
    for k, (spec, _) in enumerate(specs):
        parts.append(evaluate_points(d, traffic, sub, batch[fits], limit[fits], spec, queued=False, disaggregation=False))
        index.append(np.full(len(sub), k))
    points = PointArrays.concatenate(parts)
    m = len(specs)
    tile = lambda a: np.tile(a, m)  # noqa: E731
    lay_all = LayoutArrays(tile(sub.tp), tile(sub.dp), tile(sub.ep), tile(sub.pp))
    p = _selected(q, points, lay_all, tile(batch[fits]), tile(limit[fits]), tile(replicas[fits]), tile(active[fits]),
                  specs, np.concatenate(index))
    return _busy_replicas_only(p, int(n))


def _busy_replicas_only(p: Prediction, requests: int) -> Prediction:
    """With fewer requests in flight than replicas, the layout reports the replicas the load keeps
    busy (replicas x batch per replica = the requests), and a note says how many GPUs idle."""
    lay = p.layout
    if not p.feasible or lay is None or lay.replicas <= requests:
        return p
    idle = lay.replicas - requests
    note = (f"{requests:,} request(s) in flight keep {requests:,} of the {lay.replicas:,} replicas busy; "
            f"the other {idle:,} ({idle * lay.gpus_per_replica:,} GPUs) idle")
    return replace(p, layout=replace(lay, replicas=requests), notes=p.notes + (note,))


@lru_cache(maxsize=1024)
def cached_frontier(
    d: Deployment, traffic: Traffic, max_gpus_per_replica: int, speculation: Speculation | None, queued: bool
) -> Frontier:
    """:func:`compute_frontier`, remembered: the app re-evaluates a factory on every edit, and most
    fleet x workload pairs have not changed. Callers must not modify the returned arrays."""
    return compute_frontier(d, traffic, max_gpus_per_replica, speculation, queued)
