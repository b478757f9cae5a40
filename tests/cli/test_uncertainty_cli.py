"""`factory-app uncertainty`: the JSON of issue 15 item 4, byte-identical for a seed, the samples
CSV, and bad ranges refused with one line naming the input (exit 2)."""

from __future__ import annotations

import csv
import io
import json
import shutil

import pytest

from factory_app.cli import main
from factory_app.factory.metrics import HEADLINES
from factory_app.factory.results import TOTAL_KEYS
from factory_app.resources import resource_path

ISO = resource_path("examples", "iso-power-hopper-vs-gb200.json")


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def scenario_file(tmp_path):
    path = tmp_path / "iso.json"
    shutil.copy(ISO, path)
    return path


def _with_uncertainty(tmp_path, block: dict) -> str:
    data = json.loads(ISO.read_text("utf-8"))
    data["uncertainty"].update(block)
    path = tmp_path / "ranged.json"
    path.write_text(json.dumps(data), "utf-8")
    return path


def test_json_has_the_keys_of_the_issue_and_a_seed_reproduces_it_byte_for_byte(capsys, scenario_file):
    code, out, err = run(capsys, "uncertainty", scenario_file, "--json", "--samples", 500, "--seed", 7)
    assert code == 0 and err == ""
    data = json.loads(out)
    assert list(data) == ["percentiles", "probability_npv_negative", "tornado", "samples", "seed"]
    assert data["samples"] == 500 and data["seed"] == 7
    assert set(data["percentiles"]) == set(HEADLINES)
    for key, p in data["percentiles"].items():
        assert list(p) == ["p10", "p50", "p90", "mean"]
        present = [v for v in (p["p10"], p["p50"], p["p90"]) if v is not None]
        assert present == sorted(present), key
    swings = [b["swing"] for b in data["tornado"]]
    assert swings == sorted(swings, reverse=True) and swings[0] > 0
    assert all(list(b) == ["input", "low", "high", "low_value", "high_value", "swing"] for b in data["tornado"])
    assert all(b["swing"] == pytest.approx(abs(b["high_value"] - b["low_value"])) for b in data["tornado"])
    assert 0 <= data["probability_npv_negative"] <= 1
    again = run(capsys, "uncertainty", scenario_file, "--json", "--samples", 500, "--seed", 7)[1]
    assert again == out
    assert run(capsys, "uncertainty", scenario_file, "--json", "--samples", 500, "--seed", 8)[1] != out


def test_the_figure_flag_ranks_the_tornado_by_another_total(capsys, scenario_file):
    code, out, _ = run(capsys, "uncertainty", scenario_file, "--json", "--samples", 100, "--figure", "tokens_per_s_per_mw")
    tornado = json.loads(out)["tornado"]
    # tokens sold per MW move with demand (the default utilisation) and the engine's error, never with money
    assert code == 0 and tornado[0]["input"].endswith(".default_utilisation") or tornado[0]["input"].startswith("throughput.")
    assert all(b["swing"] == 0 for b in tornado if b["input"].startswith("site.") or b["input"].endswith("price_decline_per_year"))
    assert any(b["swing"] > 0 for b in tornado if b["input"].startswith("throughput."))


def test_csv_holds_every_sample_with_its_inputs_and_totals(capsys, scenario_file, tmp_path):
    out_csv = tmp_path / "samples.csv"
    code, out, err = run(capsys, "uncertainty", scenario_file, "--samples", 300, "--csv", out_csv)
    assert code == 0 and err == ""
    assert "Probability that NPV < 0" in out and "Tornado of NPV" in out
    rows = list(csv.reader(io.StringIO(out_csv.read_text("utf-8"))))
    header = rows[0]
    assert header[0] == "sample" and header[-len(TOTAL_KEYS):] == list(TOTAL_KEYS)
    assert "site.wacc" in header and "throughput.blackwell" in header
    assert len(rows) == 301 and [r[0] for r in rows[1:4]] == ["0", "1", "2"]
    wacc = [float(r[header.index("site.wacc")]) for r in rows[1:]]
    assert 0.07 <= min(wacc) and max(wacc) <= 0.14


