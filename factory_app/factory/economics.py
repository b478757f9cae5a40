"""Money and energy formulas of an AI factory, stated once.

Units are in the names: ``_mw`` megawatts, ``_w`` watts, ``_usd_per_year`` US dollars per year,
``_usd_per_token`` dollars per output token. A year is 365 x 24 x 3600 s (8,760 h). Every
division that can meet a zero goes through :func:`ratio`, so a result is zero with a stated
reason rather than NaN or infinity. Capital is annualised at the site's cost of capital
(:mod:`factory_app.factory.finance`): a yearly charge of depreciation plus financing.
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np

from factory_app.factory.finance import annualised_capital_usd_per_year, straight_line_usd_per_year
from factory_app.serving.catalog import Platform
from factory_app.scenario.model import Fleet, Site, Workload

HOURS_PER_YEAR = 365 * 24
SECONDS_PER_YEAR = HOURS_PER_YEAR * 3600
KWH_PER_MWH = 1000.0
TOKENS_PER_MILLION = 1e6


def ratio(numerator: float, denominator: float) -> float:
    """``numerator / denominator``, or 0 when the denominator is zero or the result not finite."""
    if denominator == 0:
        return 0.0
    value = numerator / denominator
    return value if np.isfinite(value) else 0.0


# -- costs --------------------------------------------------------------------------------------


def energy_usd_per_year(facility_mw: float, usd_per_kwh: float) -> float:
    """Energy bill of drawing ``facility_mw`` all year: MW x 8,760 h x 1,000 kWh/MWh x $/kWh."""
    return facility_mw * HOURS_PER_YEAR * KWH_PER_MWH * usd_per_kwh


def accelerator_price_usd(fleet: Fleet, platform: Platform) -> float:
    """All-in price of one accelerator: the fleet's override, else the catalogue's figure."""
    return float(fleet.price_usd) if fleet.price_usd is not None else float(platform.price_usd.value)


def networking_markup(site: Site) -> float:
    """Scale-out network bought with each accelerator system, as a fraction of its price: when
    the network is ``s`` of IT capex, it adds ``s / (1 - s)`` to the systems (15% -> 17.6%)."""
    return ratio(site.networking_share, 1.0 - site.networking_share)


def it_capex_per_accelerator_usd(price_usd: float, site: Site) -> float:
    """Capital of one accelerator in service: its all-in system price plus its network share."""
    return price_usd * (1.0 + networking_markup(site))


def whole_life_years(life_years: float) -> int:
    """A life in whole years for the cash-flow timeline (5.5 -> 6; at least 1)."""
    return max(1, int(math.floor(life_years + 0.5)))


def capital_usd_per_year(capex_usd: float, residual_share: float, life_years: float, rate: float) -> tuple[float, float]:
    """(depreciation, financing) of ``capex_usd`` recovered over ``life_years`` at ``rate`` with
    ``residual_share`` of it recovered at the end: straight-line depreciation of the capital used
    up, and the rest of the annualised charge (see :mod:`factory_app.factory.finance`)."""
    residual = capex_usd * residual_share
    charge = annualised_capital_usd_per_year(capex_usd, residual, rate, life_years)
    depreciation = straight_line_usd_per_year(capex_usd, residual, life_years)
    return depreciation, charge - depreciation


def accelerator_depreciation_usd_per_year(accelerators: int, price_usd: float, life_years: float, residual_share: float = 0.0) -> float:
    """Straight-line depreciation of accelerators and their systems, net of their residual value."""
    return ratio(accelerators * price_usd * (1.0 - residual_share), life_years)


def facility_capex_usd(site: Site) -> float:
    """Capital cost of the building and its power and cooling plant: the whole budget is built,
    priced per MW of IT (critical) load as the construction-cost sources state it."""
    return site.it_power_mw * site.facility_capex_usd_per_mw


def facility_capital_usd_per_year(site: Site) -> tuple[float, float]:
    """(depreciation, financing) of the facility over its life (no residual at its end)."""
    return capital_usd_per_year(facility_capex_usd(site), 0.0, site.facility_life_years, site.wacc)


def facility_depreciation_usd_per_year(site: Site) -> float:
    """Straight-line depreciation of the facility over its life."""
    return facility_capital_usd_per_year(site)[0]


def other_opex_usd_per_year(site: Site) -> float:
    """Staff, maintenance, insurance and property tax: a rate per MW of IT (critical) load built."""
    return site.it_power_mw * site.other_opex_usd_per_mw_year


def accelerator_cost_usd_per_year(platform: Platform, fleet: Fleet, site: Site) -> float:
    """The yearly cost one more accelerator adds: its capital charge (depreciation and financing,
    network included) plus the energy it draws at full load (facility costs are fixed by the
    power budget and do not change)."""
    facility_mw = site.facility_power_for(platform.provisioned_w(fleet.power_cap_w) / 1e6)
    capex = it_capex_per_accelerator_usd(accelerator_price_usd(fleet, platform), site)
    depreciation, financing = capital_usd_per_year(capex, fleet.residual_value_share, fleet.life_years, site.wacc)
    return depreciation + financing + energy_usd_per_year(facility_mw, site.electricity_usd_per_kwh)


# -- revenue ------------------------------------------------------------------------------------


def value_per_output_token_usd(workload: Workload, multiplier: float) -> float:
    """Revenue that one sold output token brings, with the input tokens that came with it:
    ``(price_in x isl / osl + price_out x multiplier) / 1e6`` USD."""
    per_million = workload.price_in_usd_per_mtok * workload.isl / workload.osl + workload.price_out_usd_per_mtok * multiplier
    return per_million / TOKENS_PER_MILLION


def price_value_function(workload: Workload) -> Callable[[np.ndarray], np.ndarray] | None:
    """What the engine maximises when it picks an operating point: value per output token
    (USD per million) as a function of tokens/s per user, from the workload's price curve.

    ``None`` (maximum throughput) when there is no curve or the output price is zero, because
    then every point is worth the same per token. The input price is included so the engine
    weighs the part of revenue the curve does not scale.
    """
    curve = workload.price_curve
    if not curve or workload.price_out_usd_per_mtok <= 0:
        return None
    speeds = np.array([p.tokens_per_s_per_user for p in curve], dtype=float)
    multipliers = np.array([p.multiplier for p in curve], dtype=float)
    base = workload.price_in_usd_per_mtok * workload.isl / workload.osl
    out = workload.price_out_usd_per_mtok

    def value(tokens_per_s_per_user: np.ndarray) -> np.ndarray:
        # np.interp is flat beyond the ends, like Workload.price_multiplier
        return base + out * np.interp(tokens_per_s_per_user, speeds, multipliers)

    return value


# -- summary figures ----------------------------------------------------------------------------


def margin(profit_usd_per_year: float, revenue_usd_per_year: float) -> float:
    """Profit as a fraction of revenue; 0 when there is no revenue."""
    return ratio(profit_usd_per_year, revenue_usd_per_year)


def payback_years(capex_usd: float, profit_usd_per_year: float, capital_usd_per_year: float) -> float:
    """Years of operating cash flow (profit plus the capital charge: revenue less energy and
    opex) that repay the capex, undiscounted; 0 when that cash flow is not positive (the factory
    never pays back). The life cycle's ``discounted_payback_years`` counts the cost of capital."""
    cash = profit_usd_per_year + capital_usd_per_year
    return ratio(capex_usd, cash) if cash > 0 else 0.0


__all__ = [
    "HOURS_PER_YEAR",
    "SECONDS_PER_YEAR",
    "accelerator_cost_usd_per_year",
    "accelerator_depreciation_usd_per_year",
    "accelerator_price_usd",
    "capital_usd_per_year",
    "energy_usd_per_year",
    "facility_capex_usd",
    "facility_capital_usd_per_year",
    "facility_depreciation_usd_per_year",
    "it_capex_per_accelerator_usd",
    "networking_markup",
    "whole_life_years",
    "margin",
    "other_opex_usd_per_year",
    "payback_years",
    "price_value_function",
    "ratio",
    "value_per_output_token_usd",
]
