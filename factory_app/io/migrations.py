"""Upgrades of scenario files from older format versions, one step at a time.

``MIGRATIONS[n]`` turns a version-``n`` document (a dict straight from JSON) into a version
``n + 1`` one, and says in one line each what it changed or added. :func:`migrate` applies them
in order until the document is at :data:`CURRENT_VERSION`. To change the format: bump
``CURRENT_VERSION``, add the step here with a test on a file of the old version, regenerate the
schema and describe the change in docs/file-format.md.

Version 2 (issue 14) added finance (cost of capital, horizon, networking, idle power, demand ramp,
software speed-up), life cycles (residual value, delivery year, refresh) and demand over the day
(mean demand with a 24-hour shape, default utilisation, price decline, demand growth). Facility
capex and other opex now apply per MW of IT (critical) load, as their sources state.
"""

from __future__ import annotations

import copy
import json
from typing import Any, Callable

from factory_app.scenario.fields import FLEET_FIELDS, SITE_FIELDS, WORKLOAD_FIELDS, FieldSpec, ValidationError

#: The format version this app writes and reads natively.
CURRENT_VERSION = 2

Step = Callable[[dict[str, Any], list[str]], dict[str, Any]]


def _default_text(spec: FieldSpec) -> str:
    if spec.default is None:
        return "empty"
    if spec.unit == "fraction" or spec.unit.startswith("fraction per"):
        per = " a year" if "per year" in spec.unit else ""
        return f"{spec.default:.0%}{per}"
    unit = f" {spec.unit}" if spec.unit and spec.unit != "year" else ""
    return f"{spec.default:,g}{unit}"


def _added(table: dict[str, FieldSpec], names: tuple[str, ...]) -> str:
    return ", ".join(f"{table[n].label} {_default_text(table[n])}" for n in names)


_SITE_ADDED = ("wacc", "horizon_years", "networking_share", "idle_power_share", "first_year_ramp")
_FLEET_ADDED = ("residual_value_share", "delivery_year")
_WORKLOAD_ADDED = ("default_utilisation", "price_decline_per_year", "demand_growth_per_year")


def _v1_to_v2(data: dict[str, Any], notes: list[str]) -> dict[str, Any]:
    """Demand caps become a flat mean demand (the same tokens sold every hour); every new field
    takes its default (listed in ``notes``)."""
    capped, uncapped = [], []
    workloads = data.get("workloads")
    if isinstance(workloads, list):  # copied, not changed in place: the caller's document stays as read
        workloads = data["workloads"] = [copy.copy(w) for w in workloads]
    for w in workloads if isinstance(workloads, list) else ():
        if not isinstance(w, dict) or "demand_cap_tokens_per_s" not in w:
            if isinstance(w, dict):
                uncapped.append(str(w.get("id", "?")))
            continue
        cap = w.pop("demand_cap_tokens_per_s")
        if cap is None:
            uncapped.append(str(w.get("id", "?")))
        else:
            w["demand_tokens_per_s"] = cap
            w.setdefault("demand_shape", "flat")
            capped.append(str(w.get("id", "?")))
    notes.append("format 1 upgraded to 2; saving writes format 2")
    if capped:
        notes.append(f"demand caps became a flat mean demand (workloads {', '.join(capped[:8])})")
    if uncapped:
        notes.append(
            f"workloads without a demand cap ({', '.join(uncapped[:8])}) now sell their default utilisation "
            f"({_default_text(WORKLOAD_FIELDS['default_utilisation'])} of capacity, business-hours shape), not all capacity"
        )
    notes.append(f"added site defaults: {_added(SITE_FIELDS, _SITE_ADDED)}, Software speed-up empty (the engine's fitted trend)")
    notes.append(f"added fleet defaults: {_added(FLEET_FIELDS, _FLEET_ADDED)}, retired at the end of life")
    notes.append(f"added workload defaults: {_added(WORKLOAD_FIELDS, _WORKLOAD_ADDED)}")
    notes.append("facility capex and other opex now apply per MW of IT (critical) load, as their sources state (format 1 applied them per MW of facility power)")
    return data


#: version n -> function upgrading a version-n document to version n + 1.
MIGRATIONS: dict[int, Step] = {1: _v1_to_v2}


def _shown(value: Any) -> str:
    """A value as it appeared in the JSON text, shortened."""
    text = getattr(value, "text", None)  # NaN/Infinity stand-ins of the reader
    return text if isinstance(text, str) else json.dumps(value, default=str)[:40]


def read_version(data: dict[str, Any]) -> int:
    """The document's ``format_version``, refused unless it is a whole number this app reads."""
    if "format_version" not in data:
        raise ValidationError("$.format_version", f"is required (this version of factory-app reads format {CURRENT_VERSION})")
    version = data["format_version"]
    if isinstance(version, bool) or not isinstance(version, int):
        raise ValidationError("$.format_version", f"must be a whole number, got {_shown(version)}")
    if version > CURRENT_VERSION:
        raise ValidationError(
            "$.format_version",
            f"written by a newer version of factory-app (format {version}); this version reads up to {CURRENT_VERSION}",
        )
    oldest = min(MIGRATIONS, default=CURRENT_VERSION)
    if version < oldest:
        raise ValidationError("$.format_version", f"format {version} is not known; this version reads formats {oldest} to {CURRENT_VERSION}")
    return version


def migrate(data: dict[str, Any], notes: list[str] | None = None) -> dict[str, Any]:
    """``data`` upgraded to :data:`CURRENT_VERSION` (a new dict; the argument is not changed:
    each step copies, shallowly, what it changes, so a deeply nested document costs no deep
    copy). What each step changed or added is appended to ``notes`` (one line each) when given.

    Raises :class:`ValidationError` at ``$.format_version`` for a version this app cannot read.
    """
    version = read_version(data)
    if version == CURRENT_VERSION:
        return data
    out = copy.copy(data)  # keeps the reader's dict type (it remembers keys given twice)
    said: list[str] = [] if notes is None else notes
    while version < CURRENT_VERSION:
        step = MIGRATIONS.get(version)
        if step is None:
            raise ValidationError("$.format_version", f"no upgrade from format {version} to {version + 1}")
        out = step(out, said)
        version += 1
        out["format_version"] = version
    return out


__all__ = ["CURRENT_VERSION", "MIGRATIONS", "migrate", "read_version"]