def test_a_csv_over_the_scenario_file_is_refused(capsys, scenario_file):
    before = scenario_file.read_bytes()
    code, out, err = run(capsys, "uncertainty", scenario_file, "--csv", scenario_file)
    assert code == 2 and "would overwrite the scenario file" in err and err.count("\n") == 1
    assert scenario_file.read_bytes() == before


@pytest.mark.parametrize("block, message", [
    ({"ranges": [{"input": "site.wacc", "low": 0.14, "high": 0.07}]},
     "$.uncertainty.ranges[0]: site.wacc: low (0.14) is above high (0.07)"),
    ({"ranges": [{"input": "site.wacc", "low": 0.07, "high": 0.14, "mode": 0.2}]},
     "$.uncertainty.ranges[0]: site.wacc: mode (0.2) must lie between low (0.07) and high (0.14)"),
    ({"ranges": [{"input": "workloads.r1-hopper.price_out_usd_per_mtok", "low": -0.5, "high": 1.0}]},
     "$.uncertainty.ranges[0].low: workloads.r1-hopper.price_out_usd_per_mtok: low must be between 0 and 10,000 USD per million tokens, got -0.5"),
    ({"ranges": [{"input": "workloads.r1-hopper.isl", "low": 500, "high": 2000}]},
     "workloads.r1-hopper.isl (Input tokens per request) cannot carry an uncertainty range: it moves the engine's operating point"),
    ({"correlations": [{"a": "site.wacc", "b": "throughput.hopper", "rho": 1.2}]},
     "$.uncertainty.correlations[0].rho: correlation of site.wacc and throughput.hopper must be between -1 and 1, got 1.2"),
    ({"correlations": [{"a": "site.wacc", "b": "throughput.hopper", "rho": 0.9}, {"a": "site.wacc", "b": "throughput.blackwell", "rho": 0.9},
                       {"a": "throughput.hopper", "b": "throughput.blackwell", "rho": -0.9}]},
     "$.uncertainty.correlations: the correlations contradict each other (site.wacc, throughput.hopper, throughput.blackwell): "
     "the matrix is not positive definite"),
])
def test_a_bad_range_or_correlation_is_refused_with_one_line_naming_it(capsys, tmp_path, block, message):
    path = _with_uncertainty(tmp_path, block)
    for command in (("uncertainty", path), ("evaluate", path), ("validate", path)):
        code, out, err = run(capsys, *command)
        assert code == 2 and out == "", command
        assert err.count("\n") == 1 and err.startswith("ranged.json: ") and message in err, err


@pytest.mark.parametrize("flags, message", [
    (("--samples", "50"), "--samples: must be a whole number from 100 to 100,000"),
    (("--seed", "-1"), "--seed: must be a whole number from 0"),
    (("--figure", "profit"), "--figure: must be a total of 'evaluate --json'"),
])
def test_bad_flags_are_refused_with_one_line(capsys, scenario_file, flags, message):
    with pytest.raises(SystemExit) as exc:
        main(["uncertainty", str(scenario_file), *flags])
    out, err = capsys.readouterr()
    assert exc.value.code == 2 and out == "" and err.count("\n") == 1 and message in err


def test_the_deck_of_a_scenario_carries_its_tornado_and_fan_chart(capsys, scenario_file, tmp_path):
    import io as _io

    from pptx import Presentation

    deck = tmp_path / "iso.pptx"
    code, out, err = run(capsys, "export", scenario_file, "--deck", deck)
    assert code == 0 and err == ""
    prs = Presentation(_io.BytesIO(deck.read_bytes()))
    titles = [next((sh.text_frame.text for sh in s.shapes if sh.has_text_frame), "") for s in prs.slides]
    tornado = next(i for i, t in enumerate(titles) if t.startswith("What moves NPV most"))
    assert any(t.startswith("Fan chart: Cumulative discounted cash flow") for t in titles)
    chart = next(sh.chart for sh in prs.slides[tornado].shapes if sh.has_chart)
    labels = list(chart.plots[0].categories)
    data = json.loads(run(capsys, "uncertainty", scenario_file, "--json")[1])  # the same analysis, seeded by the file
    assert labels[0].startswith("DeepSeek-R1 reasoning") and len(labels) == 12
    assert [b["input"] for b in data["tornado"][:1]] == ["workloads.r1-blackwell.price_decline_per_year"]
