"""Predict one deployment: the best layout over a number of GPUs, at a service level.

This is the engine call behind ``factory-app predict`` and behind every fleet x workload of a
factory. Latency limits (``max_ttft_ms``, ``max_tpot_ms``) are 99th percentiles under random
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

from factory_app.serving.catalog import Catalog, default_catalog
from factory_app.serving.frontier import BOUNDS, Frontier, PointArrays, Speculation, Traffic, compute_frontier, evaluate_points
from factory_app.serving.layouts import LayoutArrays, candidate_layouts
from factory_app.serving.performance import Deployment, make_deployment, max_batch_per_replica


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

    def mask(self, lay: LayoutArrays) -> np.ndarray:
        ok = np.ones(len(lay), dtype=bool)
        for name in ("tp", "dp", "ep", "pp"):
            want = getattr(self, name)
            if want is not None:
                ok &= getattr(lay, name) == want
        return ok

    def describe(self) -> str:
        return " ".join(f"{k}={getattr(self, k)}" for k in ("tp", "dp", "ep", "pp") if getattr(self, k) is not None)


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
    """The operating point of a deployment. Rates are output tokens/s unless named input."""

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

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict; the key names are a public contract (see docs/cli.md)."""
        out = asdict(self)
        out["notes"] = list(self.notes)
        if not self.feasible:
            out["layout"] = None
        return out


def _identity(
    d: Deployment, traffic: Traffic, gpus: int, service: ServiceLevel, calibrated: bool, notes: tuple[str, ...]
) -> dict[str, Any]:
    """The fields every prediction repeats from its question."""
    return dict(
        platform=d.platform_id,
        model=d.model_id,
        precision=d.precision,
        gpus=gpus,
        isl=traffic.isl,
        osl=traffic.osl,
        service_level=service.describe(),
        calibrated=calibrated,
        notes=notes,
    )


def _infeasible(
    d: Deployment, traffic: Traffic, gpus: int, service: ServiceLevel, reason: str, calibrated: bool, notes: tuple[str, ...]
) -> Prediction:
    return Prediction(feasible=False, reason=reason, **_identity(d, traffic, gpus, service, calibrated, notes))


