"""Drag and drop from the palette, links, moves, delete, duplicate: each one undo step."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from factory_app.ui.mime import make_mime


def drop(window, kind: str, key: str, viewport_pos: QPoint) -> None:
    """Send the drag-enter, drag-move and drop events a real drag sends to the viewport."""
    vp = window.view.viewport()
    mime = make_mime(kind, key)
    pos = QPointF(viewport_pos)
    for cls in (QDragEnterEvent, QDragMoveEvent):
        ev = cls(viewport_pos, Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
        QApplication.sendEvent(vp, ev)
        assert ev.isAccepted()
    ev = QDropEvent(pos, Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    QApplication.sendEvent(vp, ev)
    assert ev.isAccepted()


def viewport_point_of(window, item) -> QPoint:
    return window.view.mapFromScene(item.sceneBoundingRect().center())


def test_dropping_a_platform_creates_a_fleet_and_undo_redo_restore_it(window):
    drop(window, "platform", "gb200", window.view.viewport().rect().center())
    fleets = window.doc.scenario.fleets
    assert len(fleets) == 1 and fleets[0].platform == "gb200" and fleets[0].power_share == 1.0
    assert fleets[0].id in window.scene.fleets
    window.undo_stack.undo()
    assert not window.doc.scenario.fleets and not window.scene.fleets
    window.undo_stack.redo()
    assert window.doc.scenario.fleets[0].platform == "gb200"


def test_dropping_a_workload_on_a_fleet_assigns_it(window):
    drop(window, "platform", "h100", window.view.viewport().rect().center())
    fleet_item = next(iter(window.scene.fleets.values()))
    drop(window, "workload", "chat-70b", viewport_point_of(window, fleet_item))
    s = window.doc.scenario
    assert len(s.workloads) == 1 and s.workloads[0].model == "llama-3.3-70b"
    assert [(a.fleet_id, a.workload_id, a.share) for a in s.assignments] == [(fleet_item.item_id, s.workloads[0].id, 1.0)]
    assert len(window.scene.links) == 1
    window.evaluator.recompute()
    op = window.evaluator.result.operating_point(fleet_item.item_id, s.workloads[0].id)
    assert op is not None and op.feasible and op.output_tokens_per_s > 0
    window.undo_stack.undo()  # one step removes the workload and its link
    assert not window.doc.scenario.workloads and not window.doc.scenario.assignments


def test_dropping_a_power_budget_sets_the_site(window):
    drop(window, "power", "1gw", window.view.viewport().rect().center())
    assert window.doc.scenario.site.facility_power_mw == 1000
    window.undo_stack.undo()
    assert window.doc.scenario.site.facility_power_mw == 100


def test_a_drawn_link_assigns_the_remaining_share(window):
    drop(window, "platform", "h200", window.view.viewport().rect().center())
    drop(window, "workload", "chat-8b", QPoint(30, 30))
    fid = window.doc.scenario.fleets[0].id
    wid = window.doc.scenario.workloads[0].id
    window.scene.connectRequested.emit(fid, wid)
    assert window.doc.scenario.assignments[0].share == 1.0
    window.scene.connectRequested.emit(fid, wid)  # already linked: nothing more
    assert len(window.doc.scenario.assignments) == 1


def test_a_move_is_one_command(window):
    drop(window, "platform", "b200", window.view.viewport().rect().center())
    fid = window.doc.scenario.fleets[0].id
    item = window.scene.fleets[fid]
    before = window.doc.scenario.fleet(fid).position
    depth = window.undo_stack.count()
    item.setPos(item.pos() + QPointF(120, 40))
    window.scene.moveFinished.emit(*window.scene._pending_moves())
    assert window.undo_stack.count() == depth + 1
    assert window.doc.scenario.fleet(fid).position == (before[0] + 120, before[1] + 40)
    window.undo_stack.undo()
    assert window.doc.scenario.fleet(fid).position == before
    assert (item.pos().x(), item.pos().y()) == before


def test_delete_and_duplicate(window):
    drop(window, "platform", "h100", window.view.viewport().rect().center())
    fleet_item = next(iter(window.scene.fleets.values()))
    drop(window, "workload", "chat-70b", viewport_point_of(window, fleet_item))
    window.scene.clearSelection()
    fleet_item.setSelected(True)
    window.duplicate_selection()
    assert len(window.doc.scenario.fleets) == 2
    window.scene.clearSelection()
    window.scene.fleets[fleet_item.item_id].setSelected(True)
    window.delete_selection()
    s = window.doc.scenario
    assert len(s.fleets) == 1 and not s.assignments
    window.undo_stack.undo()
    assert len(window.doc.scenario.fleets) == 2 and len(window.doc.scenario.assignments) == 1


def test_zoom_and_fit(window):
    z = window.view.zoom_level()
    window.act_zoom_in.trigger()
    assert window.view.zoom_level() > z
    window.act_fit.trigger()
    assert 0.15 <= window.view.zoom_level() <= 1.25
