"""The money of a factory, for every sample at once: year 1's revenue and costs, the life cycle's
cash flows, and the totals.

:func:`run_money` is the one computation behind ``evaluate_factory`` (one sample: the scenario's
own numbers) and the uncertainty analysis (thousands: :mod:`factory_app.factory.uncertainty`).
Everything is numpy over a sample axis ``S``: fleet arrays ``(F, S)``, point arrays ``(P, S)``,
totals ``(S,)``. The formulas are those of :mod:`economics` and :mod:`finance`; docs/factory.md
states them with units.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from factory_app.factory import economics as eco
from factory_app.factory.day import DayArrays, serve_day
from factory_app.factory.life_cycle import CashFlowArrays, life_cycle_arrays
from factory_app.factory.numbers import Numbers
from factory_app.factory.results import COST_TERMS
from factory_app.factory.structure import Structure


@dataclass(frozen=True, slots=True)
class Money:
    """Year 1 and the life cycle of every sample."""

    day: DayArrays
    value: np.ndarray  # (P, S): USD per output token sold at each point, year-1 prices
    revenue: np.ndarray  # (P, S): USD/year per point
    fleet_costs: dict[str, np.ndarray]  # COST_TERMS -> (F, S), site costs allocated by power drawn
    fleet_capex: np.ndarray  # (F, S): accelerators, network and their share of the facility
    fleet_mean_mw: np.ndarray  # (F, S): facility MW drawn, averaged over the day
    site_costs: dict[str, np.ndarray]  # COST_TERMS -> (S,)
    life: CashFlowArrays
    totals: dict[str, np.ndarray]  # TOTAL_KEYS -> (S,) (IRR and discounted payback NaN where they do not exist)


def run_money(structure: Structure, numbers: Numbers) -> Money:
    """Year 1 at steady state, the life cycle and the totals of every sample of ``numbers``."""
    day = serve_day(structure, numbers)
    points, wl = structure.points, numbers.workloads
    w = points.workload
    value = eco.token_value_usd(wl["price_in_usd_per_mtok"][w], wl["price_out_usd_per_mtok"][w],
                                points.input_per_output[:, None], points.multiplier[:, None])
    revenue = day.sold * value * eco.SECONDS_PER_YEAR
    fleet_costs, fleet_capex, mean_mw = _fleet_money(structure, numbers, day)
    site_costs = _site_costs(structure, numbers, fleet_costs)
    life = life_cycle_arrays(structure, numbers, day.demand_mean)
    money = Money(day, value, revenue, fleet_costs, fleet_capex, mean_mw, site_costs, life, {})
    money.totals.update(_totals(structure, numbers, money))
    return money


def _by_fleet(structure: Structure, per_point: np.ndarray) -> np.ndarray:
    """(P, S) -> (F, S): the sum over each fleet's operating points."""
    out = np.zeros((len(structure.scenario.fleets),) + per_point.shape[1:])
    np.add.at(out, structure.points.fleet, per_point)
    return out


def _fleet_money(structure: Structure, numbers: Numbers, day: DayArrays) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """Each fleet's costs (its accelerators' capital and the energy it draws over the day, plus a
    share of the facility's depreciation, financing, other opex and capex in proportion to the
    facility power it can draw), its capex and its mean facility MW."""
    site, fl = numbers.site, numbers.fleets
    n = structure.fleet_accelerators[:, None]
    capex = eco.it_capex_per_accelerator_usd(np.where(n > 0, fl["price_usd"], 0.0), site) * n
    depreciation, financing = eco.capital_usd_per_year(capex, fl["residual_value_share"], fl["life_years"], site.wacc)
    idle_w = (structure.fleet_idle * structure.fleet_all_in_w)[:, None] * site.idle_power_share
    mean_w = _by_fleet(structure, day.mean_w) + idle_w
    mean_mw = structure.scenario.site.facility_power_for(mean_w) / 1e6
    costs = {"accelerator_depreciation": depreciation, "facility_depreciation": np.zeros_like(depreciation),
             "financing": financing, "energy": eco.energy_usd_per_year(mean_mw, site.electricity_usd_per_kwh),
             "other_opex": np.zeros_like(depreciation)}
    drawn = structure.fleet_facility_mw.sum()
    if drawn > 0:  # the facility's costs follow the power each fleet can draw
        part = (structure.fleet_facility_mw / drawn)[:, None]
        fac_depreciation, fac_financing = eco.facility_capital_usd_per_year(site)
        costs["facility_depreciation"] = fac_depreciation * part
        costs["other_opex"] = eco.other_opex_usd_per_year(site) * part
        costs["financing"] = financing + fac_financing * part
        capex = capex + eco.facility_capex_usd(site) * part
    return {term: np.broadcast_to(costs[term], depreciation.shape) for term in COST_TERMS}, capex, mean_mw


