"""The PowerPoint deck: opened with python-pptx, every chart a native chart part whose series hold
the app's numbers; the scenario's name on the title slide; hostile names stay text; atomic."""

from __future__ import annotations

import dataclasses
import io
import zipfile
from pathlib import Path

import openpyxl
import pytest
from pptx import Presentation

from factory_app.cli.main import main
from factory_app.factory.curves import frontier_curves, largest_curves
from factory_app.factory.evaluation import evaluate_factory
from factory_app.factory.results import COST_TERMS
from factory_app.io.deck import Uncertainty, deck_bytes
from factory_app.io.deck_charts import frontier_points
from factory_app.io.scenario_file import load_scenario
from factory_app.serving.catalog import default_catalog

EXAMPLES = Path(__file__).resolve().parents[2] / "resources" / "examples"
ISO = EXAMPLES / "iso-power-hopper-vs-gb200.json"
MIXED = EXAMPLES / "mixed-chat-and-reasoning.json"


def charts(prs):
    """(slide index, chart) of every chart in the deck."""
    return [(i, shape.chart) for i, slide in enumerate(prs.slides) for shape in slide.shapes if shape.has_chart]


def slide_text(slide) -> str:
    return "\n".join(shape.text_frame.text for shape in slide.shapes if shape.has_text_frame)


def test_the_deck_of_a_scenario_has_native_charts_with_the_apps_numbers(tmp_path):
    out = tmp_path / "iso.pptx"
    assert main(["export", str(ISO), "--deck", str(out)]) == 0
    scenario = load_scenario(ISO)
    result = evaluate_factory(scenario)
    prs = Presentation(str(out))
    assert len(prs.slides) >= 5
    assert (prs.slide_width, prs.slide_height) == (12192000, 6858000)  # 16:9
    assert scenario.name in slide_text(prs.slides[0])
    found = charts(prs)
    assert len(found) >= 6
    with zipfile.ZipFile(out) as z:  # every chart is a chart part (with its data), not a picture
        parts = [n for n in z.namelist() if n.startswith("ppt/charts/chart") and n.endswith(".xml")]
        assert len(parts) == len(found)
        assert not [n for n in z.namelist() if n.startswith("ppt/media/")]
    kinds = {str(c.chart_type).split(" ")[0]: c for _, c in found}
    # the frontier: each curve's points (with the operating point on it) as the curves give them
    scatter = next(c for _, c in found if "XY_SCATTER" in str(c.chart_type))
    curves = largest_curves(frontier_curves(scenario, result, default_catalog()), result, 12)
    assert len(scatter.plots[0].series) == len(curves)
    for series, curve in zip(scatter.plots[0].series, curves):
        xs, ys, op = frontier_points(curve)
        got_y = list(series.values)
        assert got_y[: len(ys)] == pytest.approx(ys, rel=1e-12) and set(got_y[len(ys):]) <= {ys[-1]}
        x_cache = series._element.xpath("./c:xVal//c:pt/c:v")
        assert [float(v.text) for v in x_cache][: len(xs)] == pytest.approx(xs, rel=1e-12)
        assert op is not None and (xs[op], ys[op]) == pytest.approx(curve.operating_point)
    # revenue and cost per fleet, the cost terms, power, cash flows
    clustered = [c for _, c in found if str(c.chart_type).startswith("COLUMN_CLUSTERED")]
    rev = next(c for c in clustered if [s.name for s in c.plots[0].series] == ["Revenue", "Cost"])
    assert list(rev.plots[0].series[0].values) == pytest.approx([f.revenue_usd_per_year for f in result.fleets])
    assert list(rev.plots[0].series[1].values) == pytest.approx([f.cost_usd_per_year for f in result.fleets])
    stacked = next(c for _, c in found if str(c.chart_type).startswith("COLUMN_STACKED"))
    for series, term in zip(stacked.plots[0].series, COST_TERMS):
        assert list(series.values) == pytest.approx([f.cost_breakdown[term] for f in result.fleets])
    power = next(c for _, c in found if str(c.chart_type).startswith("BAR_STACKED"))
    assert [s.values[0] for s in power.plots[0].series] == pytest.approx(list(result.power_breakdown.values()))
    cash = next(c for c in clustered if c.plots[0].series[0].name == "Cash flow")
    assert list(cash.plots[0].series[0].values) == pytest.approx([y.cash_flow_usd for y in result.life_cycle.years])
    line = cash.plots[1]  # the cumulative line, in the same chart
    assert list(line.series[0].values) == pytest.approx([y.cumulative_discounted_usd for y in result.life_cycle.years])
    assert kinds
    # speaker notes hold the numbers behind each chart
    for i, _ in found:
        assert prs.slides[i].has_notes_slide and prs.slides[i].notes_slide.notes_text_frame.text.strip()
    assert "sources" in slide_text(prs.slides[len(prs.slides) - 1]).lower()


def test_compare_deck_has_one_slide_per_pair_with_the_differences(tmp_path, capsys):
    out = tmp_path / "cmp.pptx"
    files = [str(ISO), str(MIXED), str(EXAMPLES / "campus-1gw-announced.json")]
    assert main(["compare", *files, "--csv", str(tmp_path / "c.csv"), "--deck", str(out)]) == 0
    prs = Presentation(str(out))
    assert len(prs.slides) >= 5
    names = [load_scenario(f).name for f in files]
    titles = [slide_text(s).split("\n")[0] for s in prs.slides]
    assert f"{names[1]} against {names[0]}" in titles and f"{names[2]} against {names[0]}" in titles
    pair = prs.slides[titles.index(f"{names[1]} against {names[0]}")]
    table = next(s.table for s in pair.shapes if s.has_table)
    assert table.cell(0, 1).text == names[0] and table.cell(0, 2).text == names[1]
    assert any("%" in table.cell(r, 3).text for r in range(1, len(table.rows)))
    for _, chart in charts(prs):
        assert chart.plots[0].series[0].values


