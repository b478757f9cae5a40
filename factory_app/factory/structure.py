"""What a scenario's money cannot move: fleet sizes, operating points, the generations of each fleet.

Evaluating a factory has two parts. Its *structure* comes from the power envelope and the engine:
how many accelerators each fleet has (:mod:`factory_power`), the operating point of every fleet x
workload (:mod:`factory_points`, one engine call each, remembered) and, over the horizon, each
fleet's generations (delivery, refresh to a successor, retirement). Its *money* is arithmetic on
that structure (:mod:`factory_app.factory.money`): prices, costs, rates and demand. The
uncertainty analysis builds the structure once and runs the money over thousands of samples;
an evaluation is the one-sample case. Fields that change the structure (power, shares, counts,
tokens per request, latency limits, the horizon, delivery years) carry no uncertainty range
(``FieldSpec.fixed`` says why); the fleets' lives do, because they only move when a generation
ends: the generations are built once per combination of lives in whole years (:meth:`Structure.generations`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np

from factory_app.factory import economics as eco
from factory_app.factory.operating_points import Capacity, capacity
from factory_app.factory.power import FleetSize, size_fleets
from factory_app.scenario.demand_shapes import HOURS
from factory_app.factory.demand import shape_of
from factory_app.serving.catalog import Catalog, Platform
from factory_app.scenario.model import Fleet, Scenario, Site

_SHARE_EPS = 1e-9  # so that a share of 0.3 of 10 accelerators is 3, not 2


def software_trend(platform: Platform, catalog: Catalog) -> float:
    """Yearly gain in tokens/s from software on the same hardware by the engine's fitted trend for
    the platform's family (a yearly log-rate, ``software_trend_per_year`` on the family's
    efficiency factors; 0 for a family without one). The one place the engine's trend plugs in."""
    trend = getattr(catalog.efficiency_for(platform), "software_trend_per_year", 0.0) or 0.0
    return math.expm1(float(trend))


def software_speedup(site: Site, platform: Platform, catalog: Catalog) -> float:
    """The site's yearly software speed-up when it states one, else the engine's trend."""
    if site.software_speedup_per_year is not None:
        return float(site.software_speedup_per_year)
    return software_trend(platform, catalog)


def busy_watts(c: Capacity, platform: Platform) -> float:
    """W one accelerator of a point draws while busy: the engine's power at the operating point
    when it gives one (``Prediction.power_w_per_gpu``, host share included), else the
    catalogue's all-in W. The one place the engine's power plugs in."""
    return c.power_w_per_gpu or platform.all_in_w.value


@dataclass(frozen=True, slots=True)
class PointArrays:
    """Operating points as arrays (one entry per point): the fleets as placed (year 1), or every
    generation's over the life cycle."""

    capacity: np.ndarray  # output tokens/s at year-1 software (0 when infeasible)
    workload: np.ndarray  # index into scenario.workloads
    fleet: np.ndarray  # index into scenario.fleets
    generation: np.ndarray  # index into the generations (0 for the fleets as placed)
    accelerators: np.ndarray
    busy_w: np.ndarray  # per accelerator, at the operating point
    input_per_output: np.ndarray  # isl / osl
    multiplier: np.ndarray  # the price curve's multiplier at the point's speed (0 when infeasible)
    family: np.ndarray  # index into Structure.families (the platform family, for throughput ranges)

    @staticmethod
    def of(points: list[tuple[Capacity, int, int, int, float, int]]) -> "PointArrays":
        """From (capacity, workload index, fleet index, generation index, busy W, family index)."""
        if not points:
            empty, none = np.zeros(0), np.zeros(0, dtype=int)
            return PointArrays(empty, none, none, none, empty, empty, empty, empty, none)
        caps = [p[0] for p in points]
        ints = lambda i: np.array([p[i] for p in points], dtype=int)  # noqa: E731 - a column
        return PointArrays(
            capacity=np.array([c.output_tokens_per_s if c.feasible else 0.0 for c in caps], dtype=float),
            workload=ints(1), fleet=ints(2), generation=ints(3),
            accelerators=np.array([c.gpus for c in caps], dtype=float),
            busy_w=np.array([p[4] for p in points], dtype=float),
            input_per_output=np.array([c.input_per_output for c in caps], dtype=float),
            multiplier=np.array([c.multiplier if c.feasible else 0.0 for c in caps], dtype=float),
            family=ints(5),
        )


@dataclass(frozen=True, slots=True)
class Generation:
    """A fleet's accelerators of one platform, from delivery to the end of their life."""

    fleet: int  # index into scenario.fleets
    fleet_id: str
    platform: Platform
    accelerators: int
    delivery_year: int
    end_year: int  # delivery + life in whole years: sold (or replaced) then
    price_usd: float | None  # per accelerator: a successor's catalogue price; None = the fleet's own (a number of the money)
    unassigned: int  # accelerators no assignment uses (they idle)
    trend: float  # the engine's yearly software speed-up for the platform (used when the site states none)


