"""Rank correlations between uncertain inputs, edited in the site's uncertainty section as a person
does (issue 15): pick two inputs that carry a range from the real combos by their labels, type
rho, click Add pair; the pair lands in the scenario, survives Save and Open, the Monte Carlo
samples carry it, undo and redo take it away and back; bad pairs are refused inline with the
core's message and nothing changes; removing a range takes its pairs with it."""

from __future__ import annotations

import json

import numpy as np
from PySide6.QtCore import Qt

from factory_app.resources import resource_path
from factory_app.scenario.uncertainty import Correlation, UncertainRange
from factory_app.ui.correlation_editor import EMPTY, TIP, CorrelationEditor
from factory_app.ui.range_editor import RangeDialog
from factory_app.ui.undo_commands import SetFieldCommand

from journey import answer_open_dialog, answer_save_dialog, button, click, menu_action, type_into, when_dialog

ISO = resource_path("examples", "iso-power-hopper-vs-gb200.json")
DECLINE = "DeepSeek-R1 reasoning (NVFP4): price decline"
UTILISATION = "DeepSeek-R1 reasoning (NVFP4): default utilisation"
WACC = "Cost of capital (WACC)"
DECLINE_PATH = "workloads.r1-blackwell.price_decline_per_year"
UTILISATION_PATH = "workloads.r1-blackwell.default_utilisation"


def _editor(window, qtbot, path=ISO) -> CorrelationEditor:
    """Open ``path`` and show the site's inspector, scrolled to the correlations."""
    assert window.open_file(path, as_example=True)
    qtbot.waitUntil(lambda: window.session.evaluator.result is not None, timeout=10_000)
    window._select(None)
    window.inspector.show_item("site", "site")
    editor = window.inspector.uncertainty_settings["correlations"]
    qtbot.waitUntil(editor.isVisible)  # a row added to a shown form is shown at the next turn of the loop
    window.inspector.scroll.ensureWidgetVisible(editor)
    return editor


def choose(qtbot, combo, text: str) -> None:
    """Pick an item of the combo with the keyboard, as a person tabbing through the form does: Home,
    then Down to it (its popup list cannot be driven offscreen without Qt's warnings; Space would
    open it, so typing the label does not work)."""
    index = combo.findText(text)
    assert index >= 0, f"{text!r} not in {[combo.itemText(i) for i in range(combo.count())]}"
    combo.setFocus(Qt.TabFocusReason)
    qtbot.keyClick(combo, Qt.Key_Home)
    for _ in range(index):
        qtbot.keyClick(combo, Qt.Key_Down)
    assert combo.currentText() == text


def in_view(qtbot, editor: CorrelationEditor, widget) -> None:
    """Scroll the inspector to ``widget`` and wait until it is laid out and on screen (a person
    clicks what they see: right after an undo the form has not been laid out again yet)."""
    qtbot.waitUntil(lambda: widget.height() > 0)
    editor.inspector.scroll.ensureWidgetVisible(widget)
    qtbot.waitUntil(lambda: not widget.visibleRegion().isEmpty())


def add_pair(qtbot, editor: CorrelationEditor, a: str, b: str, rho: str) -> None:
    in_view(qtbot, editor, editor.add_button)
    choose(qtbot, editor.first, a)
    choose(qtbot, editor.second, b)
    type_into(qtbot, editor.rho, rho)
    click(qtbot, editor.add_button)


def _spearman(x: np.ndarray, y: np.ndarray) -> float:
    rank = lambda v: np.argsort(np.argsort(v))  # noqa: E731
    return float(np.corrcoef(rank(x), rank(y))[0, 1])


