"""The inspector, used as a person uses it: type into its fields, pick from its lists."""

from __future__ import annotations

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
