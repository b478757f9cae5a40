"""Numeric precisions: how many bytes a weight, a KV-cache entry and an activation take, and in
which format the matrix multiplications run.

A workload's precision names its *weight* format. The math may run wider: a weight-only format
(e.g. MXFP4 weights on Hopper, which has no FP4 tensor cores, or gpt-oss's published MXFP4
checkpoint, quantised with 16-bit activations) is dequantised in the GEMM kernel and multiplied
at the compute precision. The KV cache follows the usual serving practice: bf16 with bf16
weights, 8-bit otherwise (FP4 checkpoints keep an FP8 KV cache). Block-scaled FP4 (one 8-bit
scale per 16 or 32 values) costs 4.5 bits a weight, not 4.
"""

from __future__ import annotations

#: Every precision the engine knows, in display order.
PRECISIONS: tuple[str, ...] = ("bf16", "fp8", "fp4", "int8")

#: Bytes per weight, including block scales.
WEIGHT_BYTES: dict[str, float] = {"bf16": 2.0, "fp8": 1.0, "fp4": 4.5 / 8.0, "int8": 1.0}

#: Bytes per KV-cache element.
KV_BYTES: dict[str, float] = {"bf16": 2.0, "fp8": 1.0, "fp4": 1.0, "int8": 1.0}

#: Bits of each format, to order them (a compute precision may not be narrower than the weights).
BITS: dict[str, int] = {"bf16": 16, "fp8": 8, "int8": 8, "fp4": 4}

#: Bytes per activation element moved between GPUs (collectives run in bf16).
ACTIVATION_BYTES = 2.0

#: The LM head (vocabulary projection) is kept in bf16 by common quantisation recipes.
LM_HEAD_BYTES = 2.0


def attention_math_precision(precision: str, available: tuple[str, ...]) -> str:
    """Precision of the attention matmuls: FP8 where the KV cache is 8-bit and the chip has FP8."""
    if KV_BYTES[precision] <= 1.0 and "fp8" in available:
        return "fp8"
    return "bf16" if "bf16" in available else available[0]


def default_compute_precision(weights: str, available: tuple[str, ...], weight_only: dict[str, str] | None = None) -> str:
    """The format the GEMMs of ``weights``-precision weights run in on a chip with ``available``.

    - the model's published checkpoint at that format is weight-only (``weight_only`` maps weight
      format to activation format, e.g. gpt-oss's MXFP4 with bf16 activations): that format;
    - the chip runs the weight format natively: the weight format itself;
    - otherwise weight-only with 16-bit math (Marlin-style W4A16/W8A16 kernels, the common
      kernels on Hopper and MI300X), or the widest format the chip has.
    """
    wanted = (weight_only or {}).get(weights)
    if wanted and wanted in available:
        return wanted
    if weights in available:
        return weights
    if "bf16" in available:
        return "bf16"
    wider = [p for p in available if BITS[p] >= BITS[weights]]
    return max(wider, key=lambda p: BITS[p]) if wider else available[0]
