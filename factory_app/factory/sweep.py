"""Sweeps: evaluate a scenario over a grid of parameter values given by their paths.

``site.electricity_usd_per_kwh=0.04:0.12:9`` varies one field over 9 evenly spaced values, both
ends included; several axes form their cartesian product, the first axis varying slowest. Every
value goes through :meth:`ScenarioDocument.set_path`, so a sweep accepts exactly what the
inspector accepts, and a refused value names its path. Integer fields (token counts, accelerator
counts) take the nearest whole number. This is the code path of ``factory-app sweep``.

When every varied field is a number only the money uses (prices, rates, lives: ``FieldSpec.fixed``
empty), the points share one structure and are evaluated at once as samples of the money
(:func:`factory_app.factory.money.run_money`, the formulas of ``evaluate_factory``); otherwise each
point is evaluated in turn.
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass
from typing import Callable, Iterator

import numpy as np

from factory_app.serving.catalog import Catalog, default_catalog
from factory_app.factory.evaluation import evaluate_factory
from factory_app.factory.money import run_money
from factory_app.factory.numbers import Numbers
from factory_app.factory.results import OPTIONAL_TOTALS, TOTAL_KEYS
from factory_app.factory.structure import build_structure
from factory_app.scenario.document import ScenarioDocument, parse_path
from factory_app.scenario.fields import ASSIGNMENT_FIELDS, FLEET_FIELDS, SITE_FIELDS, WORKLOAD_FIELDS, FieldSpec, ValidationError
from factory_app.scenario.model import Scenario

#: Most points one sweep evaluates (a mistyped step count should not run for a day).
#: Largest sweep accepted. Every point's scenario is built and validated before the first is
#: evaluated (a bad value stops the sweep with no partial CSV), so the points are held in memory.
MAX_POINTS = 100_000

_VARY = re.compile(r"^\s*([^=\s]+)\s*=\s*([^:]+):([^:]+):([^:]+)\s*$")
_TABLES = {"site": SITE_FIELDS, "fleets": FLEET_FIELDS, "workloads": WORKLOAD_FIELDS, "assignments": ASSIGNMENT_FIELDS}


@dataclass(frozen=True, slots=True)
class SweepAxis:
    """One varied parameter: ``steps`` values from ``start`` to ``stop`` (both included)."""

    path: str
    start: float
    stop: float
    steps: int
    integer: bool = False

    def values(self) -> list[float | int]:
        raw = np.linspace(self.start, self.stop, self.steps) if self.steps > 1 else np.array([self.start])
        if self.integer:
            return [int(round(float(v))) for v in raw]
        return [float(v) for v in raw]


def numeric_field(path: str) -> FieldSpec:
    """The field a parameter path names, refused unless it is numeric."""
    kind, _, name = parse_path(path)
    table = _TABLES.get(kind)
    if table is None or name not in table:
        known = ", ".join(table) if table else "none"
        raise ValidationError(path, f"is not a numeric parameter (numeric fields here: {known})")
    return table[name]


def _number(text: str, what: str, path: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValidationError(path, f"{what} must be a number, got {text.strip()!r}") from None
    if not math.isfinite(value):
        raise ValidationError(path, f"{what} must be a finite number, got {text.strip()!r}")
    return value


def parse_vary(text: str) -> SweepAxis:
    """``PATH=START:STOP:STEPS`` -> :class:`SweepAxis`. Raises :class:`ValidationError` naming the
    path (or the text, when there is no path)."""
    m = _VARY.match(text)
    if not m:
        raise ValidationError(text.strip() or "--vary", "must be PATH=START:STOP:STEPS, e.g. site.electricity_usd_per_kwh=0.04:0.12:9")
    path = m.group(1)
    spec = numeric_field(path)
    start, stop = _number(m.group(2), "START", path), _number(m.group(3), "STOP", path)
    steps_text = m.group(4).strip()
    if not steps_text.isdigit() or not 1 <= int(steps_text) <= MAX_POINTS:
        raise ValidationError(path, f"STEPS must be a whole number from 1 to {MAX_POINTS:,}, got {steps_text!r}")
    axis = SweepAxis(path, start, stop, int(steps_text), spec.integer)
    for value in (start, stop):  # refuse an out-of-range end before evaluating anything
        spec.check(value if not spec.integer else round(value), path)
    return axis


def sweep_points(axes: list[SweepAxis]) -> Iterator[tuple[float | int, ...]]:
    """The cartesian product of the axes' values, the first axis varying slowest."""
    return itertools.product(*(a.values() for a in axes))


