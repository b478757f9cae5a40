"""The life cycle of a factory: years 0..horizon of capex, revenue, opex and residual value.

Year 0 is the build: the facility and the fleets delivered in year 0 are paid for; a fleet earns
from the year after its delivery. Each fleet is a chain of *generations* (built with the
structure, :mod:`factory_app.factory.structure`): the fleet as placed, then, when its life ends
inside the horizon and it names a successor platform, the successor at the same power, then the
successor again at the end of its own life; without a successor the fleet retires.

Year by year (numpy over generations x samples x years and points x samples x years x 24 hours;
an evaluation is one sample):

- capacity of a point = its engine capacity x its family's throughput multiplier x ``(1 +
  software speed-up)^(year - 1)`` while its generation is in service;
- demand of a workload = mean demand x ``(1 + growth)^(year - 1)`` x shape[hour] (x the
  first-year ramp in year 1), served ``min(demand, capacity)`` each hour
  (:mod:`factory_app.factory.demand`);
- revenue = tokens served x value per token x ``(1 - price decline)^(year - 1)``;
- energy follows the hourly power (busy and idle accelerators); other opex per MW of IT load;
- capex: the facility in year 0, each generation in its delivery year (network included);
- residual value: a generation sold at the end of its life at ``residual_value_share`` of its
  capex, one still in service at the horizon at its straight-line value, the facility at its
  remaining book value.

Cash flow = revenue - energy - other opex - capex + residual value; discounted at the WACC.
Samples whose fleets' lives round to different whole years have different generations: they are
run in groups, one per combination of lives.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from factory_app.factory import economics as eco
from factory_app.factory.day import point_capacity
from factory_app.factory.demand import DAYS_PER_YEAR, drawn_w, served_by_point, utilisation
from factory_app.factory.finance import discount_factors, irr_batch, payback_batch, residual_share_at
from factory_app.factory.numbers import Numbers
from factory_app.factory.structure import Generations, Structure

#: The per-year columns of :class:`CashFlowArrays`, as ``YearCashFlow`` names them.
COLUMNS = ("capex_usd", "revenue_usd", "energy_usd", "other_opex_usd", "opex_usd", "residual_value_usd", "cash_flow_usd",
           "discounted_usd", "cumulative_discounted_usd", "output_tokens_per_s", "output_capacity_tokens_per_s", "utilisation")


@dataclass(frozen=True, slots=True)
class CashFlowArrays:
    """Cash flows of every sample: each of :data:`COLUMNS` is ``(S, horizon + 1)``; the NPV,
    the IRR (NaN where none exists), how many rates zero the flows and the paybacks, undiscounted
    and discounted (NaN where they never come), are ``(S,)``; ``accelerators`` in service is
    ``(S, horizon + 1)``."""

    columns: dict[str, np.ndarray]
    accelerators: np.ndarray
    npv_usd: np.ndarray
    irr: np.ndarray
    irr_count: np.ndarray
    discounted_payback_years: np.ndarray
    payback_years: np.ndarray


def life_cycle_arrays(structure: Structure, numbers: Numbers, demand_mean: np.ndarray) -> CashFlowArrays:
    """The cash flows of every sample; ``demand_mean``: ``(W, S)`` mean output tokens/s of each
    workload in year 1 at steady state. Samples are grouped by their fleets' lives in whole years."""
    lives = np.floor(numbers.fleets["life_years"] + 0.5).clip(min=1).astype(int)  # eco.whole_life_years, vectorised
    if lives.shape[0] == 0 or (lives == lives[:, :1]).all():
        key = tuple(int(v) for v in lives[:, 0]) if lives.shape[0] else ()
        return _cash_flows(structure, numbers, structure.generations(key), demand_mean)
    combos, group = np.unique(lives.T, axis=0, return_inverse=True)
    parts = []
    for g, combo in enumerate(combos):
        rows = np.flatnonzero(group.ravel() == g)
        parts.append((rows, _cash_flows(structure, numbers.take(rows), structure.generations(tuple(int(v) for v in combo)),
                                        demand_mean[:, rows])))
    return _gathered(parts, numbers.samples)


