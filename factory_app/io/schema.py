"""The JSON Schema of scenario files and the field tables of docs/file-format.md, generated from
the key layout and the field tables, so ranges and units are stated once.

``python -m factory_app.io.schema`` rewrites ``resources/schema/scenario.schema.json``;
``--markdown`` prints the field tables for the docs. A test checks both are current.
"""

from __future__ import annotations

import json
import sys
from dataclasses import MISSING, fields
from typing import Any

from factory_app.io.format_layout import (
    ASSIGNMENT_KEYS,
    FLEET_KEYS,
    FORMAT_NAME,
    ID_PATTERN,
    MAX_TEXT,
    POSITION_LIMIT,
    SITE_KEYS,
    WORKLOAD_KEYS,
    Key,
)
from factory_app.io.migrations import CURRENT_VERSION
from factory_app.resources import resource_path
from factory_app.scenario.demand_shapes import HOURS
from factory_app.scenario.fields import DEMAND_HOURLY_VALUE, PRICE_CURVE_MULTIPLIER, PRICE_CURVE_SPEED, FieldSpec
from factory_app.scenario.model import Assignment, Fleet, Site, Workload

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

_OBJECTS: tuple[tuple[str, tuple[Key, ...], type, str], ...] = (
    ("site", SITE_KEYS, Site, "The site: its power budget and the economics of the building."),
    ("fleet", FLEET_KEYS, Fleet, "Accelerators of one platform, sized by a share of the accelerator power or by count."),
    ("workload", WORKLOAD_KEYS, Workload, "A model served under a traffic shape, a service level and prices."),
    ("assignment", ASSIGNMENT_KEYS, Assignment, "A share of a fleet's accelerators serving a workload."),
)


def _defaults(cls: type) -> dict[str, Any]:
    out = {}
    for f in fields(cls):
        if f.default is not MISSING:
            out[f.name] = f.default
        elif f.default_factory is not MISSING:  # type: ignore[misc]
            out[f.name] = f.default_factory()  # type: ignore[misc]
    return out


def _json_default(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_json_default(v) for v in value]
    return value


def _number_schema(spec: FieldSpec, default: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "integer" if spec.integer else "number"}
    if spec.optional:
        out["type"] = [out["type"], "null"]
    out["exclusiveMinimum" if spec.exclusive_minimum else "minimum"] = spec.minimum
    out["maximum"] = spec.maximum
    if default is not MISSING:
        out["default"] = default
    unit = f" ({spec.unit})" if spec.unit else ""
    out["description"] = f"{spec.label}{unit}. {spec.help}".strip()
    if spec.unit:
        out["x-unit"] = spec.unit
    return out


def _key_schema(key: Key, default: Any) -> dict[str, Any]:
    if key.kind == "number":
        assert key.spec is not None
        return _number_schema(key.spec, default)
    out: dict[str, Any]
    if key.kind in ("text", "ref"):
        out = {"type": "string", "maxLength": MAX_TEXT}
    elif key.kind == "id":
        out = {"type": "string", "pattern": ID_PATTERN}
    elif key.kind == "enum":
        out = {"type": "string", "enum": list(key.choices)}
    elif key.kind == "position":
        out = {"$ref": "#/$defs/position"}
    elif key.kind == "curve":
        out = {"$ref": "#/$defs/price_curve"}
    elif key.kind == "hourly":
        out = {"$ref": "#/$defs/demand_hourly"}
    else:  # pragma: no cover - a new kind must be described here
        raise AssertionError(key.kind)
    if default is not MISSING and key.kind not in ("position", "curve", "hourly"):
        out["default"] = default
    out["description"] = key.help
    return out


def _object_schema(keys: tuple[Key, ...], cls: type, description: str) -> dict[str, Any]:
    defaults = _defaults(cls)
    props = {k.name: _key_schema(k, _json_default(defaults.get(k.attribute, MISSING))) for k in keys}
    out: dict[str, Any] = {"type": "object", "description": description, "additionalProperties": False, "properties": props}
    required = [k.name for k in keys if k.required]
    if required:
        out["required"] = required
    return out


