"""The editable document: the current :class:`Scenario` value, edit methods and change events.

Every edit validates the whole candidate scenario once (:func:`~factory_app.scenario.edits.preview`
for field edits) and refuses an invalid value with a :class:`ValidationError` naming the field,
leaving the document untouched. A successful edit replaces the scenario and tells every listener
what changed (a :class:`Change`); the canvas, inspector and results follow these events. Edit
methods return what an undo needs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any, Callable

from factory_app.scenario import edits
from factory_app.scenario.fields import ValidationError
from factory_app.scenario.model import Assignment, Fleet, Scenario, Workload, validate_scenario
from factory_app.scenario.uncertainty import Uncertainty
from factory_app.serving.catalog import Catalog, default_catalog

SITE_ID = "site"


@dataclass(frozen=True, slots=True)
class Change:
    """What an edit changed. ``kind``: site, fleet, workload, assignment or scenario;
    ``action``: set, add, remove, move or reset; ``item_id``: the fleet or workload id, or
    ``"fleet_id/workload_id"`` for an assignment; ``field``: the field set, if any."""

    kind: str
    action: str
    item_id: str | None = None
    field: str | None = None


@dataclass(frozen=True, slots=True)
class Removed:
    """An item taken out of the scenario, with what an undo needs to put it back in place."""

    item: Fleet | Workload
    index: int
    assignments: tuple[tuple[int, Assignment], ...]
    uncertainty: Uncertainty | None = None  # the block before its ranges on the item went with it


Listener = Callable[[Change], None]


class ScenarioDocument:
    """Holds a scenario, applies validated edits and notifies listeners."""

    def __init__(self, scenario: Scenario | None = None, catalog: Catalog | None = None) -> None:
        self.catalog = catalog or default_catalog()
        scenario = scenario or Scenario()
        validate_scenario(scenario, self.catalog)
        self._scenario = scenario
        self._listeners: list[Listener] = []

    # -- events -----------------------------------------------------------------------------
    @property
    def scenario(self) -> Scenario:
        return self._scenario

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener(change)`` after every edit; returns a function that unsubscribes."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def _commit(self, candidate: Scenario, change: Change) -> None:
        validate_scenario(candidate, self.catalog)
        self.apply(candidate, change)

    def apply(self, scenario: Scenario, change: Change) -> None:
        """Make ``scenario`` current and announce ``change``. The scenario must be one
        :meth:`preview` returned for this document (or an earlier value of it, for undo): it is
        not validated again."""
        self._scenario = scenario
        for listener in list(self._listeners):
            listener(change)

    def preview(self, kind: str, item_id: str | None, name: str, value: Any) -> Scenario:
        """The validated scenario one field edit would make; the document is not touched.
        Raises :class:`ValidationError` or ``KeyError``."""
        return edits.preview(self._scenario, self.catalog, kind, item_id, name, value)

    # -- whole document ---------------------------------------------------------------------
    def reset(self, scenario: Scenario) -> Scenario:
        """Replace the whole scenario (open, new, restore). Returns the previous one."""
        old = self._scenario
        self._commit(scenario, Change("scenario", "reset"))
        return old

    def set_scenario_field(self, name: str, value: Any) -> Any:
        """Set ``name``, ``description`` or ``optimise``."""
        return self.set_item("scenario", None, name, value)

    # -- field edits ------------------------------------------------------------------------
    def set_site(self, name: str, value: Any) -> Any:
        return self.set_item("site", SITE_ID, name, value)

    def set_fleet(self, fleet_id: str, name: str, value: Any) -> Any:
        return self.set_item("fleet", fleet_id, name, value)

    def set_workload(self, workload_id: str, name: str, value: Any) -> Any:
        return self.set_item("workload", workload_id, name, value)

    def set_assignment(self, fleet_id: str, workload_id: str, share: float) -> float:
        return self.set_item("assignment", f"{fleet_id}/{workload_id}", "share", share)

    def move(self, positions: dict[str, tuple[float, float]]) -> dict[str, tuple[float, float]]:
        """Move items (fleet/workload ids, or ``"site"``) in one edit. Returns old positions."""
        s = self._scenario
        old: dict[str, tuple[float, float]] = {}
        site = s.site
        fleets = list(s.fleets)
        workloads = list(s.workloads)
        for item_id, pos in positions.items():
            pos = (float(pos[0]), float(pos[1]))
            if item_id == SITE_ID:
                old[item_id] = site.position
                site = replace(site, position=pos)
                continue
            for seq in (fleets, workloads):
                for i, item in enumerate(seq):
                    if item.id == item_id:
                        old[item_id] = item.position
                        seq[i] = replace(item, position=pos)
            if item_id not in old:
                raise KeyError(item_id)
        candidate = replace(s, site=site, fleets=tuple(fleets), workloads=tuple(workloads))
        self._commit(candidate, Change("scenario", "move", ",".join(positions), "position"))
        return old

    # -- add / remove -----------------------------------------------------------------------
    def add_fleet(self, fleet: Fleet, index: int | None = None) -> None:
        fleets = _inserted(self._scenario.fleets, fleet, index)
        self._commit(replace(self._scenario, fleets=fleets), Change("fleet", "add", fleet.id))

    def add_workload(self, workload: Workload, index: int | None = None) -> None:
        workloads = _inserted(self._scenario.workloads, workload, index)
        self._commit(replace(self._scenario, workloads=workloads), Change("workload", "add", workload.id))

    def add_assignment(self, assignment: Assignment, index: int | None = None) -> None:
        assignments = _inserted(self._scenario.assignments, assignment, index)
        self._commit(
            replace(self._scenario, assignments=assignments),
            Change("assignment", "add", f"{assignment.fleet_id}/{assignment.workload_id}"),
        )

    def remove_assignment(self, fleet_id: str, workload_id: str) -> tuple[int, Assignment]:
        i, a = self._find_assignment(fleet_id, workload_id)
        assignments = self._scenario.assignments[:i] + self._scenario.assignments[i + 1 :]
        self._commit(replace(self._scenario, assignments=assignments), Change("assignment", "remove", f"{fleet_id}/{workload_id}"))
        return i, a

    def remove_fleet(self, fleet_id: str) -> Removed:
        """Remove a fleet and its assignments (one event per removed assignment, then the fleet)."""
        i, fleet = self._find(self._scenario.fleets, fleet_id, "fleet")
        gone = self._remove_assignments(lambda a: a.fleet_id == fleet_id)
        fleets = self._scenario.fleets[:i] + self._scenario.fleets[i + 1 :]
        before = self._scenario.uncertainty
        after = before.without_item("fleets", fleet_id)
        candidate = edits.without_unranged_correlations(replace(self._scenario, fleets=fleets, uncertainty=after), self.catalog)
        self._commit(candidate, Change("fleet", "remove", fleet_id))
        return Removed(fleet, i, gone, before if candidate.uncertainty != before else None)

    def remove_workload(self, workload_id: str) -> Removed:
        i, workload = self._find(self._scenario.workloads, workload_id, "workload")
        gone = self._remove_assignments(lambda a: a.workload_id == workload_id)
        workloads = self._scenario.workloads[:i] + self._scenario.workloads[i + 1 :]
        before = self._scenario.uncertainty
        candidate = edits.without_unranged_correlations(replace(self._scenario, workloads=workloads, uncertainty=before.without_item("workloads", workload_id)),
                                      self.catalog)
        self._commit(candidate, Change("workload", "remove", workload_id))
        return Removed(workload, i, gone, before if candidate.uncertainty != before else None)

    def restore(self, removed: Removed) -> None:
        """Undo a removal: the item back at its index, then its assignments at theirs."""
        if isinstance(removed.item, Fleet):
            self.add_fleet(removed.item, removed.index)
        else:
            self.add_workload(removed.item, removed.index)
        for index, a in removed.assignments:
            self.add_assignment(a, index)
        if removed.uncertainty is not None:
            self._commit(replace(self._scenario, uncertainty=removed.uncertainty), Change("uncertainty", "set"))

    def set_item(self, kind: str, item_id: str | None, name: str, value: Any) -> Any:
        """Set one field of the scenario, the site, a fleet, a workload or an assignment
        (``fleet/workload``); returns the old value."""
        candidate = self.preview(kind, item_id, name, value)
        old = getattr(self._scenario if kind == "scenario" else self._scenario.item(kind, item_id), name)
        item = SITE_ID if kind == "site" else item_id
        self.apply(candidate, Change(kind, "set", item, name))
        return old

    # -- ids --------------------------------------------------------------------------------
    def new_id(self, prefix: str) -> str:
        """A fresh item id such as ``fleet-3``."""
        return edits.new_id(self._scenario, prefix)

    # -- generic path edits (sweeps, scripting) -----------------------------------------------
    def set_path(self, path: str, value: Any) -> Any:
        """Set a field by path: ``site.pue``, ``fleets[0].power_share``, ``fleets.h100.life_years``,
        ``workloads[1].isl``, ``assignments[2].share``, ``name``."""
        kind, key, name = parse_path(path)
        if kind in ("scenario", "site"):
            return self.set_item(kind, SITE_ID if kind == "site" else None, name, value)
        seq = getattr(self._scenario, kind)
        if isinstance(key, int):
            item = seq[_index(key, len(seq), path)]
            key = f"{item.fleet_id}/{item.workload_id}" if kind == "assignments" else item.id
        if kind == "assignments" and name != "share":
            raise ValidationError(path, "only an assignment's share can be set")
        try:
            return self.set_item(kind[:-1], key, name, value)
        except KeyError:
            raise KeyError(f"no {kind[:-1]} with id '{key}'") from None

    # -- helpers ----------------------------------------------------------------------------
    def _find(self, seq, item_id: str, kind: str):
        for i, item in enumerate(seq):
            if item.id == item_id:
                return i, item
        raise KeyError(f"no {kind} with id '{item_id}'")

    def _find_assignment(self, fleet_id: str, workload_id: str) -> tuple[int, Assignment]:
        for i, a in enumerate(self._scenario.assignments):
            if a.fleet_id == fleet_id and a.workload_id == workload_id:
                return i, a
        raise KeyError(f"fleet '{fleet_id}' is not assigned to workload '{workload_id}'")

    def _remove_assignments(self, match: Callable[[Assignment], bool]) -> tuple[tuple[int, Assignment], ...]:
        gone = tuple((i, a) for i, a in enumerate(self._scenario.assignments) if match(a))
        for _, a in reversed(gone):
            self.remove_assignment(a.fleet_id, a.workload_id)
        return gone


_PATH = re.compile(r"^(?:(site)\.(\w+)|(fleets|workloads|assignments)(?:\[(\d+)\]|\.([A-Za-z0-9_.-]+?(?:/[A-Za-z0-9_.-]+)?))\.(\w+)|(name|description|optimise))$")


def parse_path(path: str) -> tuple[str, int | str | None, str]:
    """Split a parameter path into (kind, index or id, field); kind is site, fleets, workloads,
    assignments or scenario. Raises ValidationError for a malformed path."""
    m = _PATH.match(path.strip())
    if not m:
        raise ValidationError(path, "is not a parameter path (examples: site.pue, fleets[0].power_share, workloads.chat.isl)")
    if m.group(1):
        return "site", None, m.group(2)
    if m.group(7):
        return "scenario", None, m.group(7)
    key: int | str = int(m.group(4)) if m.group(4) is not None else m.group(5)
    return m.group(3), key, m.group(6)


def _index(i: int, n: int, path: str) -> int:
    if not 0 <= i < n:
        raise ValidationError(path, f"index {i} is out of range (there are {n})")
    return i


def _replaced(seq: tuple, i: int, item) -> tuple:
    return seq[:i] + (item,) + seq[i + 1 :]


def _inserted(seq: tuple, item, index: int | None) -> tuple:
    if index is None or index >= len(seq):
        return seq + (item,)
    return seq[:index] + (item,) + seq[index:]
