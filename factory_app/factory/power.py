"""How many accelerators each fleet gets: the site's power envelope, split among fleets.

IT power = facility power / PUE; accelerator power = IT power x (1 - non-accelerator share).
A fleet sized by power gets ``floor(power_share x accelerator power / all-in W)`` accelerators; a
fleet sized by count asks for its count. Both are rounded DOWN to whole purchase units (an
NVL72 rack is bought whole). Power-sized fleets are placed first (their shares add up to at most
one); count-sized fleets share what is left, and when they ask for more, every count fleet is
scaled by the same factor (then rounded down to whole purchase units) and a warning says so. So the
fleets together never draw more than the accelerator power.
"""

from __future__ import annotations

from dataclasses import dataclass

from factory_app.serving.catalog import Catalog, Platform
from factory_app.scenario.model import Fleet, Scenario

@dataclass(frozen=True, slots=True)
class FleetSize:
    """A fleet's accelerators and the power they draw. ``limited_by``: power or count."""

    fleet_id: str
    accelerators: int
    all_in_w: float  # provisioned W per accelerator: all-in, less what a power cap takes (0 for an unknown platform)
    limited_by: str
    requested: int  # before fitting into the power left (count fleets)

    @property
    def accelerator_power_w(self) -> float:
        return self.accelerators * self.all_in_w


def _platform(fleet: Fleet, catalog: Catalog) -> Platform | None:
    return catalog.platforms.get(fleet.platform)


def size_fleets(
    scenario: Scenario, catalog: Catalog, accelerator_power_w: float | None = None
) -> tuple[tuple[FleetSize, ...], tuple[str, ...]]:
    """Accelerators of every fleet (in scenario order) and warnings about what was cut.

    ``accelerator_power_w`` defaults to the site's accelerator power.
    """
    budget_w = scenario.site.accelerator_power_mw * 1e6 if accelerator_power_w is None else accelerator_power_w
    warnings: list[str] = []
    shares = {f.id: max(f.power_share or 0.0, 0.0) for f in scenario.fleets if f.sizing == "power"}
    total_share = sum(shares.values())
    if total_share > 1.0 + 1e-9:  # a validated scenario never has this; keep the promise anyway
        warnings.append(f"power shares add up to {total_share:.3g}; scaled down to add up to 1")
        shares = {k: v / total_share for k, v in shares.items()}
    sizes: dict[str, FleetSize] = {}
    for f in scenario.fleets:
        p = _platform(f, catalog)
        if p is None:
            warnings.append(f"fleet '{f.id}': unknown platform '{f.platform}'; it has no accelerators")
            sizes[f.id] = FleetSize(f.id, 0, 0.0, f.sizing, 0)
        elif f.sizing == "power":
            n = p.accelerators_for_power(shares[f.id] * budget_w, f.power_cap_w)
            sizes[f.id] = FleetSize(f.id, n, p.provisioned_w(f.power_cap_w), "power", n)
        else:
            n = p.whole_units(f.accelerators or 0)
            if n != (f.accelerators or 0):
                warnings.append(
                    f"fleet '{f.id}': {f.accelerators:,} accelerators rounded down to {n:,} "
                    f"(whole purchase units of {p.purchase_unit}: boards, racks or hosts)"
                )
            sizes[f.id] = FleetSize(f.id, n, p.provisioned_w(f.power_cap_w), "count", n)
    _fit_count_fleets(scenario, catalog, sizes, budget_w, warnings)
    return tuple(sizes[f.id] for f in scenario.fleets), tuple(warnings)


def _fit_count_fleets(
    scenario: Scenario, catalog: Catalog, sizes: dict[str, FleetSize], budget_w: float, warnings: list[str]
) -> None:
    """Scale count-sized fleets down by one common factor when they do not fit in the power
    the power-sized fleets left."""
    counted = [f for f in scenario.fleets if f.sizing == "count" and sizes[f.id].accelerators > 0]
    if not counted:
        return
    used_w = sum(s.accelerator_power_w for s in sizes.values() if s.limited_by == "power")
    left_w = max(budget_w - used_w, 0.0)
    asked_w = sum(sizes[f.id].accelerator_power_w for f in counted)
    if asked_w <= left_w:
        return
    factor = left_w / asked_w
    for f in counted:
        old = sizes[f.id]
        p = catalog.platforms[f.platform]
        n = p.whole_units(old.accelerators * factor)
        sizes[f.id] = FleetSize(f.id, n, old.all_in_w, "power", old.accelerators)
        warnings.append(
            f"fleet '{f.id}': {old.accelerators:,} accelerators need {old.accelerator_power_w / 1e6:,.1f} MW but the "
            f"count-sized fleets have {left_w / 1e6:,.1f} MW of {asked_w / 1e6:,.1f} MW asked; reduced to {n:,}"
        )


__all__ = ["FleetSize", "size_fleets"]