def test_a_pair_lands_in_the_scenario_the_samples_and_the_file_and_undo_redo_work(journey, qtbot, monkeypatch, tmp_path):
    window = journey
    editor = _editor(window, qtbot)
    assert not editor.empty.isVisible() and not editor.table.isVisible()  # no pair yet
    labels = [editor.first.itemText(i) for i in range(editor.first.count())]
    assert DECLINE in labels and WACC in labels and "Blackwell throughput" in labels
    assert not any("." in label.split(":")[0] and "_" in label for label in labels)  # labels, never input paths
    assert editor.add_button.toolTip() == TIP and "Iman–Conover" in editor.rho.toolTip()

    add_pair(qtbot, editor, DECLINE, UTILISATION, "0.8")
    pair = Correlation(DECLINE_PATH, UTILISATION_PATH, 0.8)
    assert window.doc.scenario.uncertainty.correlations == (pair,)
    assert not editor.error.isVisible()
    assert editor.table.isVisible() and editor.table.rowCount() == 1
    assert [editor.table.item(0, c).text() for c in (0, 1)] == [DECLINE, UTILISATION]
    assert editor.table.cellWidget(0, 2).value() == 0.8
    assert window.act_undo.text() == f"&Undo Correlate {DECLINE} and {UTILISATION}"

    window.act_undo.trigger()  # one step takes it away, and the view follows
    assert window.doc.scenario.uncertainty.correlations == ()
    assert not editor.table.isVisible()
    window.act_redo.trigger()
    assert window.doc.scenario.uncertainty.correlations == (pair,)
    assert editor.table.isVisible() and editor.table.item(0, 0).text() == DECLINE

    # the Monte Carlo runs with it: the two inputs' samples are rank-correlated near 0.8
    tabs = window.results.tabs
    bar = tabs.tabBar()
    qtbot.mouseClick(bar, Qt.LeftButton, pos=bar.tabRect(tabs.indexOf(window.results.histogram)).center())
    c = window.results.uncertainty
    qtbot.waitUntil(lambda: c.complete and not c.running, timeout=30_000)
    assert c.analysed is window.doc.scenario
    paths = [inp.path for inp in c.analysis.inputs]
    values = c.analysis.monte_carlo.values
    rho = _spearman(values[:, paths.index(DECLINE_PATH)], values[:, paths.index(UTILISATION_PATH)])
    assert abs(rho - 0.8) < 0.03, rho
    others = _spearman(values[:, paths.index(DECLINE_PATH)], values[:, paths.index("site.wacc")])
    assert abs(others) < 0.05  # what is not correlated stays independent

    # Save, then Open: the pair is in the file and comes back in the editor
    target = tmp_path / "correlated.json"
    answer_save_dialog(monkeypatch, target)
    window.act_save.trigger()
    saved = json.loads(target.read_text())["uncertainty"]["correlations"]
    assert saved == [{"a": DECLINE_PATH, "b": UTILISATION_PATH, "rho": 0.8}]
    window.new_scenario()
    answer_open_dialog(monkeypatch, target)
    menu_action(window, "File", "Open…").trigger()
    assert window.doc.scenario.uncertainty.correlations == (pair,)
    window.inspector.show_item("site", "site")
    reopened = window.inspector.uncertainty_settings["correlations"]
    qtbot.waitUntil(reopened.isVisible)
    assert [reopened.table.item(0, c).text() for c in (0, 1)] == [DECLINE, UTILISATION]


def test_rho_is_changed_in_the_table_and_a_pair_removed_each_as_one_step(journey, qtbot):
    window = journey
    editor = _editor(window, qtbot)
    add_pair(qtbot, editor, DECLINE, UTILISATION, "0.8")
    add_pair(qtbot, editor, WACC, DECLINE, "-0.3")
    assert [c.rho for c in window.doc.scenario.uncertainty.correlations] == [0.8, -0.3]
    in_view(qtbot, editor, editor.table)
    type_into(qtbot, editor.table.cellWidget(1, 2), "-0.5")
    assert [c.rho for c in window.doc.scenario.uncertainty.correlations] == [0.8, -0.5]
    assert window.act_undo.text() == f"&Undo Change the correlation of {WACC} and {DECLINE}"
    assert not editor.remove_button.isEnabled()  # nothing selected
    in_view(qtbot, editor, editor.table)
    cell = editor.table.visualItemRect(editor.table.item(0, 0)).center()
    qtbot.mouseClick(editor.table.viewport(), Qt.LeftButton, pos=cell)
    in_view(qtbot, editor, editor.remove_button)
    click(qtbot, editor.remove_button)
    assert window.doc.scenario.uncertainty.correlations == (Correlation("site.wacc", DECLINE_PATH, -0.5),)
    assert editor.table.rowCount() == 1 and editor.table.item(0, 0).text() == WACC
    window.act_undo.trigger()
    assert [c.rho for c in window.doc.scenario.uncertainty.correlations] == [0.8, -0.5]
    assert editor.table.rowCount() == 2
    window.act_undo.trigger()
    assert editor.table.cellWidget(1, 2).value() == -0.3  # the spin box follows undo


