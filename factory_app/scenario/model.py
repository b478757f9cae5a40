"""The scenario: a site with a power budget, fleets of accelerators in it, workloads they serve.

Scenarios are immutable values: an edit makes a new one (``dataclasses.replace``), so undo keeps
old values, a worker thread can evaluate a snapshot while the user edits, and load/save round
trips compare with ``==``. :class:`~factory_app.scenario.document.ScenarioDocument` holds the
current value and announces edits.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from factory_app.serving.catalog import Catalog
from factory_app.serving.precision import PRECISIONS
from factory_app.scenario.demand_shapes import CUSTOM, DEFAULT_SHAPE, HOURS, MEAN_TOLERANCE, SHAPE_CHOICES
from factory_app.scenario.fields import (
    ASSIGNMENT_FIELDS,
    DEMAND_HOURLY_VALUE,
    FLEET_FIELDS,
    PRICE_CURVE_MULTIPLIER,
    PRICE_CURVE_SPEED,
    SITE_FIELDS,
    WORKLOAD_FIELDS,
    ValidationError,
)
from factory_app.scenario.uncertainty import Uncertainty, validate_uncertainty

SIZING_MODES = ("power", "count")


def _default(table: dict, name: str):
    """A field's default from the one table of fields (scenario/fields.py), which cites its source."""
    spec = table[name]
    return int(spec.default) if spec.integer else spec.default

#: The id grammar (docs/file-format.md), matched whole with ``fullmatch``: ``$`` would also accept
#: a trailing line break ("h200\n"), which breaks CSV cells and parameter paths.
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
MAX_NAME = 200


@dataclass(frozen=True, slots=True)
class Site:
    """The power budget and the economics of the building. Units are in the field names."""

    name: str = "Site"
    facility_power_mw: float = _default(SITE_FIELDS, "facility_power_mw")
    pue: float = _default(SITE_FIELDS, "pue")
    non_accelerator_share: float = _default(SITE_FIELDS, "non_accelerator_share")
    electricity_usd_per_kwh: float = _default(SITE_FIELDS, "electricity_usd_per_kwh")
    facility_capex_usd_per_mw: float = _default(SITE_FIELDS, "facility_capex_usd_per_mw")
    facility_life_years: float = _default(SITE_FIELDS, "facility_life_years")
    other_opex_usd_per_mw_year: float = _default(SITE_FIELDS, "other_opex_usd_per_mw_year")
    networking_share: float = _default(SITE_FIELDS, "networking_share")
    idle_power_share: float = _default(SITE_FIELDS, "idle_power_share")
    wacc: float = _default(SITE_FIELDS, "wacc")
    horizon_years: int = _default(SITE_FIELDS, "horizon_years")
    first_year_ramp: float = _default(SITE_FIELDS, "first_year_ramp")
    software_speedup_per_year: float | None = None  # None = each family's fitted trend (docs/calibration.md)
    software_as_of: str = ""  # month of serving software (YYYY-MM) the engine answers for; "" = the latest calibrated
    position: tuple[float, float] = (0.0, 0.0)

    # The power chain, stated once: facility power (at the meter) = IT power x PUE, and the
    # accelerator systems draw ``1 - non_accelerator_share`` of IT power (storage, front-end
    # network and management draw the rest, in proportion).
    @property
    def it_power_mw(self) -> float:
        """IT power the budget allows: facility power / PUE (MW)."""
        return self.facility_power_mw / self.pue

    @property
    def accelerator_power_mw(self) -> float:
        """Power the budget leaves for accelerator systems (MW)."""
        return self.it_power_mw * (1.0 - self.non_accelerator_share)

    def it_power_for(self, accelerator_power: float) -> float:
        """IT power drawn when accelerator systems draw ``accelerator_power`` (same unit out as in)."""
        return accelerator_power / (1.0 - self.non_accelerator_share)

    def facility_power_for(self, accelerator_power: float) -> float:
        """Facility power drawn at the meter when accelerator systems draw ``accelerator_power``
        (same unit out as in: W in, W out; MW in, MW out)."""
        return self.it_power_for(accelerator_power) * self.pue


