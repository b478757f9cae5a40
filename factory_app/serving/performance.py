"""Time of one decode step and of one prompt's prefill, for arrays of layouts and batch sizes.

The model is a roofline per component with fitted efficiencies (see ``docs/engine.md``):

``t_step = pp * sum_i max(bytes_i / BW_eff, flops_i / (peak * eta(n_i))) + t_comm + t_fixed``

over the components i = dense linear layers (with the LM head), attention over the KV cache,
and routed experts. ``eta(n) = eta_max * n / (n + n_half)`` is the efficiency of a GEMM over n
tokens: small batches leave tensor cores idle. Every function broadcasts over numpy arrays, so a
whole frontier (thousands of layout x batch points) is one call.

Units: bytes, FLOPs, seconds, bytes/s, FLOP/s.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from factory_app.serving.architecture import ModelShape, model_shape
from factory_app.serving.catalog import Efficiency, LatencyTail, Model, Platform, PowerModel
from factory_app.serving.layout_costs import LayoutCosts, layout_costs
from factory_app.serving.precision import (
    ACTIVATION_BYTES,
    BITS,
    KV_BYTES,
    LM_HEAD_BYTES,
    WEIGHT_BYTES,
    attention_math_precision,
    default_compute_precision,
)

#: Share of HBM a serving stack hands to weights and KV cache (vLLM and TRT-LLM default to 0.9).
HBM_USABLE_FRACTION = 0.90
#: Activations, CUDA graphs, communication buffers and runtime, per accelerator (bytes).
RUNTIME_RESERVED_BYTES = 2.0e9
#: Prompt tokens a scheduler packs into one iteration (TensorRT-LLM's default max_num_tokens).
#: Prefill arrives in chunks of this size, so its weight reads are shared by many tokens.
PREFILL_CHUNK_TOKENS = 8192.0
#: Kernel launches of a MoE layer relative to a dense layer (see :func:`layer_launches`).
MOE_LAYER_LAUNCHES = 2.0
#: Rows of a tensor-core GEMM tile. A grouped expert GEMM pads each expert's tokens up to whole
#: tiles; with uneven expert loads half a tile per expert is wasted on average.
GEMM_TILE_ROWS = 128.0


class PrecisionNotSupported(ValueError):
    """The platform's hardware does not run the requested precision."""


@dataclass(frozen=True, slots=True)
class Deployment:
    """Scalars of one platform x model x precision, with efficiencies applied (SI units).

    ``precision`` is the weight format, ``compute_precision`` the format the GEMMs of those
    weights run in (wider for weight-only formats). Rates already include the software speed of
    ``software_date`` relative to the family's reference date.
    """

    platform_id: str
    model_id: str
    precision: str
    shape: ModelShape
    weight_bytes: float  # routed experts (and every linear layer of a dense model)
    dense_weight_bytes: float  # attention, dense FFN and shared experts
    kv_bytes: float
    dispatch_bytes: float  # per element of MoE tokens sent to expert ranks
    hbm_bytes: float
    mem_bw: float
    peak_flops: float  # FLOP/s of the expert (or dense-model) GEMMs
    dense_peak_flops: float  # FLOP/s of the non-expert GEMMs
    attention_flops: float
    eta_max: float
    n_half: float
    link_bw: float
    scale_out_bw: float
    alpha: float
    step_overhead_s: float
    layer_overhead_s: float
    domain: int
    max_context_tokens: int
    compute_precision: str = ""
    software_date: str = ""
    software_speed: float = 1.0
    # power at the operating point (W per accelerator) and its cap
    tdp_w: float = 0.0
    host_w: float = 0.0
    power: PowerModel = PowerModel()
    power_cap_w: float = math.inf
    tail: LatencyTail = LatencyTail()
    activation_passes: float = 0.0  # HBM passes over a token's activations per layer (see Efficiency)

    def eta(self, tokens: np.ndarray) -> np.ndarray:
        """Fraction of peak FLOP/s a GEMM over ``tokens`` rows reaches."""
        return self.eta_max * tokens / (tokens + self.n_half)