def test_bad_pairs_are_refused_inline_and_nothing_changes(journey, qtbot):
    window = journey
    editor = _editor(window, qtbot)

    def refused(a: str, b: str, rho: str, *words: str) -> None:
        before = window.doc.scenario
        undo = window.act_undo.text()
        add_pair(qtbot, editor, a, b, rho)
        assert window.doc.scenario is before and window.act_undo.text() == undo
        text = editor.error.text()
        assert editor.error.isVisible() and text.startswith("Refused: $.uncertainty.correlations"), text
        assert "\n" not in text and "Traceback" not in text
        for word in words:
            assert word in text, text

    refused(DECLINE, UTILISATION, "1.5", "correlations[0].rho",
            f"correlation of {DECLINE} and {UTILISATION} must be between -1 and 1, got 1.5")
    refused(DECLINE, DECLINE, "0.5", "correlations[0]:", f"{DECLINE} cannot be correlated with itself")
    add_pair(qtbot, editor, DECLINE, UTILISATION, "0.6")  # a good pair clears the message
    assert not editor.error.isVisible() and len(window.doc.scenario.uncertainty.correlations) == 1
    refused(UTILISATION, DECLINE, "0.2", "correlations[1]:", f"{UTILISATION} and {DECLINE} are correlated twice")
    add_pair(qtbot, editor, UTILISATION, WACC, "0.6")
    assert not editor.error.isVisible() and len(window.doc.scenario.uncertainty.correlations) == 2
    # A-B 0.6 and B-C 0.6 hold; A-C -0.6 contradicts them
    refused(DECLINE, WACC, "-0.6", "correlations:", "the correlations contradict each other", "not positive definite",
            DECLINE, WACC)
    assert len(window.doc.scenario.uncertainty.correlations) == 2

    # a rho typed into the table beyond 1 is refused too, and the spin box shows the stored value again
    before = window.doc.scenario
    in_view(qtbot, editor, editor.table)
    type_into(qtbot, editor.table.cellWidget(0, 2), "-1.2")
    assert window.doc.scenario is before and "correlations[0].rho" in editor.error.text() and "got -1.2" in editor.error.text()
    assert editor.table.cellWidget(0, 2).value() == 0.6


def test_removing_a_range_removes_its_pairs_and_the_empty_state_says_why(journey, qtbot):
    window = journey
    editor = _editor(window, qtbot)
    price = "workloads.r1-blackwell.price_out_usd_per_mtok"
    window.push(SetFieldCommand(window.doc, "uncertainty", None, price, UncertainRange(price, "triangular", 1.0, 3.0)))
    label = "DeepSeek-R1 reasoning (NVFP4): output price"
    assert editor.first.findText(label) >= 0  # the new range is offered at once
    add_pair(qtbot, editor, label, UTILISATION, "-0.6")
    assert len(window.doc.scenario.uncertainty.correlations) == 1

    window._select(["r1-blackwell"])
    plus = window.inspector.ranges["price_out_usd_per_mtok"]
    qtbot.waitUntil(plus.isVisible)
    when_dialog(lambda dialog: click(qtbot, button(dialog, "Remove range")), RangeDialog)
    click(qtbot, plus)
    assert window.doc.scenario.uncertainty.range_of(price) is None
    assert window.doc.scenario.uncertainty.correlations == ()  # the pair went with the range
    window._select(None)
    window.inspector.show_item("site", "site")
    editor = window.inspector.uncertainty_settings["correlations"]
    qtbot.waitUntil(editor.isVisible)
    assert not editor.table.isVisible() and editor.first.findText(label) < 0
    window.act_undo.trigger()  # both come back in one step
    assert len(window.doc.scenario.uncertainty.correlations) == 1 and editor.table.rowCount() == 1
    window.act_undo.trigger()  # and the pair goes
    assert editor.table.isHidden()

    # switching the sourced default ranges off takes the pairs of default inputs with them; with
    # no range of its own left, there is nothing to correlate
    window.act_undo.trigger()  # the range goes too
    add_pair(qtbot, editor, DECLINE, UTILISATION, "0.5")
    defaults = window.inspector.uncertainty_settings["defaults"]
    window.inspector.scroll.ensureWidgetVisible(defaults)
    qtbot.mouseClick(defaults, Qt.LeftButton, pos=defaults.rect().center())
    assert window.doc.scenario.uncertainty.defaults is False
    assert window.doc.scenario.uncertainty.correlations == () and not window.inspector.error.isVisible()
    assert editor.empty.isVisible() and editor.empty.text() == EMPTY
    assert not editor.add_part.isVisible() and not editor.table.isVisible()
    window.act_undo.trigger()
    assert window.doc.scenario.uncertainty.defaults and len(window.doc.scenario.uncertainty.correlations) == 1
    assert editor.table.isVisible() and not editor.empty.isVisible()