@dataclass(frozen=True, slots=True)
class Fleet:
    """Accelerators of one platform, sized by a share of the site's accelerator power or by count."""

    id: str
    platform: str
    name: str = ""
    sizing: str = "power"  # "power" or "count"
    power_share: float | None = _default(FLEET_FIELDS, "power_share")
    accelerators: int | None = None
    life_years: float = _default(FLEET_FIELDS, "life_years")
    price_usd: float | None = None  # None = the catalogue's price
    residual_value_share: float = _default(FLEET_FIELDS, "residual_value_share")
    delivery_year: int = _default(FLEET_FIELDS, "delivery_year")
    refresh_platform: str = ""  # successor platform at the end of life; "" = retire
    power_cap_w: float | None = None  # W per accelerator (the chip); None = its TDP
    software_as_of: str = ""  # this fleet's serving software (YYYY-MM); "" = the site's
    position: tuple[float, float] = (0.0, 0.0)


@dataclass(frozen=True, slots=True)
class PricePoint:
    """At ``tokens_per_s_per_user`` the output price is multiplied by ``multiplier``."""

    tokens_per_s_per_user: float
    multiplier: float


@dataclass(frozen=True, slots=True)
class Workload:
    """A model served under a traffic shape, a service level and prices."""

    id: str
    model: str
    name: str = ""
    precision: str = "fp8"
    isl: int = _default(WORKLOAD_FIELDS, "isl")
    osl: int = _default(WORKLOAD_FIELDS, "osl")
    max_ttft_ms: float | None = None
    min_tokens_per_s_per_user: float | None = None
    price_in_usd_per_mtok: float = _default(WORKLOAD_FIELDS, "price_in_usd_per_mtok")
    price_out_usd_per_mtok: float = _default(WORKLOAD_FIELDS, "price_out_usd_per_mtok")
    price_curve: tuple[PricePoint, ...] = ()
    demand_tokens_per_s: float | None = None  # mean over the day; None = default_utilisation of capacity
    default_utilisation: float = _default(WORKLOAD_FIELDS, "default_utilisation")
    price_decline_per_year: float = _default(WORKLOAD_FIELDS, "price_decline_per_year")
    demand_growth_per_year: float = _default(WORKLOAD_FIELDS, "demand_growth_per_year")
    demand_shape: str = DEFAULT_SHAPE  # a template of scenario.demand_shapes, or "custom"
    demand_hourly: tuple[float, ...] = ()  # the 24 multipliers of a custom shape
    position: tuple[float, float] = (0.0, 0.0)

    def price_multiplier(self, tokens_per_s_per_user: float) -> float:
        """Piecewise-linear interpolation of the price curve (flat beyond its ends; 1 without one)."""
        pts = self.price_curve
        if not pts:
            return 1.0
        if tokens_per_s_per_user <= pts[0].tokens_per_s_per_user:
            return pts[0].multiplier
        for a, b in zip(pts, pts[1:]):
            if tokens_per_s_per_user <= b.tokens_per_s_per_user:
                t = (tokens_per_s_per_user - a.tokens_per_s_per_user) / (b.tokens_per_s_per_user - a.tokens_per_s_per_user)
                return a.multiplier + t * (b.multiplier - a.multiplier)
        return pts[-1].multiplier


@dataclass(frozen=True, slots=True)
class Assignment:
    """``share`` of a fleet's accelerators serve a workload."""

    fleet_id: str
    workload_id: str
    share: float = _default(ASSIGNMENT_FIELDS, "share")