def test_uncertainty_hook_adds_a_tornado_and_a_fan_chart():
    scenario = load_scenario(ISO)
    result = evaluate_factory(scenario)
    u = Uncertainty("npv_usd", -1e8, tornado=(("Electricity price", -2e8, 0.0), ("WACC", -3e8, 1e8)),
                    fan_years=(0, 1, 2), fan={"p5": (-4e9, -3e9, -2e9), "p50": (-3.5e9, -2e9, -1e9), "p95": (-3e9, -1e9, 0.0)})
    plain = Presentation(io.BytesIO(deck_bytes([(scenario.name, scenario, result)])))
    more = Presentation(io.BytesIO(deck_bytes([(scenario.name, scenario, result)], uncertainty={scenario.name: u})))
    assert len(more.slides) == len(plain.slides) + 2
    bars = [c for _, c in charts(more) if str(c.chart_type).startswith("BAR_CLUSTERED")]
    assert bars and list(bars[0].plots[0].series[1].values) == pytest.approx([2e8, 1e8])  # widest swing first, from the base
    # the app's colours (blue: the input at its low end, orange: at its high end) and money on the axis, not 100000000
    from factory_app.io.chart_palette import TORNADO_HIGH, TORNADO_LOW

    series = bars[0].plots[0].series
    assert [str(s.format.fill.fore_color.rgb) for s in series] == [TORNADO_LOW.lstrip("#").upper(), TORNADO_HIGH.lstrip("#").upper()]
    assert [s.name for s in series] == ["Input at its low end", "Input at its high end"]
    assert bars[0].value_axis.tick_labels.number_format == '$#,##0,,"M";-$#,##0,,"M"'


HOSTILE = ['=HYPERLINK("http://evil.example","x")', "+cmd|' /C calc'!A0", "@SUM(1)"]


def test_hostile_names_stay_text_in_the_deck_and_its_chart_workbooks(tmp_path):
    scenario = load_scenario(ISO)
    scenario = dataclasses.replace(
        scenario, name=HOSTILE[0],
        fleets=tuple(dataclasses.replace(f, name=HOSTILE[1 + i % 2]) for i, f in enumerate(scenario.fleets)),
        workloads=tuple(dataclasses.replace(w, name=HOSTILE[0]) for w in scenario.workloads))
    data = deck_bytes([(scenario.name, scenario, evaluate_factory(scenario))])
    prs = Presentation(io.BytesIO(data))
    assert HOSTILE[0] in slide_text(prs.slides[0])
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        books = [n for n in z.namelist() if n.endswith(".xlsx")]
        assert books
        for name in books:
            wb = openpyxl.load_workbook(io.BytesIO(z.read(name)))
            for ws in wb.worksheets:
                for row in ws.iter_rows():
                    for cell in row:
                        assert cell.data_type != "f", f"{name}: {cell.coordinate} is a formula: {cell.value!r}"


def test_a_failed_deck_export_keeps_the_old_file(tmp_path, monkeypatch, capsys):
    out = tmp_path / "deck.pptx"
    out.write_bytes(b"the old deck")
    monkeypatch.setattr("os.replace", lambda *a, **k: (_ for _ in ()).throw(OSError(28, "No space left on device")))
    assert main(["export", str(ISO), "--deck", str(out)]) == 73  # a write failure: one code for every output (docs/cli.md)
    assert out.read_bytes() == b"the old deck"
    assert [p.name for p in tmp_path.iterdir()] == ["deck.pptx"]
    assert capsys.readouterr().err.count("\n") == 1


def test_export_refuses_a_wrong_suffix_or_nothing_to_write(tmp_path, capsys):
    assert main(["export", str(ISO), "--deck", str(tmp_path / "x.ppt")]) == 2
    assert main(["export", str(ISO), "--workbook", str(tmp_path / "x.xls")]) == 2
    assert main(["export", str(ISO)]) == 2
    assert main(["export", str(ISO), "--chart", "power"]) == 2
    assert not list(tmp_path.iterdir())
    assert all(line.startswith("factory-app: ") for line in capsys.readouterr().err.splitlines())


def test_the_title_slide_ends_the_description_at_a_sentence_and_says_where_the_rest_is():
    """A fresh-eyes run read a title slide that stopped mid-phrase ("sells the default 65% of its"):
    the description was cut at 600 characters, past what its box holds."""
    scenario = load_scenario(ISO)
    deck = Presentation(io.BytesIO(deck_bytes([("iso", scenario, evaluate_factory(scenario))], default_catalog())))
    title = deck.slides[0]
    texts = [sh.text_frame.text for sh in title.shapes if sh.has_text_frame]
    shown = next(t for t in texts if t.startswith(scenario.description[:40]))
    assert len(shown) <= 420 and shown.endswith(". … (the full description is in the notes)")
    assert " ".join(scenario.description.split()) in " ".join(title.notes_slide.notes_text_frame.text.split())
