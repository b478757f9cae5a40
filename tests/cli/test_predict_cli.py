"""`factory-app predict` and `factory-app catalog`: the contract other tools call."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from factory_app.cli import main

REQUIRED = {
    "feasible", "platform", "model", "precision", "gpus", "layout", "output_tokens_per_s",
    "output_tokens_per_s_per_gpu", "tokens_per_s_per_user", "ttft_ms", "tpot_ms", "bound",
}


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_json_has_the_contract_fields(capsys):
    code, out, err = run(capsys, "predict", "--platform", "h100", "--gpus", "8", "--model", "llama-3.3-70b",
                         "--precision", "fp8", "--isl", "1000", "--osl", "1000", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert REQUIRED <= set(data)
    assert data["feasible"] is True
    assert {"replicas", "tp", "ep", "batch_per_replica"} <= set(data["layout"])
    assert data["layout"]["replicas"] * data["layout"]["gpus_per_replica"] <= 8
    assert data["output_tokens_per_s"] == pytest.approx(data["output_tokens_per_s_per_gpu"] * 8)
    assert data["bound"] in ("memory-bandwidth", "compute", "communication", "overhead", "kv-capacity")


def test_service_level_flags_are_honoured(capsys):
    code, out, _ = run(capsys, "predict", "--platform", "h200", "--gpus", "8", "--model", "llama-3.3-70b", "--isl", "2000",
                       "--osl", "500", "--ttft-ms", "800", "--tpot-ms", "50", "--json")
    data = json.loads(out)
    assert code == 0 and data["precision"] == "fp8"
    assert data["ttft_p99_ms"] <= 800 and data["tpot_p99_ms"] <= 50
    code, out, _ = run(capsys, "predict", "--platform", "h200", "--gpus", "8", "--model", "llama-3.3-70b", "--isl", "2000",
                       "--osl", "500", "--concurrency", "1", "--json")
    data = json.loads(out)
    assert data["concurrency"] == 1 and data["layout"]["batch_per_replica"] == 1


def test_readable_table(capsys):
    code, out, _ = run(capsys, "predict", "--platform", "b200", "--gpus", "8", "--model", "gpt-oss-120b", "--precision", "fp4",
                       "--isl", "1000", "--osl", "1000")
    assert code == 0
    assert "output tokens/s" in out and "bound by" in out and "layout" in out


def test_unknown_id_exits_2_with_one_line_naming_known_ids(capsys):
    code, out, err = run(capsys, "predict", "--platform", "x999", "--gpus", "8", "--model", "llama-3.3-70b", "--isl", "10", "--osl", "10")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "x999" in err and "h100" in err and "gb200" in err
    code, _, err = run(capsys, "predict", "--platform", "h100", "--gpus", "8", "--model", "gpt-5", "--isl", "10", "--osl", "10")
    assert code == 2 and "deepseek-r1" in err


def test_precision_the_platform_cannot_run_exits_1(capsys):
    code, out, err = run(capsys, "predict", "--platform", "h100", "--gpus", "8", "--model", "llama-3.3-70b", "--precision", "fp4",
                         "--compute-precision", "fp4", "--isl", "10", "--osl", "10")
    assert code == 1 and err.count("\n") == 1 and "fp4" in err
    code, out, err = run(capsys, "predict", "--platform", "h100", "--gpus", "8", "--model", "llama-3.3-70b", "--precision", "fp4",
                         "--compute-precision", "fp4", "--isl", "10", "--osl", "10", "--json")
    data = json.loads(out)
    assert code == 1 and data["feasible"] is False and "fp4" in data["reason"]


def test_model_that_does_not_fit_exits_1(capsys):
    code, out, err = run(capsys, "predict", "--platform", "h100", "--gpus", "1", "--model", "llama-3.1-405b", "--isl", "1000",
                         "--osl", "1000", "--json")
    data = json.loads(out)
    assert code == 1 and data == {**data, "feasible": False} and "does not fit" in data["reason"]
    code, out, err = run(capsys, "predict", "--platform", "h100", "--gpus", "1", "--model", "llama-3.1-405b", "--isl", "1000", "--osl", "1000")
    assert code == 1 and "does not fit" in err and err.count("\n") == 1


@pytest.mark.parametrize(
    "flag,value,text",
    [("--gpus", "0", "--gpus"), ("--isl", "-5", "--isl"), ("--ttft-ms", "nan", "--ttft-ms"), ("--gpus", "2.5", "whole number")],
)
def test_bad_values_exit_2_with_the_field_and_range(capsys, flag, value, text):
    argv = {"--platform": "h100", "--gpus": "8", "--model": "llama-3.3-70b", "--isl": "100", "--osl": "100"}
    argv[flag] = value
    flat = ["predict"] + [x for kv in argv.items() for x in kv]
    with pytest.raises(SystemExit) as exc:
        main(flat)
    err = capsys.readouterr().err
    assert exc.value.code == 2
    assert text in err and "must be" in err and err.count("\n") == 1


def test_catalog_json_lists_specs_with_sources(capsys):
    code, out, _ = run(capsys, "catalog", "--json")
    data = json.loads(out)
    ids = {p["id"] for p in data["platforms"]}
    assert {"h100", "gb200", "rubin", "tpu-v7"} <= ids
    gb200 = next(p for p in data["platforms"] if p["id"] == "gb200")
    assert gb200["scale_up_domain"] == 72 and "fp4" in gb200["precisions"]
    assert gb200["specs"]["price_usd"]["estimate"] is True and gb200["specs"]["price_usd"]["sources"]
    assert next(p for p in data["platforms"] if p["id"] == "rubin")["announced"] is True
    assert {m["id"] for m in data["models"]} >= {"deepseek-r1", "qwen3-32b"}


def test_no_traceback_from_the_installed_command():
    out = subprocess.run(
        [sys.executable, "-m", "factory_app", "predict", "--platform", "h100", "--gpus", "8", "--model", "nope", "--isl", "1", "--osl", "1"],
        capture_output=True, text=True, timeout=120,
    )
    assert out.returncode == 2 and "Traceback" not in out.stderr


def test_json_carries_power_band_evidence_and_software_date(capsys):
    code, out, err = run(capsys, "predict", "--platform", "mi355x", "--gpus", "8", "--model", "llama-2-70b", "--precision", "fp8",
                         "--isl", "300", "--osl", "283", "--software", "2026-04", "--power-cap-w", "1000", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["calibrated_for"] == "2026-04" and data["power_cap_w"] == 1000
    assert data["power_w"] > 0 and len(data["output_tokens_per_s_range"]) == 2
    low, high = data["output_tokens_per_s_range"]
    assert low < data["output_tokens_per_s"] < high
    assert {"id", "source", "date", "value", "metric"} <= set(data["nearest_measurement"])


def test_draft_tokens_without_acceptance_is_never_acceptance_zero(capsys):
    base = ["predict", "--platform", "b200", "--gpus", "8", "--model", "deepseek-r1", "--precision", "fp4", "--isl", "1024",
            "--osl", "2048", "--concurrency", "1", "--json"]
    code, out, _ = run(capsys, *base, "--draft-tokens", "0")
    plain = json.loads(out)["tokens_per_s_per_user"]
    code, out, _ = run(capsys, *base, "--draft-tokens", "3")
    data = json.loads(out)
    assert code == 0 and data["speculation"]["acceptance"] > 0 and data["tokens_per_s_per_user"] > plain
    code, out, err = run(capsys, "predict", "--platform", "h200", "--gpus", "8", "--model", "qwen3-32b", "--isl", "100",
                         "--osl", "100", "--draft-tokens", "3")
    assert code == 2 and out == "" and "--draft-tokens" in err and "--acceptance" in err and err.count("\n") == 1


@pytest.mark.parametrize("argv,flag", [(["--software", "2026-13"], "--software"), (["--software", "soon"], "--software"),
                                        (["--power-cap-w", "-5"], "--power-cap-w"), (["--acceptance", "0.5"], "--acceptance")])
def test_bad_new_flags_exit_2_with_one_line(capsys, argv, flag):
    full = ["predict", "--platform", "h100", "--gpus", "8", "--model", "llama-3.3-70b", "--isl", "100", "--osl", "100", *argv]
    try:
        code = main(full)
    except SystemExit as exc:
        code = exc.code
    err = capsys.readouterr().err
    assert code == 2 and flag in err and err.count("\n") == 1 and "Traceback" not in err