def scenario_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of the current scenario format."""
    defs = {name: _object_schema(keys, cls, text) for name, keys, cls, text in _OBJECTS}
    defs["fleet"]["allOf"] = [
        {"if": {"properties": {"sizing": {"const": "count"}}, "required": ["sizing"]},
         "then": {"required": ["accelerators"], "properties": {"accelerators": {"type": "integer"}}},
         "else": {"properties": {"power_share": {"type": "number"}}}},
    ]
    defs["position"] = {
        "type": "array",
        "description": "[x, y] on the canvas, in scene units.",
        "prefixItems": [{"type": "number", "minimum": -POSITION_LIMIT, "maximum": POSITION_LIMIT}] * 2,
        "items": False,
        "minItems": 2,
    }
    defs["price_curve"] = {
        "type": "array",
        "description": "[[tokens/s per user, output-price multiplier], ...], speeds rising.",
        "items": {
            "type": "array",
            "prefixItems": [
                {"type": "number", "minimum": PRICE_CURVE_SPEED.minimum, "maximum": PRICE_CURVE_SPEED.maximum, "x-unit": "tokens/s per user"},
                {"type": "number", "minimum": PRICE_CURVE_MULTIPLIER.minimum, "maximum": PRICE_CURVE_MULTIPLIER.maximum},
            ],
            "items": False,
            "minItems": 2,
        },
    }
    defs["demand_hourly"] = {
        "type": "array",
        "description": f"No values (a template shape), or {HOURS} multipliers of the mean demand (00 to 23 h) averaging 1.",
        "items": {"type": "number", "minimum": DEMAND_HOURLY_VALUE.minimum, "maximum": DEMAND_HOURLY_VALUE.maximum},
        "anyOf": [{"maxItems": 0}, {"minItems": HOURS, "maxItems": HOURS}],
    }
    return {
        "$schema": SCHEMA_DIALECT,
        "$id": "https://factory-app.invalid/schema/scenario.schema.json",
        "title": "AI Factory Modeller scenario",
        "description": f"A scenario file, format version {CURRENT_VERSION} (version 1 files are upgraded when read). See docs/file-format.md.",
        "type": "object",
        "additionalProperties": False,
        "required": ["format_version"],
        "properties": {
            "format": {"const": FORMAT_NAME, "description": "What the file is."},
            "format_version": {"type": "integer", "const": CURRENT_VERSION, "description": "Version of this layout."},
            "name": {"type": "string", "maxLength": MAX_TEXT, "default": "Untitled factory", "description": "Name of the scenario."},
            "description": {"type": "string", "maxLength": MAX_TEXT, "default": "", "description": "What the scenario shows."},
            "optimise": {"type": "boolean", "default": False, "description": "Split power among fleets and fleets among workloads for the most profit."},
            "site": {"$ref": "#/$defs/site"},
            "fleets": {"type": "array", "items": {"$ref": "#/$defs/fleet"}, "default": []},
            "workloads": {"type": "array", "items": {"$ref": "#/$defs/workload"}, "default": []},
            "assignments": {"type": "array", "items": {"$ref": "#/$defs/assignment"}, "default": []},
        },
        "$defs": defs,
    }


def schema_text() -> str:
    """The schema as committed: two-space indent, final newline."""
    return json.dumps(scenario_schema(), indent=2, ensure_ascii=False) + "\n"


# -- docs ---------------------------------------------------------------------------------------


def _range(spec: FieldSpec) -> str:
    text = spec.describe_range().replace("must be ", "")
    return text + (", or null" if spec.optional else "")


def _md(value: Any) -> str:
    if value is MISSING:
        return "required"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value == int(value) and abs(value) < 1e15:
        return f"{int(value):,}" if abs(value) >= 10_000 else f"{value:g}"
    return f"`{json.dumps(_json_default(value))}`" if isinstance(value, (tuple, list, str)) else f"{value:g}"


def field_tables_markdown() -> str:
    """One Markdown table per object: key, type, unit, range, default, meaning."""
    out = []
    for name, keys, cls, text in _OBJECTS:
        defaults = _defaults(cls)
        out.append(f"**{name}** — {text}\n")
        out.append("| key | type | unit | range | default | meaning |")
        out.append("|---|---|---|---|---|---|")
        for k in keys:
            default = MISSING if k.required else defaults.get(k.attribute, MISSING)
            if k.kind == "number":
                s = k.spec
                assert s is not None
                kind = "integer" if s.integer else "number"
                out.append(f"| `{k.name}` | {kind} | {s.unit or '-'} | {_range(s)} | {_md(default)} | {s.label}. {s.help} |")
            else:
                kind = {"text": "string", "id": "string (id)", "ref": "string (id)", "enum": "string", "position": "[x, y]",
                        "curve": "[[speed, multiplier], ...]", "hourly": "[number, ...]"}[k.kind]
                ranges = {"curve": "tokens/s per user 0-100,000; multiplier 0-100", "hourly": f"none, or {HOURS} values 0-24 averaging 1"}
                rng = " / ".join(k.choices) if k.kind == "enum" else ranges.get(k.kind, "-")
                out.append(f"| `{k.name}` | {kind} | - | {rng} | {_md(default)} | {k.help} |")
        out.append("")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    """Write the committed schema file, or print the Markdown tables with ``--markdown``."""
    args = sys.argv[1:] if argv is None else argv
    if "--markdown" in args:
        sys.stdout.write(field_tables_markdown())
        return 0
    path = resource_path("schema", "scenario.schema.json")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(schema_text(), encoding="utf-8")
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())


__all__ = ["field_tables_markdown", "scenario_schema", "schema_text"]