@dataclass(frozen=True, slots=True)
class Scenario:
    """One AI factory: the document the canvas edits and the file stores."""

    name: str = "Untitled factory"
    description: str = ""
    site: Site = field(default_factory=Site)
    fleets: tuple[Fleet, ...] = ()
    workloads: tuple[Workload, ...] = ()
    assignments: tuple[Assignment, ...] = ()
    optimise: bool = False  # split power among fleets and fleets among workloads for margin
    uncertainty: Uncertainty = Uncertainty()  # ranges on inputs for the tornado and Monte Carlo analysis

    # -- lookups ------------------------------------------------------------------------------
    def fleet(self, fleet_id: str) -> Fleet:
        for f in self.fleets:
            if f.id == fleet_id:
                return f
        raise KeyError(fleet_id)

    def workload(self, workload_id: str) -> Workload:
        for w in self.workloads:
            if w.id == workload_id:
                return w
        raise KeyError(workload_id)

    def assignments_of_fleet(self, fleet_id: str) -> tuple[Assignment, ...]:
        return tuple(a for a in self.assignments if a.fleet_id == fleet_id)

    def assignments_of_workload(self, workload_id: str) -> tuple[Assignment, ...]:
        return tuple(a for a in self.assignments if a.workload_id == workload_id)

    def item_ids(self) -> set[str]:
        return {f.id for f in self.fleets} | {w.id for w in self.workloads}

    def assignment(self, fleet_id: str, workload_id: str) -> Assignment:
        for a in self.assignments:
            if a.fleet_id == fleet_id and a.workload_id == workload_id:
                return a
        raise KeyError(f"{fleet_id}/{workload_id}")

    def item(self, kind: str, item_id: str | None = None) -> Site | Fleet | Workload | Assignment:
        """The site, a fleet, a workload or an assignment (``item_id`` ``"fleet/workload"``) by
        kind and id: the one look-up behind the inspector, the edits and the undo commands.
        Raises ``KeyError`` for an unknown kind or id."""
        try:
            if kind == "site":
                return self.site
            if kind == "fleet":
                return self.fleet(item_id or "")
            if kind == "workload":
                return self.workload(item_id or "")
            if kind == "assignment":
                fleet_id, _, workload_id = (item_id or "").partition("/")
                return self.assignment(fleet_id, workload_id)
        except KeyError:
            if kind == "assignment":
                raise KeyError(f"fleet '{fleet_id}' is not assigned to workload '{workload_id}'") from None
            raise KeyError(f"no {kind} with id '{item_id}'") from None
        raise KeyError(f"unknown item kind {kind!r}")

    def software_for(self, fleet: Fleet) -> str | None:
        """The month of serving software a fleet's operating points are for: its own, else the
        site's, else None (the latest the engine is calibrated for)."""
        return fleet.software_as_of or self.site.software_as_of or None

    # -- shares -------------------------------------------------------------------------------
    def power_share_used(self) -> float:
        """Sum of the power shares of the fleets sized by power (at most 1 in a valid scenario)."""
        return sum(f.power_share or 0.0 for f in self.fleets if f.sizing == "power")

    def power_share_left(self) -> float:
        """Share of the site's accelerator power no power-sized fleet claims, rounded DOWN to four
        decimals: what a new or copied fleet is offered (rounding down keeps the total <= 1)."""
        return _floor4(1.0 - self.power_share_used())

    def free_share(self, fleet_id: str) -> float:
        """Share of a fleet's accelerators no assignment claims yet (rounded down to four
        decimals): what a new link from that fleet is offered."""
        return _floor4(1.0 - sum(a.share for a in self.assignments_of_fleet(fleet_id)))


def _floor4(x: float) -> float:
    # the 1e-9 keeps 1 - 0.7 = 0.30000000000000004 -> 0.3 rather than 0.2999
    return max(0.0, math.floor(x * 1e4 + 1e-9) / 1e4)


# ---------------------------------------------------------------------------------------------
# validation


def _text(value: Any, path: str, *, allow_empty: bool = True) -> str:
    if not isinstance(value, str):
        raise ValidationError(path, f"must be text, got {type(value).__name__}")
    if len(value) > MAX_NAME * 50:
        raise ValidationError(path, f"must be at most {MAX_NAME * 50} characters")
    if not allow_empty and not value.strip():
        raise ValidationError(path, "must not be empty")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:  # a lone surrogate ("\ud800" in JSON) cannot be saved, printed or exported
        raise ValidationError(path, f"is not valid Unicode text: a lone surrogate \\u{ord(value[exc.start]):04x} at character {exc.start}") from None
    return value


def _position(value: Any, path: str) -> tuple[float, float]:
    if (
        not isinstance(value, (tuple, list))
        or len(value) != 2
        or any(isinstance(v, bool) or not isinstance(v, (int, float)) or abs(v) > 1e7 or v != v for v in value)
    ):
        raise ValidationError(path, "must be [x, y] with |x|, |y| <= 10,000,000")
    return (float(value[0]), float(value[1]))


_MONTH = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")


def validate_software_month(value: Any, path: str, catalog: Catalog | None) -> None:
    """A month of serving software written YYYY-MM, not before the earliest month the engine is
    calibrated for (its answers for later months use the latest calibrated month at or before
    them); "" means the default (the latest, or the site's)."""
    if not isinstance(value, str):
        raise ValidationError(path, "must be a month written YYYY-MM, or empty for the latest")
    if value == "":
        return
    if not _MONTH.fullmatch(value):
        raise ValidationError(path, f"must be a month written YYYY-MM (e.g. 2026-04), got {value[:20]!r}")
    dates = catalog.software.dates if catalog is not None else ()
    if dates and value < dates[0]:
        raise ValidationError(path, f"must be {dates[0]} or later (the earliest software the engine is calibrated for), got {value}")


