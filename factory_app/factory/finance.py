"""Time value of money, stated once: annuities, annualised capital, NPV, IRR, discounted payback.

Rates are fractions per year (0.10 = 10%); years are counted from 0 (the build). Cash flows are
pre-tax and unlevered, discounted at the site's WACC (a nominal pre-tax rate): financing is
priced by the discount rate, not modelled as loans. docs/factory.md states each formula.
"""

from __future__ import annotations

import math

import numpy as np


def _ratio(numerator: float, denominator: float) -> float:
    """``numerator / denominator``, 0 for a zero denominator (as ``economics.ratio``, which
    imports this module)."""
    return numerator / denominator if denominator else 0.0


def annuity_factor(rate: float, years: float) -> float:
    """Present value of 1 paid at the end of each of ``years`` years:
    ``(1 - (1 + r)^-n) / r``, and ``n`` when ``r`` is 0."""
    if years <= 0:
        return 0.0
    if rate == 0:
        return float(years)
    return -math.expm1(-years * math.log1p(rate)) / rate  # exact for tiny rates too


def annualised_capital_usd_per_year(capex_usd: float, residual_usd: float, rate: float, years: float) -> float:
    """The level yearly charge that repays ``capex_usd`` with its return at ``rate`` over ``years``,
    net of the residual value recovered at the end: ``(capex - residual (1 + r)^-n) / annuity
    factor``. So ``charge x annuity_factor = capex - discounted residual`` (an identity the tests
    check). It is depreciation plus financing; see :func:`straight_line_usd_per_year`."""
    factor = annuity_factor(rate, years)
    if factor <= 0:
        return 0.0
    return (capex_usd - residual_usd * (1.0 + rate) ** -years) / factor


def straight_line_usd_per_year(capex_usd: float, residual_usd: float, years: float) -> float:
    """Depreciation: the capital used up per year, ``(capex - residual) / years``. The rest of the
    annualised charge is financing (the return the capital earns for its owners)."""
    return _ratio(capex_usd - residual_usd, years)


def residual_share_at(age_years: np.ndarray | float, life_years: np.ndarray | float, end_share: np.ndarray | float) -> np.ndarray:
    """Value of equipment at ``age`` as a share of its price: straight line from 1 at purchase to
    ``end_share`` at the end of its life (and ``end_share`` after). Used H100 prices follow about
    this line (0.78, 0.60, 0.46, 0.35 at 1-4 years; finance.json, gpu_residual, weak)."""
    used = np.minimum(np.asarray(age_years, dtype=float) / np.maximum(life_years, 1e-9), 1.0)
    return 1.0 - (1.0 - np.asarray(end_share, dtype=float)) * used


def discount_factors(rate: float, years: int) -> np.ndarray:
    """``(1 + r)^-t`` for t = 0..years."""
    return (1.0 + rate) ** -np.arange(years + 1, dtype=float)


def npv(cash_flows: np.ndarray, rate: float) -> float:
    """Net present value: the sum of ``cash_flow_t / (1 + r)^t``, t from 0."""
    flows = np.asarray(cash_flows, dtype=float)
    return float(np.dot(flows, discount_factors(rate, len(flows) - 1)))


#: IRRs found: from -99.99% a year up to 1e12 (a factory that pays back within weeks has an IRR in
#: the thousands of percent, which is a finding, not an error).
_LOWEST_RATE, _HIGHEST_RATE = -0.9999, 1e12


def irr(cash_flows: np.ndarray) -> tuple[float | None, int]:
    """The internal rate of return (the rate at which the cash flows discount to zero) and how
    many such rates there are. ``None`` when there is none above -99.99% (the flows never change
    sign, or never come back, or lose more than 99.99% a year). With several (flows changing sign
    more than once, e.g. at a refresh) the lowest is returned; the count lets the caller say so.

    With ``x = 1 / (1 + r)`` the NPV is the polynomial ``sum cf_t x^t``: its positive real roots
    (numpy's companion-matrix eigenvalues, polished by two Newton steps) are the IRRs."""
    flows = np.asarray(cash_flows, dtype=float)
    if len(flows) < 2 or not (flows.max() > 0 > flows.min()):
        return None, 0
    scale = np.abs(flows).max()
    last = int(np.flatnonzero(np.abs(flows) > 1e-12 * scale)[-1])  # later flows too small to move any root
    poly = flows[last::-1] / scale  # highest power first, as np.roots wants it
    roots = np.roots(poly)
    x = roots.real[(np.abs(roots.imag) <= 1e-9 * np.maximum(1.0, np.abs(roots.real))) & (roots.real > 0)]
    rates = np.sort(1.0 / x - 1.0)
    rates = rates[(rates >= _LOWEST_RATE) & (rates <= _HIGHEST_RATE)]
    if len(rates) == 0:
        return None, 0
    distinct = int(np.count_nonzero(np.diff(rates) > 1e-7 * np.maximum(1.0, np.abs(rates[1:])))) + 1
    return _polished(poly.tolist(), 1.0 / (1.0 + float(rates[0]))), distinct


def _polished(poly: list[float], x: float) -> float:
    """Two Newton steps on the polynomial (highest power first) from root ``x``; the rate ``1/x - 1``."""
    for _ in range(2):
        value = slope = 0.0
        for c in poly:  # Horner, with the derivative alongside
            slope = slope * x + value
            value = value * x + c
        if slope == 0:
            break
        x -= value / slope
    return 1.0 / x - 1.0


def discounted_payback_years(discounted: np.ndarray) -> float | None:
    """Years until the cumulative discounted cash flow turns non-negative for good, interpolated
    within the year it does (year t's flow taken as earned evenly); 0 when it never is negative,
    ``None`` when it never recovers."""
    flows = np.asarray(discounted, dtype=float)
    cumulative = np.cumsum(flows)
    negative = np.nonzero(cumulative < 0)[0]
    if len(negative) == 0:
        return 0.0
    last = int(negative[-1])
    if last == len(flows) - 1:
        return None
    year = last + 1  # the year in which it recovers
    return float(last + _ratio(-cumulative[last], flows[year]))


__all__ = [
    "annualised_capital_usd_per_year",
    "annuity_factor",
    "discount_factors",
    "discounted_payback_years",
    "irr",
    "npv",
    "residual_share_at",
    "straight_line_usd_per_year",
]
