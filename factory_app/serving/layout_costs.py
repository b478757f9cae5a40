"""Per-layout constants of the step-time model: communication coefficients and shares.

Everything here depends on the layout (tp, dp, ep, pp) and not on the batch, so a frontier
computes it once per layout and expands it to its points by indexing: the transcendental
functions then run on tens of layouts instead of thousands of points.

A collective's time is linear in the bytes it moves: ``per_byte * bytes + latency``.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

#: Latency of a collective step that crosses the scale-out network, relative to scale-up.
SCALE_OUT_LATENCY_FACTOR = 4.0
#: Spread of routed-expert popularity (coefficient of variation of tokens per expert). Routers
#: trained for balance still leave some experts hotter than others; assumed, not fitted.
EXPERT_LOAD_CV = 0.5


def allreduce_coefficients(domain: int, link_bw: float, out_bw: float, alpha: float, n, crosses=None):
    """All-reduce over ``n`` GPUs as (seconds per byte of message, latency seconds).

    Bandwidth term of a ring, ``2 (n-1)/n * M / bw``. Latency: inside a switched scale-up domain
    serving stacks use two-shot kernels (reduce-scatter then all-gather, ``2 alpha`` whatever
    ``n``); across the scale-out network a ring pays ``2 (n-1)`` network latencies. ``crosses``
    (default: ``n > domain``) says which groups span scale-up domains.
    """
    n = np.asarray(n, dtype=float)
    crosses = n > domain if crosses is None else np.asarray(crosses, dtype=bool)
    bw = np.where(crosses, out_bw, link_bw)
    active = n > 1
    per_byte = np.where(active, 2.0 * (n - 1.0) / np.maximum(n, 1.0) / bw, 0.0)
    latency = np.where(crosses, 2.0 * (n - 1.0) * alpha * SCALE_OUT_LATENCY_FACTOR, 2.0 * alpha)
    return per_byte, np.where(active, latency, 0.0)


def alltoall_coefficients(domain: int, link_bw: float, out_bw: float, alpha: float, n):
    """All-to-all over ``n`` GPUs as (seconds per byte each GPU sends, latency seconds); traffic
    to GPUs outside the scale-up domain goes over the scale-out network."""
    n = np.asarray(n, dtype=float)
    outside = np.clip((n - domain) / np.maximum(n - 1.0, 1.0), 0.0, 1.0)
    active = n > 1
    per_byte = np.where(active, (1.0 - outside) / link_bw + outside / out_bw, 0.0)
    latency = alpha * np.log2(np.maximum(n, 2.0)) * np.where(outside > 0, SCALE_OUT_LATENCY_FACTOR, 1.0)
    return per_byte, np.where(active, latency, 0.0)


def expert_imbalance(experts: int, ep) -> np.ndarray:
    """Load of the busiest expert-parallel rank over the mean (>= 1).

    Each rank hosts ``experts / ep`` experts, so its load varies with coefficient of variation
    ``EXPERT_LOAD_CV / sqrt(experts / ep)``; the busiest of ``ep`` ranks sits about
    ``sqrt(2 ln ep)`` standard deviations above the mean, and every rank waits for it.
    """
    ep = np.asarray(ep, dtype=float)
    if not experts:
        return np.ones_like(ep)
    per_rank = np.maximum(experts / np.maximum(ep, 1.0), 1.0)
    spread = EXPERT_LOAD_CV / np.sqrt(per_rank)
    return 1.0 + np.sqrt(2.0 * np.log(np.maximum(ep, 1.0))) * spread


@dataclass(frozen=True, slots=True)
class LayoutCosts:
    """Per-layout constants (arrays, one entry per layout or per point)."""

    tp: np.ndarray
    dp: np.ndarray
    ep: np.ndarray
    pp: np.ndarray
    stage_gpus: np.ndarray
    kv_shards: np.ndarray  # ways one request's KV cache splits over a tensor-parallel group
    skew: np.ndarray  # busiest expert rank over the mean
    ranks_visited: np.ndarray  # expert ranks one token is sent to
    remote_ranks: np.ndarray  # of which on other GPUs
    tp_ar: tuple[np.ndarray, np.ndarray]  # all-reduce over tp
    expert_ar: tuple[np.ndarray, np.ndarray]  # all-reduce over an expert's tensor-parallel group
    a2a: tuple[np.ndarray, np.ndarray]  # all-to-all over ep
    hop: tuple[np.ndarray, np.ndarray]  # pipeline hand-off (point to point)

    def take(self, index: np.ndarray) -> "LayoutCosts":
        """The same constants for ``index`` (e.g. each point's layout)."""
        values = []
        for name in _COST_FIELDS:
            v = getattr(self, name)
            values.append((v[0][index], v[1][index]) if isinstance(v, tuple) else v[index])
        return LayoutCosts(*values)


_COST_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(LayoutCosts))


def layout_costs(
    tp, dp, ep, pp, *, domain: int, link_bw: float, out_bw: float, alpha: float,
    experts: int, experts_per_token: int, kv_heads: int, uses_mla: bool,
) -> LayoutCosts:
    """Compute :class:`LayoutCosts` for arrays of layouts (bandwidths in bytes/s, alpha in s)."""
    tp, dp, ep, pp = (np.asarray(x, dtype=float) for x in (tp, dp, ep, pp))
    stage = tp * dp
    k = float(experts_per_token)
    visited = ep * (1.0 - np.power(1.0 - 1.0 / ep, k)) if experts else np.ones_like(ep)
    crosses = tp * dp * pp > domain
    hop = (np.where(crosses, 1.0 / out_bw, 1.0 / link_bw), np.where(crosses, alpha * SCALE_OUT_LATENCY_FACTOR, alpha))
    return LayoutCosts(
        tp=tp,
        dp=dp,
        ep=ep,
        pp=pp,
        stage_gpus=stage,
        kv_shards=np.ones_like(tp) if uses_mla else np.minimum(tp, kv_heads),
        skew=expert_imbalance(experts, ep),
        ranks_visited=visited,
        remote_ranks=visited * (ep - 1.0) / ep,
        tp_ar=allreduce_coefficients(domain, link_bw, out_bw, alpha, tp),
        # a stage wider than the domain with experts on fewer ranks than a domain holds splits
        # each expert's tensor-parallel group across domains (every domain needs every expert)
        expert_ar=allreduce_coefficients(domain, link_bw, out_bw, alpha, stage / ep, (stage > domain) & (ep <= domain)),
        a2a=alltoall_coefficients(domain, link_bw, out_bw, alpha, ep),
        hop=hop,
    )


def unique_layouts(tp, dp, ep, pp) -> tuple[np.ndarray, np.ndarray]:
    """(index of the first point of each distinct layout, each point's layout number)."""
    key = np.asarray(tp) + 1e3 * np.asarray(dp) + 1e6 * np.asarray(ep) + 1e9 * np.asarray(pp)
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    return first, inverse.ravel()