def validate_site(site: Site, path: str = "$.site", catalog: Catalog | None = None) -> None:
    _text(site.name, f"{path}.name")
    for name, spec in SITE_FIELDS.items():
        spec.check(getattr(site, name), f"{path}.{name}")
    validate_software_month(site.software_as_of, f"{path}.software_as_of", catalog)
    _position(site.position, f"{path}.position")


def validate_fleet(f: Fleet, catalog: Catalog, path: str) -> None:
    if not isinstance(f.id, str) or not _ID.fullmatch(f.id):
        raise ValidationError(f"{path}.id", "must be 1-64 letters, digits, '.', '_' or '-'")
    if f.platform not in catalog.platforms:
        raise ValidationError(f"{path}.platform", f"unknown platform '{f.platform}'; known: {', '.join(sorted(catalog.platforms))}")
    _text(f.name, f"{path}.name")
    if f.sizing not in SIZING_MODES:
        raise ValidationError(f"{path}.sizing", f"must be one of {', '.join(SIZING_MODES)}, got {f.sizing!r}")
    cap = f.power_cap_w
    if isinstance(cap, (int, float)) and not isinstance(cap, bool) and math.isfinite(cap):
        # the platform's own range first: the field's generic one (100 to 5,000 W) would send a
        # user from one refusal to another
        tdp = catalog.platforms[f.platform].tdp_w.value
        if not 0.5 * tdp <= cap <= tdp:
            raise ValidationError(f"{path}.power_cap_w", f"must be between {0.5 * tdp:,.0f} and {tdp:,.0f} W for {f.platform} "
                                  f"(half its TDP to its TDP), got {cap:,.0f}; off = no cap")
    for name, spec in FLEET_FIELDS.items():
        spec.check(getattr(f, name), f"{path}.{name}")
    if f.sizing == "power" and f.power_share is None:
        raise ValidationError(f"{path}.power_share", "is required when sizing is 'power'")
    if f.sizing == "count" and f.accelerators is None:
        raise ValidationError(f"{path}.accelerators", "is required when sizing is 'count'")
    if not isinstance(f.refresh_platform, str):
        raise ValidationError(f"{path}.refresh_platform", "must be a platform id, or empty to retire the fleet at the end of its life")
    if f.refresh_platform and f.refresh_platform not in catalog.platforms:
        raise ValidationError(
            f"{path}.refresh_platform",
            f"unknown platform '{f.refresh_platform[:40]}' to refresh to; known: {', '.join(sorted(catalog.platforms))} (empty = retire)",
        )
    validate_software_month(f.software_as_of, f"{path}.software_as_of", catalog)
    _position(f.position, f"{path}.position")


def validate_demand_shape(shape: Any, hourly: Any, path: str) -> None:
    """A template name, or ``custom`` with 24 non-negative multipliers averaging 1 (within
    :data:`MEAN_TOLERANCE`); a template takes no hourly values."""
    if shape not in SHAPE_CHOICES:
        raise ValidationError(f"{path}.demand_shape", f"must be one of {', '.join(SHAPE_CHOICES)}, got {str(shape)[:40]!r}")
    if not isinstance(hourly, (tuple, list)):
        raise ValidationError(f"{path}.demand_hourly", "must be a list of 24 numbers")
    if shape != CUSTOM:
        if hourly:
            raise ValidationError(f"{path}.demand_hourly", f"must be empty unless demand_shape is '{CUSTOM}' (the template '{shape}' gives the hours)")
        return
    if len(hourly) != HOURS:
        raise ValidationError(f"{path}.demand_hourly", f"must hold {HOURS} values (00 to 23 h), got {len(hourly)}")
    for i, v in enumerate(hourly):
        DEMAND_HOURLY_VALUE.check(v, f"{path}.demand_hourly[{i}]")
    mean = sum(hourly) / HOURS
    if abs(mean - 1.0) > MEAN_TOLERANCE:
        raise ValidationError(f"{path}.demand_hourly", f"must average 1 (multipliers of the mean demand), got a mean of {mean:.4g}")