def _selected(
    d: Deployment,
    traffic: Traffic,
    points: PointArrays,
    lay: LayoutArrays,
    batch: np.ndarray,
    limit: np.ndarray,
    replicas: np.ndarray,
    active: np.ndarray,
    service: ServiceLevel,
    gpus: int,
    notes: tuple[str, ...],
    calibrated: bool,
    value_per_token: Callable[[np.ndarray], np.ndarray] | None = None,
) -> Prediction:
    placeable = replicas >= 1  # a disaggregated replica's prefill pool may need more GPUs than there are
    ok = placeable.copy()
    if service.max_ttft_ms is not None:
        ok &= points.ttft_p99_s * 1e3 <= service.max_ttft_ms
    if service.max_tpot_ms is not None:
        ok &= points.tpot_p99_s * 1e3 <= service.max_tpot_ms
    if service.min_tokens_per_s_per_user is not None:
        ok &= points.tokens_per_s_per_user >= service.min_tokens_per_s_per_user
    base = _identity(d, traffic, gpus, service, calibrated, notes)
    if not ok.any():
        best_user = float(points.tokens_per_s_per_user[placeable].max()) if placeable.any() else 0.0
        best_ttft = float(points.ttft_s[placeable].min() * 1e3) if placeable.any() else 0.0
        reason = (
            f"no layout of {gpus} x {d.platform_id} meets {service.describe()} "
            f"(best reachable: {best_user:.1f} tokens/s per user, {best_ttft:.0f} ms TTFT unloaded)"
        )
        return Prediction(feasible=False, reason=reason, **base)
    system = active * batch * points.tokens_per_s_per_user
    objective = system * value_per_token(points.tokens_per_s_per_user) if value_per_token else system
    i = int(np.argmax(np.where(ok, objective, -np.inf)))
    shares = points.time_shares[i]
    tps_user = float(points.tokens_per_s_per_user[i])
    total = float(system[i])
    ttft_p99 = points.ttft_p99_s[i]
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
        input_tokens_per_s=total * traffic.isl / traffic.osl,
        tokens_per_s_per_user=tps_user,
        concurrency=float(active[i] * batch[i]),
        ttft_ms=float(points.ttft_s[i] * 1e3),
        ttft_p99_ms=float(ttft_p99 * 1e3) if math.isfinite(ttft_p99) else float(points.ttft_s[i] * 1e3),
        tpot_ms=float(points.tpot_s[i] * 1e3),
        tpot_p99_ms=float(points.tpot_p99_s[i] * 1e3),
        bound=BOUNDS[int(points.bound[i])],
        time_shares={k: round(float(v), 4) for k, v in zip(BOUNDS[:4], shares)},
        kv_limit_per_replica=float(limit[i]),
        **base,
    )


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
) -> Prediction:
    """Best operating point of ``gpus`` accelerators serving a model at a service level.

    ``max_gpus_per_replica`` bounds the replica size searched (default: all ``gpus``; a large
    fleet passes a cap such as two scale-up domains). ``value_per_token`` maps tokens/s per user
    to the value of one output token (a price that rises with interactivity): the point that
    maximises value per second is chosen instead of the one with the most tokens.

    Raises :class:`~factory_app.serving.catalog.UnknownIdError` for unknown ids and
    :class:`~factory_app.serving.performance.PrecisionNotSupported` for a precision the hardware
    does not run; every other infeasibility is a ``Prediction`` with ``feasible=False``.
    """
    cat = catalog or default_catalog()
    platform = cat.platform(platform_id)
    model = cat.model(model_id)
    eff = cat.efficiency_for(platform)
    d = make_deployment(platform, model, precision, eff, kv_precision)
    service = service or ServiceLevel()
    traffic = Traffic(float(isl), float(osl))
    notes = []
    if platform.announced:
        notes.append(f"{platform.id} is announced, not shipping: its figures are vendor claims or estimates")
    if not eff.calibrated:
        notes.append(f"{platform.name}: efficiency factors not calibrated: {eff.provenance.removeprefix('not calibrated: ')}")
    if service.concurrency is not None:
        return _predict_concurrency(d, traffic, gpus, service, speculation, tuple(notes), eff.calibrated, constraint)
    search = min(gpus, max_gpus_per_replica) if max_gpus_per_replica else gpus
    frontier = cached_frontier(d, traffic, search, speculation, service.has_latency_limit)
    lay = LayoutArrays(frontier.tp, frontier.dp, frontier.ep, frontier.pp)
    keep = constraint.mask(lay) if constraint else np.ones(len(lay), dtype=bool)
    if frontier.empty or not keep.any():
        reason = frontier.reason or f"no feasible layout with {constraint.describe() if constraint else ''}"
        return _infeasible(d, traffic, gpus, service, reason, eff.calibrated, tuple(notes))
    lay = LayoutArrays(lay.tp[keep], lay.dp[keep], lay.ep[keep], lay.pp[keep])
    points = frontier.points().take(keep)
    replicas = np.floor(gpus / (lay.gpus + points.prefill_gpus) + 1e-9)
    return _selected(
        d,
        traffic,
        points,
        lay,
        frontier.batch[keep],
        frontier.batch_limit[keep],
        replicas,
        replicas,
        service,
        gpus,
        tuple(notes),
        eff.calibrated,
        value_per_token,
    )


def _predict_concurrency(
    d: Deployment,
    traffic: Traffic,
    gpus: int,
    service: ServiceLevel,
    speculation: Speculation | None,
    notes: tuple[str, ...],
    calibrated: bool,
    constraint: LayoutConstraint | None = None,
) -> Prediction:
    """A closed system of ``service.concurrency`` users spread evenly over the replicas."""
    n = float(service.concurrency or 1)
    lay = candidate_layouts(d.shape, d.domain, gpus)
    limit = max_batch_per_replica(d, lay.tp, lay.dp, lay.ep, lay.pp, traffic.isl, traffic.osl)
    replicas = np.floor(gpus / lay.gpus)
    active = np.minimum(replicas, n)
    batch = np.maximum(n / np.maximum(replicas, 1.0), 1.0)
    fits = (limit >= batch) & (replicas >= 1)
    reason = (
        f"{int(n)} requests of {traffic.isl:g}+{traffic.osl:g} tokens do not fit in the KV cache of "
        f"{gpus} x {d.platform_id} with {d.model_id} at {d.precision}"
    )
    if constraint:
        if not (constraint.mask(lay) & (replicas >= 1)).any():
            reason = f"no layout of {gpus} x {d.platform_id} has {constraint.describe()}"
        fits &= constraint.mask(lay)
    if traffic.isl + traffic.osl > d.max_context_tokens:
        fits[:] = False
        reason = f"{d.model_id}: {traffic.isl:g} + {traffic.osl:g} tokens exceed its context window of {d.max_context_tokens} tokens"
    if not fits.any():
        return _infeasible(d, traffic, gpus, service, reason, calibrated, notes)
    sub = LayoutArrays(lay.tp[fits], lay.dp[fits], lay.ep[fits], lay.pp[fits])
    # a closed system of users: prefill stays mixed into decoding (no separate pool to size)
    points = evaluate_points(d, traffic, sub, batch[fits], limit[fits], speculation, queued=False, disaggregation=False)
    p = _selected(
        d, traffic, points, sub, batch[fits], limit[fits], replicas[fits], active[fits], service, gpus, notes, calibrated
    )
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
