"""What evaluating a factory returns: totals, per-fleet and per-workload breakdowns.

Every number is finite (zero with a stated reason where nothing can be computed). Rates are
per second, money per year, power in MW at the facility meter unless a name says otherwise.
The ``TOTAL_KEYS`` names are a public contract (``factory-app evaluate --json``, CSV columns):
add to them, never rename.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from factory_app.factory.metrics import METRICS

#: Keys of :attr:`FactoryResult.totals`, with what each means (units). The table itself, with
#: labels and formats, is :data:`factory_app.factory.metrics.METRICS`.
TOTAL_KEYS: dict[str, str] = {key: m.description for key, m in METRICS.items()}

#: Cost terms of :attr:`FactoryResult.cost_breakdown` (USD/year).
COST_TERMS = ("accelerator_depreciation", "facility_depreciation", "energy", "other_opex")


@dataclass(frozen=True, slots=True)
class OperatingPoint:
    """One fleet x workload: the share of a fleet serving a workload and how it runs."""

    fleet_id: str
    workload_id: str
    accelerators: int
    feasible: bool
    reason: str = ""  # why infeasible, or what limited it
    bound: str = ""  # memory-bandwidth, compute, communication, overhead, kv-capacity, demand, power
    layout: str = ""  # e.g. "tp8 ep1 x 9 replicas, disaggregated"
    output_capacity_tokens_per_s: float = 0.0
    output_tokens_per_s: float = 0.0  # sold, after the workload's demand cap
    input_tokens_per_s: float = 0.0
    tokens_per_s_per_user: float = 0.0
    ttft_ms: float = 0.0
    ttft_p99_ms: float = 0.0
    tpot_ms: float = 0.0
    utilisation: float = 0.0  # sold / capacity
    price_out_usd_per_mtok: float = 0.0  # effective, after the price curve
    revenue_usd_per_year: float = 0.0


@dataclass(frozen=True, slots=True)
class FleetResult:
    fleet_id: str
    platform: str
    accelerators: int
    accelerator_power_mw: float
    facility_power_mw: float
    output_tokens_per_s: float
    input_tokens_per_s: float
    revenue_usd_per_year: float
    cost_usd_per_year: float
    cost_breakdown: dict[str, float]
    capex_usd: float
    idle_accelerators: int  # not assigned to any workload
    limited_by: str  # "power", "count" or "" — what sized the fleet
    operating_points: tuple[OperatingPoint, ...] = ()


@dataclass(frozen=True, slots=True)
class WorkloadResult:
    workload_id: str
    output_tokens_per_s: float
    input_tokens_per_s: float
    output_capacity_tokens_per_s: float
    demand_cap_tokens_per_s: float  # 0 = unlimited
    revenue_usd_per_year: float
    utilisation: float
    bound: str  # demand, or the bound of its largest operating point
    reason: str = ""  # e.g. "no fleet serves this workload"


@dataclass(frozen=True, slots=True)
class FactoryResult:
    """The evaluation of one scenario."""

    totals: dict[str, float]
    fleets: tuple[FleetResult, ...]
    workloads: tuple[WorkloadResult, ...]
    cost_breakdown: dict[str, float]  # COST_TERMS, USD/year, whole site
    power_breakdown: dict[str, float]  # MW: one entry per fleet id, plus "non_accelerator_it", "cooling_and_losses", "unused"
    warnings: tuple[str, ...] = ()
    optimised: bool = False
    optimiser_note: str = ""
    compute_ms: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def operating_point(self, fleet_id: str, workload_id: str) -> OperatingPoint | None:
        for f in self.fleets:
            if f.fleet_id == fleet_id:
                for op in f.operating_points:
                    if op.workload_id == workload_id:
                        return op
        return None

    def fleet(self, fleet_id: str) -> FleetResult | None:
        return next((f for f in self.fleets if f.fleet_id == fleet_id), None)

    def workload(self, workload_id: str) -> WorkloadResult | None:
        return next((w for w in self.workloads if w.workload_id == workload_id), None)


def empty_totals() -> dict[str, float]:
    return {k: 0.0 for k in TOTAL_KEYS}


__all__ = ["TOTAL_KEYS", "COST_TERMS", "OperatingPoint", "FleetResult", "WorkloadResult", "FactoryResult", "empty_totals"]
