"""The uncertain inputs of a scenario, resolved to distributions over the numbers of its money.

Each input that carries a range (the scenario's own, and the sourced defaults when they are on:
:func:`factory_app.scenario.uncertainty.ranged_inputs`) becomes an :class:`UncertainInput`: what
it is called, its unit, its value in the scenario (the base of the tornado), the distribution
sampled and where the range comes from. :func:`apply` puts sampled values into
:class:`~factory_app.factory.numbers.Numbers`, the only way the analysis changes an input.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from factory_app.factory.numbers import Numbers
from factory_app.factory.structure import Structure, build_structure
from factory_app.factory.uncertainty.sampling import Distribution
from factory_app.factory.uncertainty.throughput import throughput_range
from factory_app.scenario.uncertainty import THROUGHPUT, UncertainRange, input_label, parse_input, ranged_inputs, spread_range

_KINDS = {"site": "site", "fleets": "fleet", "workloads": "workload", THROUGHPUT: THROUGHPUT}


@dataclass(frozen=True, slots=True)
class UncertainInput:
    """One input of the analysis. ``kind`` and ``index`` say where its numbers are (site,
    fleet, workload or throughput, and the item or family index); ``base`` is its value in the
    scenario; ``own`` whether the scenario states the range (else it is a sourced default)."""

    path: str
    label: str
    unit: str
    kind: str
    index: int
    field: str
    base: float
    distribution: Distribution
    source: str
    own: bool


def uncertain_inputs(structure: Structure) -> list[UncertainInput]:
    """Every input that carries a range, in the order the scenario lists them (its own ranges,
    then the defaults)."""
    scenario = structure.scenario
    own = {r.input: r for r in scenario.uncertainty.ranges}
    base = Numbers.of(structure)
    out = []
    for path in ranged_inputs(scenario, structure.catalog):
        t = parse_input(path)
        located = _locate(structure, base, t)
        if located is None:
            continue  # a family no fleet of this scenario uses: nothing to move
        kind, index, value, unit = located
        low, mode, high, source = _resolved(structure, path, t, own.get(path), value)
        out.append(UncertainInput(path, input_label(scenario, path), unit, kind, index, t.field,
                                  value if not np.isnan(value) else mode, Distribution(_distribution(own.get(path), t), low, mode, high),
                                  source, path in own))
    return out


def describe_input(scenario, catalog, path: str) -> tuple[UncertainInput | None, float]:
    """One input as the analysis would vary it (``None`` when it carries no range) and its value
    in the scenario (NaN for an empty field): what the inspector's range editor starts from."""
    structure = build_structure(scenario, catalog)
    found = next((inp for inp in uncertain_inputs(structure) if inp.path == path), None)
    located = _locate(structure, Numbers.of(structure), parse_input(path))
    return found, (located[2] if located else 1.0)


def _locate(structure: Structure, base: Numbers, t) -> tuple[str, int, float, str] | None:
    """(kind, index, value, unit) of an input's numbers, or None for a family no fleet uses."""
    kind = _KINDS[t.kind]
    if kind == THROUGHPUT:
        if t.item_id not in structure.families:
            return None
        return kind, structure.families.index(t.item_id), 1.0, "x the engine's tokens/s"
    scenario = structure.scenario
    index = 0 if kind == "site" else [x.id for x in (scenario.fleets if kind == "fleet" else scenario.workloads)].index(t.item_id)
    return kind, index, _base(base, kind, index, t.field), t.spec.unit


def _base(numbers: Numbers, kind: str, index: int, field: str) -> float:
    if kind == "site":
        value = getattr(numbers.site, field)
        return float(value[0]) if value is not None else float("nan")
    table = numbers.fleets if kind == "fleet" else numbers.workloads
    return float(table[field][index, 0])


def _distribution(r: UncertainRange | None, t) -> str:
    if r is not None:
        return r.distribution
    return "lognormal" if t.kind == THROUGHPUT else t.spec.spread.distribution


def _resolved(structure: Structure, path: str, t, r: UncertainRange | None, value: float) -> tuple[float, float, float, str]:
    """(low, mode, high, source) of an input: its own range (a mode of null following the
    value, the range widened to include it), else its sourced default."""
    if r is not None:
        mode = r.mode if r.mode is not None else value
        return min(r.low, mode), mode, max(r.high, mode), "the scenario's range"
    if t.kind == THROUGHPUT:
        return throughput_range(structure, t.item_id)
    low, mode, high = spread_range(t.spec, value)
    return low, mode, high, t.spec.spread.source


def apply(numbers: Numbers, inputs: list[UncertainInput], values: np.ndarray) -> Numbers:
    """``numbers`` with each input's column of ``values`` (samples x inputs) put in its place."""
    for j, inp in enumerate(inputs):
        numbers = numbers.with_values(inp.kind, inp.index, inp.field, values[:, j])
    return numbers


__all__ = ["UncertainInput", "apply", "describe_input", "uncertain_inputs"]