def validate_workload(w: Workload, catalog: Catalog, path: str) -> None:
    if not isinstance(w.id, str) or not _ID.fullmatch(w.id):
        raise ValidationError(f"{path}.id", "must be 1-64 letters, digits, '.', '_' or '-'")
    if w.model not in catalog.models:
        raise ValidationError(f"{path}.model", f"unknown model '{w.model}'; known: {', '.join(sorted(catalog.models))}")
    if w.precision not in PRECISIONS:
        raise ValidationError(f"{path}.precision", f"must be one of {', '.join(PRECISIONS)}, got {w.precision!r}")
    _text(w.name, f"{path}.name")
    for name, spec in WORKLOAD_FIELDS.items():
        spec.check(getattr(w, name), f"{path}.{name}")
    last = -1.0
    for i, pt in enumerate(w.price_curve):
        p = f"{path}.price_curve[{i}]"
        speed = PRICE_CURVE_SPEED.check(pt.tokens_per_s_per_user, f"{p}.tokens_per_s_per_user")
        PRICE_CURVE_MULTIPLIER.check(pt.multiplier, f"{p}.multiplier")
        if speed <= last:
            raise ValidationError(f"{p}.tokens_per_s_per_user", "must rise from one point to the next")
        last = speed
    validate_demand_shape(w.demand_shape, w.demand_hourly, path)
    _position(w.position, f"{path}.position")


def validate_scenario(s: Scenario, catalog: Catalog) -> None:
    """Raise :class:`ValidationError` (with the JSON path) for the first problem found."""
    _text(s.name, "$.name")
    _text(s.description, "$.description")
    validate_site(s.site, catalog=catalog)
    ids: set[str] = set()
    for i, f in enumerate(s.fleets):
        validate_fleet(f, catalog, f"$.fleets[{i}]")
        if f.id in ids:
            raise ValidationError(f"$.fleets[{i}].id", f"'{f.id}' is used twice")
        ids.add(f.id)
    for i, w in enumerate(s.workloads):
        validate_workload(w, catalog, f"$.workloads[{i}]")
        if w.id in ids:
            raise ValidationError(f"$.workloads[{i}].id", f"'{w.id}' is used twice")
        ids.add(w.id)
    power = s.power_share_used()
    if power > 1.0 + 1e-9:
        raise ValidationError("$.fleets", f"power shares of the fleets must add up to at most 1, got {power:.3g}")
    fleet_ids = {f.id for f in s.fleets}
    workload_ids = {w.id for w in s.workloads}
    pairs: set[tuple[str, str]] = set()
    per_fleet: dict[str, float] = {}
    for i, a in enumerate(s.assignments):
        p = f"$.assignments[{i}]"
        if a.fleet_id not in fleet_ids:
            raise ValidationError(f"{p}.fleet", f"no fleet with id '{a.fleet_id}'")
        if a.workload_id not in workload_ids:
            raise ValidationError(f"{p}.workload", f"no workload with id '{a.workload_id}'")
        if (a.fleet_id, a.workload_id) in pairs:
            raise ValidationError(p, f"fleet '{a.fleet_id}' is assigned to workload '{a.workload_id}' twice")
        pairs.add((a.fleet_id, a.workload_id))
        ASSIGNMENT_FIELDS["share"].check(a.share, f"{p}.share")
        per_fleet[a.fleet_id] = per_fleet.get(a.fleet_id, 0.0) + a.share
    for fid, total in per_fleet.items():
        if total > 1.0 + 1e-9:
            raise ValidationError("$.assignments", f"shares of fleet '{fid}' must add up to at most 1, got {total:.3g}")
    if not isinstance(s.optimise, bool):
        raise ValidationError("$.optimise", "must be true or false")
    for i, f in enumerate(s.fleets):
        if f.delivery_year >= s.site.horizon_years:
            raise ValidationError(
                f"$.fleets[{i}].delivery_year",
                f"must be before the end of the {s.site.horizon_years}-year horizon (at most {s.site.horizon_years - 1}), got {f.delivery_year}",
            )
    if not isinstance(s.uncertainty, Uncertainty):
        raise ValidationError("$.uncertainty", "must be an uncertainty block")
    validate_uncertainty(s, catalog)


__all__ = [
    "Assignment",
    "Fleet",
    "PricePoint",
    "Scenario",
    "Site",
    "Workload",
    "validate_scenario",
]
