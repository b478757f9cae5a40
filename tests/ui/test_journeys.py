"""User journeys, clicked and typed as a person would, with stderr and Qt's log checked after each.

Each test drives the real widgets: buttons are clicked with the mouse, menu actions triggered,
values typed key by key, palette entries dropped with the events a drag sends. File dialogs are
answered by patching ``QFileDialog`` at call time; message boxes by the ``no_prompts`` fixture.
"""

from __future__ import annotations

import csv
import json
import xml.etree.ElementTree as ET

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QKeySequence
from PySide6.QtWidgets import QMessageBox, QProgressDialog

from factory_app.resources import resource_path
from factory_app.ui import files
from factory_app.ui.export_dialog import ExportDialog
from journey import (
    answer_open_dialog,
    answer_save_dialog,
    button,
    click,
    drop,
    menu_action,
    type_into,
    viewport_point_of,
    when_dialog,
)

ISO = resource_path("examples", "iso-power-hopper-vs-gb200.json")
MIXED = resource_path("examples", "mixed-chat-and-reasoning.json")

HEADERS = {".png": b"\x89PNG\r\n\x1a\n", ".svg": b"<?xml", ".pdf": b"%PDF"}


def _export_from_dialog(qtbot, chart: str | None = None, press: str = "Export…"):
    """Handler for the export dialog: pick ``chart`` and click ``press``."""

    def handle(dialog: ExportDialog) -> None:
        if chart is not None:
            dialog.chart.setCurrentIndex(dialog.chart.findData(chart))
        click(qtbot, button(dialog, press))

    return handle


@pytest.mark.parametrize("suffix", [".png", ".svg", ".pdf"])
@pytest.mark.parametrize("chart", ["frontier", "revenue", "power"])
def test_file_export_chart_writes_the_file_chosen_in_the_save_dialog(journey, qtbot, monkeypatch, tmp_path, chart, suffix):
    window = journey
    assert window.open_file(ISO)
    target = tmp_path / f"my chart{suffix}"
    asked: list = []
    answer_save_dialog(monkeypatch, target, asked)
    when_dialog(_export_from_dialog(qtbot, chart), ExportDialog)
    menu_action(window, "File", "Export chart…").trigger()
    assert target.read_bytes().startswith(HEADERS[suffix])
    assert len(asked) == 1 and asked[0]["caption"] == "Export chart"
    assert ":" not in asked[0]["directory"].rsplit("/", 1)[-1]  # a file name every system accepts
    if suffix == ".png":
        image = QImage(str(target))
        assert (image.width(), image.height()) == (1920, 1080)
    if suffix == ".svg":
        ET.parse(target)


def test_the_results_export_button_opens_the_dialog_on_the_visible_chart(journey, qtbot, monkeypatch, tmp_path):
    window = journey
    assert window.open_file(ISO)
    window.results.tabs.setCurrentIndex(2)  # Power
    target = tmp_path / "power.png"
    answer_save_dialog(monkeypatch, target)
    chosen = []
    when_dialog(lambda d: (chosen.append(d.chart.currentData()), click(qtbot, button(d, "Export…"))), ExportDialog)
    click(qtbot, window.results.export_button)
    assert chosen == ["power"] and target.exists()


def test_cancelling_the_save_dialog_writes_nothing_and_keeps_the_export_dialog(journey, qtbot, monkeypatch, tmp_path):
    window = journey
    assert window.open_file(ISO)
    answer_save_dialog(monkeypatch, None)
    still_open = []

    def handle(dialog):
        click(qtbot, button(dialog, "Export…"))
        still_open.append(dialog.isVisible())
        dialog.reject()

    when_dialog(handle, ExportDialog)
    menu_action(window, "File", "Export chart…").trigger()
    assert still_open == [True] and list(tmp_path.iterdir()) == []


