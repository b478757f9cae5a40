"""The inspector, used as a person uses it: type into its fields, pick from its lists."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from factory_app.resources import resource_path
from factory_app.ui.fields import NumberField

EXAMPLE = resource_path("examples", "iso-power-hopper-vs-gb200.json")


def _type(qtbot, editor: NumberField, text: str) -> None:
    line = editor.spin.lineEdit()
    line.selectAll()
    qtbot.keyClicks(line, text)
    qtbot.keyClick(line, Qt.Key_Return)


def test_it_shows_every_kind_of_item(window):
    assert window.open_file(EXAMPLE, as_example=True)
    s = window.doc.scenario
    shown = {
        ("site", "site"): "Site",
        ("fleet", s.fleets[0].id): "Fleet · ",
        ("workload", s.workloads[0].id): "Workload · ",
        ("assignment", f"{s.assignments[0].fleet_id}/{s.assignments[0].workload_id}"): "Link · ",
    }
    for (kind, item_id), title in shown.items():
        window.inspector.show_item(kind, item_id)
        assert window.inspector.title.text().startswith(title)
        assert window.inspector.editors
    window.inspector.show_item("fleet", "no-such-fleet")
    assert window.inspector.title.text() == "Nothing selected" and not window.inspector.editors


def test_typing_a_value_is_one_undoable_edit(window, qtbot):
    assert window.open_file(EXAMPLE, as_example=True)
    window.inspector.show_item("site", "site")
    editor = window.inspector.editors["electricity_usd_per_kwh"]
    before, depth = window.doc.scenario, window.undo_stack.count()
    _type(qtbot, editor, "0.125")
    assert window.doc.scenario.site.electricity_usd_per_kwh == 0.125
    assert window.undo_stack.count() == depth + 1
    assert window.undo_stack.undoText() == "Change electricity price"  # the field's name, not its key
    window.undo_stack.undo()
    assert window.doc.scenario == before and editor.spin.value() == before.site.electricity_usd_per_kwh


def test_a_value_the_scenario_refuses_is_refused_inline_and_never_pushed(window, qtbot, monkeypatch):
    from factory_app.scenario import edits

    assert window.open_file(EXAMPLE, as_example=True)
    fleet = window.doc.scenario.fleets[0]
    window.inspector.show_item("fleet", fleet.id)
    calls = []
    real = edits.validate_scenario
    monkeypatch.setattr(edits, "validate_scenario", lambda s, c: calls.append(1) or real(s, c))
    before, depth = window.doc.scenario, window.undo_stack.count()
    _type(qtbot, window.inspector.editors["power_share"], "0.9")  # the other fleet has 0.5: the total would pass 1
    assert window.doc.scenario is before and window.undo_stack.count() == depth
    assert window.inspector.error.isVisibleTo(window.inspector)
    assert "power shares of the fleets must add up to at most 1" in window.inspector.error.text()
    assert window.inspector.editors["power_share"].spin.value() == fleet.power_share  # the stored value again
    assert len(calls) == 1  # validated once, by the preview
    _type(qtbot, window.inspector.editors["power_share"], "0.4")
    assert not window.inspector.error.isVisibleTo(window.inspector)
    assert window.doc.scenario.fleet(fleet.id).power_share == 0.4 and window.undo_stack.count() == depth + 1


def test_choosing_another_platform_rebuilds_the_fields(window, qtbot):
    assert window.open_file(EXAMPLE, as_example=True)
    fleet = window.doc.scenario.fleets[0]
    window.inspector.show_item("fleet", fleet.id)
    combo = window.inspector.editors["platform"]
    combo.setCurrentIndex(combo.findData("b200"))
    assert window.doc.scenario.fleet(fleet.id).platform == "b200"
    assert window.inspector.editors["platform"].currentData() == "b200"
    sizing = window.inspector.editors["sizing"]
    sizing.setCurrentIndex(sizing.findData("count"))
    assert "accelerators" in window.inspector.editors and "power_share" not in window.inspector.editors


def test_a_fleets_software_month_and_power_cap_are_edited_in_the_inspector(window, qtbot):
    import pyqtgraph as pg

    assert window.open_file(EXAMPLE, as_example=True)
    fleet = window.doc.scenario.fleets[0]
    window.inspector.show_item("fleet", fleet.id)
    months = window.inspector.editors["software_as_of"]
    assert months.itemText(0).startswith("The site's (") and months.findData("2024-08") >= 0
    depth = window.undo_stack.count()
    months.setCurrentIndex(months.findData("2024-08"))
    assert window.doc.scenario.fleet(fleet.id).software_as_of == "2024-08" and window.undo_stack.count() == depth + 1
    assert window.undo_stack.undoText() == "Change software as of"
    # the cap chart: tokens/s per MW from half the TDP to the TDP
    def charts():  # rows of the last build are hidden and wait for deleteLater; new ones show on the next event loop pass
        return [w for w in window.inspector.findChildren(pg.PlotWidget) if w.isVisibleTo(window.inspector)]

    qtbot.waitUntil(lambda: len(charts()) == 1, timeout=5000)
    charts = charts()
    assert len(charts) == 1 and "Tokens/s per MW of facility power" in charts[0].toolTip()
    cap = window.inspector.editors["power_cap_w"]
    cap.check.click()  # on: it starts at the TDP
    tdp = window.catalog.platform(fleet.platform).tdp_w.value
    _type(qtbot, window.inspector.editors["power_cap_w"], f"{0.3 * tdp:.0f}")
    assert "must be between" in window.inspector.error.text() and window.inspector.error.isVisibleTo(window.inspector)
    _type(qtbot, window.inspector.editors["power_cap_w"], f"{0.8 * tdp:.0f}")
    assert window.doc.scenario.fleet(fleet.id).power_cap_w == pytest.approx(0.8 * tdp, abs=1)


def test_the_sites_software_month_is_offered_from_the_calibrated_months(window):
    window.inspector.show_item("site", "site")
    months = window.inspector.editors["software_as_of"]
    assert months.itemText(0) == f"Latest calibrated ({window.catalog.software.dates[-1]})"
    assert [months.itemData(i) for i in range(1, months.count())] == list(reversed(window.catalog.software.dates))
