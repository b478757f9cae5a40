"""Time value of money, stated once: annuities, annualised capital, NPV, IRR, discounted payback.

Rates are fractions per year (0.10 = 10%); years are counted from 0 (the build). Cash flows are
pre-tax and unlevered, discounted at the site's WACC (a nominal pre-tax rate): financing is
priced by the discount rate, not modelled as loans. docs/factory.md states each formula.

Every formula takes plain numbers or numpy arrays of any shape (broadcast together), so one
evaluation and ten thousand Monte Carlo samples use the same code; the cash-flow functions take
flows ``(..., years + 1)`` and work along the last axis (:func:`irr_batch`,
:func:`payback_batch`), and the one-flow functions are their one-sample case.
"""

from __future__ import annotations

import numpy as np


def _ratio(numerator, denominator):
    """``numerator / denominator``, 0 for a zero denominator (as ``economics.ratio``, which
    imports this module); arrays element by element."""
    n, d = np.asarray(numerator, dtype=float), np.asarray(denominator, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(d != 0, n / np.where(d != 0, d, 1.0), 0.0)
    return out if out.ndim else float(out)


def annuity_factor(rate, years):
    """Present value of 1 paid at the end of each of ``years`` years:
    ``(1 - (1 + r)^-n) / r``, and ``n`` when ``r`` is 0 (0 for no years)."""
    r, n = np.asarray(rate, dtype=float), np.asarray(years, dtype=float)
    safe = np.where(r == 0, 1.0, r)
    factor = np.where(r == 0, n, -np.expm1(-n * np.log1p(safe)) / safe)  # exact for tiny rates too
    out = np.where(n <= 0, 0.0, factor)
    return out if out.ndim else float(out)


def annualised_capital_usd_per_year(capex_usd, residual_usd, rate, years):
    """The level yearly charge that repays ``capex_usd`` with its return at ``rate`` over ``years``,
    net of the residual value recovered at the end: ``(capex - residual (1 + r)^-n) / annuity
    factor``. So ``charge x annuity_factor = capex - discounted residual`` (an identity the tests
    check). It is depreciation plus financing; see :func:`straight_line_usd_per_year`."""
    factor = np.asarray(annuity_factor(rate, years))
    r, n = np.asarray(rate, dtype=float), np.asarray(years, dtype=float)
    charge = (np.asarray(capex_usd, dtype=float) - np.asarray(residual_usd, dtype=float) * (1.0 + r) ** -n) / np.where(factor > 0, factor, 1.0)
    out = np.where(factor > 0, charge, 0.0)
    return out if out.ndim else float(out)


def straight_line_usd_per_year(capex_usd, residual_usd, years):
    """Depreciation: the capital used up per year, ``(capex - residual) / years``. The rest of the
    annualised charge is financing (the return the capital earns for its owners)."""
    return _ratio(np.asarray(capex_usd, dtype=float) - residual_usd, years)


def residual_share_at(age_years: np.ndarray | float, life_years: np.ndarray | float, end_share: np.ndarray | float) -> np.ndarray:
    """Value of equipment at ``age`` as a share of its price: straight line from 1 at purchase to
    ``end_share`` at the end of its life (and ``end_share`` after). Used H100 prices follow about
    this line (0.78, 0.60, 0.46, 0.35 at 1-4 years; finance.json, gpu_residual, weak)."""
    used = np.minimum(np.asarray(age_years, dtype=float) / np.maximum(life_years, 1e-9), 1.0)
    return 1.0 - (1.0 - np.asarray(end_share, dtype=float)) * used


def discount_factors(rate, years: int) -> np.ndarray:
    """``(1 + r)^-t`` for t = 0..years (``(..., years + 1)`` for an array of rates)."""
    r = np.asarray(rate, dtype=float)
    return (1.0 + r[..., None]) ** -np.arange(years + 1, dtype=float)


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
    The one-flow case of :func:`irr_batch`."""
    flows = np.asarray(cash_flows, dtype=float)
    rates, counts = irr_batch(flows[None, :])
    return (None if np.isnan(rates[0]) else float(rates[0])), int(counts[0])


def irr_batch(cash_flows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """IRRs of many cash flows at once: ``cash_flows`` is (samples, years + 1); returns the lowest
    IRR of each (NaN where none exists, see :func:`irr`) and how many distinct rates zero it.

    With ``x = 1 / (1 + r)`` the NPV is the polynomial ``sum cf_t x^t``: its positive real roots
    (the eigenvalues of its companion matrix, all samples of one degree at once, polished by two
    Newton steps) are the IRRs. Later flows too small to move any root (below 1e-12 of the
    largest) are dropped, so each sample's polynomial has its own degree."""
    flows = np.atleast_2d(np.asarray(cash_flows, dtype=float))
    n, t = flows.shape
    rates, counts = np.full(n, np.nan), np.zeros(n, dtype=int)
    if t < 2:
        return rates, counts
    scale = np.abs(flows).max(axis=1)
    ok = (flows.max(axis=1) > 0) & (flows.min(axis=1) < 0)
    significant = np.abs(flows) > 1e-12 * scale[:, None]
    last = t - 1 - np.argmax(significant[:, ::-1], axis=1)
    for degree in np.unique(last[ok]):
        if degree < 1:  # only year 0 matters: a constant has no root
            continue
        rows = np.flatnonzero(ok & (last == degree))
        poly = flows[rows, degree::-1] / scale[rows, None]  # highest power first
        rates[rows], counts[rows] = _lowest_roots(poly)
    return rates, counts


def _lowest_roots(poly: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For polynomials (rows, highest power first, same degree >= 1): the lowest rate ``1/x - 1``
    over their positive real roots x within the IRR bounds (NaN if none), and how many distinct."""
    rows, degree = poly.shape[0], poly.shape[1] - 1
    companion = np.zeros((rows, degree, degree))
    companion[:, 0, :] = -poly[:, 1:] / poly[:, :1]
    if degree > 1:
        companion[:, np.arange(1, degree), np.arange(degree - 1)] = 1.0
    roots = np.linalg.eigvals(companion)
    real = roots.real
    usable = (np.abs(roots.imag) <= 1e-9 * np.maximum(1.0, np.abs(real))) & (real > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(usable, 1.0 / np.where(usable, real, 1.0) - 1.0, np.nan)
    rate = np.where((rate >= _LOWEST_RATE) & (rate <= _HIGHEST_RATE), rate, np.nan)
    rate = np.sort(rate, axis=1)  # NaN last
    found = ~np.isnan(rate)
    gaps = np.diff(rate, axis=1) > 1e-7 * np.maximum(1.0, np.abs(rate[:, 1:]))
    counts = np.where(found[:, 0], 1 + np.sum(gaps & found[:, 1:], axis=1), 0)
    lowest = rate[:, 0]
    return _polished(poly, 1.0 / (1.0 + np.where(found[:, 0], lowest, 0.0)), found[:, 0]), counts


def _polished(poly: np.ndarray, x: np.ndarray, found: np.ndarray) -> np.ndarray:
    """Two Newton steps on each polynomial (rows, highest power first) from its root ``x``; the
    rate ``1/x - 1`` (NaN where nothing was ``found``)."""
    for _ in range(2):
        value = np.zeros_like(x)
        slope = np.zeros_like(x)
        for c in poly.T:  # Horner, with the derivative alongside
            slope = slope * x + value
            value = value * x + c
        x = np.where(slope != 0, x - value / np.where(slope != 0, slope, 1.0), x)
    return np.where(found, 1.0 / x - 1.0, np.nan)


def discounted_payback_years(discounted: np.ndarray) -> float | None:
    """Years until the cumulative discounted cash flow turns non-negative for good, interpolated
    within the year it does (year t's flow taken as earned evenly); 0 when it never is negative,
    ``None`` when it never recovers. The one-flow case of :func:`payback_batch`."""
    years = payback_batch(np.asarray(discounted, dtype=float)[None, :])[0]
    return None if np.isnan(years) else float(years)


def payback_batch(flows: np.ndarray) -> np.ndarray:
    """Payback of each row of ``flows`` (samples, years + 1), discounted or not: years until the
    cumulative flow turns non-negative for good (see :func:`discounted_payback_years`); NaN where
    it never recovers."""
    flows = np.atleast_2d(np.asarray(flows, dtype=float))
    n, t = flows.shape
    cumulative = np.cumsum(flows, axis=1)
    negative = cumulative < 0
    any_negative = negative.any(axis=1)
    last = t - 1 - np.argmax(negative[:, ::-1], axis=1)  # the last negative year
    recovers = last < t - 1
    nxt = np.minimum(last + 1, t - 1)
    rows = np.arange(n)
    within = _ratio(-cumulative[rows, last], flows[rows, nxt])
    years = np.where(recovers, last + np.asarray(within), np.nan)
    return np.where(any_negative, years, 0.0)


__all__ = [
    "annualised_capital_usd_per_year",
    "annuity_factor",
    "discount_factors",
    "payback_batch",
    "discounted_payback_years",
    "irr",
    "irr_batch",
    "npv",
    "residual_share_at",
    "straight_line_usd_per_year",
]
