"""Undo commands: every edit of the scenario is one ``QUndoCommand`` over a document method.

Commands never change numbers themselves. A field edit keeps the scenario before and the one
:meth:`ScenarioDocument.preview` validated (so the edit is validated once, when the command is
made, and an invalid value never reaches the undo stack); the others call document methods. The
document's change events repaint the canvas, inspector and results. A slider drag merges into
one command, and a multi-item move is one command pushed on release.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QUndoCommand

from factory_app.scenario.document import Change, Removed, ScenarioDocument
from factory_app.scenario.edits import Copies, duplicated
from factory_app.scenario.fields import label_of
from factory_app.scenario.model import Assignment, Fleet, Scenario, Workload

_MERGE_ID = 0x4641  # "FA": set-field commands of one field merge while a slider is dragged


class SetFieldCommand(QUndoCommand):
    """Set one field of the scenario, the site, a fleet, a workload or an assignment.

    Making the command validates the edit (:meth:`ScenarioDocument.preview`) and raises
    ``ValidationError``/``KeyError`` for a value the scenario refuses, so callers can refuse it
    inline before anything is pushed."""

    def __init__(self, doc: ScenarioDocument, kind: str, item_id: str | None, field: str, value: Any,
                 label: str = "", session: int = 0) -> None:
        """``session`` > 0 merges consecutive commands of one slider drag into one undo step."""
        self.after = doc.preview(kind, item_id, field, value)
        super().__init__(label or f"Change {label_of(kind, field)[0].lower()}{label_of(kind, field)[1:]}")
        self.doc, self.kind, self.item_id, self.field, self.value = doc, kind, item_id, field, value
        self.session = session
        self.before = doc.scenario
        self.change = Change(kind, "set", "site" if kind == "site" else item_id, field)

    def redo(self) -> None:
        self.doc.apply(self.after, self.change)

    def undo(self) -> None:
        self.doc.apply(self.before, self.change)

    def id(self) -> int:  # noqa: A003 - Qt's name
        return _MERGE_ID if self.session else -1

    def mergeWith(self, other: QUndoCommand) -> bool:  # noqa: N802 - Qt's name
        if not isinstance(other, SetFieldCommand) or not other.session or other.session != self.session:
            return False
        if (other.kind, other.item_id, other.field) != (self.kind, self.item_id, self.field):
            return False
        self.value, self.after = other.value, other.after
        return True


class AddFleetCommand(QUndoCommand):
    def __init__(self, doc: ScenarioDocument, fleet: Fleet, label: str = "") -> None:
        super().__init__(label or f"Add {fleet.name or fleet.platform} fleet")
        self.doc, self.fleet = doc, fleet

    def redo(self) -> None:
        self.doc.add_fleet(self.fleet)

    def undo(self) -> None:
        self.doc.remove_fleet(self.fleet.id)


class AddWorkloadCommand(QUndoCommand):
    """Add a workload, and assign it to a fleet when dropped on one."""

    def __init__(self, doc: ScenarioDocument, workload: Workload, fleet_id: str | None = None, share: float = 1.0) -> None:
        super().__init__(f"Add {workload.name or workload.model} workload")
        self.doc, self.workload, self.fleet_id, self.share = doc, workload, fleet_id, share

    def redo(self) -> None:
        self.doc.add_workload(self.workload)
        if self.fleet_id:
            self.doc.add_assignment(Assignment(self.fleet_id, self.workload.id, self.share))

    def undo(self) -> None:
        self.doc.remove_workload(self.workload.id)


class AssignCommand(QUndoCommand):
    def __init__(self, doc: ScenarioDocument, fleet_id: str, workload_id: str, share: float) -> None:
        super().__init__("Assign workload to fleet")
        self.doc, self.assignment = doc, Assignment(fleet_id, workload_id, share)

    def redo(self) -> None:
        self.doc.add_assignment(self.assignment)

    def undo(self) -> None:
        self.doc.remove_assignment(self.assignment.fleet_id, self.assignment.workload_id)


class RemoveItemsCommand(QUndoCommand):
    """Delete fleets, workloads and links (assignments, as ``fleet/workload``) in one step."""

    def __init__(self, doc: ScenarioDocument, item_ids: list[str], label: str = "Delete") -> None:
        super().__init__(label)
        self.doc, self.item_ids = doc, list(item_ids)
        self.removed: list[Removed | tuple[int, Assignment]] = []

    def redo(self) -> None:
        self.removed = []
        s = self.doc.scenario
        fleets = {f.id for f in s.fleets}
        workloads = {w.id for w in s.workloads}
        for item_id in self.item_ids:
            if "/" in item_id:
                fid, _, wid = item_id.partition("/")
                if any(a.fleet_id == fid and a.workload_id == wid for a in self.doc.scenario.assignments):
                    self.removed.append(self.doc.remove_assignment(fid, wid))
        for item_id in self.item_ids:
            if item_id in fleets:
                self.removed.append(self.doc.remove_fleet(item_id))
            elif item_id in workloads:
                self.removed.append(self.doc.remove_workload(item_id))

    def undo(self) -> None:
        for entry in reversed(self.removed):
            if isinstance(entry, Removed):
                self.doc.restore(entry)
            else:
                index, assignment = entry
                self.doc.add_assignment(assignment, index)


class MoveItemsCommand(QUndoCommand):
    """One command for a whole drag of one or more items, pushed on mouse release."""

    def __init__(self, doc: ScenarioDocument, new: dict[str, tuple[float, float]], old: dict[str, tuple[float, float]]) -> None:
        super().__init__("Move" if len(new) > 1 else "Move item")
        self.doc, self.new, self.old = doc, dict(new), dict(old)

    def redo(self) -> None:
        self.doc.move(self.new)

    def undo(self) -> None:
        self.doc.move(self.old)


class DuplicateItemsCommand(QUndoCommand):
    """Copy fleets and workloads (and the links among the copied ones), offset on the canvas."""

    def __init__(self, doc: ScenarioDocument, item_ids: list[str], offset: tuple[float, float] = (40.0, 40.0)) -> None:
        super().__init__("Duplicate")
        self.doc = doc
        self.copies: Copies = duplicated(doc.scenario, item_ids, offset)
        self.new_ids = self.copies.ids

    def redo(self) -> None:
        for f in self.copies.fleets:
            self.doc.add_fleet(f)
        for w in self.copies.workloads:
            self.doc.add_workload(w)
        for a in self.copies.assignments:
            self.doc.add_assignment(a)

    def undo(self) -> None:
        for a in self.copies.assignments:
            self.doc.remove_assignment(a.fleet_id, a.workload_id)
        for w in self.copies.workloads:
            self.doc.remove_workload(w.id)
        for f in self.copies.fleets:
            self.doc.remove_fleet(f.id)


class ReplaceScenarioCommand(QUndoCommand):
    """Swap in a whole new scenario value (e.g. accepting the optimiser's split)."""

    def __init__(self, doc: ScenarioDocument, scenario: Scenario, label: str) -> None:
        super().__init__(label)
        self.doc, self.new, self.old = doc, scenario, doc.scenario

    def redo(self) -> None:
        self.doc.reset(self.new)

    def undo(self) -> None:
        self.doc.reset(self.old)
