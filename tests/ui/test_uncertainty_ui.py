"""The uncertainty analysis in the app, used as a person does (issue 15): the tornado, histogram and
fan tabs fill in from a worker thread, a bar click selects its input in the inspector, "±" edits a
range as one undoable step with refusals inline, an edit cancels a running analysis, Cancel and
Run work, and the charts export for slides. Nothing reaches stderr."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from factory_app.resources import resource_path
from factory_app.scenario.uncertainty import UncertainRange
from factory_app.ui.range_editor import RangeDialog

from journey import answer_save_dialog, button, click, menu_action, type_into, when_dialog

ISO = resource_path("examples", "iso-power-hopper-vs-gb200.json")
CAMPUS = resource_path("examples", "campus-1gw-announced.json")


def _enter(qtbot, spin, text: str) -> None:
    """Type a number into a spin box of the range dialog and move on with Tab (Return would apply)."""
    line = spin.lineEdit()
    line.setFocus()
    line.selectAll()
    qtbot.keyClicks(line, text)
    qtbot.keyClick(line, Qt.Key_Tab)


def _open(window, qtbot, path=ISO):
    assert window.open_file(path, as_example=True)
    qtbot.waitUntil(lambda: window.session.evaluator.result is not None, timeout=10_000)


def _show_tab(window, qtbot, tab):
    bar = window.results.tabs.tabBar()
    index = window.results.tabs.indexOf(tab)
    qtbot.mouseClick(bar, Qt.LeftButton, pos=bar.tabRect(index).center())
    assert window.results.tabs.currentWidget() is tab


def _finished(window, qtbot, timeout=30_000):
    c = window.results.uncertainty
    qtbot.waitUntil(lambda: c.complete and not c.running, timeout=timeout)
    return c.analysis


def test_the_tornado_fills_in_and_a_bar_click_selects_its_input(journey, qtbot):
    window = journey
    _open(window, qtbot)
    panel = window.results
    assert [panel.tabs.tabText(i) for i in range(panel.tabs.count())][-3:] == ["Tornado", "Histogram", "Fan chart"]
    _show_tab(window, qtbot, panel.tornado)
    analysis = _finished(window, qtbot)
    assert panel.current_chart() == "tornado"
    chart = panel.tornado.chart
    assert chart.rows == [b.input for b in analysis.tornadoes["npv_usd"].bars[:len(chart.rows)]]
    assert "What moves NPV most" in chart.plotItem.titleLabel.text
    ticks = chart.getAxis("left")._tickLevels[0]
    assert ticks[0][1].startswith("DeepSeek-R1 reasoning (NVFP4): price decline")  # labels in words, with the range
    assert "10,000 samples" in panel.tornado.status.text() and not panel.tornado.bar.isVisible()
    top = chart.rows[0]  # a workload's price decline
    qtbot.mouseClick(chart.viewport(), Qt.LeftButton, pos=chart.row_center(0))
    workload = top.split(".")[1]
    assert window.inspector.kind == "workload" and window.inspector.item_id == workload
    assert window.scene.selected_ids() == [workload]
    assert "background" in window.inspector.rows["price_decline_per_year"].styleSheet()  # pointed at
    row = chart.rows.index("throughput.blackwell")  # the Blackwell family's throughput: its first fleet is selected
    qtbot.mouseClick(chart.viewport(), Qt.LeftButton, pos=chart.row_center(row))
    assert window.inspector.kind == "fleet" and window.inspector.item_id == "blackwell"
    assert "throughput" in window.inspector.ranges


def test_histogram_and_fan_show_the_samples(journey, qtbot):
    window = journey
    _open(window, qtbot)
    panel = window.results
    _show_tab(window, qtbot, panel.histogram)
    analysis = _finished(window, qtbot)
    assert "NPV over 10,000 samples" in panel.histogram.chart.plotItem.titleLabel.text
    # the probability of a loss as the CLI says it (one decimal): '0%' told a board there was no downside
    assert f"P(NPV &lt; 0) = {analysis.monte_carlo.probability_npv_negative:.1%}" in panel.histogram.chart.plotItem.titleLabel.text
    bars = [i for i in panel.histogram.chart.plotItem.items if isinstance(i, pg.PlotCurveItem) and "of samples" in i.toolTip()]
    assert 10 <= len(bars) <= 40
    panel.histogram.figure.setCurrentIndex(panel.histogram.figure.findData("irr"))
    assert panel.current_figure() == "irr" and "IRR over" in panel.histogram.chart.plotItem.titleLabel.text
    _show_tab(window, qtbot, panel.fan)
    p = analysis.monte_carlo.percentiles("npv_usd")
    title = panel.fan.chart.plotItem.titleLabel.text
    assert "P10" in title and "P90" in title
    assert p["p10"] < p["p50"] < p["p90"]


def test_a_range_is_edited_with_plus_minus_as_one_undoable_step(journey, qtbot):
    window = journey
    _open(window, qtbot)
    window.inspector.show_item("site", "site")
    plus = window.inspector.ranges["wacc"]
    qtbot.waitUntil(plus.isVisible)  # a row added to a shown form is shown at the next turn of the loop
    assert plus.isEnabled() and plus.state() == "default"
    fixed = window.inspector.ranges["pue"]
    assert not fixed.isEnabled() and "it sizes the fleets" in fixed.toolTip()

    def set_range(dialog: RangeDialog) -> None:
        assert "Cost of capital" in dialog.windowTitle()
        assert dialog.low.value() == 0.07 and dialog.high.value() == 0.14  # starts from the sourced default
        _enter(qtbot, dialog.low, "0.08")
        _enter(qtbot, dialog.high, "0.12")
        click(qtbot, dialog.apply_button)

    when_dialog(set_range, RangeDialog)
    click(qtbot, plus)
    r = window.doc.scenario.uncertainty.range_of("site.wacc")
    assert r == UncertainRange("site.wacc", "triangular", 0.08, 0.12, None)
    assert plus.state() == "own" and plus.font().bold()
    assert window.act_undo.text() == "&Undo Change the range of Cost of capital (WACC)"
    window.act_undo.trigger()
    assert window.doc.scenario.uncertainty.range_of("site.wacc") is None and plus.state() == "default"
    window.act_redo.trigger()
    assert window.doc.scenario.uncertainty.range_of("site.wacc") == r


def test_a_bad_range_is_refused_inline_and_nothing_changes(journey, qtbot):
    window = journey
    _open(window, qtbot)
    workload = window.doc.scenario.workloads[0].id
    window._select([workload])
    before = window.doc.scenario
    seen = []

    def bad(dialog: RangeDialog) -> None:
        _enter(qtbot, dialog.low, "-1")
        _enter(qtbot, dialog.high, "2")
        click(qtbot, dialog.apply_button)
        seen.append(dialog.error.text())
        assert dialog.isVisible() and dialog.error.isVisible()
        _enter(qtbot, dialog.low, "3")
        click(qtbot, dialog.apply_button)
        seen.append(dialog.error.text())
        click(qtbot, button(dialog, "Cancel"))

    when_dialog(bad, RangeDialog)
    plus = window.inspector.ranges["price_out_usd_per_mtok"]
    qtbot.waitUntil(plus.isVisible)
    click(qtbot, plus)
    assert "low must be between 0 and 10,000 USD per million tokens, got -1" in seen[0]
    assert "low (3) is above high (2)" in seen[1]
    assert window.doc.scenario is before


def test_an_edit_cancels_the_running_analysis_and_the_new_one_follows(journey, qtbot):
    window = journey
    _open(window, qtbot, CAMPUS)
    panel = window.results
    c = panel.uncertainty
    _show_tab(window, qtbot, panel.tornado)
    qtbot.waitUntil(lambda: c.running and c.analysis is not None, timeout=20_000)  # the tornado is up, samples running
    window.inspector.show_item("site", "site")
    running = dict(c._running)
    type_into(qtbot, window.inspector.editors["wacc"].spin, "0.09")
    qtbot.waitUntil(lambda: c.scenario is window.doc.scenario, timeout=5_000)  # the edit's results are shown
    assert all(job.stop.is_set() for _thread, job in running.values())  # the run of the old scenario was told to stop
    assert c.analysed != c.scenario
    analysis = _finished(window, qtbot)
    assert c.analysed == window.doc.scenario and c.analysed.site.wacc == 0.09
    assert analysis.base["npv_usd"] == window.session.evaluator.result.totals["npv_usd"]


def test_cancel_stops_and_run_starts_again(journey, qtbot):
    window = journey
    _open(window, qtbot, CAMPUS)
    panel = window.results
    c = panel.uncertainty
    _show_tab(window, qtbot, panel.fan)
    qtbot.waitUntil(lambda: c.running and panel.fan.cancel.isEnabled(), timeout=20_000)
    click(qtbot, panel.fan.cancel)
    qtbot.waitUntil(lambda: not c.running, timeout=20_000)
    assert "Cancelled" in panel.fan.status.text() and panel.fan.run.isEnabled()
    click(qtbot, panel.fan.run)
    _finished(window, qtbot)
    assert "samples" in panel.fan.status.text()


def test_the_uncertainty_charts_export_as_slides(journey, qtbot, monkeypatch, tmp_path):
    window = journey
    _open(window, qtbot)
    panel = window.results
    _show_tab(window, qtbot, panel.tornado)
    _finished(window, qtbot)
    target = tmp_path / "tornado.png"
    answer_save_dialog(monkeypatch, target)

    def export(dialog) -> None:
        assert dialog.chart.currentData() == "tornado"
        click(qtbot, dialog.export_button)

    when_dialog(export)
    click(qtbot, panel.export_button)
    image = QImage(str(target))
    assert (image.width(), image.height()) == (1920, 1080)
    svg = tmp_path / "fan.svg"
    answer_save_dialog(monkeypatch, svg)

    def export_fan(dialog) -> None:
        dialog.chart.setCurrentIndex(dialog.chart.findData("fan"))
        click(qtbot, dialog.export_button)

    when_dialog(export_fan)
    menu_action(window, "File", "Export chart…").trigger()
    text = svg.read_text("utf-8")
    assert "Cumulative discounted cash flow" in text and "P10" in text
