"""The numbers of a scenario that only its money uses, as arrays with a sample axis.

An evaluation has one sample: each number is an array of one value. The uncertainty analysis
has thousands: a sampled input is a column of values, every other number its scenario value
repeated. The money (:mod:`factory_app.factory.money`) reads them the same way in both cases.
Which fields are numbers of the money is the field table's ``FieldSpec.fixed`` (empty); the
throughput of each platform family is one more number, a multiplier of its operating points'
capacity (1 in the scenario as stated).

Axes: a site number is ``(S,)``; fleet numbers ``(fleets, S)``; workload numbers ``(workloads,
S)``; throughput ``(families, S)``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from factory_app.factory.structure import Structure
from factory_app.scenario.fields import FLEET_FIELDS, SITE_FIELDS, WORKLOAD_FIELDS
from factory_app.scenario.model import Site

#: The fields of each kind that are numbers of the money (the others shape the structure).
SITE_NUMBERS = tuple(name for name, spec in SITE_FIELDS.items() if not spec.fixed)
FLEET_NUMBERS = tuple(name for name, spec in FLEET_FIELDS.items() if not spec.fixed)
WORKLOAD_NUMBERS = tuple(name for name, spec in WORKLOAD_FIELDS.items() if not spec.fixed)


@dataclass(frozen=True, slots=True)
class Numbers:
    """The money's numbers for ``samples`` samples. ``site`` is the scenario's site with each of
    :data:`SITE_NUMBERS` an ``(S,)`` array (the software speed-up stays ``None`` when the site
    states none and it is not sampled: the engine's trend); ``fleets`` and ``workloads`` map a
    field to a ``(items, S)`` array (a fleet's price resolved to the catalogue's when it states
    none; a workload's mean demand NaN when it states none)."""

    samples: int
    site: Site
    fleets: dict[str, np.ndarray]
    workloads: dict[str, np.ndarray]
    throughput: np.ndarray

    @staticmethod
    def of(structure: Structure, samples: int = 1) -> "Numbers":
        """The scenario's own numbers, repeated for ``samples`` samples."""
        s = structure.scenario
        ones = np.ones(samples)
        site = replace(s.site, **{name: float(getattr(s.site, name)) * ones for name in SITE_NUMBERS
                                  if getattr(s.site, name) is not None})
        fleets = {name: _column([_fleet_value(structure, i, name) for i in range(len(s.fleets))], samples) for name in FLEET_NUMBERS}
        workloads = {name: _column([np.nan if getattr(w, name) is None else float(getattr(w, name)) for w in s.workloads], samples)
                     for name in WORKLOAD_NUMBERS}
        return Numbers(samples, site, fleets, workloads, np.ones((len(structure.families), samples)))

    def take(self, rows: np.ndarray) -> "Numbers":
        """The samples ``rows`` only."""
        site = replace(self.site, **{name: getattr(self.site, name)[rows] for name in SITE_NUMBERS
                                     if isinstance(getattr(self.site, name), np.ndarray)})
        return Numbers(len(rows), site, {k: v[:, rows] for k, v in self.fleets.items()},
                       {k: v[:, rows] for k, v in self.workloads.items()}, self.throughput[:, rows])

    def with_values(self, kind: str, index: int, name: str, values: np.ndarray) -> "Numbers":
        """These numbers with one input's values replaced: ``kind`` site (``index`` ignored),
        fleet, workload (``index`` of the item) or throughput (``index`` of the family)."""
        values = np.asarray(values, dtype=float)
        if kind == "site":
            return replace(self, site=replace(self.site, **{name: values}))
        if kind == "throughput":
            throughput = self.throughput.copy()
            throughput[index] = values
            return replace(self, throughput=throughput)
        table = dict(self.fleets if kind == "fleet" else self.workloads)
        column = table[name].copy()
        column[index] = values
        table[name] = column
        return replace(self, **{"fleets" if kind == "fleet" else "workloads": table})


def _fleet_value(structure: Structure, i: int, name: str) -> float:
    value = getattr(structure.scenario.fleets[i], name)
    if name == "price_usd" and value is None:
        return float(structure.fleet_catalogue_price[i])
    return float(value)


def _column(values: list[float], samples: int) -> np.ndarray:
    return np.repeat(np.asarray(values, dtype=float).reshape(len(values), 1), samples, axis=1)


__all__ = ["FLEET_NUMBERS", "Numbers", "SITE_NUMBERS", "WORKLOAD_NUMBERS"]
