"""The JSON layout of a scenario file, key by key: read, written and turned into a JSON Schema
from this one table, so the reader, the writer, the schema and the docs cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass

from factory_app.serving.precision import PRECISIONS
from factory_app.scenario.demand_shapes import CUSTOM, HOURS, SHAPE_CHOICES
from factory_app.scenario.fields import ASSIGNMENT_FIELDS, FLEET_FIELDS, SITE_FIELDS, WORKLOAD_FIELDS, FieldSpec
from factory_app.scenario.model import MAX_NAME, SIZING_MODES

#: ``format`` at the top of every scenario file.
FORMAT_NAME = "factory_app.scenario"
#: Longest name or description accepted, in characters (as the scenario model checks).
MAX_TEXT = MAX_NAME * 50
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
POSITION_LIMIT = 10_000_000.0


@dataclass(frozen=True, slots=True)
class Key:
    """One key of a JSON object.

    ``kind``: id, text, enum, number (with ``spec``), position, curve, hourly (24 numbers or
    none), ref (an id of another item) or bool. ``attr`` is the dataclass attribute it fills (default: the key itself).
    """

    name: str
    kind: str
    help: str
    required: bool = False
    spec: FieldSpec | None = None
    choices: tuple[str, ...] = ()
    attr: str = ""

    @property
    def attribute(self) -> str:
        return self.attr or self.name


def _numbers(table: dict[str, FieldSpec]) -> tuple[Key, ...]:
    return tuple(Key(name, "number", spec.help, spec=spec) for name, spec in table.items())


_POSITION = Key("position", "position", "Where the item sits on the canvas: [x, y] in scene units, each between -10,000,000 and 10,000,000.")

_SOFTWARE = ("Month of the serving software (YYYY-MM) the engine answers for: the latest month the engine is calibrated for "
             "at or before it (`predict --software`). ")

SITE_KEYS: tuple[Key, ...] = (
    Key("name", "text", "Name of the site."),
    *_numbers(SITE_FIELDS),
    Key("software_as_of", "text", _SOFTWARE + "Empty = the latest calibrated month."),
    _POSITION,
)

FLEET_KEYS: tuple[Key, ...] = (
    Key("id", "id", "Unique id of the fleet (1-64 letters, digits, '.', '_' or '-'); assignments refer to it.", required=True),
    Key("name", "text", "Name shown on the canvas."),
    Key("platform", "text", "Platform id from the catalogue (`factory-app catalog`), e.g. h200, gb200.", required=True),
    Key("sizing", "enum", "How the fleet is sized: 'power' (a share of the site's accelerator power) or 'count'.", choices=SIZING_MODES),
    *_numbers(FLEET_FIELDS),
    Key("refresh_platform", "text",
        "Platform id the fleet is replaced with at the end of its life (at the same power), e.g. rubin; "
        "the successor is replaced by the same platform at the end of its own life. Empty = retire the fleet."),
    Key("software_as_of", "text", _SOFTWARE + "Empty = the site's."),
    _POSITION,
)

WORKLOAD_KEYS: tuple[Key, ...] = (
    Key("id", "id", "Unique id of the workload; assignments refer to it.", required=True),
    Key("name", "text", "Name shown on the canvas."),
    Key("model", "text", "Model id from the catalogue, e.g. deepseek-r1, llama-3.3-70b.", required=True),
    Key("precision", "enum", "Weight precision the model is served at.", choices=PRECISIONS),
    *_numbers(WORKLOAD_FIELDS),
    Key(
        "price_curve",
        "curve",
        "Output-price multiplier by speed: [[tokens/s per user, multiplier], ...] with rising speeds; "
        "interpolated linearly, flat beyond its ends. Empty = multiplier 1.",
    ),
    Key("demand_shape", "enum",
        f"24-hour shape of the demand: a template (daytime, evening, follow-the-sun, flat; see docs/factory.md) or "
        f"'{CUSTOM}' with the hours in demand_hourly.", choices=SHAPE_CHOICES),
    Key("demand_hourly", "hourly",
        f"With demand_shape '{CUSTOM}': {HOURS} multipliers of the mean demand, 00 to 23 h local time, averaging 1 "
        "(each 0-24). Empty with a template."),
    _POSITION,
)

ASSIGNMENT_KEYS: tuple[Key, ...] = (
    Key("fleet", "ref", "Id of the fleet.", required=True, attr="fleet_id"),
    Key("workload", "ref", "Id of the workload it serves.", required=True, attr="workload_id"),
    Key("share", "number", ASSIGNMENT_FIELDS["share"].help, spec=ASSIGNMENT_FIELDS["share"]),
)

TOP_KEYS: tuple[str, ...] = ("format", "format_version", "name", "description", "optimise", "site", "fleets", "workloads", "assignments")

__all__ = [
    "ASSIGNMENT_KEYS",
    "FLEET_KEYS",
    "FORMAT_NAME",
    "ID_PATTERN",
    "Key",
    "MAX_TEXT",
    "POSITION_LIMIT",
    "SITE_KEYS",
    "TOP_KEYS",
    "WORKLOAD_KEYS",
]
