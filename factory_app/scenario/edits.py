"""Edits as pure functions: the scenario an edit would make, validated once, never applied.

:func:`preview` is the one edit path: the inspector calls it to refuse a value inline, the undo
command keeps what it returns and the document applies it; none of them validates again. The
builders (:func:`new_fleet`, :func:`new_workload`, :func:`duplicated`) make the items a drop from
the palette or a Duplicate adds, with fresh ids and the shares still free.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from typing import Any, Iterable

from factory_app.scenario.demand_shapes import CUSTOM, DEFAULT_SHAPE, SHAPES
from factory_app.scenario.fields import ASSIGNMENT_FIELDS, FLEET_FIELDS, SITE_FIELDS, WORKLOAD_FIELDS, ValidationError, label_of
from factory_app.scenario.model import Assignment, Fleet, PricePoint, Scenario, Site, Workload, validate_scenario
from factory_app.scenario.uncertainty import Correlation, UncertainRange, ranged_inputs
from factory_app.serving.catalog import Catalog

SCENARIO_FIELDS = ("name", "description", "optimise")
_TABLES = {"site": SITE_FIELDS, "fleet": FLEET_FIELDS, "workload": WORKLOAD_FIELDS, "assignment": ASSIGNMENT_FIELDS}
_TEXT_FIELDS = {"site": {"name", "software_as_of"}, "fleet": {"name", "platform", "sizing", "refresh_platform", "software_as_of"},
                "workload": {"name", "model", "precision", "demand_shape"}}
_CLASSES = {"site": Site, "fleet": Fleet, "workload": Workload, "assignment": Assignment}
_SEQUENCES = {"fleet": "fleets", "workload": "workloads", "assignment": "assignments"}


def json_path(scenario: Scenario, kind: str, item_id: str | None) -> str:
    """Where an item sits in the file, for messages: ``$.site``, ``$.fleets[2]``, ..."""
    if kind == "site":
        return "$.site"
    if kind == "scenario":
        return "$"
    if kind == "uncertainty":
        return "$.uncertainty"
    item = scenario.item(kind, item_id)
    return f"$.{_SEQUENCES[kind]}[{getattr(scenario, _SEQUENCES[kind]).index(item)}]"


def coerce(kind: str, name: str, value: Any, path: str) -> Any:
    """Check one field's type and range; return the value as stored."""
    where = f"{path}.{name}"
    if name == "id" or (kind == "assignment" and name in ("fleet_id", "workload_id")):
        raise ValidationError(where, "ids cannot be changed")
    if name in _TABLES[kind]:
        return _TABLES[kind][name].check(value, where)
    if name in _TEXT_FIELDS.get(kind, ()):
        if not isinstance(value, str):
            raise ValidationError(where, f"must be text, got {type(value).__name__}")
        return value
    if name == "position" and kind != "assignment":
        try:
            return (float(value[0]), float(value[1]))
        except (TypeError, ValueError, IndexError):
            raise ValidationError(where, "must be [x, y]") from None
    if kind == "workload" and name == "demand_hourly":
        try:
            return tuple(float(v) for v in value)
        except (TypeError, ValueError):
            raise ValidationError(where, "must be a list of 24 numbers (multipliers of the mean demand, 00 to 23 h)") from None
    if kind == "workload" and name == "price_curve":
        try:
            return tuple(p if isinstance(p, PricePoint) else PricePoint(float(p[0]), float(p[1])) for p in value)
        except (TypeError, ValueError, IndexError):
            raise ValidationError(where, "must be a list of [tokens/s per user, multiplier] pairs") from None
    if name not in _CLASSES[kind].__dataclass_fields__:
        raise ValidationError(where, f"is not a field of a {kind}")
    raise ValidationError(where, "cannot be edited")


def with_field(scenario: Scenario, kind: str, item_id: str | None, name: str, value: Any,
               catalog: Catalog | None = None) -> Scenario:
    """The scenario with one field set (type and range checked, the whole not yet validated).
    ``kind`` is scenario, site, fleet, workload or assignment (``item_id`` ``"fleet/workload"``).
    Switching a fleet's sizing fills the field the new sizing needs (see :func:`_resized`).
    Raises :class:`ValidationError` naming the field, or ``KeyError`` for an unknown item."""
    if kind == "scenario":
        if name not in SCENARIO_FIELDS:
            raise ValidationError(f"$.{name}", "is not an editable scenario field")
        return replace(scenario, **{name: value})
    if kind == "uncertainty":
        return _with_uncertainty(scenario, catalog, name, value)
    if kind not in _TABLES:
        raise KeyError(f"unknown item kind {kind!r}")
    path = json_path(scenario, kind, item_id)
    item = scenario.item(kind, item_id)
    new = replace(item, **{name: coerce(kind, name, value, path)})
    if kind == "fleet" and name == "sizing" and catalog is not None:
        new = _resized(scenario, catalog, new)
    if kind == "workload" and name in ("demand_shape", "demand_hourly"):
        new = _reshaped(item, new, name)
    if kind == "site":
        return replace(scenario, site=new)
    seq_name = _SEQUENCES[kind]
    seq = getattr(scenario, seq_name)
    i = seq.index(item)
    return replace(scenario, **{seq_name: seq[:i] + (new,) + seq[i + 1 :]})