def make_deployment(
    platform: Platform,
    model: Model,
    precision: str,
    eff: Efficiency,
    kv_precision: str | None = None,
    *,
    compute_precision: str | None = None,
    software_date: str = "",
    software_speed: float = 1.0,
    power: PowerModel | None = None,
    tail: LatencyTail | None = None,
    power_cap_w: float | None = None,
) -> Deployment:
    """Combine catalogue entries into the scalars the step-time functions use.

    ``precision`` is the weight format; ``compute_precision`` the GEMM format (default: see
    :func:`~factory_app.serving.precision.default_compute_precision`: weight-only 4/8-bit
    weights on chips without that format run 16-bit math). ``kv_precision`` overrides the
    KV-cache format that goes with ``precision`` (bf16 or fp8). ``software_speed`` scales every
    kernel rate (the software of ``software_date`` relative to the family's reference date).
    ``power_cap_w`` caps each accelerator's power (None: its TDP).

    Raises :class:`PrecisionNotSupported` when the chip cannot run the compute precision, or
    the compute precision is narrower than the weights.

    Long because: it is a flat list of named conversions (datasheet figure x fitted factor ->
    one scalar each) that reads best in one place.
    """
    chip = platform.precisions
    compute = compute_precision or default_compute_precision(precision, chip, dict(model.weight_only))
    if compute not in chip:
        raise PrecisionNotSupported(
            f"{platform.id} does not run {compute} math; it runs {', '.join(chip)}"
        )
    if BITS[compute] < BITS[precision]:
        raise PrecisionNotSupported(f"compute precision {compute} is narrower than the {precision} weights")
    attn_prec = attention_math_precision(precision, chip)
    # FP4 recipes for MoE models (e.g. NVIDIA's DeepSeek-R1 NVFP4) quantise the experts only and
    # keep attention and shared layers at FP8; dense models are quantised throughout.
    dense_prec = "fp8" if (precision == "fp4" and model.is_moe and "fp8" in chip) else precision
    # the dense layers' math: their own format where the chip runs it and the experts' math is
    # not wider (weight-only checkpoints keep every GEMM at the activation format)
    dense_compute = dense_prec if (dense_prec in chip and BITS[dense_prec] >= BITS[compute]) else compute

    def peak(fmt: str, weights: str | None = None) -> float:
        """Datasheet dense FLOP/s of ``fmt`` math at this software's speed: FP4 GEMMs reach only
        ``fp4_efficiency`` of their datasheet advantage, and GEMMs whose ``weights`` are stored
        narrower than ``fmt`` (weight-only) ``weight_only_efficiency`` of the format's rate."""
        rate = platform.peak_dense_tflops[fmt].value * 1e12 * software_speed
        rate *= eff.fp4_efficiency if fmt == "fp4" else 1.0
        return rate * (eff.weight_only_efficiency if weights and BITS[weights] < BITS[fmt] else 1.0)

    pm = power or PowerModel()
    host_w = max(platform.all_in_w.value - platform.tdp_w.value, 0.0) * pm.host_w_share
    return Deployment(
        platform_id=platform.id,
        model_id=model.id,
        precision=precision,
        shape=model_shape(model),
        weight_bytes=WEIGHT_BYTES[precision],
        dense_weight_bytes=WEIGHT_BYTES[dense_prec],
        kv_bytes=KV_BYTES[kv_precision or precision],
        dispatch_bytes=min(WEIGHT_BYTES[compute] * 2.0, ACTIVATION_BYTES) if BITS[compute] <= 8 else ACTIVATION_BYTES,
        hbm_bytes=platform.hbm_gb.value * 1e9,
        mem_bw=platform.hbm_bandwidth_tbps.value * 1e12 * eff.mem_efficiency * software_speed,
        peak_flops=peak(compute, precision),
        dense_peak_flops=peak(dense_compute, dense_prec),
        attention_flops=peak(attn_prec),
        eta_max=eff.compute_efficiency_max,
        n_half=eff.compute_half_tokens,
        # Vendors quote scale-up bandwidth with both directions added; a collective streams one way.
        link_bw=platform.scale_up_bw_gbps_bidir.value * 1e9 / 2.0 * eff.link_efficiency * software_speed,
        scale_out_bw=platform.scale_out_bw_gbps.value * 1e9 * eff.link_efficiency * software_speed,
        alpha=eff.comm_latency_us * 1e-6 / software_speed,
        step_overhead_s=eff.step_overhead_ms * 1e-3 / software_speed,
        layer_overhead_s=eff.layer_overhead_us * 1e-6 / software_speed,
        domain=platform.domain_size,
        max_context_tokens=model.max_context_tokens,
        compute_precision=compute,
        software_date=software_date,
        software_speed=software_speed,
        tdp_w=platform.tdp_w.value,
        host_w=host_w,
        power=pm,
        power_cap_w=float(power_cap_w) if power_cap_w else math.inf,
        tail=tail or LatencyTail(),
        activation_passes=eff.activation_passes,
    )


