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

from factory_app.serving.frontier_plan import PointCosts, by_identity, candidates, grid_layout_index, tile
from factory_app.serving.layout_costs import LayoutCosts, unique_layouts
from factory_app.serving.layouts import LayoutArrays, candidate_layouts
from factory_app.serving.performance import (
    PREFILL_CHUNK_TOKENS,
    Deployment,
    StepTime,
    batch_limit,
    costs_for,
    max_batch_per_replica,
    prefill_constants,
    prefill_latency,
    serving_step,
    step_constants,
)
from factory_app.serving.queueing import queue_wait_s
from factory_app.serving.speculation_spread import speculation_tpot_spread

#: Bound labels, indexed by the codes in :attr:`Frontier.bound`.
BOUNDS: tuple[str, ...] = ("memory-bandwidth", "compute", "communication", "overhead", "kv-capacity")

#: Fractions of the KV-limited batch tried for every layout, dense near the limit where
#: latency-constrained operating points sit.
_TOP_FRACTIONS = np.array([0.7, 0.85, 0.92, 0.96, 0.99, 1.0])
_LOG_STEPS = 20
_LOGS = np.linspace(0.0, 1.0, _LOG_STEPS)
#: Batches tried per layout.
_GRID_COLUMNS = _LOG_STEPS + len(_TOP_FRACTIONS)
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


_NO_SPECULATION = Speculation()
_TOTAL, _OVERHEAD = StepTime._fields.index("total"), StepTime._fields.index("overhead")
#: Rows of a stacked StepTime over which the time shares are taken, in the shares' column order.
_SHARE_ROWS = slice(1, 5)
assert StepTime._fields[_SHARE_ROWS] == ("memory", "compute", "communication", "overhead")


