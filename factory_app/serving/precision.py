"""Numeric precisions: how many bytes a weight, a KV-cache entry and an activation take.

A workload's precision names its weight format. The KV cache follows the usual serving practice:
bf16 with bf16 weights, 8-bit otherwise (FP4 checkpoints keep an FP8 KV cache). Block-scaled FP4
(NVFP4: one FP8 scale per 16 values) costs 4.5 bits a weight, not 4.
"""

from __future__ import annotations

#: Every precision the engine knows, in display order.
PRECISIONS: tuple[str, ...] = ("bf16", "fp8", "fp4", "int8")

#: Bytes per weight, including block scales.
WEIGHT_BYTES: dict[str, float] = {"bf16": 2.0, "fp8": 1.0, "fp4": 4.5 / 8.0, "int8": 1.0}

#: Bytes per KV-cache element.
KV_BYTES: dict[str, float] = {"bf16": 2.0, "fp8": 1.0, "fp4": 1.0, "int8": 1.0}

#: Bytes per activation element moved between GPUs (collectives run in bf16).
ACTIVATION_BYTES = 2.0

#: The LM head (vocabulary projection) is kept in bf16 by common quantisation recipes.
LM_HEAD_BYTES = 2.0


def attention_math_precision(precision: str, available: tuple[str, ...]) -> str:
    """Precision of the attention matmuls: FP8 where the KV cache is 8-bit and the chip has FP8."""
    if KV_BYTES[precision] <= 1.0 and "fp8" in available:
        return "fp8"
    return "bf16" if "bf16" in available else available[0]