# --------------------------------------------------------------------------------------------
# memory


def weight_bytes_per_gpu(d: Deployment, tp, dp, ep, pp) -> np.ndarray:
    """Weights each accelerator holds (bytes). Experts are spread over every GPU of a stage."""
    s = d.shape
    dense = (s.linear_params * d.dense_weight_bytes + (s.lm_head_params + s.embedding_params) * LM_HEAD_BYTES) / (tp * pp)
    experts = s.moe_layers * s.experts * s.expert_params * d.weight_bytes / (tp * dp * pp)
    return dense + experts


def kv_shards(d: Deployment, tp) -> np.ndarray:
    """Ways the KV cache of one request splits over a tensor-parallel group.

    GQA heads split up to the number of KV heads (beyond that they are replicated); MLA's latent
    is shared by all heads, so every rank holds all of it.
    """
    if d.shape.uses_mla:
        return np.ones_like(tp)
    return np.minimum(tp, d.shape.kv_heads)


def max_batch_per_replica(d: Deployment, tp, dp, ep, pp, isl: float, osl: float) -> np.ndarray:
    """Most requests a replica holds at once before its KV cache is full (0 = does not fit).

    Each request reserves its whole context (``isl + osl``), as schedulers that guarantee no
    eviction do.
    """
    return batch_limit(d, kv_room(d, tp, dp, ep, pp), isl, osl)


