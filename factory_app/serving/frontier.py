"""The throughput-interactivity frontier of a platform x model x precision x traffic shape.

Every feasible (layout, batch) is evaluated in one vectorised pass; the Pareto-optimal points on
(tokens/s per user, tokens/s per GPU) form the frontier the AI-factory argument is drawn on, and
a service level picks the operating point on it.

Steady state with continuous batching: each step finishes ``B / OSL`` requests on average and
their replacements are prefilled in the same step (chunked prefill), so a step of ``t_eff``
carries ``B`` decode tokens and ``B * ISL / OSL`` prompt tokens; the replica produces
``B / t_eff`` output tokens/s and each user sees ``1 / t_eff`` tokens/s (times the accepted tokens
per step with speculative decoding).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from functools import lru_cache

import numpy as np

from factory_app.serving.layout_costs import LayoutCosts, unique_layouts
from factory_app.serving.layouts import LayoutArrays, candidate_layouts
from factory_app.serving.performance import (
    PREFILL_CHUNK_TOKENS,
    Deployment,
    StepTime,
    costs_for,
    max_batch_per_replica,
    prefill_latency,
    serving_step,
)
from factory_app.serving.queueing import queue_wait_s

#: Bound labels, indexed by the codes in :attr:`Frontier.bound`.
BOUNDS: tuple[str, ...] = ("memory-bandwidth", "compute", "communication", "overhead", "kv-capacity")

#: Fractions of the KV-limited batch tried for every layout, dense near the limit where
#: latency-constrained operating points sit.
_TOP_FRACTIONS = np.array([0.7, 0.85, 0.92, 0.96, 0.99, 1.0])
_LOG_STEPS = 20
#: Target utilisation of a disaggregated prefill pool: headroom keeps its queue short.
PREFILL_POOL_UTILISATION = 0.8


@dataclass(frozen=True, slots=True)
class Traffic:
    """Mean tokens per request: prompt (``isl``) and generated (``osl``)."""

    isl: float
    osl: float
    #: Coefficient of variation of the output length (0: every request generates ``osl`` tokens).
    output_cv: float = 0.0

    def __post_init__(self) -> None:
        if not (self.isl >= 1 and self.osl >= 1):
            raise ValueError("input and output tokens per request must be >= 1")
        if not 0.0 <= self.output_cv <= 5.0:
            raise ValueError("the output length's coefficient of variation must be within 0..5")

    @property
    def decode_context(self) -> float:
        """Mean context of the requests decoding at any moment: ``isl + osl (1 + cv^2) / 2``. A
        request is in flight for as long as it generates, so long ones are over-represented
        (length-biased sampling) and a random one is half-way through its output."""
        return self.isl + self.osl * (1.0 + self.output_cv**2) / 2.0


@dataclass(frozen=True, slots=True)
class Speculation:
    """Speculative decoding (draft model or MTP heads): ``draft_tokens`` proposed per step, each
    accepted with probability ``acceptance`` given the previous one was."""

    draft_tokens: int = 0
    acceptance: float = 0.0

    @property
    def tokens_per_step(self) -> float:
        """Expected tokens a request advances per step: ``(1 - p^(d+1)) / (1 - p)``."""
        p, d = self.acceptance, self.draft_tokens
        if d == 0 or p <= 0:
            return 1.0
        if p >= 1:
            return float(d + 1)
        return (1.0 - p ** (d + 1)) / (1.0 - p)

    @property
    def verified_per_step(self) -> float:
        return 1.0 + self.draft_tokens


#: Requests drawn to find the 99th percentile of per-request TPOT under speculative decoding.
_SPREAD_SAMPLES = 20000


@lru_cache(maxsize=256)
def speculation_tpot_spread(spec: Speculation, osl: float, output_cv: float = 0.0) -> float:
    """99th percentile over mean of the per-request TPOT that speculative decoding alone causes.

    MLPerf's TPOT is per request: (latency - TTFT) / (tokens - 1). Each step advances a request
    by ``1 + accepted`` tokens, a random number (1 to ``d + 1``, mean ``tau``, variance
    ``sigma^2``), so a request of ``j`` intervals takes about ``j / tau`` steps with a standard
    deviation of ``sqrt(j sigma^2 / tau^3)`` (renewal theory); its TPOT relative to the mean is
    ``1 + z sigma / sqrt(j tau)``, bounded by one token per step (``tau``) and ``d + 1`` per step.
    Short requests set the 99th percentile: over output lengths of coefficient of variation
    ``output_cv`` (a gamma law; 0: every request ``osl`` tokens). Independent acceptances are
    assumed, a lower bound (hard prompts accept less throughout); the fitted tail carries the rest.
    Without drafting the spread is 1."""
    tau = spec.tokens_per_step
    d, p = spec.draft_tokens, spec.acceptance
    if d == 0 or p <= 0.0 or tau <= 1.0:
        return 1.0
    k = np.arange(1, d + 2, dtype=float)
    probs = np.append(p ** (k[:-1] - 1) * (1.0 - p), p**d)
    sigma2 = float(probs @ (k - tau) ** 2)
    rng = np.random.default_rng(0)  # fixed: the same spread for the same question
    if output_cv > 0:
        shape = 1.0 / output_cv**2
        n = rng.gamma(shape, osl / shape, _SPREAD_SAMPLES)
    else:
        n = np.full(_SPREAD_SAMPLES, osl)
    j = np.maximum(np.round(n) - 1.0, 1.0)
    r = 1.0 + rng.standard_normal(_SPREAD_SAMPLES) * math.sqrt(sigma2) / np.sqrt(j * tau)
    r = np.clip(r, tau / (d + 1.0), tau)
    return float(np.percentile(r, 99) / r.mean())


@dataclass(frozen=True, slots=True)
class PointArrays:
    """Performance of operating points as parallel arrays (one entry per point).

    Rates are output tokens; times are seconds. ``ttft_p99_s`` is infinite where the point cannot
    meet any time-to-first-token limit under random arrivals (the queue is unstable).
    """

    tokens_per_s_per_user: np.ndarray
    tokens_per_s_per_gpu: np.ndarray
    prefill_gpus: np.ndarray  # per replica, in a separate prefill pool (0 when aggregated)
    disaggregated: np.ndarray  # bool
    ttft_s: np.ndarray
    ttft_p99_s: np.ndarray
    tpot_s: np.ndarray
    tpot_p99_s: np.ndarray
    time_shares: np.ndarray  # (points, 4): memory, compute, communication, overhead
    bound: np.ndarray  # codes into BOUNDS
    power_w_per_gpu: np.ndarray  # system watts per GPU (accelerator + its host share), prefill pool included

    def __len__(self) -> int:
        return len(self.tokens_per_s_per_user)

    def take(self, index: np.ndarray) -> PointArrays:
        """The points selected by an index or boolean mask."""
        return PointArrays(*(getattr(self, f)[index] for f in POINT_ARRAY_FIELDS))

    @staticmethod
    def concatenate(parts: list[PointArrays]) -> PointArrays:
        return PointArrays(*(np.concatenate([getattr(p, f) for p in parts]) for f in POINT_ARRAY_FIELDS))


POINT_ARRAY_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(PointArrays))


@dataclass(frozen=True, slots=True)
class Frontier:
    """Every feasible operating point, as parallel arrays (one entry per point).

    Rates are output tokens; times are seconds. ``ttft_p99_s`` is infinite where the point
    cannot meet any time-to-first-token limit under random arrivals (the queue is unstable).
    """

    deployment: Deployment
    traffic: Traffic
    tp: np.ndarray
    dp: np.ndarray
    ep: np.ndarray
    pp: np.ndarray
    batch: np.ndarray
    batch_limit: np.ndarray
    tokens_per_s_per_user: np.ndarray
    tokens_per_s_per_gpu: np.ndarray
    prefill_gpus: np.ndarray  # per replica, in a separate prefill pool (0 when aggregated)
    disaggregated: np.ndarray  # bool
    ttft_s: np.ndarray
    ttft_p99_s: np.ndarray
    tpot_s: np.ndarray
    tpot_p99_s: np.ndarray
    time_shares: np.ndarray  # (points, 4): memory, compute, communication, overhead
    bound: np.ndarray  # codes into BOUNDS
    power_w_per_gpu: np.ndarray  # system watts per GPU at the point (accelerator + host share)
    reason: str = ""
    _pareto: np.ndarray | None = field(default=None, repr=False)

    @property
    def gpus_per_replica(self) -> np.ndarray:
        """Decode GPUs of a replica plus its share of a prefill pool."""
        return self.tp * self.dp * self.pp + self.prefill_gpus

    def __len__(self) -> int:
        return len(self.batch)

    @property
    def empty(self) -> bool:
        return len(self.batch) == 0

    def points(self) -> PointArrays:
        """The performance arrays of every point (views, not copies)."""
        return PointArrays(*(getattr(self, f) for f in POINT_ARRAY_FIELDS))

    def pareto_indices(self) -> np.ndarray:
        """Indices of the Pareto-optimal points, by rising tokens/s per user."""
        if self._pareto is not None:
            return self._pareto
        idx = pareto_indices(self.tokens_per_s_per_user, self.tokens_per_s_per_gpu)
        object.__setattr__(self, "_pareto", idx)
        return idx


def pareto_indices(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Indices of points not dominated in (x, y) (both larger-is-better), sorted by rising x."""
    if len(x) == 0:
        return np.zeros(0, dtype=int)
    order = np.lexsort((-y, -x))  # by x descending, ties by y descending
    ys = y[order]
    best_before = np.maximum.accumulate(np.concatenate(([-np.inf], ys[:-1])))
    keep = order[ys > best_before]
    return keep[::-1]


