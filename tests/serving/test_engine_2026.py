"""Issue 13: the engine answers for a software month, draws power at its operating point and
under a cap, serves weight-only formats, searches speculative decoding, and carries evidence
(an error band and the nearest measurement) -- without holding any measurement itself."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest

from factory_app.resources import resource_path
from factory_app.serving.catalog import QUALITIES, default_catalog
from factory_app.serving.frontier import Speculation
from factory_app.serving.predict import ServiceLevel, predict
from factory_app.serving.software import SoftwareDateError, calibrated_for, software_trend_per_year

CAT = default_catalog()
SERVING = Path(__file__).resolve().parents[2] / "factory_app" / "serving"


def _measurements():
    folder = resource_path("calibration")
    for name in ("measurements.json", "measurements-2026.json"):
        yield from json.loads((folder / name).read_text(encoding="utf-8"))["points"]


def test_no_measurement_id_or_value_in_the_engine_or_the_catalogue():
    """Physics, not look-ups: no calibration id or measured value in serving/ or resources/catalog."""
    texts = {p: p.read_text(encoding="utf-8") for p in list(SERVING.glob("*.py")) + list(resource_path("catalog").glob("*.json"))}
    ids = [m["id"] for m in _measurements()]
    assert len(ids) == 97
    for path, text in texts.items():
        for mid in ids:
            assert not re.search(rf"\b{mid}\b", text), f"{mid} appears in {path.name}"
    for m in _measurements():
        for key in ("value", "system_power_w"):
            v = m.get(key)
            if v is None or v < 1000:  # small numbers (e.g. 253 tok/s/user) collide with physics constants
                continue
            forms = {f"{v:g}", f"{v:.1f}", f"{v:,.0f}", str(v)}
            for path, text in texts.items():
                for form in forms:
                    assert not re.search(rf"(?<![\d.]){re.escape(form)}(?![\d])", text), f"{m['id']} {key} {form} appears in {path.name}"


def test_gpt_oss_on_h200_runs_weight_only():
    r = predict("h200", 8, "gpt-oss-120b", "fp4", 2000, 1309)
    assert r.feasible and r.precision == "fp4" and r.compute_precision == "bf16"


def test_gpt_oss_published_mxfp4_is_weight_only_on_blackwell_too():
    r = predict("b200", 8, "gpt-oss-120b", "fp4", 2000, 1309)
    assert r.compute_precision == "bf16"
    forced = predict("b200", 8, "gpt-oss-120b", "fp4", 2000, 1309, compute_precision="fp4")
    assert forced.compute_precision == "fp4" and forced.output_tokens_per_s > r.output_tokens_per_s


def test_software_dates():
    latest = CAT.software.latest
    assert calibrated_for(None, CAT) == latest
    assert calibrated_for("2030-01", CAT) == latest
    assert calibrated_for("2024-09", CAT) == "2024-08"
    with pytest.raises(SoftwareDateError):
        calibrated_for("April 2026", CAT)
    old = predict("h200", 8, "llama-3.3-70b", "fp8", 1000, 1000, software="2024-03")
    new = predict("h200", 8, "llama-3.3-70b", "fp8", 1000, 1000)
    assert old.calibrated_for == "2024-03" and new.calibrated_for == latest
    trend = software_trend_per_year(CAT, "hopper")
    assert trend > 0 and old.output_tokens_per_s < new.output_tokens_per_s
    assert -0.1 < software_trend_per_year(CAT) < 1.0


def test_power_at_the_operating_point_and_under_a_cap():
    p = CAT.platform("mi355x")
    free = predict("mi355x", 8, "llama-2-70b", "fp8", 300, 283)
    capped = predict("mi355x", 8, "llama-2-70b", "fp8", 300, 283, power_cap_w=1000)
    host = free.power_w_per_gpu - p.tdp_w.value
    assert 0 < free.power_w <= 8 * (p.tdp_w.value + p.all_in_w.value)
    assert capped.output_tokens_per_s < free.output_tokens_per_s
    assert capped.power_w < free.power_w and capped.power_cap_w == 1000
    assert capped.power_w_per_gpu <= 1000 + (p.all_in_w.value - p.tdp_w.value) + 1e-6
    # an idle system draws less than a busy one
    one_user = predict("mi355x", 8, "llama-2-70b", "fp8", 300, 283, ServiceLevel(concurrency=1))
    assert one_user.power_w < free.power_w and math.isfinite(host)


def test_speculative_decoding_is_searched_and_overrides_are_honoured():
    single = ServiceLevel(concurrency=1)
    auto = predict("b200", 8, "deepseek-r1", "fp4", 1024, 2048, single)
    off = predict("b200", 8, "deepseek-r1", "fp4", 1024, 2048, single, Speculation())
    assert auto.speculation and auto.speculation["method"] == "mtp"
    assert off.speculation is None and auto.tokens_per_s_per_user > off.tokens_per_s_per_user
    zero = predict("b200", 8, "deepseek-r1", "fp4", 1024, 2048, single, Speculation(3, 0.0))
    assert zero.tokens_per_s_per_user < off.tokens_per_s_per_user  # verifying drafts that never land costs


def test_every_prediction_carries_a_band_and_the_nearest_measurement():
    r = predict("gb300", 72, "deepseek-r1", "fp4", 800, 3750, ServiceLevel(max_ttft_ms=2000, max_tpot_ms=80))
    low, high = r.output_tokens_per_s_range
    assert low < r.output_tokens_per_s < high
    near = r.nearest_measurement
    assert near and {"id", "source", "date", "value", "metric"} <= set(near)
    assert near["platform"] == "gb300" and near["model"] == "deepseek-r1"
    # a platform without measurements of its own gets the wider band of unseen systems
    seen = predict("b200", 8, "llama-3.3-70b", "fp4", 1000, 1000)
    unseen = predict("b300", 8, "llama-3.3-70b", "fp4", 1000, 1000)
    ratio = lambda p: p.output_tokens_per_s_range[1] / p.output_tokens_per_s_range[0]  # noqa: E731
    assert ratio(unseen) > ratio(seen)


def test_figures_are_graded_and_the_primary_sources_win():
    grades = {f.grade for p in CAT.platforms.values() for f in p.figures().values()}
    assert grades <= set(QUALITIES) and "primary" in grades
    assert CAT.platform("gb300").hbm_gb.value == 288 and CAT.platform("gb300").hbm_gb.grade == "primary"
    assert CAT.platform("b300").hbm_bandwidth_tbps.value == 8.0
    assert CAT.platform("b300").peak_dense_tflops["fp4"].value == 15000
    assert CAT.platform("tpu-v7").hbm_bandwidth_tbps.value == 7.38


def test_frontier_with_band_for_charts():
    from factory_app.serving.curve import frontier_with_band

    f = frontier_with_band("gb300", "deepseek-r1", "fp4", 800, 3750)
    assert len(f) > 3 and f.calibrated_for == CAT.software.latest
    assert (f.tokens_per_s_per_gpu_low < f.tokens_per_s_per_gpu).all() and (f.tokens_per_s_per_gpu < f.tokens_per_s_per_gpu_high).all()
    assert (f.power_w_per_gpu > 0).all() and (f.power_w_per_gpu < 2 * CAT.platform("gb300").all_in_w.value).all()
    assert (f.tokens_per_s_per_user[1:] >= f.tokens_per_s_per_user[:-1]).all()
    capped = frontier_with_band("gb300", "deepseek-r1", "fp4", 800, 3750, power_cap_w=900)
    assert capped.tokens_per_s_per_gpu.max() < f.tokens_per_s_per_gpu.max()


def test_a_software_month_before_the_model_existed_says_so():
    """A fresh-eyes run set an H200 DeepSeek-R1 fleet to 2023-11 software and saw its capacity
    collapse without comment: the answer extrapolates back past the model's release, and says so."""
    old = predict("h200", 8, "deepseek-r1", "fp8", 1000, 8000, software="2024-08")
    new = predict("h200", 8, "deepseek-r1", "fp8", 1000, 8000)
    assert any("released in 2025-01, after the 2024-08 software" in n for n in old.notes)
    assert not any("released in" in n for n in new.notes)


