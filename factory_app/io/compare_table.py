"""The comparison of 2-4 scenarios: every headline figure, its difference to a baseline.

Qt-free, so ``factory-app compare`` and the compare view print the same numbers. Columns of the
CSV (documented in docs/file-format.md): ``metric, unit, scenario, file, value, baseline,
difference, difference_pct``; one row per metric and scenario. ``difference_pct`` is empty when
the baseline value is zero (a percentage of nothing is not a number).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from factory_app.factory.metrics import HEADLINES
from factory_app.factory.results import TOTAL_KEYS, FactoryResult
from factory_app.io.results_json import COUNT_KEYS
from factory_app.io.csv_export import write_csv

COLUMNS = ("metric", "unit", "scenario", "file", "value", "baseline", "difference", "difference_pct")
MAX_SCENARIOS = 4


@dataclass(frozen=True, slots=True)
class CompareEntry:
    name: str
    file: str
    result: FactoryResult


@dataclass(frozen=True, slots=True)
class CompareCell:
    value: float | None  # None: the total does not exist (an IRR, a payback that never comes)
    difference: float | None  # value - baseline; None when either does not exist
    difference_pct: float | None  # None when the baseline is zero or either does not exist


@dataclass(frozen=True, slots=True)
class CompareRow:
    metric: str
    unit: str
    cells: tuple[CompareCell, ...]  # one per entry, in entry order


def metrics() -> list[str]:
    """Totals in the order a comparison lists them: the headline figures first."""
    return list(HEADLINES) + [k for k in TOTAL_KEYS if k not in HEADLINES]


def compare(entries: list[CompareEntry], baseline: int = 0) -> list[CompareRow]:
    """Every total of every entry with its difference to ``entries[baseline]``."""
    if not 2 <= len(entries) <= MAX_SCENARIOS:
        raise ValueError(f"compare takes 2 to {MAX_SCENARIOS} scenarios, got {len(entries)}")
    if not 0 <= baseline < len(entries):
        raise ValueError(f"baseline must be one of the {len(entries)} scenarios")
    rows = []
    for key in metrics():
        base = _value(entries[baseline].result, key)
        cells = []
        for e in entries:
            v = _value(e.result, key)
            if v is None or base is None:
                cells.append(CompareCell(v, None, None))
                continue
            pct = (v - base) / abs(base) if base != 0 else None
            cells.append(CompareCell(v, v - base, pct))
        rows.append(CompareRow(key, TOTAL_KEYS[key], tuple(cells)))
    return rows


def _value(result: FactoryResult, key: str) -> float | None:
    value = result.totals.get(key, 0.0)
    return None if value is None else float(value)


def compare_csv_rows(entries: list[CompareEntry], baseline: int = 0) -> list[dict[str, Any]]:
    out = []
    for row in compare(entries, baseline):
        base = row.cells[baseline].value
        whole = (lambda v: int(round(v))) if row.metric in COUNT_KEYS else (lambda v: v)  # counts as integers
        for e, c in zip(entries, row.cells):
            out.append({
                "metric": row.metric, "unit": row.unit, "scenario": e.name, "file": e.file, "value": whole(c.value),
                "baseline": whole(base), "difference": whole(c.difference),
                "difference_pct": "" if c.difference_pct is None else c.difference_pct * 100.0,
            })
    return out


def write_compare_csv(path: str | os.PathLike[str], entries: list[CompareEntry], baseline: int = 0) -> None:
    write_csv(path, COLUMNS, compare_csv_rows(entries, baseline))