@dataclass(frozen=True, slots=True)
class Generations:
    """The generations of every fleet for one combination of lives, their operating points, the
    events in words and warnings."""

    gens: tuple[Generation, ...]
    points: PointArrays
    events: tuple[str, ...]
    warnings: tuple[str, ...]
    capacities: tuple[Capacity, ...] = ()  # the engine's operating point of each entry of ``points``


@dataclass(frozen=True, slots=True)
class Structure:
    """A scenario's structure: built once, read by every sample of its money."""

    scenario: Scenario
    catalog: Catalog
    sizes: tuple[FleetSize, ...]
    capacities: dict[tuple[str, str], Capacity]  # (fleet id, workload id) -> year-1 operating point, in assignment order
    points: PointArrays  # the same operating points as arrays
    families: tuple[str, ...]  # platform families of the fleets and their successors
    platforms: tuple[Platform | None, ...]  # per fleet
    shapes: np.ndarray  # workloads x 24, each averaging 1
    fleet_accelerators: np.ndarray  # per fleet
    fleet_all_in_w: np.ndarray  # per fleet, W per accelerator (0 for an unknown platform)
    fleet_catalogue_price: np.ndarray  # per fleet, USD per accelerator (0 for an unknown platform)
    fleet_idle: np.ndarray  # per fleet: accelerators no assignment uses
    fleet_facility_mw: np.ndarray  # per fleet: facility power its accelerators draw at full load
    fleet_index: dict[str, int]  # fleet id -> index
    size_warnings: tuple[str, ...]  # what sizing the fleets cut
    _generations: dict = field(default_factory=dict)

    @property
    def keys(self) -> tuple[tuple[str, str], ...]:
        return tuple(self.capacities)

    def lives(self, life_years) -> tuple[int, ...]:
        """Each fleet's life in whole years (the cash-flow timeline) from lives in years."""
        return tuple(eco.whole_life_years(float(v)) for v in life_years)

    def generations(self, lives: tuple[int, ...] | None = None) -> Generations:
        """The generations for fleets whose lives are ``lives`` whole years (default: the
        scenario's), built once per combination."""
        lives = lives if lives is not None else self.lives(f.life_years for f in self.scenario.fleets)
        if lives not in self._generations:
            self._generations[lives] = _generations(self, lives)
        return self._generations[lives]


def build_structure(scenario: Scenario, catalog: Catalog) -> Structure:
    """Size the fleets, ask the engine for every operating point and index them as arrays."""
    sizes, size_warnings = size_fleets(scenario, catalog)
    platforms = tuple(catalog.platforms.get(f.platform) for f in scenario.fleets)
    families = _families(scenario, catalog, platforms)
    caps = _capacities(scenario, catalog, sizes)
    fleet_index = {f.id: i for i, f in enumerate(scenario.fleets)}
    workload_index = {w.id: i for i, w in enumerate(scenario.workloads)}
    rows = []
    for (fid, wid), c in caps.items():
        p = platforms[fleet_index[fid]]
        rows.append((c, workload_index[wid], fleet_index[fid], 0, busy_watts(c, p) if p else 0.0,
                     families.index(p.family) if p else 0))
    points = PointArrays.of(rows)
    n = np.array([s.accelerators for s in sizes], dtype=float)
    used = np.zeros(len(sizes))
    np.add.at(used, points.fleet, points.accelerators)
    all_in = np.array([s.all_in_w for s in sizes], dtype=float)
    return Structure(
        scenario=scenario, catalog=catalog, sizes=sizes, capacities=caps, points=points, families=families, platforms=platforms,
        shapes=np.array([shape_of(w) for w in scenario.workloads], dtype=float).reshape(len(scenario.workloads), HOURS),
        fleet_accelerators=n, fleet_all_in_w=all_in,
        fleet_catalogue_price=np.array([float(p.price_usd.value) if p else 0.0 for p in platforms], dtype=float),
        fleet_idle=np.maximum(n - used, 0.0),
        fleet_facility_mw=np.array([scenario.site.facility_power_for(s.accelerator_power_w / 1e6) for s in sizes], dtype=float),
        fleet_index=fleet_index, size_warnings=tuple(size_warnings),
    )


def _families(scenario: Scenario, catalog: Catalog, platforms: tuple[Platform | None, ...]) -> tuple[str, ...]:
    """Platform families of the fleets and of the platforms they are refreshed to, in order."""
    out: list[str] = []
    for f, p in zip(scenario.fleets, platforms):
        for q in (p, catalog.platforms.get(f.refresh_platform) if f.refresh_platform else None):
            if q is not None and q.family not in out:
                out.append(q.family)
    return tuple(out)


