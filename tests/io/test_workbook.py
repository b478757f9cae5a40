"""The workbook export is the model, not a copy of its answers: recomputed by a spreadsheet engine
(the ``formulas`` library) every defined total equals ``evaluate --json``, before and after inputs
are changed in the workbook; names from the scenario never become formulas; a failed export keeps
the old file."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import openpyxl
import pytest

formulas = pytest.importorskip("formulas")

from factory_app.cli.main import main  # noqa: E402
from factory_app.factory.evaluation import evaluate_factory  # noqa: E402
from factory_app.factory.results import TOTAL_KEYS  # noqa: E402
from factory_app.io.scenario_file import load_scenario  # noqa: E402
from factory_app.io.workbook import SHEETS, write_workbook  # noqa: E402

EXAMPLES = Path(__file__).resolve().parents[2] / "resources" / "examples"
ISO = EXAMPLES / "iso-power-hopper-vs-gb200.json"
REFRESH = EXAMPLES / "refresh-blackwell-to-rubin.json"
TOLERANCE = 1e-3  # 0.1%


class Recomputed:
    """A workbook loaded into a spreadsheet engine; cells found by their defined names."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.model = formulas.ExcelModel().loads(str(path)).finish()
        self.names = openpyxl.load_workbook(path).defined_names

    def key(self, name: str) -> str:
        sheet, cell = next(iter(self.names[name].destinations))
        return f"'[{self.path.name}]{sheet.upper()}'!{cell.replace('$', '')}"

    def totals(self, inputs: dict[str, float] | None = None) -> dict[str, object]:
        solution = self.model.calculate(inputs={self.key(k): v for k, v in (inputs or {}).items()})
        return {k: solution[self.key(k)].value[0][0] for k in TOTAL_KEYS}


def worst_difference(app: dict, sheet: dict) -> tuple[float, str]:
    """The largest relative difference of a total (None in the app must be an empty cell)."""
    worst, where = 0.0, ""
    for key, value in app.items():
        got = sheet[key]
        if value is None:
            assert got in ("", None), f"{key}: the app has none, the workbook {got!r}"
            continue
        got = float(got)
        diff = abs(got - value) / max(abs(value), 1e-9) if abs(value) > 1e-12 else abs(got)
        if diff > worst:
            worst, where = diff, key
    return worst, where


@pytest.fixture(scope="module")
def refresh_book(tmp_path_factory):
    out = tmp_path_factory.mktemp("wb") / "refresh.xlsx"
    scenario = load_scenario(REFRESH)
    write_workbook(out, scenario, evaluate_factory(scenario))
    return scenario, Recomputed(out)


@pytest.mark.parametrize("example", [ISO, REFRESH], ids=["iso-power", "refresh"])
def test_every_defined_total_equals_evaluate_json(tmp_path, example, capsys):
    out = tmp_path / "book.xlsx"
    assert main(["export", str(example), "--workbook", str(out)]) == 0
    capsys.readouterr()
    assert main(["evaluate", str(example), "--json"]) == 0
    app = json.loads(capsys.readouterr().out)["totals"]
    assert openpyxl.load_workbook(out).sheetnames == list(SHEETS)
    worst, where = worst_difference(app, Recomputed(out).totals())
    print(f"{example.stem}: worst relative difference {worst:.2e} ({where})")
    assert worst <= TOLERANCE, where


def test_changing_inputs_in_the_workbook_recomputes_as_the_app_does(refresh_book):
    scenario, book = refresh_book
    w = scenario.workloads[0]
    inputs = {"electricity_usd_per_kwh": 0.13, "pue": 1.35, f"workload_{w.id}_price_out_usd_per_mtok": w.price_out_usd_per_mtok * 1.6}
    edited = dataclasses.replace(
        scenario,
        site=dataclasses.replace(scenario.site, electricity_usd_per_kwh=0.13, pue=1.35),
        workloads=(dataclasses.replace(w, price_out_usd_per_mtok=w.price_out_usd_per_mtok * 1.6), *scenario.workloads[1:]),
    )
    app = evaluate_factory(edited).totals
    before = evaluate_factory(scenario).totals
    assert app["revenue_usd_per_year"] != pytest.approx(before["revenue_usd_per_year"], rel=1e-3)  # the edit matters
    assert app["accelerators"] != before["accelerators"]  # a new PUE resizes the power-sized fleets
    worst, where = worst_difference(app, book.totals(inputs))
    print(f"refresh, edited: worst relative difference {worst:.2e} ({where})")
    assert worst <= TOLERANCE, where