def _gathered(parts: list[tuple[np.ndarray, CashFlowArrays]], samples: int) -> CashFlowArrays:
    """One :class:`CashFlowArrays` from groups of samples (rows, their arrays)."""
    def put(get) -> np.ndarray:
        first = get(parts[0][1])
        out = np.empty((samples,) + first.shape[1:], dtype=first.dtype)
        for rows, part in parts:
            out[rows] = get(part)
        return out

    return CashFlowArrays(
        columns={k: put(lambda p, k=k: p.columns[k]) for k in COLUMNS}, accelerators=put(lambda p: p.accelerators),
        npv_usd=put(lambda p: p.npv_usd), irr=put(lambda p: p.irr), irr_count=put(lambda p: p.irr_count),
        discounted_payback_years=put(lambda p: p.discounted_payback_years), payback_years=put(lambda p: p.payback_years),
    )


def _cash_flows(structure: Structure, numbers: Numbers, generations: Generations, demand_mean: np.ndarray) -> CashFlowArrays:
    """Cash flows of samples that share one set of generations (see the module docstring).

    Long because: one vectorised pass over generations x samples x years x hours, kept together
    so each array's axes are visible where it is used."""
    site, wl = numbers.site, numbers.workloads
    gens, points = generations.gens, generations.points
    horizon, samples = structure.scenario.site.horizon_years, numbers.samples
    years = np.arange(1, horizon + 1, dtype=float)  # operating years
    delivery = np.array([g.delivery_year for g in gens], dtype=float)
    end = np.array([g.end_year for g in gens], dtype=float)
    live = ((years[None, :] > delivery[:, None]) & (years[None, :] <= end[:, None])).astype(float)  # (G, Y)
    speedup = (np.array([g.trend for g in gens])[:, None] if site.software_speedup_per_year is None
               else np.broadcast_to(site.software_speedup_per_year, (len(gens), samples)))
    speed = (1.0 + np.asarray(speedup, dtype=float))[:, :, None] ** (years - 1.0)  # (G, S|1, Y)
    gen = points.generation
    cap = point_capacity(structure, numbers, points)[:, :, None] * live[gen][:, None, :] * speed[gen]  # (P, S, Y)
    growth = (1.0 + wl["demand_growth_per_year"])[:, :, None] ** (years - 1.0)  # (W, S, Y)
    ramp = np.where(years == 1.0, np.asarray(site.first_year_ramp)[:, None], 1.0)  # (S, Y)
    demand = demand_mean[:, :, None, None] * (growth * ramp[None])[..., None] * structure.shapes[:, None, None, :]
    served = served_by_point(demand, cap, points.workload)  # (P, S, Y, 24)
    price = (1.0 - wl["price_decline_per_year"])[:, :, None] ** (years - 1.0)  # (W, S, Y)
    w = points.workload
    value = eco.token_value_usd(wl["price_in_usd_per_mtok"][w], wl["price_out_usd_per_mtok"][w],
                                points.input_per_output[:, None], points.multiplier[:, None])  # (P, S)
    served_year = served.sum(axis=-1)  # (P, S, Y): tokens/s x hours of a day
    revenue = (served_year * (DAYS_PER_YEAR * 3600.0) * value[:, :, None] * price[w]).sum(axis=0)  # (S, Y)
    busy = points.busy_w[:, None, None]
    in_service = points.accelerators[:, None, None] * live[gen][:, None, :]  # (P, 1, Y)
    idle = busy * np.asarray(site.idle_power_share)[None, :, None]  # (P, S, 1)
    watts = drawn_w(in_service, busy, idle, utilisation(served, cap))  # (P, S, Y, 24)
    idle_gen = np.array([g.unassigned * g.platform.all_in_w.value for g in gens])[:, None] * site.idle_power_share  # (G, S)
    watt_hours = watts.sum(axis=(0, 3)) + 24.0 * (idle_gen[:, :, None] * live[:, None, :]).sum(axis=0)  # (S, Y), per day
    energy = structure.scenario.site.facility_power_for(watt_hours) / 1e3 * DAYS_PER_YEAR * np.asarray(site.electricity_usd_per_kwh)[:, None]
    other = np.broadcast_to(np.asarray(eco.other_opex_usd_per_year(site))[:, None], (samples, horizon))
    capex, residual = _capital_flows(structure, numbers, gens)
    zero = np.zeros((samples, 1))
    revenue, energy, other = (np.concatenate([zero, np.broadcast_to(x, (samples, horizon))], axis=1) for x in (revenue, energy, other))
    cash = revenue - energy - other - capex + residual
    discounted = cash * discount_factors(site.wacc, horizon)
    sold = np.concatenate([zero, served_year.sum(axis=0) / 24.0], axis=1)
    capacity_total = np.concatenate([zero, np.broadcast_to(cap.sum(axis=0), (samples, horizon))], axis=1)
    accelerators = np.concatenate([[0.0], (np.array([g.accelerators for g in gens], dtype=float)[:, None] * live).sum(axis=0)])
    rate, count = irr_batch(cash)
    columns = dict(capex_usd=capex, revenue_usd=revenue, energy_usd=energy, other_opex_usd=other, opex_usd=energy + other,
                   residual_value_usd=residual, cash_flow_usd=cash, discounted_usd=discounted,
                   cumulative_discounted_usd=np.cumsum(discounted, axis=1), output_tokens_per_s=sold,
                   output_capacity_tokens_per_s=capacity_total, utilisation=eco.ratio(sold, capacity_total))
    return CashFlowArrays(columns, np.broadcast_to(accelerators, (samples, horizon + 1)), discounted.sum(axis=1), rate, count,
                          payback_batch(discounted), payback_batch(cash))