def _site_costs(structure: Structure, numbers: Numbers, fleet_costs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The site's costs: its fleets', and the building's whether or not a fleet draws power."""
    site = numbers.site
    costs = {term: fleet_costs[term].sum(axis=0) for term in COST_TERMS}
    depreciation, financing = eco.facility_capital_usd_per_year(site)
    costs["facility_depreciation"] = np.broadcast_to(depreciation, (numbers.samples,))
    if not (structure.fleet_facility_mw > 0).any():
        costs["financing"] = costs["financing"] + financing
    costs["other_opex"] = np.broadcast_to(eco.other_opex_usd_per_year(site), (numbers.samples,))
    return costs


def _totals(structure: Structure, numbers: Numbers, m: Money) -> dict[str, np.ndarray]:
    """Every total of ``TOTAL_KEYS`` for every sample (docs/factory.md §4-6)."""
    site, day, costs = structure.scenario.site, m.day, m.site_costs
    s = numbers.samples
    points = structure.points
    revenue = m.revenue.sum(axis=0)
    cost = sum(costs[term] for term in COST_TERMS)
    profit = revenue - cost
    sold = day.sold.sum(axis=0)
    capacity = day.capacity.sum(axis=0)
    facility_mean = m.fleet_mean_mw.sum(axis=0)
    accelerators = float(structure.fleet_accelerators.sum())
    facility_used = float(structure.fleet_facility_mw.sum())
    capex = m.fleet_capex.sum(axis=0) + (0.0 if facility_used > 0 else eco.facility_capex_usd(numbers.site))
    constant = lambda v: np.full(s, float(v))  # noqa: E731 - a number no sample moves
    return dict(
        facility_power_mw=constant(site.facility_power_mw),
        facility_power_used_mw=constant(facility_used),
        it_power_mw=constant(site.it_power_mw),
        accelerator_power_mw=constant(site.accelerator_power_mw),
        accelerator_power_used_mw=constant(sum(x.accelerator_power_w for x in structure.sizes) / 1e6),
        accelerators=constant(accelerators),
        output_tokens_per_s=sold,
        input_tokens_per_s=(day.sold * points.input_per_output[:, None]).sum(axis=0),
        output_capacity_tokens_per_s=capacity,
        tokens_per_s_per_mw=eco.ratio(sold, site.facility_power_mw),
        revenue_usd_per_year=revenue,
        cost_usd_per_year=cost,
        profit_usd_per_year=profit,
        revenue_usd_per_watt_year=eco.ratio(revenue, site.facility_power_mw * 1e6),
        cost_usd_per_million_tokens=eco.ratio(cost, sold * eco.SECONDS_PER_YEAR / 1e6),
        margin=eco.margin(profit, revenue),
        payback_years=m.life.payback_years,
        joules_per_token=eco.ratio(facility_mean * 1e6, sold),
        capex_usd=np.broadcast_to(capex, (s,)),
        idle_share=np.where(capacity > 0, np.maximum(0.0, 1.0 - eco.ratio(sold, capacity)), 0.0),
        utilisation=np.minimum(eco.ratio(sold, capacity), 1.0),
        facility_power_mean_mw=facility_mean,
        cost_usd_per_accelerator_hour=eco.ratio(cost, np.full(s, accelerators * eco.HOURS_PER_YEAR)),
        cost_of_capital_usd_per_year=costs["financing"],
        npv_usd=m.life.npv_usd,
        irr=m.life.irr,
        discounted_payback_years=m.life.discounted_payback_years,
    )


__all__ = ["Money", "run_money"]