HOSTILE = ['=HYPERLINK("http://evil.example","click")', "+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0", "-2+3+cmd"]


def test_names_from_the_scenario_are_written_as_text_never_formulas(tmp_path):
    scenario = load_scenario(ISO)
    scenario = dataclasses.replace(
        scenario, name=HOSTILE[0],
        site=dataclasses.replace(scenario.site, name=HOSTILE[1]),
        fleets=tuple(dataclasses.replace(f, name=HOSTILE[(i + 2) % 4]) for i, f in enumerate(scenario.fleets)),
        workloads=tuple(dataclasses.replace(w, name=HOSTILE[(i + 3) % 4]) for i, w in enumerate(scenario.workloads)),
    )
    out = tmp_path / "hostile.xlsx"
    write_workbook(out, scenario)
    book = openpyxl.load_workbook(out)
    found = set()
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.value in HOSTILE:
                    assert cell.data_type == "s", f"{ws.title}!{cell.coordinate} holds {cell.value!r} as {cell.data_type}"
                    found.add(cell.value)
                elif isinstance(cell.value, str) and cell.data_type == "f":
                    assert "HYPERLINK" not in cell.value and "cmd" not in cell.value and "evil" not in cell.value
    assert found == set(HOSTILE)


def test_a_failed_workbook_export_keeps_the_old_file(tmp_path, monkeypatch, capsys):
    out = tmp_path / "book.xlsx"
    out.write_bytes(b"the old workbook")

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("os.replace", full_disk)
    assert main(["export", str(ISO), "--workbook", str(out)]) == 73  # a write failure: one code for every output (docs/cli.md)
    assert out.read_bytes() == b"the old workbook"
    assert [p.name for p in tmp_path.iterdir()] == ["book.xlsx"]
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "book.xlsx" in err


def test_a_viewer_that_trusts_cached_values_still_sees_the_model(tmp_path):
    """LibreOffice does not recalculate a workbook on load: a formula cached as 0 (XlsxWriter's
    default) showed zeros and empty charts. Only the totals carry a cached value (the app's);
    every other formula carries none, so the viewer computes it. Revenue is a marker beside the
    stacked costs, never a bar stacked on them."""
    import re
    import zipfile

    out = tmp_path / "iso.xlsx"
    write_workbook(out, load_scenario(ISO))
    with zipfile.ZipFile(out) as z:
        sheets = [z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
        charts = [z.read(n).decode() for n in z.namelist() if n.startswith("xl/charts/chart")]
    cached_zeros = sum(len(re.findall(r"</f><v>0</v>", s)) for s in sheets)
    formulas_written = sum(s.count("<f>") for s in sheets)
    assert formulas_written > 500 and cached_zeros == 0
    cost_chart = next(c for c in charts if "Revenue" in c)
    stacked = cost_chart[cost_chart.index("<c:barChart>"):cost_chart.index("</c:barChart>")]
    assert "Revenue" not in stacked and "Revenue" in cost_chart[cost_chart.index("<c:lineChart>"):]


def test_long_meanings_on_the_totals_sheet_get_rows_tall_enough_for_their_lines(tmp_path):
    """LibreOffice keeps a row at one line on opening, so a wrapped meaning printed over the row
    below it: rows with long meanings carry their own height."""
    import openpyxl  # comes with formulas[excel], a dev dependency

    from factory_app.io.workbook import CHARACTERS_PER_WIDTH, MEANING_WIDTH

    out = tmp_path / "iso.xlsx"
    write_workbook(out, load_scenario(ISO))
    ws = openpyxl.load_workbook(out)["Totals"]
    header = next(r for r in range(1, 10) if ws.cell(r, 5).value == "Meaning")
    checked = 0
    for r in range(header + 1, ws.max_row + 1):
        meaning = ws.cell(r, 5).value
        if not isinstance(meaning, str):
            break
        lines = -(-len(meaning) // int(MEANING_WIDTH * CHARACTERS_PER_WIDTH))
        if lines > 1:
            assert (ws.row_dimensions[r].height or 15) >= 15 * lines, meaning
            checked += 1
    assert checked >= 2
