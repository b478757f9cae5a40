"""What evaluating a factory returns: totals, per-fleet and per-workload breakdowns, and the
life cycle (cash flows year by year).

Every number is finite (zero with a stated reason where nothing can be computed; the IRR and the
discounted payback are ``None`` when they do not exist). Rates are per second, money per year,
power in MW at the facility meter unless a name says otherwise. Totals, fleets and workloads
describe year 1 of operation at steady state (:data:`REPORT_YEAR`). The ``TOTAL_KEYS`` names are
a public contract (``factory-app evaluate --json``, CSV columns): add to them, never rename.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from factory_app.factory.metrics import METRICS

#: Keys of :attr:`FactoryResult.totals`, with what each means (units). The table itself, with
#: labels and formats, is :data:`factory_app.factory.metrics.METRICS`.
TOTAL_KEYS: dict[str, str] = {key: m.description for key, m in METRICS.items()}

#: Cost terms of :attr:`FactoryResult.cost_breakdown` (USD/year). ``financing`` is the return
#: the capital (accelerators, network, facility) earns at the cost of capital.
COST_TERMS = ("accelerator_depreciation", "facility_depreciation", "financing", "energy", "other_opex")
#: Totals that are ``None`` when they do not exist (no rate zeroes the cash flows; never repaid).
OPTIONAL_TOTALS = ("irr", "payback_years", "discounted_payback_years")
#: The year of operation the single-year figures describe (year 0 is the build).
REPORT_YEAR = 1
REPORT_YEAR_TEXT = ("year 1 of operation at steady state: full demand (no first-year ramp), year-1 prices and software, "
                    "every fleet as the scenario places it")


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
    power_w_per_accelerator: float = 0.0  # W drawn per accelerator while busy at this point (the engine's, host share included)
    #: the engine's error band on the output capacity (calibration residuals of comparable points, docs/calibration.md)
    output_capacity_low_tokens_per_s: float = 0.0
    output_capacity_high_tokens_per_s: float = 0.0
    calibrated_for: str = ""  # month of serving software the engine answered for (YYYY-MM)
    nearest_measurement: dict | None = None  # {id, source, date, value, metric} of the most similar published measurement


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
    facility_power_mean_mw: float = 0.0  # drawn at the meter, averaged over the day (busy and idle)


@dataclass(frozen=True, slots=True)
class WorkloadResult:
    workload_id: str
    output_tokens_per_s: float
    input_tokens_per_s: float
    output_capacity_tokens_per_s: float
    demand_cap_tokens_per_s: float  # the stated mean demand (format 1: the cap); 0 = the default utilisation
    revenue_usd_per_year: float
    utilisation: float
    bound: str  # demand, or the bound of its largest operating point
    reason: str = ""  # e.g. "no fleet serves this workload"
    demand_tokens_per_s: float = 0.0  # mean demand used (stated, or the default utilisation of capacity)
    peak_demand_tokens_per_s: float = 0.0  # the busiest hour's demand
    unserved_share: float = 0.0  # share of the day's demand above capacity (lost)
    demand_by_hour: tuple[float, ...] = ()  # output tokens/s demanded, 00 to 23 h
    served_by_hour: tuple[float, ...] = ()  # output tokens/s served, 00 to 23 h


@dataclass(frozen=True, slots=True)
class YearCashFlow:
    """One year of the life cycle (year 0 is the build). USD; tokens/s averaged over the year."""

    year: int
    capex_usd: float  # facility, accelerators and network bought this year
    revenue_usd: float
    energy_usd: float
    other_opex_usd: float
    opex_usd: float  # energy + other opex
    residual_value_usd: float  # equipment sold at the end of its life, and what is left at the horizon
    cash_flow_usd: float  # revenue - opex - capex + residual value
    discounted_usd: float  # cash_flow / (1 + wacc)^year
    cumulative_discounted_usd: float
    output_tokens_per_s: float
    output_capacity_tokens_per_s: float
    utilisation: float
    accelerators: int  # in service during the year


@dataclass(frozen=True, slots=True)
class LifeCycle:
    """Cash flows over the horizon and what they are worth at the cost of capital."""

    years: tuple[YearCashFlow, ...] = ()
    npv_usd: float = 0.0
    irr: float | None = None
    irr_count: int = 0  # rates that zero the flows (more than 1: the lowest is ``irr``)
    discounted_payback_years: float | None = None
    events: tuple[str, ...] = ()  # deliveries, refreshes, retirements, in words


@dataclass(frozen=True, slots=True)
class FactoryResult:
    """The evaluation of one scenario."""

    totals: dict[str, float | None]  # None only for OPTIONAL_TOTALS
    fleets: tuple[FleetResult, ...]
    workloads: tuple[WorkloadResult, ...]
    cost_breakdown: dict[str, float]  # COST_TERMS, USD/year, whole site
    power_breakdown: dict[str, float]  # MW: one entry per fleet id, plus "non_accelerator_it", "cooling_and_losses", "unused"
    warnings: tuple[str, ...] = ()
    optimised: bool = False
    optimiser_note: str = ""
    compute_ms: float = 0.0
    life_cycle: LifeCycle = field(default_factory=LifeCycle)
    finance: dict[str, Any] = field(default_factory=dict)  # the assumptions the money rests on

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


def empty_totals() -> dict[str, float | None]:
    return {k: (None if k in OPTIONAL_TOTALS else 0.0) for k in TOTAL_KEYS}


__all__ = [
    "COST_TERMS", "OPTIONAL_TOTALS", "REPORT_YEAR", "REPORT_YEAR_TEXT", "TOTAL_KEYS", "FactoryResult", "FleetResult",
    "LifeCycle", "OperatingPoint", "WorkloadResult", "YearCashFlow", "empty_totals",
]
