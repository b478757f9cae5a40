"""Software dates: which month of serving software a prediction is for, and how much faster
software gets with time.

Every calibration measurement carries the month of the software it ran (MLPerf rounds v4.0
2024-03, v4.1 2024-08, v5.0 2025-04, v5.1 2025-09, v6.0 2026-04; library tables by release).
A family's efficiency factors describe its software at its ``reference_date``; at another date
the kernels run ``exp(trend * years)`` times as fast (``trend`` = the family's fitted
``software_trend_per_year``). A request for a month answers for the latest calibrated month at or
before it (``calibrated_for``); a month before every calibrated one uses the earliest.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache

from factory_app.serving.catalog import Catalog, Efficiency

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class SoftwareDateError(ValueError):
    """A software date that is not a month written YYYY-MM."""


@lru_cache(maxsize=256)  # a big factory asks for the same few months hundreds of thousands of times
def parse_month(text: str) -> float:
    """'2026-04' -> 2026.25 (years, the month's start)."""
    m = _MONTH.match(text or "")
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise SoftwareDateError(f"software date must be a month written YYYY-MM, got {text!r}")
    return int(m.group(1)) + (int(m.group(2)) - 1) / 12.0


def calibrated_for(requested: str | None, catalog: Catalog) -> str:
    """The calibrated month a request for ``requested`` (None = the latest) answers for."""
    dates = catalog.software.dates
    if not dates:
        return requested or ""
    if requested is None:
        return dates[-1]
    when = parse_month(requested)
    earlier = [d for d in dates if parse_month(d) <= when]
    return earlier[-1] if earlier else dates[0]


def software_speed(eff: Efficiency, date: str, moe_trend: float = 0.0) -> float:
    """How many times faster the family's kernels run at ``date`` than at its reference date;
    ``moe_trend`` (yearly log-rate, :attr:`SoftwareDates.moe_trend_per_year`) is added for
    mixture-of-experts models."""
    if not date or not eff.reference_date:
        return 1.0
    return math.exp((eff.software_trend_per_year + moe_trend) * (parse_month(date) - parse_month(eff.reference_date)))


def software_trend_per_year(catalog: Catalog, family: str | None = None) -> float:
    """Fitted yearly speed-up of serving software as a fraction (0.2 = 20% faster per year): of
    one platform family, or (``family=None``) the mean over the calibrated families, weighted
    as the fit weighted them. This is the "software gets faster by x%/year" of life-cycle cash
    flows."""
    if family is not None:
        return math.expm1(catalog.efficiency[family].software_trend_per_year)
    rates = [e.software_trend_per_year for e in catalog.efficiency.values() if e.calibrated and e.software_trend_per_year]
    return math.expm1(sum(rates) / len(rates)) if rates else 0.0
