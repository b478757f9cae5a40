"""Numbers as people read them: SI-style magnitudes with units, never NaN or infinity.

One formatter per kind of figure, shared by the app, ``factory-app`` text output and chart
exports; :func:`metric` formats any total by its style in :mod:`factory_app.factory.metrics`.
"""

from __future__ import annotations

import math
import re

from factory_app.factory.metrics import METRICS, unavailable

_SUFFIXES = ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k"))


def _finite(x: float) -> float:
    return x if isinstance(x, (int, float)) and math.isfinite(x) else 0.0


_NONZERO_DIGIT = re.compile(r"[1-9]")


def nonnegative_zero(x: float) -> float:
    """``x`` finite, with ``-0.0`` as ``0.0`` (a negative zero reads as a loss where there is none)."""
    x = _finite(x)
    return 0.0 if x == 0 else x


def _unsigned_if_zero(text: str) -> str:
    """'-0.0' -> '0.0': a number that rounds to zero shows no sign."""
    if text[:1] in "-−" and not _NONZERO_DIGIT.search(text):
        return text[1:]
    return text


def num(x: float, spec: str) -> str:
    """``format(x, spec)`` for finite ``x`` (non-finite as 0), never '-0' however it rounds."""
    return _unsigned_if_zero(format(nonnegative_zero(x), spec))


def signed(text: str, value: float) -> str:
    """``text`` (an absolute value already formatted, e.g. '$1.20 M') with a minus sign when
    ``value`` is negative and the text is not zero."""
    return f"-{text}" if _finite(value) < 0 and _NONZERO_DIGIT.search(text) else text


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
    """'$1.23 M', '-$57.6 M' (the sign before the dollar, as finance writes it)."""
    return signed(f"${compact(abs(_finite(x)))}", x)


def usd_per_year(x: float) -> str:
    return f"{usd(x)}/yr"


def percent(fraction: float, decimals: int = 1) -> str:
    return f"{num(_finite(fraction) * 100, f'.{decimals}f')}%"


def mw(x: float) -> str:
    x = _finite(x)
    return f"{num(x, ',.1f')} MW" if abs(x) >= 10 else f"{num(x, ',.2f')} MW"


def count(n: float) -> str:
    return f"{int(round(_finite(n))):,}"


def plain(x: float, digits: int = 3) -> str:
    return _sig(abs(_finite(x)), digits) if x >= 0 else "-" + _sig(abs(_finite(x)), digits)


def years(x: float | None) -> str:
    """Years to one decimal; ``None`` (never) as 'never'."""
    return "never" if x is None else f"{num(x, ',.1f')} yr"


def rate(x: float | None) -> str:
    """A yearly rate as a percentage; ``None`` (no rate exists) as 'n/a'."""
    return "n/a" if x is None else f"{num(_finite(x) * 100, ',.1f')}%"


_STYLES = {
    "tokens_per_s": tokens_per_s,
    "per_mw": lambda v: f"{compact(v)} tok/s/MW",
    "usd_per_year": usd_per_year,
    "usd_per_w_year": lambda v: signed(f"${num(abs(_finite(v)), ',.2f')}/W/yr", v),
    "usd_per_mtok": lambda v: signed(f"${num(abs(_finite(v)), ',.3f')}", v),
    "usd_per_hour": lambda v: signed(f"${num(abs(_finite(v)), ',.2f')}/h", v),
    "rate": rate,
    "usd": usd,
    "fraction": percent,
    "joules": lambda v: f"{num(v, ',.2f')} J",
    "count": count,
    "mw": mw,
    "years": years,
}


def metric(key: str, value: float | None) -> str:
    """A total formatted by its style (e.g. ``margin`` 0.42 -> '42.0%'); ``None`` (an IRR or a
    payback that does not exist) as 'n/a' or 'never'."""
    m = METRICS.get(key)
    if value is None:
        return "never" if m is not None and m.style == "years" else "n/a"
    return _STYLES[m.style](value) if m else compact(value)


#: What a total with no meaningful value shows (the reason goes beside it or in its tooltip)
MISSING = "—"


def total(key: str, totals) -> str:
    """A total of an evaluation as shown: its value, or "—" when it has none (see
    :func:`factory_app.factory.metrics.unavailable`)."""
    return MISSING if unavailable(key, totals) else metric(key, totals.get(key, 0.0))


def difference(key: str, diff: float | None, relative: float | None) -> str:
    """A change of a total as people read it: '+1.2 M tok/s (+12.0%)'. A share (margin, idle)
    or a rate (IRR) changes in percentage points, and a relative change of a percentage is not
    shown; no change can be stated when either side does not exist (``None``)."""
    if diff is None:
        return "n/a"
    m = METRICS.get(key)
    diff = _finite(diff)
    if m is not None and m.style in ("fraction", "rate"):
        body = f"{abs(diff) * 100:.1f} pp"
    else:
        body = metric(key, abs(diff))
    sign = "−" if diff < 0 and _NONZERO_DIGIT.search(body) else "+"
    pct = "" if relative is None else f" ({_signed_percent(relative)})"
    return f"{sign}{body}{pct}"


def _signed_percent(relative: float) -> str:
    """'+12.0%' or '−3.4%' (a true minus), never '−0.0%'."""
    text = num(abs(_finite(relative)) * 100, ".1f")
    return f"{'−' if relative < 0 and _NONZERO_DIGIT.search(text) else '+'}{text}%"


def input_value(unit: str, value: float) -> str:
    """An uncertain input's value in its unit, as a tornado or an inspector shows it: a fraction
    as a percentage (7.0%), money with its magnitude ($9.00 M/MW), a throughput multiplier as
    x0.84."""
    v = _finite(value)
    if unit.startswith("fraction"):
        return f"{v * 100:.1f}%" + ("/yr" if "per year" in unit else "")
    if unit.startswith("x "):
        return f"×{v:.2f}"
    if unit.startswith("USD"):
        rest = unit[3:].strip()
        money = usd(v) if abs(v) >= 1000 else signed(f"${abs(v):,.3g}", v)
        return money + (rest if rest.startswith("/") else f" {rest}" if rest else "")
    return f"{compact(v)} {unit}".strip()


def metric_value(key: str, value: float) -> str:
    """A total's value without its unit, for a chart whose axis names the unit: '876 k',
    '$25.49', '$0.245', '42.0%' (labels over bars stay narrow enough not to run into each other)."""
    m = METRICS.get(key)
    style = m.style if m else ""
    v = _finite(value)
    if style in ("tokens_per_s", "per_mw", "count"):
        return compact(v)
    if style in ("usd_per_year", "usd"):
        return usd(v)
    if style == "usd_per_w_year":
        return signed(f"${abs(v):,.2f}", v)
    if style == "usd_per_mtok":
        return signed(f"${abs(v):,.3f}", v)
    return metric(key, v)
