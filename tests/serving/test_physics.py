"""Physics of the performance engine: properties that can fail if the model is wrong."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from factory_app.serving.catalog import Figure, default_catalog
from factory_app.serving.frontier import BOUNDS, Speculation, Traffic, compute_frontier, evaluate_points, pareto_indices
from factory_app.serving.layouts import LayoutArrays, candidate_layouts
from factory_app.serving.performance import PrecisionNotSupported, costs_for, make_deployment, max_batch_per_replica, serving_step
from factory_app.serving.predict import ServiceLevel, predict

CAT = default_catalog()


def deployment(platform_id, model_id, precision, **platform_changes):
    p = CAT.platform(platform_id)
    if platform_changes:
        p = replace(p, **platform_changes)
    return make_deployment(p, CAT.model(model_id), precision, CAT.efficiency_for(p))


def one_layout(tp=1, dp=1, ep=1, pp=1, n=1):
    return LayoutArrays(*(np.full(n, float(v)) for v in (tp, dp, ep, pp)))


@pytest.mark.parametrize("factor", [1.5, 2.0, 4.0])
def test_more_memory_bandwidth_is_never_slower(factor):
    base = deployment("h100", "llama-3.3-70b", "fp8")
    faster = deployment(
        "h100", "llama-3.3-70b", "fp8",
        hbm_bandwidth_tbps=Figure(CAT.platform("h100").hbm_bandwidth_tbps.value * factor, ("test",)),
    )
    traffic = Traffic(1000, 1000)
    lay = one_layout(tp=2, n=6)
    batch = np.array([1, 4, 16, 64, 128, 200], dtype=float)
    limit = max_batch_per_replica(base, lay.tp, lay.dp, lay.ep, lay.pp, 1000, 1000)
    slow = evaluate_points(base, traffic, lay, batch, limit, disaggregation=False)
    fast = evaluate_points(faster, traffic, lay, batch, limit, disaggregation=False)
    assert np.all(fast.tokens_per_s_per_user >= slow.tokens_per_s_per_user)
    assert np.all(fast.tokens_per_s_per_gpu >= slow.tokens_per_s_per_gpu)
    # and bandwidth matters where decode is memory-bound: batch 1 must get clearly faster
    assert fast.tokens_per_s_per_user[0] > 1.2 * slow.tokens_per_s_per_user[0]


@pytest.mark.parametrize(
    "platform,model,precision,tp",
    [("h100", "llama-3.3-70b", "fp8", 2), ("h200", "llama-3.1-8b", "fp8", 1), ("b200", "gpt-oss-120b", "fp4", 1), ("mi300x", "llama-2-70b", "fp8", 1)],
)
def test_batching_raises_throughput_and_lowers_per_user_speed_until_the_kv_limit(platform, model, precision, tp):
    d = deployment(platform, model, precision)
    lay1 = one_layout(tp=tp)
    limit = float(max_batch_per_replica(d, lay1.tp, lay1.dp, lay1.ep, lay1.pp, 1000, 1000)[0])
    assert limit > 8
    batch = np.unique(np.round(np.geomspace(1, limit, 24)))
    lay = one_layout(tp=tp, n=len(batch))
    out = evaluate_points(d, Traffic(1000, 1000), lay, batch, np.full(len(batch), limit), queued=False, disaggregation=False)
    assert np.all(np.diff(out.tokens_per_s_per_gpu) >= -1e-9 * out.tokens_per_s_per_gpu[1:])
    assert np.all(np.diff(out.tokens_per_s_per_user) <= 1e-9)
    assert out.tokens_per_s_per_gpu[-1] > 5 * out.tokens_per_s_per_gpu[0]
    # the KV limit itself is the last feasible batch: its bound says so
    assert BOUNDS[int(out.bound[-1])] == "kv-capacity"


def test_moe_decode_reads_active_not_total_weights_at_batch_1():
    # infinitely fast math: every component is memory-bound, so memory time measures the bytes read
    d = replace(deployment("b200", "deepseek-r1", "fp4"), peak_flops=math.inf, dense_peak_flops=math.inf, attention_flops=math.inf)
    s = d.shape
    costs = costs_for(d, np.array([8.0]), np.array([1.0]), np.array([8.0]), np.array([1.0]))
    step = serving_step(d, costs, np.array([1.0]), 2000.0, 1000.0, 0.0, 0.0)
    bytes_read = float(step.memory[0]) * d.mem_bw * 8  # over the 8 GPUs
    total = s.total_params * d.weight_bytes
    active = (
        s.linear_params * d.dense_weight_bytes
        + s.lm_head_params * 2.0
        + s.moe_layers * s.experts_per_token * s.expert_params * d.weight_bytes
    )
    assert bytes_read < 0.1 * total
    assert bytes_read == pytest.approx(active, rel=0.1)


def test_a_model_that_does_not_fit_is_refused():
    r = predict("h100", 1, "llama-3.1-405b", "fp8", 1000, 1000)
    assert not r.feasible and "does not fit" in r.reason
    assert r.output_tokens_per_s == 0.0


def test_context_longer_than_the_model_window_is_refused():
    r = predict("h200", 8, "llama-2-70b", "fp8", 4000, 1000)  # Llama 2 has a 4,096-token window
    assert not r.feasible and "context window" in r.reason


def test_fp4_weights_on_hopper_are_weight_only_and_fp4_math_is_refused():
    r = predict("h100", 8, "llama-3.3-70b", "fp4", 1000, 1000)
    assert r.feasible and r.compute_precision == "bf16" and any("weight-only" in n for n in r.notes)
    with pytest.raises(PrecisionNotSupported, match="h100 does not run fp4"):
        predict("h100", 8, "llama-3.3-70b", "fp4", 1000, 1000, compute_precision="fp4")


def test_kv_limit_grows_with_memory_and_shrinks_with_context():
    d = deployment("h200", "llama-3.3-70b", "fp8")
    lay = one_layout()
    short = max_batch_per_replica(d, lay.tp, lay.dp, lay.ep, lay.pp, 1000, 1000)[0]
    long = max_batch_per_replica(d, lay.tp, lay.dp, lay.ep, lay.pp, 8000, 2000)[0]
    assert long < short / 4
    bigger = deployment("h200", "llama-3.3-70b", "fp8", hbm_gb=Figure(282, ("test",)))
    assert max_batch_per_replica(bigger, lay.tp, lay.dp, lay.ep, lay.pp, 1000, 1000)[0] > 2 * short


def test_pareto_indices_match_brute_force():
    rng = np.random.default_rng(7)
    x, y = rng.random(400), rng.random(400)
    keep = set(pareto_indices(x, y).tolist())
    for i in range(400):
        dominated = np.any((x >= x[i]) & (y >= y[i]) & ((x > x[i]) | (y > y[i])))
        assert (i in keep) == (not dominated)


def test_frontier_is_one_vectorised_evaluation_of_thousands_of_points():
    d = deployment("gb200", "deepseek-r1", "fp4")
    f = compute_frontier(d, Traffic(1000, 1000), 72)
    assert len(f) > 2000
    idx = f.pareto_indices()
    assert 5 < len(idx) < len(f)
    assert np.all(np.diff(f.tokens_per_s_per_user[idx]) > 0)
    assert np.all(np.diff(f.tokens_per_s_per_gpu[idx]) < 0)


def test_service_levels_are_met_and_tighter_limits_never_give_more():
    loose = predict("h100", 8, "llama-3.3-70b", "fp8", 1000, 1000, ServiceLevel(max_ttft_ms=2000, max_tpot_ms=200))
    tight = predict("h100", 8, "llama-3.3-70b", "fp8", 1000, 1000, ServiceLevel(max_ttft_ms=500, max_tpot_ms=40))
    fast = predict("h100", 8, "llama-3.3-70b", "fp8", 1000, 1000, ServiceLevel(min_tokens_per_s_per_user=50))
    assert loose.feasible and tight.feasible and fast.feasible
    assert tight.ttft_p99_ms <= 500 and tight.tpot_p99_ms <= 40
    assert loose.ttft_p99_ms <= 2000 and loose.tpot_p99_ms <= 200
    assert fast.tokens_per_s_per_user >= 50
    assert tight.output_tokens_per_s <= loose.output_tokens_per_s
    unconstrained = predict("h100", 8, "llama-3.3-70b", "fp8", 1000, 1000)
    assert loose.output_tokens_per_s <= unconstrained.output_tokens_per_s


def test_concurrency_one_is_single_user_latency():
    r = predict("h100", 8, "llama-3.3-70b", "fp8", 1000, 1000, ServiceLevel(concurrency=1))
    assert r.feasible and r.concurrency == 1
    assert r.output_tokens_per_s == pytest.approx(r.tokens_per_s_per_user)
    many = predict("h100", 8, "llama-3.3-70b", "fp8", 1000, 1000, ServiceLevel(concurrency=256))
    assert many.tokens_per_s_per_user < r.tokens_per_s_per_user
    assert many.output_tokens_per_s > 20 * r.output_tokens_per_s


def test_unreachable_service_level_is_infeasible_with_a_reason():
    r = predict("h100", 8, "llama-3.3-70b", "fp8", 1000, 1000, ServiceLevel(min_tokens_per_s_per_user=5000))
    assert not r.feasible and "5000" in r.reason


def test_nvl72_beats_hgx_per_gpu_on_a_large_moe_at_high_interactivity():
    sl = ServiceLevel(min_tokens_per_s_per_user=50)
    plain = Speculation()  # plain decoding on both (MTP helps the latency-bound board more)
    hopper = predict("h200", 8, "deepseek-r1", "fp8", 8000, 1000, sl, plain)
    rack = predict("gb200", 72, "deepseek-r1", "fp4", 8000, 1000, sl, plain)
    assert rack.output_tokens_per_s_per_gpu > 5 * hopper.output_tokens_per_s_per_gpu


def test_every_feasible_combination_gives_finite_numbers():
    for p in CAT.platforms.values():
        for m in CAT.models.values():
            for prec in p.precisions:
                gpus = p.domain_size if p.domain_size <= 72 else 8
                for sl in (ServiceLevel(), ServiceLevel(max_ttft_ms=1000, min_tokens_per_s_per_user=20), ServiceLevel(concurrency=1)):
                    r = predict(p.id, gpus, m.id, prec, 2000, 500, sl)
                    for key, value in r.to_json().items():
                        if isinstance(value, float):
                            assert math.isfinite(value), (p.id, m.id, prec, key)
                    if r.feasible:
                        assert r.output_tokens_per_s > 0 and r.bound in BOUNDS


def test_layouts_keep_tensor_parallelism_inside_the_scale_up_domain():
    for pid in ("h100", "gb200", "gh200"):
        p = CAT.platform(pid)
        for mid in ("llama-3.1-405b", "deepseek-r1"):
            lay = candidate_layouts(__import__("factory_app.serving.architecture", fromlist=["model_shape"]).model_shape(CAT.model(mid)), p.domain_size, 64)
            assert np.all(lay.tp <= p.domain_size)
            assert np.all(lay.gpus <= 64)
