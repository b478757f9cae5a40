"""A factory result as JSON-ready data: the contract of ``factory-app evaluate --json``.

Key names are public (docs/file-format.md lists them with units): add keys, never rename. The
top level holds ``totals`` (every :data:`TOTAL_KEYS` entry), ``fleets`` (the same figures per
fleet, each with its ``operating_points``), ``workloads``, ``cost_breakdown``,
``power_breakdown``, ``warnings``, the optimiser's note, ``finance`` (the assumptions the money
rests on) and ``cash_flows`` (years 0..horizon). Totals, fleets and workloads describe year 1 of
operation at steady state (``finance.report_year``). Per-fleet figures that are "per MW" or "per
watt" use the facility power the fleet draws, since a fleet has no budget of its own.

Counts (accelerators, idle accelerators) are integers, and no number is ``-0.0`` (a negative zero
reads as a loss where there is none): :func:`plain_numbers` normalises the whole document.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from factory_app.factory import economics as eco
from factory_app.factory.metrics import METRICS
from factory_app.factory.results import COST_TERMS, TOTAL_KEYS, FactoryResult, FleetResult, LifeCycle
from factory_app.io.migrations import CURRENT_VERSION
from factory_app.scenario.model import Scenario

#: Keys of every entry of ``fleets`` in ``evaluate --json`` (besides ids and operating points).
FLEET_KEYS: dict[str, str] = {
    "facility_power_mw": "MW drawn at the facility meter by this fleet (with PUE and non-accelerator IT)",
    "accelerator_power_mw": "MW drawn by the fleet's accelerator systems",
    "accelerators": "count",
    "idle_accelerators": "count not assigned to any workload",
    "output_tokens_per_s": "output tokens/s sold",
    "input_tokens_per_s": "input tokens/s processed for the sold output",
    "output_capacity_tokens_per_s": "output tokens/s the fleet could produce",
    "tokens_per_s_per_mw": "output tokens/s sold per MW the fleet draws at the facility meter",
    "revenue_usd_per_year": "USD/year",
    "cost_usd_per_year": "USD/year, with the fleet's share of facility costs (by power drawn)",
    "profit_usd_per_year": "USD/year",
    "revenue_usd_per_watt_year": "USD/year per W the fleet draws at the facility meter",
    "cost_usd_per_million_tokens": "USD per million output tokens sold",
    "margin": "fraction of revenue",
    "payback_years": "year-1 run rate: capex / (revenue less energy and opex at steady state), undiscounted; 0 when that is not positive (fleets have no cash flows of their own; the site's payback reads the cash flows)",
    "joules_per_token": "J per output token sold, at the facility meter (busy and idle power over the day)",
    "capex_usd": "USD: accelerators with their network, plus the fleet's share of the facility",
    "facility_power_mean_mw": "MW the fleet draws at the facility meter, averaged over the day",
    "utilisation": "output tokens sold / output capacity, averaged over the day",
    "cost_usd_per_accelerator_hour": "USD per installed accelerator-hour: cost per year / (accelerators x 8,760 h)",
}

#: Keys of every entry of ``cash_flows`` (year 0 is the build).
CASH_FLOW_KEYS: dict[str, str] = {
    "year": "year of the life cycle: 0 is the build, 1.. the years of operation",
    "capex_usd": "USD: facility, accelerators and network bought in the year",
    "revenue_usd": "USD: tokens sold in the year at the year's prices",
    "opex_usd": "USD: energy + other opex",
    "energy_usd": "USD: electricity for the power drawn hour by hour",
    "other_opex_usd": "USD: staff, maintenance, insurance, property tax",
    "residual_value_usd": "USD: equipment sold at the end of its life, and the value of what is in service at the horizon",
    "cash_flow_usd": "USD: revenue - opex - capex + residual value",
    "discounted_usd": "USD: cash_flow_usd / (1 + wacc)^year",
    "cumulative_discounted_usd": "USD: sum of discounted_usd up to the year",
    "output_tokens_per_s": "output tokens/s sold, averaged over the year",
    "output_capacity_tokens_per_s": "output tokens/s the fleets in service can produce (software speed-up included)",
    "utilisation": "sold / capacity in the year",
    "accelerators": "accelerators in service during the year",
}


#: Keys whose values are whole counts: written as integers in JSON and CSV.
COUNT_KEYS = frozenset({k for k, m in METRICS.items() if m.style == "count"} | {"accelerators", "idle_accelerators"})


def plain_number(value: int | float) -> int | float:
    """A number as written out: ``-0.0`` becomes ``0.0``; booleans and other values unchanged."""
    if isinstance(value, float) and value == 0.0:
        return 0.0
    return value


def plain_numbers(value: Any, key: str | None = None) -> Any:
    """``value`` with every ``-0.0`` made ``0.0`` and every count (:data:`COUNT_KEYS`) an integer."""
    if isinstance(value, dict):
        return {k: plain_numbers(v, k) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain_numbers(v) for v in value]
    if isinstance(value, float):
        if key in COUNT_KEYS and value.is_integer():
            return int(value)
        return plain_number(value)
    return value


def fleet_figures(f: FleetResult) -> dict[str, float]:
    """The per-fleet counterparts of the totals (see :data:`FLEET_KEYS`)."""
    capacity = sum(op.output_capacity_tokens_per_s for op in f.operating_points)
    profit = f.revenue_usd_per_year - f.cost_usd_per_year
    depreciation = sum(f.cost_breakdown.get(k, 0.0) for k in ("accelerator_depreciation", "facility_depreciation", "financing"))
    return {
        "facility_power_mw": f.facility_power_mw,
        "accelerator_power_mw": f.accelerator_power_mw,
        "accelerators": int(f.accelerators),
        "idle_accelerators": int(f.idle_accelerators),
        "output_tokens_per_s": f.output_tokens_per_s,
        "input_tokens_per_s": f.input_tokens_per_s,
        "output_capacity_tokens_per_s": capacity,
        "tokens_per_s_per_mw": eco.ratio(f.output_tokens_per_s, f.facility_power_mw),
        "revenue_usd_per_year": f.revenue_usd_per_year,
        "cost_usd_per_year": f.cost_usd_per_year,
        "profit_usd_per_year": profit,
        "revenue_usd_per_watt_year": eco.ratio(f.revenue_usd_per_year, f.facility_power_mw * 1e6),
        "cost_usd_per_million_tokens": eco.ratio(f.cost_usd_per_year, f.output_tokens_per_s * eco.SECONDS_PER_YEAR / 1e6),
        "margin": eco.margin(profit, f.revenue_usd_per_year),
        "payback_years": eco.payback_years(f.capex_usd, profit, depreciation),
        "joules_per_token": eco.ratio(f.facility_power_mean_mw * 1e6, f.output_tokens_per_s),
        "capex_usd": f.capex_usd,
        "facility_power_mean_mw": f.facility_power_mean_mw,
        "utilisation": eco.ratio(f.output_tokens_per_s, capacity),
        "cost_usd_per_accelerator_hour": eco.ratio(f.cost_usd_per_year, f.accelerators * eco.HOURS_PER_YEAR),
    }


def result_to_json(scenario: Scenario, result: FactoryResult) -> dict[str, Any]:
    """Everything ``evaluate --json`` prints, as plain dicts and lists."""
    names = {f.id: f.name for f in scenario.fleets}
    models = {w.id: (w.name, w.model) for w in scenario.workloads}
    fleets = []
    for f in result.fleets:
        ops = []
        for op in f.operating_points:
            data = asdict(op)
            data["workload_name"], data["model"] = models.get(op.workload_id, ("", ""))
            ops.append(data)
        fleets.append({
            "fleet_id": f.fleet_id,
            "name": names.get(f.fleet_id, ""),
            "platform": f.platform,
            "limited_by": f.limited_by,
            **fleet_figures(f),
            "cost_breakdown": dict(f.cost_breakdown),
            "operating_points": ops,
        })
    return plain_numbers({
        "scenario": scenario.name,
        "format_version": CURRENT_VERSION,
        "totals": {k: result.totals[k] for k in TOTAL_KEYS},
        "units": dict(TOTAL_KEYS),
        "fleets": fleets,
        "workloads": [asdict(w) | {"model": models.get(w.workload_id, ("", ""))[1]} for w in result.workloads],
        "cost_breakdown": {k: result.cost_breakdown[k] for k in COST_TERMS},
        "power_breakdown": dict(result.power_breakdown),
        "warnings": list(result.warnings),
        "optimised": result.optimised,
        "optimiser_note": result.optimiser_note,
        "finance": dict(result.finance, events=list(result.life_cycle.events)),
        "cash_flows": cash_flow_rows(result.life_cycle),
    })


def cash_flow_rows(life: LifeCycle) -> list[dict[str, Any]]:
    """The life cycle year by year, keys as :data:`CASH_FLOW_KEYS`."""
    return [{k: getattr(y, k) for k in CASH_FLOW_KEYS} for y in life.years]


__all__ = ["CASH_FLOW_KEYS", "COUNT_KEYS", "FLEET_KEYS", "cash_flow_rows", "fleet_figures", "plain_number", "plain_numbers",
           "result_to_json"]