def point_count(axes: list[SweepAxis]) -> int:
    return math.prod(a.steps for a in axes) if axes else 0


def sweep_columns(axes: list[SweepAxis]) -> tuple[str, ...]:
    """Columns of a sweep table: the varied paths, then every total key."""
    return tuple(a.path for a in axes) + tuple(TOTAL_KEYS)


def run_sweep(
    scenario: Scenario,
    axes: list[SweepAxis],
    catalog: Catalog | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[list[float | int]]:
    """One row per point: the varied values then the totals (in :data:`TOTAL_KEYS` order).

    Every point's scenario is built and validated before anything is evaluated, so a value the
    field refuses stops the sweep with a :class:`ValidationError` and no partial result.
    ``progress(done, total)`` is called after each evaluation.
    """
    cat = catalog or default_catalog()
    if len({a.path for a in axes}) != len(axes):
        raise ValidationError(next(a.path for i, a in enumerate(axes) if a.path in {b.path for b in axes[:i]}), "is varied twice")
    total = point_count(axes)
    if total > MAX_POINTS:
        raise ValidationError(axes[0].path, f"the sweep has {total:,} points; at most {MAX_POINTS:,}")
    doc = ScenarioDocument(scenario, cat)
    points: list[tuple[tuple[float | int, ...], Scenario]] = []
    for values in sweep_points(axes):
        for axis, value in zip(axes, values):
            try:
                doc.set_path(axis.path, value)
            except KeyError as exc:  # an id that is not in the scenario
                raise ValidationError(axis.path, str(exc.args[0]) if exc.args else "not found") from None
            except ValidationError as exc:  # name the varied path even when a cross-field rule refuses
                raise ValidationError(axis.path, f"{value:g} is refused: {exc}") from None
        points.append((values, doc.scenario))
    if not scenario.optimise and all(not numeric_field(a.path).fixed for a in axes):
        return _money_sweep(scenario, axes, points, cat, progress)
    rows: list[list[float | int]] = []
    for i, (values, s) in enumerate(points):
        totals = evaluate_factory(s, cat).totals
        rows.append([*values, *(totals[k] for k in TOTAL_KEYS)])
        if progress:
            progress(i + 1, total)
    return rows


#: Points of a money-only sweep evaluated at once.
SWEEP_CHUNK = 2000


def _money_sweep(scenario: Scenario, axes: list[SweepAxis], points: list, catalog: Catalog,
                 progress: Callable[[int, int], None] | None) -> list[list[float | int]]:
    """The rows of a sweep whose axes are all numbers of the money: one structure, the points as
    samples (each point's scenario was validated by the caller)."""
    structure = build_structure(scenario, catalog)
    places = [_place(scenario, a.path) for a in axes]
    rows: list[list[float | int]] = []
    for start in range(0, len(points), SWEEP_CHUNK):
        chunk = points[start:start + SWEEP_CHUNK]
        numbers = Numbers.of(structure, len(chunk))
        for j, (kind, index, name) in enumerate(places):
            numbers = numbers.with_values(kind, index, name, np.array([values[j] for values, _ in chunk], dtype=float))
        totals = run_money(structure, numbers).totals
        columns = [[None if (k in OPTIONAL_TOTALS and math.isnan(v)) else v for v in totals[k].tolist()] for k in TOTAL_KEYS]
        rows += [[*values, *(c[i] for c in columns)] for i, (values, _) in enumerate(chunk)]
        if progress:
            progress(start + len(chunk), len(points))
    return rows


def _place(scenario: Scenario, path: str) -> tuple[str, int, str]:
    """(kind, item index, field) of a money number's path, as :meth:`Numbers.with_values` takes it."""
    kind, key, name = parse_path(path)
    if kind == "site":
        return "site", 0, name
    items = scenario.fleets if kind == "fleets" else scenario.workloads
    index = key if isinstance(key, int) else [x.id for x in items].index(key)
    return kind[:-1], index, name


__all__ = ["MAX_POINTS", "SweepAxis", "numeric_field", "parse_vary", "point_count", "run_sweep", "sweep_columns", "sweep_points"]
