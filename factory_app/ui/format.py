"""Number formatting for the UI: SI-style magnitudes with units, never NaN or infinity."""

from __future__ import annotations

import math

_SUFFIXES = ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k"))


def _finite(x: float) -> float:
    return x if isinstance(x, (int, float)) and math.isfinite(x) else 0.0


def compact(x: float, digits: int = 3) -> str:
    """1234567 -> '1.23 M'; small numbers keep ``digits`` significant figures."""
    x = _finite(x)
    sign = "-" if x < 0 else ""
    a = abs(x)
    for scale, suffix in _SUFFIXES:
        if a >= scale:
            return f"{sign}{_sig(a / scale, digits)} {suffix}"
    return f"{sign}{_sig(a, digits)}"


def _sig(a: float, digits: int) -> str:
    if a == 0:
        return "0"
    decimals = max(0, digits - 1 - int(math.floor(math.log10(a))))
    return f"{a:,.{decimals}f}"


def tokens_per_s(x: float) -> str:
    return f"{compact(x)} tok/s"


def usd(x: float) -> str:
    return f"${compact(x)}"


def usd_per_year(x: float) -> str:
    return f"${compact(x)}/yr"


def percent(fraction: float, decimals: int = 1) -> str:
    return f"{_finite(fraction) * 100:.{decimals}f}%"


def mw(x: float) -> str:
    x = _finite(x)
    return f"{x:,.1f} MW" if abs(x) >= 10 else f"{x:,.2f} MW"


def count(n: float) -> str:
    return f"{int(round(_finite(n))):,}"


def plain(x: float, digits: int = 3) -> str:
    return _sig(abs(_finite(x)), digits) if x >= 0 else "-" + _sig(abs(_finite(x)), digits)
