"""What a power cap buys: tokens/s per MW of facility power for a fleet at a range of caps.

A capped accelerator clocks down and serves fewer tokens/s, but a site provisions fewer watts
for it, so a power-limited site places more of them (``Platform.provisioned_w``). Per MW of
facility power the two effects meet: this is the curve the fleet inspector draws, so a planner
can see where the cap that maximises tokens/s per MW lies. Each point is the engine's operating
point of the fleet's largest link at that cap (remembered like every other operating point).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from factory_app.factory.operating_points import capacity
from factory_app.factory.power import size_fleets
from factory_app.scenario.model import Scenario
from factory_app.serving.catalog import Catalog

#: Caps tried, as shares of the chip's TDP (the scenario accepts half the TDP to the TDP)
CAP_SHARES = (0.5, 0.6, 0.7, 0.8, 0.9, 1.0)


@dataclass(frozen=True, slots=True)
class CapCurve:
    """Tokens/s per MW of facility power of one fleet x workload at each cap (W per accelerator)."""

    fleet_id: str
    workload_id: str
    caps_w: tuple[float, ...]
    tokens_per_s_per_mw: tuple[float, ...]  # 0 where the service level cannot be met at that cap
    current_cap_w: float  # the fleet's cap, or the TDP when it has none


def tokens_per_mw_by_cap(scenario: Scenario, fleet_id: str, catalog: Catalog) -> CapCurve | None:
    """The cap curve of a fleet's largest link (by share), with the accelerators the fleet gives it
    as placed now, or None when the fleet serves nothing, has no accelerators or its platform is
    unknown."""
    fleet = scenario.fleet(fleet_id)
    platform = catalog.platforms.get(fleet.platform)
    links = scenario.assignments_of_fleet(fleet_id)
    if platform is None or not links:
        return None
    link = max(links, key=lambda a: a.share)
    sizes, _ = size_fleets(scenario, catalog)
    placed = next(s.accelerators for f, s in zip(scenario.fleets, sizes) if f.id == fleet_id)
    accelerators = int(np.floor(link.share * placed + 1e-9))
    if accelerators <= 0:
        return None
    workload = scenario.workload(link.workload_id)
    tdp = platform.tdp_w.value
    caps = tuple(round(share * tdp, 0) for share in CAP_SHARES)
    per_mw = []
    for cap in caps:
        capped = replace(fleet, power_cap_w=None if cap >= tdp else cap)
        c = capacity(catalog, capped, platform.domain_size, workload, accelerators, scenario.software_for(fleet))
        facility_w = scenario.site.facility_power_for(platform.provisioned_w(capped.power_cap_w)) * accelerators
        per_mw.append(float(c.output_tokens_per_s / facility_w * 1e6) if c.feasible and facility_w > 0 else 0.0)
    return CapCurve(fleet_id, workload.id, caps, tuple(per_mw), float(fleet.power_cap_w or tdp))


def best_cap(curve: CapCurve) -> float:
    """The cap (W) with the most tokens/s per MW on the curve."""
    return curve.caps_w[int(np.argmax(curve.tokens_per_s_per_mw))]


__all__ = ["CAP_SHARES", "CapCurve", "best_cap", "tokens_per_mw_by_cap"]
