"""Every editable number of a scenario: unit, range, default and meaning, in one table.

Validation, the file format's JSON Schema, the inspector's spin boxes and sliders and the CSV
column names all read this table, so a range or unit is stated once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any


class ValidationError(ValueError):
    """A value outside its field's type or range. ``str()`` is one line naming the path."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One numeric field: ``minimum``/``maximum`` are inclusive unless ``exclusive_minimum``."""

    name: str
    label: str
    unit: str
    minimum: float
    maximum: float
    default: float | None
    help: str
    integer: bool = False
    optional: bool = False  # None allowed (means "no limit" / "not set")
    exclusive_minimum: bool = False
    log_scale: bool = False  # sliders move geometrically (power, prices)
    source: str = ""
    #: the range a slider spans, where values are useful (None: minimum..maximum); typed values
    #: may still be anything from minimum to maximum
    slider: tuple[float, float] | None = None

    def describe_range(self) -> str:
        lo, hi = _num(self.minimum), _num(self.maximum)
        if self.exclusive_minimum:
            return f"must be above {lo} and at most {hi}"
        return f"must be between {lo} and {hi}"

    @property
    def unit_suffix(self) -> str:
        """`` unit`` for messages, empty for dimensionless fields."""
        return f" {self.unit}" if self.unit and self.unit != "fraction" else ""

    def check(self, value: Any, path: str) -> float | int | None:
        """Return the value as the right type, or raise :class:`ValidationError`."""
        if value is None:
            if self.optional:
                return None
            raise ValidationError(path, f"is required ({self.describe_range()}{self.unit_suffix})")
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValidationError(path, f"must be a number, got {type(value).__name__} {value!r}"[:200])
        if not math.isfinite(value):
            raise ValidationError(path, f"must be a finite number, got {value!r}")
        if self.integer and value != int(value):
            raise ValidationError(path, f"must be a whole number, got {value!r}")
        too_low = value <= self.minimum if self.exclusive_minimum else value < self.minimum
        if too_low or value > self.maximum:
            raise ValidationError(path, f"{self.describe_range()}{self.unit_suffix}, got {_shown(value)}")
        return int(value) if self.integer else float(value)


def _shown(v: float) -> str:
    """A refused value exactly: 10,000,001 rather than 1e+07 (which reads as in range)."""
    if float(v).is_integer() and abs(v) < 1e15:
        return f"{int(v):,}" if v != 0 else f"{v:g}"  # -0 stays -0, as the file says
    return repr(float(v))


def _num(v: float) -> str:
    """A range bound as people write it: 10,000,000 rather than 1e+07."""
    return f"{int(v):,}" if v == int(v) and abs(v) < 1e15 else f"{v:g}"


def _f(name, label, unit, lo, hi, default, help, **kw) -> FieldSpec:
    return FieldSpec(name, label, unit, lo, hi, default, help, **kw)


SITE_FIELDS: dict[str, FieldSpec] = {
    f.name: f
    for f in (
        _f("facility_power_mw", "Facility power", "MW", 0.0, 100_000.0, 100.0,
           "Power the site's grid connection allows, cooling and losses included.", log_scale=True,
           slider=(1.0, 10_000.0)),
        _f("pue", "PUE", "", 1.0, 3.0, 1.2,
           "Power usage effectiveness: facility power over IT power. Hyperscale 1.1-1.2; industry average 1.56-1.58 (Uptime Institute 2023-2024).",
           source="Uptime Institute surveys, see resources/reference/economics.json", slider=(1.0, 2.0)),
        _f("non_accelerator_share", "Non-accelerator IT share", "fraction", 0.0, 0.9, 0.1,
           "Share of IT power used outside the accelerator systems: storage, front-end network, management.", slider=(0.0, 0.5)),
        _f("electricity_usd_per_kwh", "Electricity price", "USD/kWh", 0.0, 2.0, 0.08,
           "Contracted energy price. US industrial average 0.0806 (EIA 2023).", source="EIA via resources/reference/economics.json",
           slider=(0.0, 0.5)),
        _f("facility_capex_usd_per_mw", "Facility capex", "USD/MW", 0.0, 100_000_000.0, 11_700_000.0,
           "Cost to build one MW of critical load, excluding IT (Cushman & Wakefield 2025: 11.7 M, range 9.3-15 M).",
           log_scale=True, source="Cushman & Wakefield 2025 via resources/reference/economics.json", slider=(1_000_000.0, 30_000_000.0)),
        _f("facility_life_years", "Facility life", "years", 1.0, 50.0, 20.0,
           "Straight-line depreciation period of the building and power/cooling plant.", slider=(5.0, 40.0)),
        _f("other_opex_usd_per_mw_year", "Other opex", "USD/MW/year", 0.0, 10_000_000.0, 300_000.0,
           "Staff, maintenance, insurance and network per MW of facility power per year.", slider=(0.0, 2_000_000.0)),
    )
}

