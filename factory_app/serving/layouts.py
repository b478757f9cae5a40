"""Ways to spread one model replica over accelerators, as arrays for vectorised evaluation.

A replica spans ``gpus = tp * dp * pp`` accelerators:

- ``tp``: tensor parallelism of attention and dense layers (inside the scale-up domain);
- ``dp``: attention data parallelism (MoE only): ``dp`` groups of ``tp`` GPUs each run attention
  for their own requests, and all ``tp * dp`` GPUs of a stage share the experts;
- ``ep``: expert parallelism (MoE only): experts are split over ``ep`` GPUs, each expert further
  tensor-split over ``tp * dp / ep`` GPUs;
- ``pp``: pipeline stages (dense models too large for one scale-up domain).

Only layouts that real serving stacks run are listed; the memory fit is checked later.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from factory_app.serving.architecture import ModelShape

_POWERS = (1, 2, 4, 8, 16, 32, 64, 128, 256)


@dataclass(frozen=True, slots=True)
class LayoutArrays:
    """One entry per layout; all arrays have the same length."""

    tp: np.ndarray
    dp: np.ndarray
    ep: np.ndarray
    pp: np.ndarray

    @property
    def gpus(self) -> np.ndarray:
        return self.tp * self.dp * self.pp

    def __len__(self) -> int:
        return len(self.tp)


@lru_cache(maxsize=256)
def candidate_layouts(shape: ModelShape, domain: int, max_gpus: int) -> LayoutArrays:
    """Every layout of at most ``max_gpus`` accelerators for a model on a platform (remembered:
    callers must not modify the arrays).

    ``domain`` is the scale-up domain size. Tensor parallelism stays inside it; a stage
    (``tp * dp`` GPUs) may exceed it only for expert parallelism, whose all-to-all then runs
    partly over the scale-out network, and pipeline stages beyond it talk over scale-out.
    """
    rows: list[tuple[int, int, int, int]] = []
    stage_sizes = sorted({n for n in _POWERS if n <= max_gpus} | ({domain} if domain <= max_gpus else set()))
    max_tp = min(domain, shape.attention_heads)
    if shape.moe_layers:
        max_tp = min(max_tp, 8)  # MoE serving scales attention by data parallelism beyond 8
    for stage in stage_sizes:
        for tp in _POWERS:
            if tp > max_tp or stage % tp:
                continue
            dp = stage // tp
            if not shape.moe_layers:
                if dp != 1:
                    continue
                for pp in _POWERS:
                    if pp > shape.layers or stage * pp > max_gpus:
                        break
                    if pp > 1 and stage != max_tp:
                        continue  # pipeline only once tensor parallelism is exhausted
                    rows.append((tp, 1, 1, pp))
                continue
            # experts tensor-split over the stage, or one rank per GPU; a fully tensor-parallel
            # stage may also group experts into fewer ranks (TensorRT-LLM's "TP8/EP2"); large
            # stages may spread them over one 8-GPU board
            eps = {1, stage} | ({e for e in _POWERS if e < stage} if tp == stage else set()) | ({8} if stage > 8 else set())
            for ep in sorted(eps):
                if stage % ep or ep > shape.experts:
                    continue
                rows.append((tp, dp, ep, 1))
    arr = np.array(sorted(set(rows)), dtype=float).reshape(-1, 4)
    return LayoutArrays(tp=arr[:, 0], dp=arr[:, 1], ep=arr[:, 2], pp=arr[:, 3])