#: Settings of the uncertainty block an edit may set (any other name is an input path: its range).
UNCERTAINTY_SETTINGS = ("defaults", "samples", "seed", "correlations")


def _with_uncertainty(scenario: Scenario, catalog: Catalog | None, name: str, value: Any) -> Scenario:
    """The scenario with one setting of its uncertainty block, or one input's range, set: a range
    is an :class:`UncertainRange` or a mapping of distribution, low, high and mode; ``None``
    removes the block's own range (the default applies again when there is one)."""
    u = scenario.uncertainty
    if name in UNCERTAINTY_SETTINGS:
        if name == "correlations":
            value = tuple(c if isinstance(c, Correlation) else Correlation(*c) for c in value)
        return replace(scenario, uncertainty=replace(u, **{name: value}))
    if value is not None and not isinstance(value, UncertainRange):
        try:
            value = UncertainRange(name, value.get("distribution", "triangular"), value["low"], value["high"], value.get("mode"))
        except (AttributeError, KeyError, TypeError):
            raise ValidationError(f"$.uncertainty.{name}", "a range needs distribution, low, high and (optionally) mode") from None
    return replace(scenario, uncertainty=u.with_range(name, value))


def without_unranged_correlations(candidate: Scenario, catalog: Catalog) -> Scenario:
    """``candidate`` without the correlations of inputs that no longer carry a range: its own
    range removed, the sourced defaults switched off, a workload given a demand (its default
    utilisation range goes), a fleet or workload removed. The pair goes with its input, as the
    range did; undo brings both back."""
    u = candidate.uncertainty
    if not u.correlations:
        return candidate
    ranged = set(ranged_inputs(candidate, catalog))
    kept = tuple(c for c in u.correlations if c.a in ranged and c.b in ranged)
    return candidate if kept == u.correlations else replace(candidate, uncertainty=replace(u, correlations=kept))


def _resized(scenario: Scenario, catalog: Catalog, fleet: Fleet) -> Fleet:
    """A fleet switched to another sizing, with the number that sizing needs when it has none:
    by count, the accelerators its power share buys (at least one purchase unit); by power, the
    share no other fleet claims. So the switch keeps the fleet about the size it was."""
    platform = catalog.platforms.get(fleet.platform)
    if fleet.sizing == "count" and fleet.accelerators is None and platform is not None:
        budget_w = (fleet.power_share or 0.0) * scenario.site.accelerator_power_mw * 1e6
        return replace(fleet, accelerators=max(platform.accelerators_for_power(budget_w), platform.purchase_unit))
    if fleet.sizing == "power" and fleet.power_share is None:
        others = replace(scenario, fleets=tuple(f for f in scenario.fleets if f.id != fleet.id))
        return replace(fleet, power_share=others.power_share_left())
    return fleet


def _reshaped(old: Workload, new: Workload, name: str) -> Workload:
    """A workload whose demand shape changed, kept consistent: a template carries no hourly
    values; switching to ``custom`` starts from the hours of the shape it had; setting hourly
    values makes the shape ``custom``."""
    if name == "demand_hourly":
        return replace(new, demand_shape=CUSTOM) if new.demand_hourly else replace(new, demand_shape=DEFAULT_SHAPE)
    if new.demand_shape == CUSTOM:
        start = old.demand_hourly if old.demand_shape == CUSTOM else SHAPES.get(old.demand_shape, SHAPES[DEFAULT_SHAPE]).values
        return replace(new, demand_hourly=tuple(new.demand_hourly or start))
    return replace(new, demand_hourly=())


def preview(scenario: Scenario, catalog: Catalog, kind: str, item_id: str | None, name: str, value: Any) -> Scenario:
    """The scenario the edit would make, validated whole (shares adding up, ids, ranges): the one
    validation of an edit. Raises :class:`ValidationError` or ``KeyError``; never mutates."""
    candidate = with_field(scenario, kind, item_id, name, value, catalog)
    if not (kind == "uncertainty" and name == "correlations"):  # pairs the user sets are checked, not dropped
        candidate = without_unranged_correlations(candidate, catalog)
    validate_scenario(candidate, catalog)
    return candidate


_ITEM_PATH = re.compile(r"^\$\.(site|fleets|workloads|assignments)(?:\[\d+\])?\.(\w+)$")
_KIND_OF = {"site": "site", "fleets": "fleet", "workloads": "workload", "assignments": "assignment"}