def _batch_grid(limit: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(layout index, batch) pairs: a geometric sweep from 1 to each layout's KV limit, plus
    fractions close to the limit."""
    n = len(limit)
    logs = np.linspace(0.0, 1.0, _LOG_STEPS)
    geo = np.power(limit[:, None], logs[None, :])
    top = limit[:, None] * _TOP_FRACTIONS[None, :]
    grid = np.concatenate([geo, top], axis=1)
    grid = np.maximum(np.round(grid), 1.0)
    layout_idx = np.repeat(np.arange(n), grid.shape[1])
    return layout_idx, grid.ravel()


def _mix(busy: np.ndarray, a: StepTime, b: StepTime) -> StepTime:
    """The mean of two kinds of iteration, ``busy`` of them of kind ``a``."""
    fields = ("total", "memory", "compute", "communication", "overhead")
    return StepTime(*(busy * getattr(a, f) + (1.0 - busy) * getattr(b, f) for f in fields))


def _take(step: StepTime, part: slice) -> StepTime:
    return StepTime(step.total[part], step.memory[part], step.compute[part], step.communication[part], step.overhead[part])


def chunk_schedule(lay: LayoutArrays, batch: np.ndarray, traffic: Traffic, spec: Speculation):
    """How prefill mixes into decoding (aggregated serving), per point.

    Every iteration finishes ``batch * tau / osl`` requests whose replacement prompts are prefilled
    in chunks of ``PREFILL_CHUNK_TOKENS``: under load prompts queue (the measured admission wait
    is several iterations), and a group's context phase fills its whole token budget with them.
    Each attention group needs ``need`` prompt tokens per iteration on average: when that is less
    than a chunk, a share ``f = need / chunk`` of a group's iterations carry a chunk, and an
    iteration is slow when any of the ``dp`` groups carries one (``1 - (1 - f)^dp`` of them; the
    groups schedule their prompts independently and the MoE layers make every group wait for
    the slowest); otherwise every iteration carries ``need`` tokens. (A prompt-sized unit,
    ``min(isl, chunk)``, was tried: it halves this interference and the 8xB200 and GB300
    aggregated DeepSeek-R1 measurements then come out 60% high.)

    Returns (share of slow iterations, prompt rows per group in one, groups prefilling in one).
    """
    dp = lay.dp
    need = batch * spec.tokens_per_step / traffic.osl * traffic.isl / dp
    share = np.minimum(need / PREFILL_CHUNK_TOKENS, 1.0)
    busy = 1.0 - np.power(1.0 - share, dp)
    rows = np.maximum(need, PREFILL_CHUNK_TOKENS)
    ranks = np.where(busy > 0, share * dp / np.maximum(busy, 1e-12), 0.0)
    return busy, rows, ranks


def kv_transfer_s(d: Deployment, lay: LayoutArrays, isl: float, prefill_gpus: float | np.ndarray | None = None) -> np.ndarray:
    """Seconds to move one prompt's KV cache from the prefill pool to a decode replica: over
    the scale-up links when a prefill worker (``prefill_gpus``, default as many as the replica)
    and the replica fit in one domain, else over the scale-out network."""
    kv = d.shape.kv_elements_per_token(isl) * d.kv_bytes
    gpus = lay.tp * lay.dp * lay.pp
    worker = gpus if prefill_gpus is None else prefill_gpus
    bw = np.where(gpus + worker <= d.domain, d.link_bw, d.scale_out_bw) * gpus
    return kv / bw


@dataclass(frozen=True, slots=True)
class PrefillWorker:
    """The prefill workers of disaggregated serving (xPyD): a layout of their own, inside one
    scale-up domain, that holds the weights and a full token budget of prompts."""

    gpus: int
    gpu_seconds_per_prompt: float  # at full load, power cap applied
    latency_s: float  # one prompt alone: the unloaded part of the time to first token
    watts_per_gpu: float


@lru_cache(maxsize=512)
def prefill_worker(d: Deployment, isl: float) -> PrefillWorker | None:
    """Of the layouts inside one scale-up domain that hold the weights and the KV cache of one
    token budget of prompts per attention group, the one that prefills a prompt of ``isl``
    tokens in the fewest GPU-seconds (None when none fits: the pool then copies the decode
    layout). Prefill workers are sized apart from the decode replicas: a wide expert-parallel
    decode replica is fed by small prefill workers, as xPyD deployments run them."""
    lay = candidate_layouts(d.shape, d.domain, d.domain)
    holds = max_batch_per_replica(d, lay.tp, lay.dp, lay.ep, lay.pp, PREFILL_CHUNK_TOKENS, 1.0) >= lay.dp
    if not holds.any():
        return None
    keep = np.flatnonzero(holds)
    tp, dp, ep, pp = (getattr(lay, f)[keep] for f in ("tp", "dp", "ep", "pp"))
    c = costs_for(d, tp, dp, ep, pp)
    n = len(keep)
    step, _, watts = _capped(d, serving_step(d, c, np.zeros(n), float(isl), float(isl),
                                             np.full(n, PREFILL_CHUNK_TOKENS), dp))
    gpus = tp * dp * pp
    seconds = step.total * gpus * isl / (dp * PREFILL_CHUNK_TOKENS)
    j = int(np.argmin(seconds))
    alone = prefill_latency(d, c.take(np.array([j])), float(isl))
    return PrefillWorker(int(gpus[j]), float(seconds[j]), float(np.asarray(alone).ravel()[0]), float(watts[j]))


def accelerator_power_w(d: Deployment, shares: np.ndarray) -> np.ndarray:
    """Watts one accelerator draws uncapped, from the shares of its iteration time spent
    memory-, compute-, communication- and overhead-bound (columns of ``shares``)."""
    pm = d.power
    activity = shares[:, 1] + pm.memory_activity * shares[:, 0] + pm.other_activity * (shares[:, 2] + shares[:, 3])
    return d.tdp_w * (pm.idle_fraction + (1.0 - pm.idle_fraction) * np.minimum(activity, 1.0))


def throttle(d: Deployment, demand_w: np.ndarray) -> np.ndarray:
    """Clock fraction (<= 1) at which an accelerator that would draw ``demand_w`` fits under its
    power cap: dynamic power goes as clock ** ``throttle_exponent``."""
    if not math.isfinite(d.power_cap_w):
        return np.ones_like(demand_w)
    idle = d.power.idle_fraction * d.tdp_w
    allowed = max(d.power_cap_w - idle, 1e-3 * d.tdp_w)
    need = np.maximum(demand_w - idle, 1e-9)
    return np.minimum(1.0, np.power(allowed / need, 1.0 / d.power.throttle_exponent))


def _capped(d: Deployment, it: StepTime) -> tuple[StepTime, np.ndarray, np.ndarray]:
    """The iteration under the power cap, its time shares and the watts each accelerator draws.

    A throttled clock stretches compute and launch time; HBM and links keep their speed."""
    shares = np.stack([it.memory, it.compute, it.communication, it.overhead], axis=1) / it.total[:, None]
    demand = accelerator_power_w(d, shares)
    clock = throttle(d, demand)
    if np.all(clock >= 1.0):
        return it, shares, demand
    slow = StepTime(it.memory + it.communication + (it.compute + it.overhead) / clock, it.memory, it.compute / clock,
                    it.communication, it.overhead / clock)
    shares = np.stack([slow.memory, slow.compute, slow.communication, slow.overhead], axis=1) / slow.total[:, None]
    return slow, shares, np.minimum(demand, d.power_cap_w)


def evaluate_points(
    d: Deployment,
    traffic: Traffic,
    lay: LayoutArrays,
    batch: np.ndarray,
    batch_limit: np.ndarray,
    speculation: Speculation | None = None,
    queued: bool = True,
    disaggregation: bool = True,
    layout_costs: tuple[LayoutCosts, np.ndarray] | None = None,
) -> PointArrays:
    """Performance of explicit (layout, batch) points, as :class:`PointArrays`.

    ``layout_costs`` is (per-layout constants, each point's layout index) when the caller
    already has them (a frontier does); otherwise they are worked out from the layouts.

    Every point is returned with prefill mixed into decoding (aggregated) and, with
    ``disaggregation``, a second time with prompts on a separate prefill pool (same layout, full
    chunks) sized to keep up at ``PREFILL_POOL_UTILISATION``: its decode iterations carry no
    prefill, and each replica costs its GPUs plus ``prefill_gpus``. The output arrays hold the
    aggregated points first; ``disaggregated`` marks the rest.

    ``queued`` applies random (Poisson) arrivals to the 99th-percentile latencies: a new request
    waits ``admission_steps`` iterations for its prompt to be scheduled, the queue for a KV slot
    (M/M/c), and the p99 over the mean of TTFT and TPOT is the ratio measured in served MLPerf
    runs (``Deployment.tail``). Without it the points are a closed system (a fixed number of
    users, or an offline run).

    All iteration variants (decode only, decode with a chunk, prefill pool) go through one
    stacked :func:`serving_step` call: numpy's per-call overhead dominates at frontier sizes.

    Long because: the stacked call above is the frontier's hot path; splitting the per-mode
    arithmetic into functions would pass a dozen arrays around for no reader's gain.
    """
    spec = speculation or Speculation()
    tau = spec.tokens_per_step
    ctx = traffic.decode_context
    n = len(batch)
    busy, rows, ranks = chunk_schedule(lay, batch, traffic, spec)
    zeros = np.zeros(n)
    worker = prefill_worker(d, traffic.isl) if disaggregation else None
    variants = {  # kind of iteration: (batch, prompt rows per group, groups prefilling)
        "decode": (batch, zeros, zeros),
        "chunked": (batch, rows, ranks),  # decode with a prefill chunk
    }
    if disaggregation and worker is None:  # no smaller prefill worker: the pool copies the layout
        variants["prefill_pool"] = (zeros, np.full(n, PREFILL_CHUNK_TOKENS), lay.dp)  # full chunks
    k = len(variants)
    if layout_costs is None:
        first, inverse = unique_layouts(lay.tp, lay.dp, lay.ep, lay.pp)
        per_layout = costs_for(d, lay.tp[first], lay.dp[first], lay.ep[first], lay.pp[first])
    else:
        per_layout, inverse = layout_costs
    steps = serving_step(
        d, per_layout.take(np.tile(inverse, k)),
        np.concatenate([v[0] for v in variants.values()]), ctx, traffic.isl,
        np.concatenate([v[1] for v in variants.values()]), np.concatenate([v[2] for v in variants.values()]),
        spec.verified_per_step,
    )
    step = {name: _take(steps, slice(i * n, (i + 1) * n)) for i, name in enumerate(variants)}
    if spec.draft_tokens:
        # drafting: each draft token is one pass of a one-layer module (MTP layer or EAGLE head)
        # over the batch, with its own kernel launches
        dec = step["decode"]
        per_layer = (dec.memory + dec.compute) / d.shape.layers
        draft = spec.draft_tokens * (per_layer + 2.0 * d.layer_overhead_s)
        for name in ("decode", "chunked"):
            st = step[name]
            step[name] = StepTime(st.total + draft, st.memory, st.compute, st.communication, st.overhead + draft)
    gpus = lay.tp * lay.dp * lay.pp
    alone = np.asarray(prefill_latency(d, per_layout, traffic.isl))[inverse]  # per layout, then per point
    tail = d.tail
    # serving mode: (mean iteration, prefill GPUs per replica, time to the first token before decoding, TPOT tail)
    modes = {"aggregated": (_mix(busy, step["chunked"], step["decode"]), np.zeros(n), alone, tail.tpot_p99_over_mean_aggregated)}
    pool_w = 0.0
    if disaggregation:
        if worker is not None:
            pool_seconds, pool_w = worker.gpu_seconds_per_prompt, worker.watts_per_gpu
            first = worker.latency_s + kv_transfer_s(d, lay, traffic.isl, worker.gpus)
        else:
            pool, _, pool_w = _capped(d, step["prefill_pool"])
            pool_seconds = pool.total * gpus * traffic.isl / (lay.dp * PREFILL_CHUNK_TOKENS)
            first = alone + kv_transfer_s(d, lay, traffic.isl)
        requests_per_s = batch * tau / step["decode"].total / traffic.osl
        prefill_gpus = requests_per_s * pool_seconds / PREFILL_POOL_UTILISATION
        modes["disaggregated"] = (step["decode"], prefill_gpus, first, tail.tpot_p99_over_mean_disaggregated)
    # every mode in one stacked evaluation (aggregated first)
    m = len(modes)
    raw = [v[0] for v in modes.values()]
    it, shares, watts = _capped(d, StepTime(*(np.concatenate([getattr(r, f) for r in raw]) for f in StepTime.__slots__)))
    prefill_gpus = np.concatenate([np.broadcast_to(v[1], (n,)) for v in modes.values()])
    pool_w = np.concatenate([np.zeros(n)] + [np.broadcast_to(pool_w, (n,))] * (m - 1))  # aggregated: no pool
    first_token = np.concatenate([np.broadcast_to(v[2], (n,)) for v in modes.values()])
    # a mode's measured tail without drafting, times the per-request spread drafting adds
    spread = speculation_tpot_spread(spec, traffic.osl, traffic.output_cv)
    tpot_tail = np.repeat([v[3] * spread for v in modes.values()], n)
    batch_m, limit_m, gpus_m = (np.tile(a, m) if m > 1 else a for a in (batch, batch_limit, gpus))
    t_eff = it.total
    tps_user = tau / t_eff
    tpot = t_eff / tau
    if queued:
        ttft = first_token + tail.admission_steps * t_eff
        service = traffic.osl / tps_user + ttft
        ttft_p99 = ttft * tail.ttft_p99_over_mean + queue_wait_s(limit_m, batch_m, service, 0.99)
        tpot_p99 = tpot * tpot_tail
    else:
        ttft = first_token + t_eff
        ttft_p99, tpot_p99 = ttft, tpot
    # system watts per GPU: decode GPUs at the iteration's draw, prefill GPUs at the pool's
    per_gpu_w = (gpus_m * watts + prefill_gpus * pool_w) / (gpus_m + prefill_gpus) + d.host_w
    bound = np.where(batch_m >= limit_m, BOUNDS.index("kv-capacity"), np.argmax(shares, axis=1))
    return PointArrays(
        tokens_per_s_per_user=tps_user,
        tokens_per_s_per_gpu=batch_m * tps_user / (gpus_m + prefill_gpus),
        prefill_gpus=prefill_gpus,
        disaggregated=np.arange(m * n) >= n,
        ttft_s=ttft,
        ttft_p99_s=ttft_p99,
        tpot_s=tpot,
        tpot_p99_s=tpot_p99,
        time_shares=shares,
        bound=bound,
        power_w_per_gpu=per_gpu_w,
    )


@lru_cache(maxsize=512)
def _costs_of_candidates(d: Deployment, max_gpus_per_replica: int) -> LayoutCosts:
    """Per-layout constants of every candidate layout (remembered: they do not depend on traffic)."""
    lay = candidate_layouts(d.shape, d.domain, max_gpus_per_replica)
    return costs_for(d, lay.tp, lay.dp, lay.ep, lay.pp)


def compute_frontier(
    d: Deployment,
    traffic: Traffic,
    max_gpus_per_replica: int,
    speculation: Speculation | None = None,
    queued: bool = True,
    disaggregation: bool = True,
) -> Frontier:
    """All feasible operating points of a deployment with replicas of up to ``max_gpus_per_replica``,
    with prefill mixed into decoding and, if ``disaggregation``, on a separate prefill pool."""
    lay = candidate_layouts(d.shape, d.domain, max_gpus_per_replica)
    reason = ""
    if traffic.isl + traffic.osl > d.max_context_tokens:
        lay = LayoutArrays(*(np.zeros(0) for _ in range(4)))
        reason = (
            f"{d.model_id}: {traffic.isl:g} + {traffic.osl:g} tokens exceed its context window of "
            f"{d.max_context_tokens} tokens"
        )
    limit = max_batch_per_replica(d, lay.tp, lay.dp, lay.ep, lay.pp, traffic.isl, traffic.osl)
    fits = limit >= 1
    if len(lay) and not fits.any():
        reason = (
            f"{d.model_id} at {d.precision} does not fit in {max_gpus_per_replica} x {d.platform_id} "
            f"({d.hbm_bytes / 1e9:g} GB each) with room for one {traffic.isl:g}+{traffic.osl:g}-token request"
        )
    kept = np.flatnonzero(fits)
    lay = LayoutArrays(lay.tp[kept], lay.dp[kept], lay.ep[kept], lay.pp[kept])
    limit = limit[kept]
    idx, batch = _batch_grid(limit)
    sub = LayoutArrays(lay.tp[idx], lay.dp[idx], lay.ep[idx], lay.pp[idx])
    per_layout = _costs_of_candidates(d, max_gpus_per_replica).take(kept)
    out = evaluate_points(d, traffic, sub, batch, limit[idx], speculation, queued, disaggregation, (per_layout, idx))
    m = len(out) // max(len(batch), 1) if len(batch) else 1
    return Frontier(
        deployment=d,
        traffic=traffic,
        tp=np.tile(sub.tp, m),
        dp=np.tile(sub.dp, m),
        ep=np.tile(sub.ep, m),
        pp=np.tile(sub.pp, m),
        batch=np.tile(batch, m),
        batch_limit=np.tile(limit[idx], m),
        reason=reason,
        **{f: getattr(out, f) for f in POINT_ARRAY_FIELDS},
    )
