"""The pieces every sheet of the workbook export shares: what the engine gave (one gathering of
the scenario's fleets, generations and operating points), cell references, formats, and the
formula idioms (a ratio that is 0 for a zero denominator, as ``economics.ratio``).

Formulas use plain numbers (8760, 1000000, 0.000000001), never exponent literals such as 1e6:
not every spreadsheet engine parses those. Text from the scenario (names, ids) is only ever
written with ``write_string``, so it can never become a formula.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell

from factory_app.factory.operating_points import Capacity
from factory_app.factory.structure import Generation, build_structure
from factory_app.scenario.model import Scenario
from factory_app.serving.catalog import Catalog

#: Seconds, hours in a year; the tolerance the engine adds before flooring a share of accelerators
SECONDS_PER_YEAR = "31536000"
HOURS_PER_YEAR = "8760"
EPS = "0.000000001"
MILLION = "1000000"


@dataclass(frozen=True, slots=True)
class PointRow:
    """One operating point of one generation: the engine's figures and where it belongs."""

    generation: int
    fleet_id: str
    workload_id: str
    share: float
    capacity: Capacity
    busy_w: float


@dataclass(slots=True)
class ModelData:
    """What the workbook is built from: the scenario, the engine's sizes and operating points of
    every generation, and the engine's software trend per generation (values the formulas use)."""

    scenario: Scenario
    catalog: Catalog
    gens: list[Generation]
    points: list[PointRow]
    trends: list[float]  # engine's yearly software speed-up of each generation's platform
    note: str = ""  # e.g. the optimiser's choice

    @staticmethod
    def of(scenario: Scenario, catalog: Catalog, note: str = "") -> "ModelData":
        """The fleets' generations and every point's operating point, as ``evaluate_factory``
        builds them (its structure: :func:`factory_app.factory.structure.build_structure`)."""
        generations = build_structure(scenario, catalog).generations()
        shares = {(a.fleet_id, a.workload_id): a.share for a in scenario.assignments}
        arrays = generations.points
        points = [PointRow(int(arrays.generation[i]), c.fleet_id, c.workload_id, shares.get((c.fleet_id, c.workload_id), 0.0), c,
                           float(arrays.busy_w[i])) for i, c in enumerate(generations.capacities)]
        trends = [g.trend for g in generations.gens]  # the engine's trend, whatever the site states
        return ModelData(scenario, catalog, list(generations.gens), points, trends, note)

    def first_generation(self, fleet_id: str) -> int | None:
        return next((i for i, g in enumerate(self.gens) if g.fleet_id == fleet_id), None)


@dataclass(slots=True)
class Refs:
    """Cell references by key, filled as the sheets are written and read by later sheets."""

    cells: dict[str, str] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)  # defined name -> absolute reference

    def __getitem__(self, key: str) -> str:
        return self.cells[key]

    def __setitem__(self, key: str, ref: str) -> None:
        self.cells[key] = ref

    def get(self, key: str, default: str = "0") -> str:
        return self.cells.get(key, default)


def ref(sheet: str, row: int, col: int) -> str:
    """An absolute reference to a cell of ``sheet`` (quoted: sheet names may hold spaces)."""
    return f"'{sheet}'!{xl_rowcol_to_cell(row, col, row_abs=True, col_abs=True)}"


def span(sheet: str, row0: int, col0: int, row1: int, col1: int) -> str:
    """An absolute reference to a rectangle of ``sheet``."""
    a = xl_rowcol_to_cell(row0, col0, row_abs=True, col_abs=True)
    b = xl_rowcol_to_cell(row1, col1, row_abs=True, col_abs=True)
    return f"'{sheet}'!{a}:{b}"


def column(col: int) -> str:
    return xl_col_to_name(col)


def ratio(numerator: str, denominator: str) -> str:
    """``numerator / denominator``, 0 when the denominator is 0 (``economics.ratio``)."""
    return f"IF(({denominator})=0,0,({numerator})/({denominator}))"


def total(refs: list[str]) -> str:
    """The sum of cells (0 when there are none)."""
    return "(" + "+".join(refs) + ")" if refs else "0"


def whole_units(x: str, unit: str) -> str:
    """``x`` rounded down to whole purchase units of ``unit`` (``Platform.whole_units``)."""
    return f"INT(INT(({x})+{EPS})/({unit}))*({unit})"


def annuity(rate: str, years: str) -> str:
    """Annuity factor ``(1 - (1 + r)^-n) / r``, ``n`` when ``r`` is 0 (``finance.annuity_factor``)."""
    return f"IF(({years})<=0,0,IF(({rate})=0,({years}),(1-(1+({rate}))^(-({years})))/({rate})))"


_NAME_CHARS = re.compile(r"[^A-Za-z0-9_]")


def defined_name(*parts: str) -> str:
    """A spreadsheet name from ids (letters, digits, underscores; never a cell reference)."""
    name = "_".join(_NAME_CHARS.sub("_", p) for p in parts if p)
    return name if re.match(r"^[A-Za-z_]", name) else f"n_{name}"


def plain(x: float) -> str:
    """A number as a formula literal without an exponent (``1e-06`` -> ``0.000001``)."""
    if not math.isfinite(x):
        return "0"
    text = repr(float(x))
    if "e" not in text and "E" not in text:
        return text
    return f"{x:.20f}".rstrip("0").rstrip(".") or "0"


FORMATS = {
    "head": {"bold": True, "bg_color": "#e5e7eb", "border": 1, "text_wrap": True, "valign": "top"},
    "section": {"bold": True, "font_size": 12, "font_color": "#111827"},
    "title": {"bold": True, "font_size": 14},
    "text": {"valign": "top"},
    "wrap": {"text_wrap": True, "valign": "top", "font_color": "#4b5563"},
    "note": {"valign": "top", "font_color": "#4b5563"},  # one line that runs on over the empty cells to its right
    "input": {"bg_color": "#fff7d6", "num_format": "#,##0.####", "border": 1, "border_color": "#d1d5db"},
    "input_text": {"bg_color": "#fff7d6", "border": 1, "border_color": "#d1d5db"},
    "value": {"bg_color": "#eef2ff", "num_format": "#,##0.###"},
    "number": {"num_format": "#,##0.###"},
    "count": {"num_format": "#,##0"},
    "usd": {"num_format": "$#,##0"},
    "usd2": {"num_format": "$#,##0.00"},
    "usd3": {"num_format": "$#,##0.000"},
    "pct": {"num_format": "0.0%"},
    "mw": {"num_format": "#,##0.00"},
    "tokens": {"num_format": "#,##0"},
    "years": {"num_format": "0.00"},
    "rate": {"num_format": "0.0000"},
}
# Every cell sits at the top of its row, so a value lines up with its label when a wrapped
# meaning or note makes the row taller.
for _fmt in FORMATS.values():
    _fmt.setdefault("valign", "top")


__all__ = [
    "EPS", "FORMATS", "HOURS_PER_YEAR", "MILLION", "ModelData", "PointRow", "Refs", "SECONDS_PER_YEAR", "annuity", "column",
    "defined_name", "plain", "ratio", "ref", "span", "total", "whole_units",
]