def describe_refusal(exc: Exception) -> str:
    """One line for a refused edit (``KeyError`` quotes its message). A field of the site, a
    fleet, a workload or a link is named as people name it ('Power cap must be between ...'),
    not by its JSON path ('$.fleets[1].power_cap_w: ...'), which is for files."""
    if isinstance(exc, ValidationError):
        m = _ITEM_PATH.match(exc.path)
        if m:
            return f"{label_of(_KIND_OF[m.group(1)], m.group(2))} {exc.message}"
    return str(exc).strip("'\"")


# -- ids and new items ---------------------------------------------------------------------------


def new_id(scenario: Scenario, prefix: str, taken: Iterable[str] = ()) -> str:
    """A fresh item id such as ``fleet-3`` (ids in ``taken`` are avoided too)."""
    prefix = re.sub(r"[^A-Za-z0-9_.-]", "-", prefix)[:40] or "item"
    used = scenario.item_ids() | set(taken)
    n = 1
    while f"{prefix}-{n}" in used:
        n += 1
    return f"{prefix}-{n}"


def new_fleet(scenario: Scenario, catalog: Catalog, platform_id: str, position: tuple[float, float]) -> Fleet:
    """A fleet of a platform dropped on the canvas: sized by power, given the share left."""
    platform = catalog.platform(platform_id)
    name = platform.name.replace(" (per GPU)", "").replace(" (per GPU package)", "")
    return Fleet(id=new_id(scenario, platform_id), platform=platform_id, name=name,
                 power_share=scenario.power_share_left(), position=position)


def even_power_shares(scenario: Scenario) -> dict[str, float]:
    """Equal shares of the accelerator power for every fleet sized by power (fleet id -> share),
    rounded down to four decimals so they add up to at most 1: what "share evenly" sets."""
    ids = [f.id for f in scenario.fleets if f.sizing == "power"]
    if not ids:
        return {}
    share = math.floor(1e4 / len(ids) + 1e-9) / 1e4
    return {fleet_id: share for fleet_id in ids}


def new_workload(scenario: Scenario, template: Workload, key: str, position: tuple[float, float],
                 fleet_id: str | None = None) -> Workload:
    """A workload from a palette template; dropped on a fleet, it is placed below that fleet."""
    if fleet_id:
        fleet = scenario.fleet(fleet_id)
        position = (fleet.position[0], fleet.position[1] + 260)
    return replace(template, id=new_id(scenario, key), position=position)


@dataclass(frozen=True, slots=True)
class Copies:
    """What Duplicate adds: copies of fleets and workloads, and links among the copied ones."""

    fleets: tuple[Fleet, ...]
    workloads: tuple[Workload, ...]
    assignments: tuple[Assignment, ...]

    @property
    def ids(self) -> list[str]:
        return [x.id for x in self.fleets] + [x.id for x in self.workloads]


def duplicated(scenario: Scenario, item_ids: Iterable[str], offset: tuple[float, float] = (40.0, 40.0)) -> Copies:
    """Copies of the fleets and workloads named (and the links among them), moved by ``offset``.
    A copied power-sized fleet gets at most the power share still free, so the copy is valid."""
    wanted = set(item_ids)
    taken = set(scenario.item_ids())
    mapping: dict[str, str] = {}

    def fresh(old_id: str) -> str:
        """``x-copy``, then ``x-copy2``, ``x-copy3``, ..."""
        n = 1
        while (new := f"{old_id}-copy{n if n > 1 else ''}"[:64]) in taken:
            n += 1
        taken.add(new)
        return new

    def moved(pos: tuple[float, float]) -> tuple[float, float]:
        return (pos[0] + offset[0], pos[1] + offset[1])

    power_left = scenario.power_share_left()
    fleets = []
    for f in scenario.fleets:
        if f.id in wanted:
            mapping[f.id] = fresh(f.id)
            share = f.power_share
            if f.sizing == "power":
                share = max(0.0, min(f.power_share or 0.0, power_left))
                power_left -= share
            fleets.append(replace(f, id=mapping[f.id], name=f"{f.name} (copy)".strip(), power_share=share, position=moved(f.position)))
    workloads = []
    for w in scenario.workloads:
        if w.id in wanted:
            mapping[w.id] = fresh(w.id)
            workloads.append(replace(w, id=mapping[w.id], name=f"{w.name} (copy)".strip(), position=moved(w.position)))
    links = tuple(Assignment(mapping[a.fleet_id], mapping[a.workload_id], a.share)
                  for a in scenario.assignments if a.fleet_id in mapping and a.workload_id in mapping)
    return Copies(tuple(fleets), tuple(workloads), links)


__all__ = [
    "Copies", "UNCERTAINTY_SETTINGS", "coerce", "describe_refusal", "duplicated", "json_path", "new_fleet", "new_id", "new_workload",
    "preview", "with_field",
]