def _capital_flows(structure: Structure, numbers: Numbers, gens) -> tuple[np.ndarray, np.ndarray]:
    """Capex and residual value of years 0..horizon, ``(S, horizon + 1)``: the facility built in
    year 0 and valued at its remaining book value at the horizon; each generation bought in its
    delivery year, sold at the end of its life at its residual share, or valued on the straight
    line at the horizon."""
    site, horizon, samples = numbers.site, structure.scenario.site.horizon_years, numbers.samples
    capex = np.zeros((horizon + 1, samples))  # years first while adding in, transposed at the end
    residual = np.zeros((horizon + 1, samples))
    facility = np.asarray(eco.facility_capex_usd(site), dtype=float)
    capex[0] += facility
    residual[horizon] += facility * np.maximum(0.0, 1.0 - horizon / np.asarray(site.facility_life_years))
    if gens:
        fleet = np.array([g.fleet for g in gens])
        own = np.array([g.price_usd is None for g in gens])
        price = np.where(own[:, None], numbers.fleets["price_usd"][fleet], np.array([g.price_usd or 0.0 for g in gens])[:, None])
        cost = eco.it_capex_per_accelerator_usd(price, site) * np.array([g.accelerators for g in gens], dtype=float)[:, None]  # (G, S)
        share = numbers.fleets["residual_value_share"][fleet]  # (G, S)
        delivery = np.array([g.delivery_year for g in gens])
        end = np.array([g.end_year for g in gens])
        np.add.at(capex, delivery, cost)
        sold = end <= horizon
        np.add.at(residual, end[sold], cost[sold] * share[sold])
        left = ~sold
        life = (end - delivery).astype(float)
        residual[horizon] += (cost[left] * residual_share_at((horizon - delivery[left])[:, None], life[left][:, None], share[left])).sum(axis=0)
    return capex.T, residual.T


__all__ = ["COLUMNS", "CashFlowArrays", "life_cycle_arrays"]