def kv_room(d: Deployment, tp, dp, ep, pp) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The layout-only part of :func:`max_batch_per_replica` (a frontier works it out once per
    layout): (HBM bytes per GPU left for KV cache, ways a request's KV cache splits, ``dp``)."""
    budget = HBM_USABLE_FRACTION * d.hbm_bytes - RUNTIME_RESERVED_BYTES - weight_bytes_per_gpu(d, tp, dp, ep, pp)
    return np.maximum(budget, 0.0), kv_shards(d, tp) * pp, dp


def batch_limit(d: Deployment, room: tuple[np.ndarray, np.ndarray, np.ndarray], isl: float, osl: float) -> np.ndarray:
    """:func:`max_batch_per_replica` from the layouts' :func:`kv_room`."""
    budget, shards, dp = room
    per_request = d.shape.kv_elements_per_token(isl + osl) * d.kv_bytes / shards
    per_rank = np.floor(budget / per_request)
    return per_rank * dp


# --------------------------------------------------------------------------------------------
# per-layout constants


def costs_for(d: Deployment, tp, dp, ep, pp) -> LayoutCosts:
    """The per-layout constants of ``d`` for arrays of layouts."""
    s = d.shape
    return layout_costs(
        tp, dp, ep, pp,
        domain=d.domain, link_bw=d.link_bw, out_bw=d.scale_out_bw, alpha=d.alpha,
        experts=s.experts, experts_per_token=s.experts_per_token, kv_heads=s.kv_heads, uses_mla=s.uses_mla,
    )


# --------------------------------------------------------------------------------------------
# one iteration


class StepTime(NamedTuple):
    """Iteration time and how it splits (seconds, arrays). A named tuple: a frontier builds
    several per call, and a frozen dataclass costs more to construct than its arrays' arithmetic."""

    total: np.ndarray
    memory: np.ndarray
    compute: np.ndarray
    communication: np.ndarray
    overhead: np.ndarray


def layer_launches(s: ModelShape) -> float:
    """Layers counted in units of a dense layer's kernel launches: a MoE layer launches about
    twice as many kernels (router, top-k, permute, grouped GEMMs, un-permute, combine), which is
    what sets its floor at small batches. (Assumed ratio, ``MOE_LAYER_LAUNCHES``.)"""
    return s.layers + (MOE_LAYER_LAUNCHES - 1.0) * s.moe_layers


def grouped_gemm_efficiency(d: Deployment, tokens_per_expert) -> np.ndarray:
    """Useful FLOP/s share of a grouped expert GEMM over ``n`` tokens per expert: it computes
    ``n + min(n, tile / 2)`` padded rows on average (kernels pick smaller tiles for tiny ``n``),
    at the efficiency of a GEMM of that many rows."""
    n = np.asarray(tokens_per_expert, dtype=float)
    padded = n + np.minimum(n, GEMM_TILE_ROWS / 2.0)
    return d.eta(padded) * n / padded


def _roofline(bytes_, flops, bw, flops_rate):
    """(memory time, compute time) of one component; only the larger one is non-zero."""
    t_mem = bytes_ / bw
    t_comp = flops / flops_rate
    mem_bound = t_mem >= t_comp
    return np.where(mem_bound, t_mem, 0.0), np.where(mem_bound, 0.0, t_comp)


def activation_seconds(d: Deployment, c: LayoutCosts, rows, tokens, terms: tuple | None = None) -> np.ndarray:
    """HBM time of the kernels between the GEMMs on one GPU, all layers of one stage.

    ``rows`` are the tokens of the busiest attention group, ``tokens`` those of the whole stage
    (the MoE layers see them all). Each token's hidden-sized tensors are handled on every
    tensor-parallel rank, its FFN intermediate is split over them; in MoE layers each of its ``k``
    routed copies is permuted to and from the expert rank that hosts the expert (every GPU of an
    expert's tensor-parallel group handles the whole copy: expert tensor parallelism replicates
    this traffic, expert parallelism divides it) and its intermediate is split over the stage.
    The busiest expert rank (``skew``) sets the pace. Each element is moved
    ``activation_passes`` times, two bytes each. ``terms``: :func:`activation_terms` of ``d``
    and ``c``, when the caller has them.
    """
    per_row, per_token, rate = terms or activation_terms(d, c)
    elements = rows * per_row
    if d.shape.moe_layers:
        elements = elements + tokens * c.skew * per_token
    return d.activation_passes * ACTIVATION_BYTES * elements / rate


def activation_terms(d: Deployment, c: LayoutCosts) -> tuple:
    """The layout-only parts of :func:`activation_seconds`: (elements per row of the attention
    group, elements per routed token and unit of skew (None for dense models), the pipeline's
    HBM bytes/s)."""
    s = d.shape
    per_token = (s.moe_permute_elements / c.ep + s.moe_inner_elements / c.stage_gpus) if s.moe_layers else None
    return s.act_hidden_elements + s.act_ffn_elements / c.tp, per_token, c.pp * d.mem_bw


def _moe_layer_comm(d: Deployment, c: LayoutCosts, tokens) -> np.ndarray:
    """Communication of one MoE layer: dispatch and combine all-to-alls over the ``ep`` ranks,
    then the reduction inside each expert's tensor-parallel group (``stage / ep`` GPUs).

    A token is sent once to every rank that hosts one of its experts (not once per expert), as
    DeepEP-style kernels do; dispatch travels in 8-bit when the experts are 8-bit or narrower.
    """
    h = d.shape.hidden_size
    per_gpu = tokens / c.stage_gpus * c.remote_ranks * h * c.skew
    a2a = c.a2a[0] * per_gpu * (d.dispatch_bytes + ACTIVATION_BYTES) + 2.0 * c.a2a[1]
    rows_on_rank = tokens * c.ranks_visited / c.ep
    return a2a + c.expert_ar[0] * rows_on_rank * h * ACTIVATION_BYTES + c.expert_ar[1]


class StepConstants(NamedTuple):
    """The parts of :func:`serving_step` that depend on the deployment and the layouts only (a
    frontier works them out once for its layouts): arrays over ``c``'s entries."""

    tp_pp: np.ndarray
    lin_bytes: np.ndarray  # bytes of dense weights and LM head each GPU reads per micro-batch
    kv_split: np.ndarray  # ways a request's KV cache splits over a group and the pipeline
    reductions: np.ndarray  # all-reduces over tp per stage and iteration
    moe_per_stage: np.ndarray | None  # MoE layers per pipeline stage (None for dense models)
    pipelined: bool  # any layout with pipeline stages
    activation: tuple | None  # activation_terms() (None without activation passes)


def step_constants(d: Deployment, c: LayoutCosts) -> StepConstants:
    """:class:`StepConstants` of ``d`` for the layouts of ``c``."""
    s = d.shape
    tp, pp = c.tp, c.pp
    tp_pp = tp * pp
    if s.moe_layers:
        # an all-reduce after attention in every layer and after the FFN of the dense layers
        reductions = (s.layers + s.layers - s.moe_layers) / pp
        moe_per_stage = s.moe_layers / pp
    else:
        reductions, moe_per_stage = 2.0 * s.layers / pp, None
    return StepConstants(
        tp_pp=tp_pp,
        lin_bytes=(s.linear_params * d.dense_weight_bytes + s.lm_head_params * LM_HEAD_BYTES) / tp_pp,
        kv_split=c.kv_shards * pp,
        reductions=reductions,
        moe_per_stage=moe_per_stage,
        pipelined=bool((pp > 1).any()),
        activation=activation_terms(d, c) if d.activation_passes else None,
    )


def serving_step(
    d: Deployment,
    c: LayoutCosts,
    batch,
    context_tokens,
    isl: float,
    prefill_rows,
    prefilling_ranks,
    tokens_per_request: float = 1.0,
    constants: StepConstants | None = None,
) -> StepTime:
    """Time of one iteration of a replica with continuous batching and chunked prefill.

    The iteration advances ``batch`` decoding requests by one token (or verifies
    ``tokens_per_request`` tokens each, with speculative decoding) at ``context_tokens`` of
    context, while ``prefilling_ranks`` of the ``dp`` attention groups each push ``prefill_rows``
    prompt tokens (of prompts ``isl`` long) through the same GEMMs. The iteration lasts as long
    as its busiest group, hence the prefill rows count in full on every group. ``constants``:
    :func:`step_constants` of ``d`` and ``c``, when the caller has them.
    """
    s = d.shape
    k_ = constants or step_constants(d, c)
    tp, dp, pp = c.tp, c.dp, c.pp
    b = batch / pp  # requests in one pipeline micro-batch
    b_rank = b / dp  # requests per attention group
    decode_rows = b_rank * tokens_per_request
    chunk = prefill_rows / pp  # prompt tokens per group in one micro-batch
    rows = decode_rows + chunk  # GEMM rows of the busiest attention group

    # dense linear layers and the LM head (decode rows only), split over tp (and pp)
    tp_pp, lin_bytes = k_.tp_pp, k_.lin_bytes
    lin_flops = 2.0 * (s.linear_params * rows + s.lm_head_params * decode_rows) / tp_pp
    mem, comp = _roofline(lin_bytes, lin_flops, d.mem_bw, d.dense_peak_flops * d.eta(rows))

    # attention: decode over the KV cache, prefill over the prompt (causal)
    kv_bytes = b_rank * s.kv_elements_per_token(context_tokens) * d.kv_bytes / k_.kv_split
    att_flops = (
        decode_rows * s.decode_attention_flops(context_tokens) + chunk * (s.prefill_attention_flops(isl) / isl)
    ) / tp_pp
    m, k = _roofline(kv_bytes, att_flops, d.mem_bw, d.attention_flops * d.eta_max)
    mem, comp = mem + m, comp + k

    msg = rows * s.hidden_size * ACTIVATION_BYTES
    tokens = b * tokens_per_request + prefilling_ranks * chunk  # of the whole stage
    if d.activation_passes:
        mem = mem + activation_seconds(d, c, rows, tokens, k_.activation)
    if s.moe_layers:
        e, topk = float(s.experts), float(s.experts_per_token)
        touched = e * -np.expm1(tokens * np.log1p(-topk / e))  # e * (1 - (1 - k/e)^tokens)
        per_layer = k_.moe_per_stage
        exp_bytes = per_layer * touched * s.expert_params * d.weight_bytes / c.stage_gpus
        exp_flops = 2.0 * per_layer * topk * s.expert_params * tokens / c.stage_gpus * c.skew
        m, k = _roofline(exp_bytes, exp_flops, d.mem_bw, d.peak_flops * grouped_gemm_efficiency(d, tokens * topk / touched))
        mem, comp = mem + m, comp + k
        comm = k_.reductions * (c.tp_ar[0] * msg + c.tp_ar[1]) + per_layer * _moe_layer_comm(d, c, tokens)
    else:
        comm = k_.reductions * (c.tp_ar[0] * msg + c.tp_ar[1])

    memory = pp * mem
    compute = pp * comp
    # pipeline hand-offs between stages
    if k_.pipelined:
        hops = np.where(pp > 1, pp * (c.hop[0] * rows * s.hidden_size * ACTIVATION_BYTES / tp + c.hop[1]), 0.0)
        communication = pp * comm + hops
    else:
        communication = pp * comm
    overhead = np.empty(np.shape(memory))  # np.full, without its Python overhead
    overhead.fill(d.step_overhead_s + layer_launches(s) * d.layer_overhead_s)
    total = memory + compute + communication + overhead
    return StepTime(total, memory, compute, communication, overhead)


# --------------------------------------------------------------------------------------------
# prefill


class PrefillConstants(NamedTuple):
    """The parts of :func:`prefill_latency` that depend on the deployment and the layouts only."""

    weights_read: np.ndarray  # seconds to read a stage's weights once (all stages)
    activation: tuple | None  # activation_terms() (None without activation passes)


def prefill_constants(d: Deployment, c: LayoutCosts) -> PrefillConstants:
    """:class:`PrefillConstants` of ``d`` for the layouts of ``c``."""
    return PrefillConstants(
        weights_read=weight_bytes_per_gpu(d, c.tp, c.dp, c.ep, c.pp) * c.pp / d.mem_bw,
        activation=activation_terms(d, c) if d.activation_passes else None,
    )


def prefill_latency(d: Deployment, c: LayoutCosts, isl: float, constants: PrefillConstants | None = None) -> np.ndarray:
    """Seconds to prefill one prompt of ``isl`` tokens alone on its attention group: the
    unloaded part of the time to first token. ``constants``: :func:`prefill_constants` of ``d``
    and ``c``, when the caller has them."""
    s = d.shape
    tokens = float(isl)
    dense_flops = 2.0 * s.linear_params * tokens + 2.0 * s.lm_head_params
    att_flops = s.prefill_attention_flops(tokens)
    t_dense = dense_flops / (d.dense_peak_flops * d.eta(tokens)) + att_flops / (d.attention_flops * d.eta_max)
    t_exp = 0.0
    msg = tokens * s.hidden_size * ACTIVATION_BYTES
    ar = c.tp_ar[0] * msg + c.tp_ar[1]
    comm = 2.0 * s.layers * ar
    if s.moe_layers:
        k, e = float(s.experts_per_token), float(s.experts)
        exp_flops = 2.0 * s.moe_layers * k * s.expert_params * tokens * c.skew
        t_exp = exp_flops / (d.peak_flops * grouped_gemm_efficiency(d, tokens * k / e))
        comm = (2.0 * s.layers - s.moe_layers) * ar + s.moe_layers * _moe_layer_comm(d, c, tokens)
    fixed = constants or prefill_constants(d, c)
    act = activation_seconds(d, c, tokens, tokens, fixed.activation) * c.pp if d.activation_passes else 0.0
    return (
        np.maximum(t_dense / c.tp + t_exp / c.stage_gpus, fixed.weights_read)
        + act
        + comm
        + d.step_overhead_s
        + layer_launches(s) * d.layer_overhead_s
    )