def test_a_band_from_few_points_takes_in_its_family_spread():
    """H200 DeepSeek-R1's band rested on four Hopper MoE runs (x0.82-x1.06), narrower than
    Blackwell's nine DeepSeek-R1 runs: a group of fewer than 8 takes the union with the next."""
    from factory_app.serving.evidence import pick_band

    groups = {"hopper|moe|latency": {"n": 2, "low": -0.03, "high": 0.02}, "hopper|moe|*": {"n": 4, "low": -0.03, "high": 0.17},
              "hopper|*|*": {"n": 40, "low": -0.19, "high": 0.08}, "*|*|*": {"n": 97, "low": -0.17, "high": 0.18}}
    band, key = pick_band(groups, "hopper", "moe", "latency")
    assert (band["low"], band["high"]) == (-0.19, 0.17) and "widened to hopper|*|*" in key
    band, key = pick_band(groups, "hopper", "dense", "latency")  # 40 points: its own band
    assert (band["low"], band["high"]) == (-0.19, 0.08) and key == "hopper|*|*"
    r = predict("h200", 16, "deepseek-r1", "fp8", 1000, 8000, ServiceLevel(min_tokens_per_s_per_user=50))
    low, high = r.output_tokens_per_s_range
    assert low < 0.9 * r.output_tokens_per_s and high > 1.1 * r.output_tokens_per_s
