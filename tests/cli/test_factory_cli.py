"""`factory-app evaluate | validate | sweep`: exit codes, one-line errors, JSON keys, CSV columns."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from factory_app.cli import main
from factory_app.cli.sweep import ProgressBar
from factory_app.factory.results import TOTAL_KEYS
from factory_app.io.csv_export import RESULTS_COLUMNS, csv_text, neutralise
from factory_app.io.results_json import FLEET_KEYS
from factory_app.io.scenario_file import dumps_scenario, load_scenario
from factory_app.resources import resource_path

ROOT = Path(__file__).resolve().parents[2]
ISO = resource_path("examples", "iso-power-hopper-vs-gb200.json")
CAMPUS = resource_path("examples", "campus-1gw-announced.json")
CONTRACT_TOTALS = {
    "facility_power_mw", "accelerators", "output_tokens_per_s", "input_tokens_per_s", "tokens_per_s_per_mw",
    "revenue_usd_per_year", "cost_usd_per_year", "revenue_usd_per_watt_year", "cost_usd_per_million_tokens",
    "margin", "joules_per_token",
}


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def scenario_file(tmp_path):
    path = tmp_path / "iso.json"
    shutil.copy(ISO, path)
    return path


def _frozen(path: Path) -> tuple[bytes, float]:
    os.utime(path, (1_000_000_000, 1_000_000_000))
    return path.read_bytes(), path.stat().st_mtime


# -- evaluate -----------------------------------------------------------------------------------


def test_evaluate_json_has_the_contract_keys(capsys, scenario_file):
    before = _frozen(scenario_file)
    code, out, err = run(capsys, "evaluate", scenario_file, "--json")
    assert code == 0 and err == ""
    data = json.loads(out)
    assert CONTRACT_TOTALS <= set(data["totals"]) and set(data["totals"]) == set(TOTAL_KEYS)
    assert 0 < data["totals"]["margin"] < 1
    assert data["totals"]["revenue_usd_per_watt_year"] == pytest.approx(data["totals"]["revenue_usd_per_year"] / 100e6)
    assert len(data["fleets"]) == 2
    for fleet in data["fleets"]:
        assert (CONTRACT_TOTALS | set(FLEET_KEYS)) <= set(fleet)
        assert fleet["operating_points"]
        for op in fleet["operating_points"]:
            assert op["bound"] in ("memory-bandwidth", "compute", "communication", "overhead", "kv-capacity", "demand")
            assert {"workload_id", "output_tokens_per_s", "tokens_per_s_per_user", "layout", "utilisation"} <= set(op)
    assert set(data["cost_breakdown"]) == {"accelerator_depreciation", "facility_depreciation", "financing", "energy", "other_opex"}
    assert (scenario_file.read_bytes(), scenario_file.stat().st_mtime) == before


ISSUE_14_TOTALS = {"npv_usd", "irr", "discounted_payback_years", "cost_of_capital_usd_per_year", "cost_usd_per_accelerator_hour", "utilisation"}
CASH_FLOW = ["year", "capex_usd", "revenue_usd", "opex_usd", "cash_flow_usd", "discounted_usd"]


def test_evaluate_json_has_the_finance_contract(capsys, scenario_file):
    """Issue 14, item 7: finance, cash_flows with discounted = cash flow / (1 + wacc)^year, NPV = their sum,
    the IRR zeroes them, per-fleet cost per accelerator-hour."""
    code, out, err = run(capsys, "evaluate", scenario_file, "--json")
    assert code == 0 and err == ""
    data = json.loads(out)
    finance, flows, totals = data["finance"], data["cash_flows"], data["totals"]
    assert finance["wacc"] == 0.10 and finance["horizon_years"] == 5 and finance["report_year"] == 1
    assert "year 1" in finance["report_year_means"]
    assert [row["year"] for row in flows] == list(range(6))
    for row in flows:
        assert set(CASH_FLOW) <= set(row)
        assert row["discounted_usd"] == pytest.approx(row["cash_flow_usd"] / 1.1 ** row["year"], rel=1e-12)
        assert row["cash_flow_usd"] == pytest.approx(row["revenue_usd"] - row["opex_usd"] - row["capex_usd"] + row["residual_value_usd"], rel=1e-12)
    assert flows[0]["capex_usd"] > 0 and flows[0]["revenue_usd"] == 0 and all(r["revenue_usd"] > 0 for r in flows[1:])
    assert ISSUE_14_TOTALS <= set(totals)
    assert totals["npv_usd"] == pytest.approx(sum(r["discounted_usd"] for r in flows), rel=1e-12)
    irr = totals["irr"]
    assert irr is not None and abs(sum(r["cash_flow_usd"] / (1 + irr) ** r["year"] for r in flows)) < 1e-6 * flows[0]["capex_usd"]
    # the iso-power factory's Hopper half costs what its Blackwell half earns: NPV about zero, IRR about the WACC
    assert (totals["npv_usd"] < 0) == (irr < 0.10) == (totals["discounted_payback_years"] is None)
    assert 0 < totals["utilisation"] < 1
    assert totals["cost_of_capital_usd_per_year"] == data["cost_breakdown"]["financing"]
    hours = totals["accelerators"] * 8760
    assert totals["cost_usd_per_accelerator_hour"] == pytest.approx(totals["cost_usd_per_year"] / hours, rel=1e-12)
    for fleet in data["fleets"]:
        assert fleet["cost_usd_per_accelerator_hour"] == pytest.approx(fleet["cost_usd_per_year"] / (fleet["accelerators"] * 8760), rel=1e-12)


def test_evaluate_json_says_null_when_there_is_no_irr_or_payback(capsys, tmp_path):
    """A factory that gives its tokens away and sells nothing at the end: every cash flow is an
    outflow, so no rate zeroes them and it never pays back."""
    s = load_scenario(ISO)
    free = tuple(replace(w, price_in_usd_per_mtok=0.0, price_out_usd_per_mtok=0.0) for w in s.workloads)
    worthless = tuple(replace(f, residual_value_share=0.0) for f in s.fleets)
    site = replace(s.site, facility_life_years=float(s.site.horizon_years))  # nothing left of the building either
    path = tmp_path / "free.json"
    path.write_text(dumps_scenario(replace(s, site=site, fleets=worthless, workloads=free)), "utf-8")
    code, out, _ = run(capsys, "evaluate", path, "--json")
    totals = json.loads(out)["totals"]
    assert code == 0 and totals["irr"] is None and totals["discounted_payback_years"] is None and totals["npv_usd"] < 0
    code, out, _ = run(capsys, "evaluate", path)
    assert "IRR                         n/a" in out and "discounted payback          never" in out


def test_a_format_1_file_opens_says_what_was_added_and_saves_as_format_2(capsys, tmp_path):
    v1 = json.loads(ISO.read_text("utf-8"))
    v1["format_version"] = 1
    for key in ("wacc", "horizon_years", "networking_share", "idle_power_share", "first_year_ramp", "software_speedup_per_year"):
        v1["site"].pop(key)
    for f in v1["fleets"]:
        for key in ("residual_value_share", "delivery_year", "refresh_platform"):
            f.pop(key)
    for w in v1["workloads"]:
        for key in ("demand_tokens_per_s", "default_utilisation", "price_decline_per_year", "demand_growth_per_year", "demand_shape", "demand_hourly"):
            w.pop(key)
        w["demand_cap_tokens_per_s"] = None
    v1["workloads"][0]["demand_cap_tokens_per_s"] = 1_000_000.0
    path = tmp_path / "old.json"
    path.write_text(json.dumps(v1), "utf-8")
    code, out, err = run(capsys, "validate", path)
    assert code == 0 and out.startswith("old.json: valid")
    lines = err.splitlines()
    assert lines[0] == "old.json: upgraded: format 1 upgraded to 2; saving writes format 2"
    assert any("demand caps became a flat mean demand (workloads r1-hopper)" in line for line in lines)
    assert any("without a demand cap (r1-blackwell) now sell their default utilisation (65% of capacity" in line for line in lines)
    assert any("Cost of capital (WACC) 10%" in line and "Evaluation horizon 5 years" in line for line in lines)
    assert path.read_text("utf-8") == json.dumps(v1)  # only read
    s = load_scenario(path)
    assert s.workloads[0].demand_tokens_per_s == 1_000_000.0 and s.workloads[0].demand_shape == "flat"
    assert s.workloads[1].demand_tokens_per_s is None and s.workloads[1].demand_shape == "daytime"
    saved = json.loads(dumps_scenario(s))
    assert saved["format_version"] == 2 and "demand_cap_tokens_per_s" not in saved["workloads"][0]


def test_evaluate_summary_and_optimise_flag(capsys, scenario_file):
    code, out, _ = run(capsys, "evaluate", scenario_file)
    assert code == 0 and "Totals" in out and "tokens/s per MW" in out and "hopper" in out and "Optimiser" not in out
    code, out, _ = run(capsys, "evaluate", scenario_file, "--optimise")
    assert code == 0 and "Optimiser: optimised by a linear programme" in out


def test_evaluate_csv_has_the_documented_columns_and_assumptions(capsys, scenario_file, tmp_path):
    out_csv = tmp_path / "results.csv"
    code, _, _ = run(capsys, "evaluate", scenario_file, "--csv", out_csv)
    assert code == 0
    text = out_csv.read_text("utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert tuple(next(csv.reader(io.StringIO(text)))) == RESULTS_COLUMNS
    assert [r["row_type"] for r in rows] == ["total", "fleet", "operating_point", "fleet", "operating_point", "workload", "workload"] + ["cash_flow"] * 6
    flows = [r for r in rows if r["row_type"] == "cash_flow"]
    assert [int(r["year"]) for r in flows] == list(range(6))
    assert [float(r["discounted_usd"]) for r in flows] == [row["discounted_usd"] for row in json.loads(run(capsys, "evaluate", scenario_file, "--json")[1])["cash_flows"]]
    total = rows[0]
    data = json.loads(run(capsys, "evaluate", scenario_file, "--json")[1])
    assert float(total["revenue_usd_per_year"]) == data["totals"]["revenue_usd_per_year"]
    assert total["site_electricity_usd_per_kwh"] == "0.08" and total["site_facility_power_mw"] == "100.0"
    op = rows[2]
    assert op["fleet_id"] == "hopper" and op["platform"] == "h200" and op["workload_precision"] == "fp8"
    assert op["fleet_all_in_w"] == "1275.0" and op["fleet_price_is_estimate"] == "true" and op["fleet_price_source"] == "catalogue"
    assert op["workload_isl"] == "1000" and op["bound"] and op["layout"]
    doc = (ROOT / "docs" / "file-format.md").read_text("utf-8")
    missing = [c for c in RESULTS_COLUMNS if f"`{c}`" not in doc]
    assert not missing, f"undocumented CSV columns: {missing}"


def test_csv_neutralises_formulas_in_every_text_cell(capsys, tmp_path):
    s = load_scenario(ISO)
    hostile = s.__class__(
        name="=HYPERLINK(\"http://x\",\"y\")",
        description="-2+3",
        site=s.site.__class__(**{**{k: getattr(s.site, k) for k in s.site.__dataclass_fields__}, "name": "@SUM(A1)"}),
        fleets=tuple(f.__class__(**{**{k: getattr(f, k) for k in f.__dataclass_fields__}, "name": n})
                     for f, n in zip(s.fleets, ("+cmd|' /C calc'!A0", "\tTAB"))),
        workloads=tuple(w.__class__(**{**{k: getattr(w, k) for k in w.__dataclass_fields__}, "name": n})
                        for w, n in zip(s.workloads, ("\rCR", "-1"))),
        assignments=s.assignments,
    )
    path = tmp_path / "hostile.json"
    path.write_text(dumps_scenario(hostile), "utf-8")
    out_csv = tmp_path / "out.csv"
    code, _, err = run(capsys, "evaluate", path, "--csv", out_csv)
    assert code == 0, err
    with open(out_csv, encoding="utf-8", newline="") as fh:  # keep a carriage return inside a cell
        rows = list(csv.reader(fh))
    cells = [c for row in rows for c in row]
    assert not [c for c in cells if c[:1] in ("=", "+", "@", "\t", "\r") or (c.startswith("-") and not _is_number(c))]
    for name in ("'=HYPERLINK", "'@SUM(A1)", "'+cmd|", "'\tTAB", "'\rCR", "'-1"):
        assert any(c.startswith(name) for c in cells), name


def _is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def test_neutralise_and_csv_text():
    assert [neutralise(t) for t in ("=1", "+1", "-1", "@x", "\tx", "\rx", "ok", "")] == ["'=1", "'+1", "'-1", "'@x", "'\tx", "'\rx", "ok", ""]
    assert csv_text(["a", "=b"], [[-1.5, "=c"], {"a": None}]) == "a,'=b\r\n-1.5,'=c\r\n,\r\n"


def test_evaluate_exits_1_when_nothing_is_sellable(capsys, tmp_path):
    s = load_scenario(ISO)
    path = tmp_path / "none.json"
    path.write_text(dumps_scenario(s.__class__(name="no links", site=s.site, fleets=s.fleets, workloads=s.workloads)), "utf-8")
    code, out, err = run(capsys, "evaluate", path)
    assert code == 1 and "Totals" in out and err.count("\n") == 1 and "sells no tokens" in err
    code, out, err = run(capsys, "evaluate", path, "--json")
    assert code == 1 and json.loads(out)["totals"]["output_tokens_per_s"] == 0


BAD_FILES = [
    ('{"format_version": 1, "fleets": [{"id": "a", "platform": "h100"}, {"id": "b", "platform": "h100", "power_share": 1.7}]}',
     "bad.json: $.fleets[1].power_share: must be between 0 and 1, got 1.7"),
    ('{"format_version": 3}', "bad.json: $.format_version: written by a newer version of factory-app (format 3); this version reads up to 2"),
    ('{"format_version": 2, "site": {"wacc": -0.05}}', "bad.json: $.site.wacc: must be between 0 and 1, got -0.05"),
    ('{"format_version": 2, "site": {"wacc": 1.2}}', "bad.json: $.site.wacc: must be between 0 and 1, got 1.2"),
    ('{"format_version": 2, "site": {"horizon_years": 31}}', "bad.json: $.site.horizon_years: must be between 1 and 30 years, got 31"),
    ('{"format_version": 2, "workloads": [{"id": "w", "model": "llama-3.3-70b", "price_decline_per_year": 1.5}]}',
     "bad.json: $.workloads[0].price_decline_per_year: must be between 0 and 1 fraction per year, got 1.5"),
    ('{"format_version": 2, "workloads": [{"id": "w", "model": "llama-3.3-70b", "demand_shape": "custom", "demand_hourly": ' + json.dumps([2.0] * 24) + '}]}',
     "bad.json: $.workloads[0].demand_hourly: must average 1 (multipliers of the mean demand), got a mean of 2"),
    ('{"format_version": 2, "workloads": [{"id": "w", "model": "llama-3.3-70b", "demand_shape": "weekends"}]}',
     "bad.json: $.workloads[0].demand_shape: must be one of daytime, evening, follow-the-sun, flat, custom, got 'weekends'"),
    ('{"format_version": 2, "fleets": [{"id": "a", "platform": "h100", "refresh_platform": "h300"}]}',
     "bad.json: $.fleets[0].refresh_platform: unknown platform 'h300' to refresh to; known: "),
    ('{"format_version": 2, "site": {"horizon_years": 4}, "fleets": [{"id": "a", "platform": "h100", "delivery_year": 4}]}',
     "bad.json: $.fleets[0].delivery_year: must be before the end of the 4-year horizon (at most 3), got 4"),
    ('{"format_version": 1, "extra": 1}', "bad.json: $.extra: unknown field"),
    ("{nope", "bad.json: $: not valid JSON: Expecting property name enclosed in double quotes (line 1, column 2)"),
]


@pytest.mark.parametrize("command", ["evaluate", "validate", "sweep"])
@pytest.mark.parametrize("content,message", BAD_FILES)
def test_bad_file_exits_2_with_one_line_and_is_not_modified(capsys, tmp_path, command, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content, "utf-8")
    before = _frozen(path)
    extra = ["--vary", "site.pue=1:2:2", "--csv", tmp_path / "o.csv"] if command == "sweep" else []
    code, out, err = run(capsys, command, path, *extra)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith(message)
    assert (path.read_bytes(), path.stat().st_mtime) == before
    assert not (tmp_path / "o.csv").exists()


def test_csv_over_the_scenario_file_is_refused(capsys, scenario_file):
    before = _frozen(scenario_file)
    code, _, err = run(capsys, "evaluate", scenario_file, "--csv", scenario_file)
    assert code == 2 and "would overwrite the scenario file" in err
    assert (scenario_file.read_bytes(), scenario_file.stat().st_mtime) == before


def test_unwritable_csv_exits_73(capsys, scenario_file, tmp_path):
    """A write failure has one exit code in every command (docs/cli.md): 73."""
    code, _, err = run(capsys, "evaluate", scenario_file, "--csv", tmp_path / "missing" / "x.csv")
    assert code == 73 and err.count("\n") == 1 and "cannot write" in err


# -- validate -----------------------------------------------------------------------------------


def test_validate_ok(capsys, scenario_file):
    code, out, err = run(capsys, "validate", scenario_file)
    assert code == 0 and err == "" and out == "iso.json: valid (2 fleets, 2 workloads, 2 assignments, 100 MW)\n"


# -- sweep --------------------------------------------------------------------------------------


def test_sweep_writes_one_row_per_point(capsys, scenario_file, tmp_path):
    out_csv = tmp_path / "sweep.csv"
    code, out, err = run(capsys, "sweep", scenario_file, "--vary", "site.electricity_usd_per_kwh=0.05:0.15:11",
                         "--vary", "workloads.r1-hopper.isl=500:2000:4", "--csv", out_csv)
    assert code == 0 and err == "" and "wrote 44 rows" in out  # no progress bar: stderr is not a terminal
    rows = list(csv.reader(io.StringIO(out_csv.read_text("utf-8"))))
    assert rows[0] == ["site.electricity_usd_per_kwh", "workloads.r1-hopper.isl", *TOTAL_KEYS]
    assert len(rows) == 1 + 44
    assert {r[1] for r in rows[1:]} == {"500", "1000", "1500", "2000"}  # integers stay integers
    cost = rows[0].index("cost_usd_per_year")
    at_500 = [r for r in rows[1:] if r[1] == "500"]
    assert all(float(b[cost]) > float(a[cost]) for a, b in zip(at_500, at_500[1:]))


@pytest.mark.parametrize(
    "vary,text",
    [
        ("site.pue=0.5:2:3", "--vary site.pue: must be between 1 and 3, got 0.5"),
        ("fleets.nope.power_share=0:1:3", "--vary fleets.nope.power_share: no fleet with id 'nope'"),
        ("sites.pue=1:2:3", "--vary sites.pue: is not a parameter path"),
        ("site.pue=1:2", "--vary site.pue=1:2: must be PATH=START:STOP:STEPS"),
        ("fleets[5].power_share=0:1:2", "--vary fleets[5].power_share: 0 is refused: fleets[5].power_share: index 5 is out of range (there are 2)"),
    ],
)
def test_sweep_bad_axis_exits_2_naming_it(capsys, scenario_file, tmp_path, vary, text):
    code, out, err = run(capsys, "sweep", scenario_file, "--vary", vary, "--csv", tmp_path / "o.csv")
    assert code == 2 and out == ""
    assert err == f"factory-app: {text}\n" or (err.startswith(f"factory-app: {text}") and err.count("\n") == 1)
    assert not (tmp_path / "o.csv").exists()


def test_progress_bar_draws_on_a_stream():
    stream = io.StringIO()
    bar = ProgressBar(stream, width=10)
    for i in range(1, 6):
        bar(i, 5)
    text = stream.getvalue()
    assert text.startswith("\r[") and text.endswith("[##########] 5/5\n")


# -- never a traceback --------------------------------------------------------------------------


def test_no_traceback_from_the_installed_command(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_bytes(b"\xff\xfe{")
    for argv in (["evaluate", str(bad)], ["validate", str(tmp_path)], ["sweep", str(CAMPUS), "--vary", "x=1:2:3", "--csv", str(tmp_path / "o.csv")]):
        out = subprocess.run([sys.executable, "-m", "factory_app", *argv], capture_output=True, text=True, timeout=120)
        assert out.returncode == 2, (argv, out.stderr)
        assert "Traceback" not in out.stderr and out.stderr.count("\n") == 1


def test_docs_name_every_json_key():
    doc = (ROOT / "docs" / "file-format.md").read_text("utf-8")
    from dataclasses import fields

    from factory_app.factory.results import OperatingPoint, WorkloadResult

    keys = set(TOTAL_KEYS) | set(FLEET_KEYS) | {f.name for f in fields(OperatingPoint)} | {f.name for f in fields(WorkloadResult)}
    assert not [k for k in sorted(keys) if f"`{k}`" not in doc]


@pytest.mark.parametrize("vary,message", [
    ("site.wacc=0:1.5:4", "--vary site.wacc: must be between 0 and 1, got 1.5"),
    ("site.horizon_years=10:40:4", "--vary site.horizon_years: must be between 1 and 30 years, got 40"),
    ("workloads.r1-hopper.price_decline_per_year=-0.5:0.5:3",
     "--vary workloads.r1-hopper.price_decline_per_year: must be between 0 and 1 fraction per year, got -0.5"),
])
def test_a_sweep_through_a_bad_rate_or_horizon_is_refused_before_anything_is_written(capsys, scenario_file, tmp_path, vary, message):
    out = tmp_path / "sweep.csv"
    code, stdout, err = run(capsys, "sweep", scenario_file, "--vary", vary, "--csv", out)
    assert code == 2 and stdout == "" and err.count("\n") == 1 and message in err
    assert not out.exists()


def test_a_scenario_with_a_bad_rate_is_never_saved(tmp_path):
    from factory_app.io.scenario_file import ScenarioFileError, save_scenario

    s = load_scenario(ISO)
    target = tmp_path / "out.json"
    target.write_text("old", "utf-8")
    with pytest.raises(ScenarioFileError, match=r"^out\.json: \$\.site\.wacc: must be between 0 and 1, got 2$"):
        save_scenario(replace(s, site=replace(s.site, wacc=2.0)), target)
    assert target.read_text("utf-8") == "old" and [p.name for p in tmp_path.iterdir()] == ["out.json"]


def test_a_file_without_its_site_says_the_default_site_stands_in(tmp_path, capsys):
    """A fresh-eyes run deleted the site of the 1 GW campus and got a 100 MW evaluation, exit 0,
    without a word: the default site now comes with one line on stderr."""
    data = json.loads(CAMPUS.read_text())
    del data["site"]
    path = tmp_path / "nosite.json"
    path.write_text(json.dumps(data))
    assert main(["validate", str(path)]) == 0
    err = capsys.readouterr().err
    assert "nosite.json: $.site: missing, so the default site is used (100 MW facility power" in err


def test_compare_says_what_it_needs_and_prints_the_money_a_board_asks_about(tmp_path, capsys):
    """A fresh-eyes run gave compare one file and was asked for --csv; its terminal table had no
    NPV, IRR or payback."""
    assert main(["compare", str(ISO)]) == 2
    assert "compare takes 2 to 4 scenario files, got 1" in capsys.readouterr().err
    assert main(["compare", str(ISO), str(CAMPUS)]) == 2
    assert "--csv FILE is required" in capsys.readouterr().err
    assert main(["compare", str(ISO), str(CAMPUS), "--csv", str(tmp_path / "c.csv")]) == 0
    out = capsys.readouterr().out
    for label in ("NPV", "IRR", "Payback", "Discounted payback"):
        assert any(line.startswith(label + " ") for line in out.splitlines()), label