def _batch_grid(limit: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(layout index, batch) pairs: a geometric sweep from 1 to each layout's KV limit, plus
    fractions close to the limit."""
    n = len(limit)
    column = limit[:, None]
    grid = np.empty((n, _GRID_COLUMNS))
    np.power(column, _LOGS, out=grid[:, :_LOG_STEPS])
    np.multiply(column, _TOP_FRACTIONS, out=grid[:, _LOG_STEPS:])
    grid = np.maximum(grid.round(out=grid), 1.0, out=grid)
    return grid_layout_index(n, _GRID_COLUMNS), grid.ravel()


def _per_mode(values: list[float], n: int) -> np.ndarray:
    """One value per serving mode, for each of the ``n`` points of every mode."""
    out = np.empty(len(values) * n)
    for i, v in enumerate(values):
        out[i * n:(i + 1) * n] = v
    return out


def _mix(busy: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The mean of two kinds of iteration, ``busy`` of them of kind ``a`` (each a StepTime's
    fields stacked: fields x points)."""
    idle = 1.0 - busy
    return busy * a + idle * b


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
    return kv / kv_transfer_bw(d, lay, prefill_gpus)


def kv_transfer_bw(d: Deployment, lay: LayoutArrays, prefill_gpus: float | np.ndarray | None = None) -> np.ndarray:
    """Bytes/s at which a prompt's KV cache reaches a decode replica (see :func:`kv_transfer_s`)."""
    gpus = lay.tp * lay.dp * lay.pp
    worker = gpus if prefill_gpus is None else prefill_gpus
    return np.where(gpus + worker <= d.domain, d.link_bw, d.scale_out_bw) * gpus


@dataclass(frozen=True, slots=True)
class PrefillWorker:
    """The prefill workers of disaggregated serving (xPyD): a layout of their own, inside one
    scale-up domain, that holds the weights and a full token budget of prompts."""

    gpus: int
    gpu_seconds_per_prompt: float  # at full load, power cap applied
    latency_s: float  # one prompt alone: the unloaded part of the time to first token
    watts_per_gpu: float


def prefill_worker(d: Deployment, isl: float) -> PrefillWorker | None:
    """:func:`_prefill_worker`, looked up by the deployment's identity first (see :func:`~factory_app.serving.frontier_plan.by_identity`)."""
    return by_identity(_prefill_worker, d, isl)


@lru_cache(maxsize=512)
def _prefill_layouts(d: Deployment, _: None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, LayoutCosts] | None:
    """The layouts :func:`prefill_worker` chooses from (tp, dp, ep, pp and their constants; None
    when none fits), remembered: they do not depend on the prompt length."""
    lay = candidate_layouts(d.shape, d.domain, d.domain)
    holds = max_batch_per_replica(d, lay.tp, lay.dp, lay.ep, lay.pp, PREFILL_CHUNK_TOKENS, 1.0) >= lay.dp
    if not holds.any():
        return None
    keep = np.flatnonzero(holds)
    tp, dp, ep, pp = (getattr(lay, f)[keep] for f in ("tp", "dp", "ep", "pp"))
    return tp, dp, ep, pp, costs_for(d, tp, dp, ep, pp)


@lru_cache(maxsize=512)
def _prefill_worker(d: Deployment, isl: float) -> PrefillWorker | None:
    """Of the layouts inside one scale-up domain that hold the weights and the KV cache of one
    token budget of prompts per attention group, the one that prefills a prompt of ``isl``
    tokens in the fewest GPU-seconds (None when none fits: the pool then copies the decode
    layout). Prefill workers are sized apart from the decode replicas: a wide expert-parallel
    decode replica is fed by small prefill workers, as xPyD deployments run them."""
    layouts = by_identity(_prefill_layouts, d, None)
    if layouts is None:
        return None
    tp, dp, ep, pp, c = layouts
    n = len(tp)
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


def _shares(it: StepTime, stacked: np.ndarray | None = None) -> np.ndarray:
    """Columns memory, compute, communication, overhead of the iteration time (points x 4).
    ``stacked``: the fields of ``it`` as the rows of one array, when they are (one division)."""
    if stacked is not None:
        return (stacked[_SHARE_ROWS] / stacked[_TOTAL]).T
    shares = np.empty((len(it.total), 4))
    shares[:, 0], shares[:, 1], shares[:, 2], shares[:, 3] = it.memory, it.compute, it.communication, it.overhead
    shares /= it.total[:, None]
    return shares


def _capped(d: Deployment, it: StepTime, stacked: np.ndarray | None = None) -> tuple[StepTime, np.ndarray, np.ndarray]:
    """The iteration under the power cap, its time shares and the watts each accelerator draws.
    ``stacked``: the fields of ``it`` as the rows of one array, when they are.

    A throttled clock stretches compute and launch time; HBM and links keep their speed."""
    shares = _shares(it, stacked)
    demand = accelerator_power_w(d, shares)
    if not math.isfinite(d.power_cap_w):
        return it, shares, demand  # no cap: full clock (what throttle() returns)
    clock = throttle(d, demand)
    if (clock >= 1.0).all():
        return it, shares, demand
    slow = StepTime(it.memory + it.communication + (it.compute + it.overhead) / clock, it.memory, it.compute / clock,
                    it.communication, it.overhead / clock)
    shares = _shares(slow)
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

    """
    return PointArrays(**_evaluate(d, traffic, lay, batch, batch_limit, speculation, queued, disaggregation, layout_costs)[0])


def _evaluate(
    d: Deployment,
    traffic: Traffic,
    lay: LayoutArrays,
    batch: np.ndarray,
    batch_limit: np.ndarray,
    speculation: Speculation | None = None,
    queued: bool = True,
    disaggregation: bool = True,
    layout_costs: tuple[LayoutCosts, np.ndarray] | None = None,
) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """:func:`evaluate_points` (the fields of its PointArrays), and the batch and batch limit of
    every returned point.

    Long because: the stacked call in :func:`evaluate_points` is the frontier's hot path;
    splitting the per-mode arithmetic into functions would pass a dozen arrays around for no
    reader's gain.
    """
    spec = speculation or _NO_SPECULATION
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
    plan = layout_costs if isinstance(layout_costs, PointCosts) else None  # layout-only values remembered
    point_costs = (plan or PointCosts(per_layout, inverse)).tiled(k)
    # batch, prompt rows and groups prefilling of every variant, as rows of one array
    inputs = np.concatenate([a for column in zip(*variants.values()) for a in column]).reshape(3, k * n)
    fixed = None if plan is None else plan.memo(("step_constants", k), lambda: step_constants(d, point_costs))
    steps = serving_step(d, point_costs, inputs[0], ctx, traffic.isl, inputs[1], inputs[2], spec.verified_per_step, fixed)
    # each variant's iteration as a view of one (fields, variants, points) array: fields x points
    by_variant = np.concatenate(steps).reshape(len(steps), k, n)
    step = {name: by_variant[:, i] for i, name in enumerate(variants)}
    if spec.draft_tokens:
        # drafting: each draft token is one pass of a one-layer module (MTP layer or EAGLE head)
        # over the batch, with its own kernel launches
        dec = StepTime._make(step["decode"])
        per_layer = (dec.memory + dec.compute) / d.shape.layers
        draft = spec.draft_tokens * (per_layer + 2.0 * d.layer_overhead_s)
        for name in ("decode", "chunked"):
            st = step[name]  # a view of this call's own array: add in place
            st[_TOTAL] += draft
            st[_OVERHEAD] += draft
    gpus = lay.tp * lay.dp * lay.pp if plan is None else plan.gpus
    prefill_fixed = None if plan is None else plan.memo("prefill_constants", lambda: prefill_constants(d, per_layout))
    alone = np.asarray(prefill_latency(d, per_layout, traffic.isl, prefill_fixed))[inverse]  # per layout, then per point
    tail = d.tail
    # serving mode: (mean iteration, prefill GPUs per replica, time to the first token before decoding, TPOT tail)
    modes = {"aggregated": (_mix(busy, step["chunked"], step["decode"]), zeros, alone, tail.tpot_p99_over_mean_aggregated)}
    pool_w = 0.0
    if disaggregation:
        if worker is not None:
            pool_seconds, pool_w = worker.gpu_seconds_per_prompt, worker.watts_per_gpu
            if plan is None:
                first = worker.latency_s + kv_transfer_s(d, lay, traffic.isl, worker.gpus)
            else:
                bw = plan.memo(("kv_transfer_bw", worker.gpus), lambda: kv_transfer_bw(d, lay, worker.gpus))
                first = worker.latency_s + d.shape.kv_elements_per_token(traffic.isl) * d.kv_bytes / bw
        else:
            pool, _, pool_w = _capped(d, StepTime._make(step["prefill_pool"]))
            pool_seconds = pool.total * gpus * traffic.isl / (lay.dp * PREFILL_CHUNK_TOKENS)
            first = alone + kv_transfer_s(d, lay, traffic.isl)
        requests_per_s = batch * tau / step["decode"][_TOTAL] / traffic.osl
        prefill_gpus = requests_per_s * pool_seconds / PREFILL_POOL_UTILISATION
        modes["disaggregated"] = (step["decode"], prefill_gpus, first, tail.tpot_p99_over_mean_disaggregated)
    # every mode in one stacked evaluation (aggregated first)
    m = len(modes)
    stacked = np.concatenate([v[0] for v in modes.values()], axis=1)
    it, shares, watts = _capped(d, StepTime._make(stacked), stacked)
    # per point of every mode, as rows of one array: prefill GPUs, time to the first token
    # before decoding, batch and batch limit
    per_mode = list(modes.values())
    columns = [v[1] for v in per_mode] + [v[2] for v in per_mode] + [batch] * m + [batch_limit] * m
    prefill_gpus, first_token, batch_m, limit_m = np.concatenate(columns).reshape(4, m * n)
    pool_w_m = np.empty(m * n)
    pool_w_m[:n] = 0.0  # aggregated: no pool
    pool_w_m[n:] = pool_w
    if plan is None:
        gpus_m, later_modes = tile(gpus, m), np.arange(m * n) >= n
    else:
        gpus_m, later_modes = plan.modes(m)
    t_eff = it.total
    tps_user = tau / t_eff
    tpot = t_eff / tau
    if queued:
        ttft = first_token + tail.admission_steps * t_eff
        service = traffic.osl / tps_user + ttft
        ttft_p99 = ttft * tail.ttft_p99_over_mean + queue_wait_s(limit_m, batch_m, service, 0.99)
        # a mode's measured tail without drafting, times the per-request spread drafting adds
        spread = speculation_tpot_spread(spec, traffic.osl, traffic.output_cv)
        tails = [v[3] * spread for v in modes.values()]
        tpot_tail = _per_mode(tails, n) if plan is None else plan.memo(("tpot_tail", n, *tails), lambda: _per_mode(tails, n))
        tpot_p99 = tpot * tpot_tail
    else:
        ttft = first_token + t_eff
        ttft_p99, tpot_p99 = ttft, tpot
    # system watts per GPU: decode GPUs at the iteration's draw, prefill GPUs at the pool's
    all_gpus = gpus_m + prefill_gpus
    per_gpu_w = (gpus_m * watts + prefill_gpus * pool_w_m) / all_gpus + d.host_w
    bound = np.where(batch_m >= limit_m, BOUNDS.index("kv-capacity"), shares.argmax(axis=1))
    return dict(
        tokens_per_s_per_user=tps_user,
        tokens_per_s_per_gpu=batch_m * tps_user / all_gpus,
        prefill_gpus=prefill_gpus,
        disaggregated=later_modes,
        ttft_s=ttft,
        ttft_p99_s=ttft_p99,
        tpot_s=tpot,
        tpot_p99_s=tpot_p99,
        time_shares=shares,
        bound=bound,
        power_w_per_gpu=per_gpu_w,
    ), batch_m, limit_m


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
    cand = candidates(d, max_gpus_per_replica)
    reason = ""
    if traffic.isl + traffic.osl > d.max_context_tokens:
        limit = np.zeros(0)
        reason = (
            f"{d.model_id}: {traffic.isl:g} + {traffic.osl:g} tokens exceed its context window of "
            f"{d.max_context_tokens} tokens"
        )
        kept = np.zeros(0, dtype=np.intp)
    else:
        limit = batch_limit(d, cand.room, traffic.isl, traffic.osl)
        kept = (limit >= 1).nonzero()[0]
        if len(limit) and not len(kept):
            reason = (
                f"{d.model_id} at {d.precision} does not fit in {max_gpus_per_replica} x {d.platform_id} "
                f"({d.hbm_bytes / 1e9:g} GB each) with room for one {traffic.isl:g}+{traffic.osl:g}-token request"
            )
        limit = limit[kept]
    ex = cand.expansion(kept, _GRID_COLUMNS)
    idx, batch = _batch_grid(limit)
    sub = ex.sub
    out, batch_m, limit_m = _evaluate(d, traffic, sub, batch, limit[idx], speculation, queued, disaggregation, ex.costs)
    m = len(out["bound"]) // max(len(batch), 1) if len(batch) else 1
    tp, dp, ep, pp = ex.columns(m)
    return Frontier(
        deployment=d,
        traffic=traffic,
        tp=tp,
        dp=dp,
        ep=ep,
        pp=pp,
        batch=batch_m,
        batch_limit=limit_m,
        reason=reason,
        **out,
    )