def test_copy_to_clipboard_from_the_dialog_and_the_menu(journey, qtbot):
    window = journey
    assert window.open_file(ISO)
    clipboard = QGuiApplication.clipboard()
    clipboard.clear()
    when_dialog(_export_from_dialog(qtbot, "revenue", "Copy to clipboard"), ExportDialog)
    window.act_export_chart.trigger()
    assert clipboard.image().size().toTuple() == (1920, 1080)
    clipboard.clear()
    window.act_copy_chart.trigger()
    assert clipboard.image().size().toTuple() == (1920, 1080)


@pytest.mark.parametrize("chart", ["compare", "compare-frontier"])
def test_compare_export_comparison_chart_writes_the_chosen_file(journey, qtbot, monkeypatch, tmp_path, chart):
    window = journey
    assert window.open_file(ISO) and window.open_file(MIXED)
    window.act_compare.trigger()
    target = tmp_path / f"{chart}.pdf"
    answer_save_dialog(monkeypatch, target)
    when_dialog(_export_from_dialog(qtbot, chart), ExportDialog)
    click(qtbot, window.compare.chart_button)
    assert target.read_bytes().startswith(b"%PDF")


def test_compare_csv_from_its_button(journey, qtbot, monkeypatch, tmp_path):
    window = journey
    assert window.open_file(ISO) and window.open_file(MIXED)
    window.act_compare.trigger()
    target = tmp_path / "cmp.csv"
    answer_save_dialog(monkeypatch, target)
    click(qtbot, window.compare.csv_button)
    rows = list(csv.DictReader(target.open(encoding="utf-8")))
    assert {r["scenario"] for r in rows} == {s.label() for s in window.sessions}


def test_export_results_csv_from_the_menu(journey, monkeypatch, tmp_path):
    window = journey
    assert window.open_file(ISO)
    target = tmp_path / "results.csv"
    answer_save_dialog(monkeypatch, target)
    menu_action(window, "File", "Export results CSV…").trigger()
    text = target.read_text(encoding="utf-8")
    assert "output_tokens_per_s" in text or "Output tokens" in text


def test_build_a_factory_by_drag_and_drop_edit_undo_redo_save_and_reopen(journey, qtbot, monkeypatch, tmp_path):
    window = journey
    centre = window.view.viewport().rect().center()
    drop(window, "power", "300mw", centre)
    drop(window, "platform", "gb200", centre)
    fleet_item = next(iter(window.scene.fleets.values()))
    drop(window, "workload", "reasoning-r1", viewport_point_of(window, fleet_item))
    s = window.doc.scenario
    assert s.site.facility_power_mw == 300 and len(s.fleets) == 1 and len(s.assignments) == 1
    window.evaluator.recompute()
    assert window.results.tiles["output_tokens_per_s"].value.text() not in ("", "—")
    window._select(["site"])
    type_into(qtbot, window.inspector.editors["electricity_usd_per_kwh"].spin, "0.12")
    assert window.doc.scenario.site.electricity_usd_per_kwh == 0.12
    edited = window.doc.scenario
    qtbot.keySequence(window, QKeySequence.Undo)  # Ctrl+Z
    assert window.doc.scenario.site.electricity_usd_per_kwh != 0.12
    window.act_redo.trigger()
    assert window.doc.scenario == edited
    target = tmp_path / "my factory.json"
    answer_save_dialog(monkeypatch, target)
    qtbot.keyClick(window, "s", Qt.ControlModifier)  # Ctrl+S on an unsaved factory asks where
    assert json.loads(target.read_text())["site"]["facility_power_mw"] == 300
    assert not window.isWindowModified()
    window.new_scenario()
    answer_open_dialog(monkeypatch, target)
    menu_action(window, "File", "Open…").trigger()
    assert window.doc.scenario == edited and window.path == target


