"""Money and energy formulas of an AI factory, stated once.

Units are in the names: ``_mw`` megawatts, ``_w`` watts, ``_usd_per_year`` US dollars per year,
``_usd_per_token`` dollars per output token. A year is 365 x 24 x 3600 s (8,760 h). Every
division that can meet a zero goes through :func:`ratio`, so a result is zero with a stated
reason rather than NaN or infinity.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

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


def accelerator_depreciation_usd_per_year(accelerators: int, price_usd: float, life_years: float) -> float:
    """Straight-line depreciation of accelerators and their systems."""
    return ratio(accelerators * price_usd, life_years)


def facility_capex_usd(site: Site) -> float:
    """Capital cost of the building and its power and cooling plant (the whole budget is built)."""
    return site.facility_power_mw * site.facility_capex_usd_per_mw


def facility_depreciation_usd_per_year(site: Site) -> float:
    """Straight-line depreciation of the facility over its life."""
    return ratio(facility_capex_usd(site), site.facility_life_years)


def other_opex_usd_per_year(site: Site) -> float:
    """Staff, maintenance, insurance and network: a rate per MW of facility power built."""
    return site.facility_power_mw * site.other_opex_usd_per_mw_year


def accelerator_cost_usd_per_year(platform: Platform, fleet: Fleet, site: Site) -> float:
    """The yearly cost one more accelerator adds: its depreciation plus the energy it draws at
    full load (facility costs are fixed by the power budget and do not change)."""
    facility_mw = site.facility_power_for(platform.all_in_w.value / 1e6)
    depreciation = accelerator_depreciation_usd_per_year(1, accelerator_price_usd(fleet, platform), fleet.life_years)
    return depreciation + energy_usd_per_year(facility_mw, site.electricity_usd_per_kwh)


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


def payback_years(capex_usd: float, profit_usd_per_year: float, depreciation_usd_per_year: float) -> float:
    """Years of operating cash flow (profit + depreciation) that repay the capex; 0 when the
    cash flow is not positive (the factory never pays back)."""
    cash = profit_usd_per_year + depreciation_usd_per_year
    return ratio(capex_usd, cash) if cash > 0 else 0.0


__all__ = [
    "HOURS_PER_YEAR",
    "SECONDS_PER_YEAR",
    "accelerator_cost_usd_per_year",
    "accelerator_depreciation_usd_per_year",
    "accelerator_price_usd",
    "energy_usd_per_year",
    "facility_capex_usd",
    "facility_depreciation_usd_per_year",
    "margin",
    "other_opex_usd_per_year",
    "payback_years",
    "price_value_function",
    "ratio",
    "value_per_output_token_usd",
]