FLEET_FIELDS: dict[str, FieldSpec] = {
    f.name: f
    for f in (
        _f("power_share", "Share of accelerator power", "fraction", 0.0, 1.0, 0.5,
           "Share of the site's accelerator power given to this fleet (when sized by power).", optional=True),
        _f("accelerators", "Accelerators", "count", 0.0, 10_000_000.0, None,
           "Fixed number of accelerators (when sized by count); rounded down to whole purchase units (boards, racks or hosts).",
           integer=True, optional=True, log_scale=True, slider=(8.0, 1_000_000.0)),
        _f("life_years", "Accelerator life", "years", 1.0, 15.0, 5.0,
           "Straight-line depreciation of accelerators and their systems (hyperscalers use 5-6 years).",
           source="10-K filings via resources/reference/economics.json", slider=(1.0, 10.0)),
        _f("price_usd", "Price per accelerator", "USD", 0.0, 10_000_000.0, None,
           "Override of the catalogue's all-in price per accelerator.", optional=True, log_scale=True,
           slider=(1_000.0, 300_000.0)),
    )
}

WORKLOAD_FIELDS: dict[str, FieldSpec] = {
    f.name: f
    for f in (
        _f("isl", "Input tokens per request", "tokens", 1.0, 10_000_000.0, 1000.0, "Mean prompt length.", integer=True, log_scale=True, slider=(16.0, 1_000_000.0)),
        _f("osl", "Output tokens per request", "tokens", 1.0, 10_000_000.0, 1000.0, "Mean generated length.", integer=True, log_scale=True, slider=(16.0, 100_000.0)),
        _f("max_ttft_ms", "Max time to first token (p99)", "ms", 0.0, 10_000_000.0, None,
           "99th-percentile limit on time to first token; empty = no limit.", optional=True, exclusive_minimum=True, log_scale=True,
           slider=(10.0, 60_000.0)),
        _f("min_tokens_per_s_per_user", "Min tokens/s per user", "tokens/s", 0.0, 100_000.0, None,
           "Floor on the mean speed each user sees (interactivity); empty = no floor.", optional=True, exclusive_minimum=True, log_scale=True,
           slider=(1.0, 1_000.0)),
        _f("price_in_usd_per_mtok", "Input price", "USD per million tokens", 0.0, 10_000.0, 0.5, "Price of one million prompt tokens.", log_scale=True, slider=(0.01, 100.0)),
        _f("price_out_usd_per_mtok", "Output price", "USD per million tokens", 0.0, 10_000.0, 2.0, "Price of one million generated tokens.", log_scale=True, slider=(0.01, 100.0)),
        _f("demand_cap_tokens_per_s", "Demand cap", "output tokens/s", 0.0, 1e12, None,
           "Output tokens/s the market buys; capacity beyond it earns nothing. Empty = unlimited.", optional=True, log_scale=True,
           slider=(1_000.0, 10_000_000_000.0)),
    )
}

ASSIGNMENT_FIELDS: dict[str, FieldSpec] = {
    "share": _f("share", "Share of the fleet", "fraction", 0.0, 1.0, 1.0,
                "Share of the fleet's accelerators serving this workload (0 keeps the link but serves nothing, as the optimiser may choose)."),
}

#: Price curve points: tokens/s per user -> multiplier on the output price.
PRICE_CURVE_SPEED = _f("tokens_per_s_per_user", "Speed", "tokens/s per user", 0.0, 100_000.0, None, "")
PRICE_CURVE_MULTIPLIER = _f("multiplier", "Price multiplier", "", 0.0, 100.0, 1.0, "")

#: Text fields of items, by kind, as people name them (numbers are named by their FieldSpec)
TEXT_FIELD_LABELS = {"name": "Name", "description": "Description", "platform": "Platform", "sizing": "Sizing",
                     "model": "Model", "precision": "Precision", "price_curve": "Price curve", "position": "Position",
                     "optimise": "Optimise"}


def label_of(kind: str, name: str) -> str:
    """What a person calls a field (``price_out_usd_per_mtok`` -> 'Output price'): undo texts,
    refusals and exports use this rather than the key."""
    table = {"site": SITE_FIELDS, "fleet": FLEET_FIELDS, "workload": WORKLOAD_FIELDS, "assignment": ASSIGNMENT_FIELDS}.get(kind, {})
    if name in table:
        return table[name].label
    return TEXT_FIELD_LABELS.get(name, name.replace("_", " ").capitalize())
