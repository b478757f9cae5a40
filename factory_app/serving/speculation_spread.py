"""The spread of per-request time per output token that speculative decoding causes.

A measured p99/mean TPOT has two parts: the serving system's own tail (prefill stalls, batching;
fitted, ``efficiency.json`` -> ``latency_tail``) and, under drafting, the spread of how many tokens
each step accepts, which is physics. This module computes the second part; the frontier multiplies
a mode's fitted tail by it, and the calibration divides it out of each measured run's ratio.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from factory_app.serving.frontier import Speculation

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
