"""Several scenarios, the compare view, and slide exports read back from the bytes written."""

from __future__ import annotations

import csv
import xml.etree.ElementTree as ET

import pytest
from PySide6.QtGui import QImage

from factory_app.cli import main
from factory_app.factory.evaluation import evaluate_factory
from factory_app.io.scenario_file import load_scenario
from factory_app.resources import resource_path

ISO = resource_path("examples", "iso-power-hopper-vs-gb200.json")
MIXED = resource_path("examples", "mixed-chat-and-reasoning.json")


def not_blank(image: QImage) -> bool:
    colours = {image.pixel(x, y) for x in range(0, image.width(), max(1, image.width() // 40))
               for y in range(0, image.height(), max(1, image.height() // 30))}
    return len(colours) > 8


@pytest.mark.parametrize("chart", ["frontier", "revenue", "power"])
@pytest.mark.parametrize("size", ["1920x1080", "3840x2160"])
def test_png_export_has_the_requested_size_and_is_not_blank(tmp_path, chart, size):
    out = tmp_path / f"{chart}.png"
    assert main(["export", str(ISO), "--chart", chart, "--out", str(out), "--size", size]) == 0
    image = QImage(str(out))
    assert f"{image.width()}x{image.height()}" == size
    assert not_blank(image)


def test_transparent_png_has_transparent_corners(tmp_path):
    out = tmp_path / "t.png"
    assert main(["export", str(ISO), "--chart", "revenue", "--out", str(out), "--transparent"]) == 0
    image = QImage(str(out))
    assert image.hasAlphaChannel() and (image.pixel(2, 2) >> 24) == 0


def test_svg_export_parses_and_has_the_title_and_axis_text(tmp_path):
    out = tmp_path / "frontier.svg"
    assert main(["export", str(ISO), "--chart", "frontier", "--out", str(out)]) == 0
    root = ET.parse(out).getroot()
    text = " ".join(t.strip() for t in root.itertext() if t.strip())
    assert "Throughput–interactivity frontier" in text
    assert "tokens/s per user" in text and "tokens/s per MW" in text
    assert "Scenario:" in text  # the footnote names the scenario and the sources


def test_pdf_export_has_a_page(tmp_path):
    out = tmp_path / "power.pdf"
    assert main(["export", str(ISO), "--chart", "power", "--out", str(out)]) == 0
    data = out.read_bytes()
    assert data.startswith(b"%PDF") and b"/Type /Page" in data


def test_export_refuses_an_unknown_format(tmp_path, capsys):
    assert main(["export", str(ISO), "--chart", "power", "--out", str(tmp_path / "x.gif")]) == 2
    assert ".png, .svg or .pdf" in capsys.readouterr().err


def test_compare_csv_numbers_equal_evaluate(tmp_path):
    out = tmp_path / "cmp.csv"
    chart = tmp_path / "cmp.png"
    assert main(["compare", str(ISO), str(MIXED), "--baseline", str(MIXED), "--csv", str(out), "--chart", str(chart)]) == 0
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert set(rows[0]) == {"metric", "unit", "scenario", "file", "value", "baseline", "difference", "difference_pct"}
    expected = {str(p): evaluate_factory(load_scenario(p)).totals for p in (ISO, MIXED)}
    for row in rows:
        if expected[row["file"]][row["metric"]] is None or expected[str(MIXED)][row["metric"]] is None:
            # an IRR or a discounted payback that does not exist: an empty cell, and no difference
            assert row["value" if expected[row["file"]][row["metric"]] is None else "baseline"] == "" and row["difference"] == ""
            continue
        value = float(row["value"])
        assert value == pytest.approx(expected[row["file"]][row["metric"]], rel=1e-12, abs=1e-12)
        assert float(row["baseline"]) == pytest.approx(expected[str(MIXED)][row["metric"]], rel=1e-12, abs=1e-12)
        assert float(row["difference"]) == pytest.approx(value - float(row["baseline"]), rel=1e-9, abs=1e-9)
    assert QImage(str(chart)).width() == 1920


def test_compare_needs_two_to_four_files(tmp_path, capsys):
    assert main(["compare", str(ISO), "--csv", str(tmp_path / "x.csv")]) == 2
    assert "2 to 4" in capsys.readouterr().err


# -- the window ---------------------------------------------------------------------------------------


def test_scenarios_in_tabs_keep_their_own_undo_history(window):
    assert window.open_file(ISO)
    first = window.session
    assert window.open_file(MIXED)
    second = window.session
    assert first is not second and len(window.sessions) == 2
    window.inspector.editors["pue"].spin.setValue(1.5)
    assert second.undo_stack.count() == 1 and first.undo_stack.count() == 0
    window.tabs.setCurrentWidget(first.view)
    assert window.doc is first.doc
    assert not window.act_undo.isEnabled()  # the undo action follows the active tab
    window.tabs.setCurrentWidget(second.view)
    assert window.act_undo.isEnabled()


def test_duplicate_scenario_makes_an_unsaved_variant(window):
    assert window.open_file(ISO)
    variant = window.duplicate_scenario()
    assert variant.path is None and variant.modified
    assert variant.doc.scenario.fleets == window.sessions[0].doc.scenario.fleets
    assert "(variant)" in variant.doc.scenario.name


def test_compare_view_updates_live(window, qtbot):
    assert window.open_file(ISO)
    window.duplicate_scenario()
    window.show_compare()
    window.compare.refresh()
    assert window.compare.table.rowCount() > 5 and window.compare.table.columnCount() == 3
    row = [window.compare.table.verticalHeaderItem(r).text() for r in range(window.compare.table.rowCount())].index("Revenue per year")
    before = window.compare.table.item(row, 1).text()
    window.inspector.editors["electricity_usd_per_kwh"].spin.setValue(0.2)
    window.session.evaluator.recompute()
    qtbot.waitUntil(lambda: window.compare.table.item(row, 2) is not None)
    costs = [window.compare.table.verticalHeaderItem(r).text() for r in range(window.compare.table.rowCount())].index("Cost per year")
    assert window.compare.table.item(costs, 2).text().startswith("+")
    assert window.compare.table.item(row, 1).text() == before  # revenue unchanged by the price of power


def test_a_failed_chart_export_keeps_the_old_file(tmp_path, monkeypatch, capsys):
    import errno

    import factory_app.io.atomic as atomic

    out = tmp_path / "keep.png"
    out.write_bytes(b"old chart")

    def full_disk(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(atomic.os, "fsync", full_disk)  # the flush to disk fails, as on a full disk
    assert main(["export", str(ISO), "--chart", "power", "--out", str(out)]) == 73  # a write failure (docs/cli.md)
    assert out.read_bytes() == b"old chart"
    assert "No space left" in capsys.readouterr().err
    assert [p.name for p in tmp_path.iterdir()] == ["keep.png"]