def _capacities(scenario: Scenario, catalog: Catalog, sizes: tuple[FleetSize, ...]) -> dict[tuple[str, str], Capacity]:
    """Engine operating point of every assignment, keyed by (fleet id, workload id)."""
    out: dict[tuple[str, str], Capacity] = {}
    by_id = {f.id: (f, s) for f, s in zip(scenario.fleets, sizes)}
    workloads = {w.id: w for w in scenario.workloads}
    for a in scenario.assignments:
        if a.fleet_id not in by_id or a.workload_id not in workloads:
            continue
        fleet, size = by_id[a.fleet_id]
        w = workloads[a.workload_id]
        platform = catalog.platforms.get(fleet.platform)
        gpus = int(math.floor(max(a.share, 0.0) * size.accelerators + _SHARE_EPS))
        if platform is None:
            out[(fleet.id, w.id)] = Capacity(fleet.id, w.id, 0, False, reason=f"unknown platform '{fleet.platform}'")
            continue
        out[(fleet.id, w.id)] = capacity(catalog, fleet, platform.domain_size, w, gpus, scenario.software_for(fleet))
    return out


def _generations(structure: Structure, lives: tuple[int, ...]) -> Generations:
    """Every fleet's generations within the horizon for these lives, the operating points of all
    of them (those of the fleets as placed are the structure's; successors' come from the
    engine), the events in words and warnings."""
    scenario = structure.scenario
    workload_index = {w.id: i for i, w in enumerate(scenario.workloads)}
    links_of: dict[str, list] = {}  # one pass: a factory of hundreds of fleets stays linear
    for a in scenario.assignments:
        if a.workload_id in workload_index:
            links_of.setdefault(a.fleet_id, []).append(a)
    gens: list[Generation] = []
    rows: list = []
    events: list[str] = []
    warnings: list[str] = []
    for i, fleet in enumerate(scenario.fleets):
        platform, n = structure.platforms[i], structure.sizes[i].accelerators
        if platform is None or n <= 0:
            continue
        _chain(structure, i, fleet, lives[i], links_of.get(fleet.id, []), workload_index, (gens, rows, events, warnings))
    return Generations(tuple(gens), PointArrays.of(rows), tuple(events), tuple(warnings), tuple(r[0] for r in rows))


def _chain(structure: Structure, index: int, fleet: Fleet, life: int, links: list, workload_index: dict[str, int], out: tuple) -> None:
    """One fleet's chain of generations: as placed, then its successor at the same power at the
    end of each life inside the horizon (or retired)."""
    gens, rows, events, warnings = out
    scenario, catalog = structure.scenario, structure.catalog
    who = f"fleet '{fleet.name or fleet.id}'"  # events and warnings are read by people: names, not ids
    horizon = scenario.site.horizon_years
    current, n = structure.platforms[index], structure.sizes[index].accelerators
    power_w = n * current.provisioned_w(fleet.power_cap_w)  # a successor gets the same power
    start, price, placed = fleet.delivery_year, None, True
    while True:
        used = 0
        for a in links:
            if placed:
                c = structure.capacities[(fleet.id, a.workload_id)]
            else:
                gpus = int(math.floor(max(a.share, 0.0) * n + _SHARE_EPS))
                # a successor is a new platform: the fleet's cap (set for the old chip) does not carry over
                c = capacity(catalog, replace(fleet, platform=current.id, price_usd=None, power_cap_w=None), current.domain_size,
                             scenario.workloads[workload_index[a.workload_id]], gpus, scenario.software_for(fleet))
                if not c.feasible and gpus > 0:
                    warnings.append(f"after the refresh of {who} to {current.name}, workload "
                                    f"'{scenario.workloads[workload_index[a.workload_id]].name or a.workload_id}' is not feasible: {c.reason}")
            used += c.gpus
            rows.append((c, workload_index[a.workload_id], index, len(gens), busy_watts(c, current), structure.families.index(current.family)))
        gens.append(Generation(index, fleet.id, current, n, start, start + life, price, max(n - used, 0), software_trend(current, catalog)))
        events.append(f"year {start}: {who} {'delivered' if placed else 'refreshed to'} {n:,} x {current.name}")
        placed = False
        end = start + life
        if end >= horizon:
            return
        successor = catalog.platforms.get(fleet.refresh_platform) if fleet.refresh_platform else None
        if successor is None:
            events.append(f"year {end}: {who} retired at the end of its {life}-year life")
            return
        current, start, price = successor, end, float(successor.price_usd.value)
        n = successor.accelerators_for_power(power_w)
        if successor.announced:
            warnings.append(f"{who} is refreshed to {successor.name}, which is announced, not shipping: its figures are estimates")


__all__ = [
    "Generation", "Generations", "PointArrays", "Structure", "build_structure", "busy_watts", "software_speedup", "software_trend",
]
