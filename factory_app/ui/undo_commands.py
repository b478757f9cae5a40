"""Undo commands: every edit of the scenario is one ``QUndoCommand`` calling a document method.

Commands never change numbers themselves; they call :class:`ScenarioDocument` methods, whose
change events repaint the canvas, inspector and results. A slider drag merges into one command,
and a multi-item move is one command pushed on release.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from PySide6.QtGui import QUndoCommand

from factory_app.scenario.document import Removed, ScenarioDocument
from factory_app.scenario.model import Assignment, Fleet, Scenario, Workload

_MERGE_ID = 0x4641  # "FA": set-field commands of one field merge while a slider is dragged
_UNSET = object()


class SetFieldCommand(QUndoCommand):
    """Set one field of the site, a fleet, a workload or an assignment."""

    def __init__(self, doc: ScenarioDocument, kind: str, item_id: str | None, field: str, value: Any,
                 label: str = "", session: int = 0) -> None:
        """``session`` > 0 merges consecutive commands of one slider drag into one undo step."""
        super().__init__(label or f"Change {field.replace('_', ' ')}")
        self.doc, self.kind, self.item_id, self.field, self.value = doc, kind, item_id, field, value
        self.session = session
        self.old: Any = _UNSET

    def redo(self) -> None:
        old = self.doc.set_item(self.kind, self.item_id, self.field, self.value)
        if self.old is _UNSET:  # the value before the first redo is what undo restores
            self.old = old

    def undo(self) -> None:
        self.doc.set_item(self.kind, self.item_id, self.field, self.old)

    def id(self) -> int:  # noqa: A003 - Qt's name
        return _MERGE_ID if self.session else -1

    def mergeWith(self, other: QUndoCommand) -> bool:  # noqa: N802 - Qt's name
        if not isinstance(other, SetFieldCommand) or not other.session or other.session != self.session:
            return False
        if (other.kind, other.item_id, other.field) != (self.kind, self.item_id, self.field):
            return False
        self.value = other.value
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
        s = doc.scenario
        mapping: dict[str, str] = {}
        self.fleets: list[Fleet] = []
        self.workloads: list[Workload] = []
        taken = set(s.item_ids())
        power_left = 1.0 - sum(f.power_share or 0.0 for f in s.fleets if f.sizing == "power")

        def fresh(old_id: str) -> str:
            n = 2
            while f"{old_id}-copy{n if n > 2 else ''}" in taken:
                n += 1
            new_id = f"{old_id}-copy{n if n > 2 else ''}"[:64]
            taken.add(new_id)
            return new_id

        for f in s.fleets:
            if f.id in item_ids:
                mapping[f.id] = fresh(f.id)
                share = f.power_share
                if f.sizing == "power":
                    share = max(0.0, min(f.power_share or 0.0, power_left))
                    power_left -= share
                pos = (f.position[0] + offset[0], f.position[1] + offset[1])
                self.fleets.append(replace(f, id=mapping[f.id], name=f"{f.name} (copy)".strip(), power_share=share, position=pos))
        for w in s.workloads:
            if w.id in item_ids:
                mapping[w.id] = fresh(w.id)
                pos = (w.position[0] + offset[0], w.position[1] + offset[1])
                self.workloads.append(replace(w, id=mapping[w.id], name=f"{w.name} (copy)".strip(), position=pos))
        self.assignments = [
            Assignment(mapping[a.fleet_id], mapping[a.workload_id], a.share)
            for a in s.assignments
            if a.fleet_id in mapping and a.workload_id in mapping
        ]
        self.new_ids = [x.id for x in self.fleets] + [x.id for x in self.workloads]

    def redo(self) -> None:
        for f in self.fleets:
            self.doc.add_fleet(f)
        for w in self.workloads:
            self.doc.add_workload(w)
        for a in self.assignments:
            self.doc.add_assignment(a)

    def undo(self) -> None:
        for a in self.assignments:
            self.doc.remove_assignment(a.fleet_id, a.workload_id)
        for w in self.workloads:
            self.doc.remove_workload(w.id)
        for f in self.fleets:
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
