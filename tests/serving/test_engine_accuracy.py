"""Second pass of issue 13: activation traffic between the GEMMs, prefill workers of their own
layout (xPyD), expert tensor-parallel groups across scale-up domains, variable output lengths,
and latency-limited answers that are not quantised by the frontier's batch grid."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from factory_app.serving.catalog import default_catalog
from factory_app.serving.frontier import Traffic, prefill_worker
from factory_app.serving.layout_costs import layout_costs
from factory_app.serving.performance import activation_seconds, costs_for, serving_step
from factory_app.serving.predict import LayoutConstraint, ServiceLevel, deployment_for, predict

CAT = default_catalog()


def _deployment(platform: str, model: str, precision: str, **over):
    d = deployment_for(CAT, CAT.platform(platform), CAT.model(model), precision)
    return replace(d, **over) if over else d


def test_activation_traffic_is_fitted_and_positive_in_every_calibrated_family():
    for fam, eff in CAT.efficiency.items():
        if eff.calibrated:
            assert 1.0 <= eff.activation_passes <= 16.0, fam


def test_expert_tensor_parallelism_permutes_every_token_on_every_gpu():
    """At the same tokens per GPU, experts split over 8 GPUs (ep=1) move more activation bytes per
    GPU than experts spread over 8 ranks (ep=8): every GPU of an expert's tensor-parallel group
    handles each routed copy in full."""
    d = _deployment("gb300", "deepseek-r1", "fp4", activation_passes=4.0)
    one = np.array([1.0])
    tp_experts = costs_for(d, one, 8 * one, one, one)
    ep_experts = costs_for(d, one, 8 * one, 8 * one, one)
    tokens, rows = np.array([4096.0]), np.array([512.0])
    assert activation_seconds(d, tp_experts, rows, tokens)[0] > 3 * activation_seconds(d, ep_experts, rows, tokens)[0]


def test_more_activation_passes_are_slower():
    d = _deployment("h200", "llama-3.1-8b", "fp8")
    c = costs_for(d, np.array([1.0]), np.array([1.0]), np.array([1.0]), np.array([1.0]))
    args = (np.array([256.0]), 1500.0, 1000.0, np.array([0.0]), np.array([0.0]))
    fast = serving_step(replace(d, activation_passes=1.0), c, *args).total[0]
    slow = serving_step(replace(d, activation_passes=8.0), c, *args).total[0]
    assert slow > fast


def test_prefill_workers_are_sized_apart_from_wide_decode_replicas():
    d = _deployment("gb300", "deepseek-r1", "fp4")
    w = prefill_worker(d, 800.0)
    assert w is not None and 1 <= w.gpus <= 8 and w.gpu_seconds_per_prompt > 0 and w.latency_s > 0
    # a decode replica as wide as the rack less its prefill workers can be placed
    r = predict("gb300", 72, "deepseek-r1", "fp4", 800, 3750, ServiceLevel(max_ttft_ms=2000, max_tpot_ms=80),
                constraint=LayoutConstraint(tp=1, dp=64, ep=64, serving="disaggregated"), evidence=False)
    assert r.feasible and r.layout.replicas == 1 and r.layout.prefill_gpus_per_replica <= 8


def test_expert_groups_spanning_boards_pay_the_scale_out_network():
    kw = dict(domain=8, link_bw=400e9, out_bw=50e9, alpha=8e-6, experts=256, experts_per_token=8, kv_heads=128, uses_mla=True)
    one = np.array([1.0])
    inside = layout_costs(one, 8 * one, 4 * one, one, **kw)  # 8 GPUs, experts over 4 ranks of 2
    across = layout_costs(one, 16 * one, 8 * one, one, **kw)  # 16 GPUs on two boards, ranks of 2
    assert across.expert_ar[0][0] > 4 * inside.expert_ar[0][0]


def test_variable_output_lengths_raise_the_context_of_decoding_requests():
    assert Traffic(800, 3750).decode_context == pytest.approx(800 + 3750 / 2)
    assert Traffic(800, 3750, 1.0).decode_context == pytest.approx(800 + 3750)
    fixed = predict("h200", 8, "llama-3.3-70b", "fp8", 1000, 2000, evidence=False)
    spread = predict("h200", 8, "llama-3.3-70b", "fp8", 1000, 2000, evidence=False, output_cv=1.0)
    assert spread.output_tokens_per_s < fixed.output_tokens_per_s
    with pytest.raises(ValueError):
        Traffic(100, 100, -1.0)


def test_latency_limited_answers_are_refined_between_grid_batches():
    """The answer meets its limit and sits close to it (the grid alone leaves up to 1.6x of slack)."""
    r = predict("b200", 8, "llama-3.3-70b", "fp4", 1000, 1000, ServiceLevel(max_tpot_ms=30), evidence=False)
    assert r.feasible and r.tpot_p99_ms <= 30.0 and r.tpot_p99_ms > 30.0 / 1.25


def test_a_model_too_large_for_a_prefill_worker_in_one_domain_still_disaggregates():
    """DeepSeek-R1 at bf16 does not fit one 8-GPU H100 board: its prefill pool copies the decode layout."""
    d = _deployment("h100", "deepseek-r1", "bf16")
    assert prefill_worker(d, 1000.0) is None
    from factory_app.serving.frontier import compute_frontier

    f = compute_frontier(d, Traffic(1000, 1000), 32)
    assert not f.empty and f.disaggregated.any() and np.isfinite(f.power_w_per_gpu).all()