def test_optimise_then_cancel_from_the_progress_dialog(journey, qtbot, monkeypatch, no_prompts):
    import threading

    import factory_app.factory.evaluation as evaluation

    window = journey
    assert window.open_file(MIXED)
    before = window.doc.scenario
    release = threading.Event()
    real = evaluation.optimise_factory

    def slow(*args, **kwargs):  # long enough for the progress dialog to show and be cancelled
        release.wait(10)
        return real(*args, **kwargs)

    monkeypatch.setattr(evaluation, "optimise_factory", slow)
    menu_action(window, "Edit", "Optimise split…").trigger()
    qtbot.waitUntil(lambda: any(d.isVisible() for d in window.findChildren(QProgressDialog)), timeout=5000)
    progress = next(d for d in window.findChildren(QProgressDialog) if d.isVisible())
    click(qtbot, button(progress, "Cancel"))
    release.set()
    qtbot.waitUntil(lambda: window._optimiser.thread.isFinished(), timeout=20000)
    qtbot.wait(50)
    assert window.doc.scenario is before and window.undo_stack.count() == 0
    assert not any(kind == "question" for kind, _ in no_prompts.seen)


def test_recover_after_a_crash(journey, qtbot, no_prompts):
    window = journey
    window._select(["site"])
    type_into(qtbot, window.inspector.editors["facility_power_mw"].spin, "250")
    path = window.session.autosave_path()
    qtbot.waitUntil(path.exists, timeout=5000)
    orphan = files.data_folder() / "session-999999-1.json"  # as a killed process leaves it
    path.rename(orphan)
    window.undo_stack.setClean()
    window.close_tab(window.tabs.currentIndex())
    no_prompts.answers.append(QMessageBox.Yes)
    window.offer_recovery()
    assert no_prompts.seen[-1][0] == "question"
    assert window.doc.scenario.site.facility_power_mw == 250 and window.isWindowModified()
    assert not orphan.exists()


def test_open_a_bad_file_changes_nothing(journey, monkeypatch, tmp_path, no_prompts):
    window = journey
    assert window.open_file(ISO)
    before = window.doc.scenario
    bad = tmp_path / "broken.json"
    bad.write_text("{ not json")
    answer_open_dialog(monkeypatch, bad)
    qtbot_open = menu_action(window, "File", "Open…")
    qtbot_open.trigger()
    assert no_prompts.seen[-1][0] == "warning" and "broken.json" in no_prompts.seen[-1][1]
    assert window.doc.scenario is before and len(window.sessions) == 1


@pytest.mark.parametrize("what", ["deck", "workbook"])
def test_export_deck_and_workbook_from_the_file_menu(journey, monkeypatch, tmp_path, what):
    """File ▸ Export deck… / Export workbook… write the file chosen in the save dialog (its
    suffix added when the name has none); nothing reaches stderr."""
    import zipfile

    window = journey
    assert window.open_file(ISO)
    target = tmp_path / "iso"  # no suffix typed: the export adds it
    answer_save_dialog(monkeypatch, target)
    menu_action(window, "File", "Export deck…" if what == "deck" else "Export workbook…").trigger()
    written = target.with_suffix(".pptx" if what == "deck" else ".xlsx")
    with zipfile.ZipFile(written) as z:
        names = z.namelist()
    if what == "deck":
        from pptx import Presentation

        prs = Presentation(str(written))
        assert len(prs.slides) >= 5 and any(n.startswith("ppt/charts/") for n in names)
        assert window.doc.scenario.name in "\n".join(s.text_frame.text for s in prs.slides[0].shapes if s.has_text_frame)
    else:
        import openpyxl

        book = openpyxl.load_workbook(written)
        assert "Totals" in book.sheetnames and "margin" in book.defined_names
    assert f"Exported {written.name}" in window.statusBar().currentMessage()


def test_a_failed_deck_export_from_the_menu_says_so_in_one_line_and_keeps_the_old_file(journey, monkeypatch, tmp_path):
    from PySide6.QtWidgets import QMessageBox

    window = journey
    assert window.open_file(ISO)
    target = tmp_path / "old.pptx"
    target.write_bytes(b"old deck")
    answer_save_dialog(monkeypatch, target)
    shown = []
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, text, *a, **k: shown.append((title, text)))
    monkeypatch.setattr("os.replace", lambda *a, **k: (_ for _ in ()).throw(OSError(28, "No space left on device")))
    menu_action(window, "File", "Export deck…").trigger()
    assert target.read_bytes() == b"old deck"
    assert len(shown) == 1 and "\n" not in shown[0][1] and "old.pptx" in shown[0][1]
