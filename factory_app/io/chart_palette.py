"""The app's chart colours, stated once and free of Qt: platform colours, cost and power terms,
revenue, cash flows, workloads, dash patterns, and the shading that tells two curves of one
platform apart.

The screen charts (``ui/chart_content.py``, ``ui/finance_charts.py``, ``ui/style.py``) and the
PowerPoint deck (``io/deck.py``) both read this module, so a platform keeps its colour on screen,
in a PNG and on a slide. :func:`shade_hex` is Qt's ``QColor.lighter``/``darker`` done on hex
strings with Qt's own integer HSV arithmetic (a test checks it against ``QColor`` colour by
colour), so the UI's shades did not change when they moved here.
"""

from __future__ import annotations

from typing import Iterable

import numpy as np

#: One colour per platform in every view (Okabe-Ito and Tableau: distinguishable for common
#: colour-vision deficiencies).
PLATFORM_COLORS: dict[str, str] = {
    "a100": "#8c8c8c",
    "h100": "#e69f00",
    "h200": "#d55e00",
    "gh200": "#cc79a7",
    "b200": "#56b4e9",
    "b300": "#0072b2",
    "gb200": "#009e73",
    "gb300": "#006d4f",
    "rubin": "#7b3294",
    "mi300x": "#b2182b",
    "mi325x": "#ef6548",
    "mi355x": "#67001f",
    "tpu-v5e": "#f0e442",
    "tpu-v6e": "#bcbd22",
    "tpu-v7": "#8c6d31",
}
#: Colours of platforms without one of their own, picked by a checksum of the id.
FALLBACK_COLORS = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7")

COST_COLORS = {
    "accelerator_depreciation": "#4e79a7",
    "facility_depreciation": "#a0cbe8",
    "financing": "#b07aa1",
    "energy": "#f28e2b",
    "other_opex": "#bab0ac",
}
COST_LABELS = {
    "accelerator_depreciation": "Accelerator depreciation",
    "facility_depreciation": "Facility depreciation",
    "financing": "Financing (cost of capital)",
    "energy": "Energy",
    "other_opex": "Other opex",
}
REVENUE_COLOR = "#59a14f"
#: The parts of the facility's power that are not a fleet: (label, colour).
POWER_OTHER = {
    "non_accelerator_it": ("Non-accelerator IT", "#9ca3af"),
    "cooling_and_losses": ("Cooling and losses (PUE)", "#cbd5e1"),
    "unused": ("Unused budget", "#eef2f7"),
}
#: Colours of the cash-flow bars and line.
INFLOW = "#59a14f"
OUTFLOW = "#e15759"
CUMULATIVE = "#1f2937"
#: Uncertainty charts, in the app and on slides: a tornado's bar with the input at its low end and
#: at its high end, the figure as stated; the histogram's samples; the fan's bands and median.
TORNADO_LOW = "#4e79a7"
TORNADO_HIGH = "#f28e2b"
AS_STATED = "#111827"
SAMPLES = "#76b7b2"
FAN_OUTER = "#c6dbef"
FAN_INNER = "#6baed6"
MEDIAN = "#08519c"
#: Workload colours on the demand chart (one per workload, in scenario order).
WORKLOAD_COLORS = ("#4e79a7", "#f28e2b", "#76b7b2", "#b07aa1", "#edc948", "#9c755f")
#: Dash patterns (in pen widths; None = solid) that tell curves apart where colour cannot (grey
#: print, colour-blind readers, two fleets of one platform): each curve of a chart gets its own.
DASHES: tuple[tuple[float, ...] | None, ...] = (None, (5, 2.5), (1.2, 2), (6, 2, 1.2, 2), (10, 3), (3, 2, 1.2, 2, 1.2, 2))
#: Line styles that tell scenarios apart on an overlay (colour = platform and pair).
SCENARIO_DASHES = DASHES[:4]


def platform_hex(platform_id: str) -> str:
    """The platform's colour as ``#rrggbb`` (lower case)."""
    return (PLATFORM_COLORS.get(platform_id) or FALLBACK_COLORS[sum(map(ord, platform_id)) % len(FALLBACK_COLORS)]).lower()


# -- Qt's lighter()/darker(), on hex strings ---------------------------------------------------------
_MAX = 65535  # Qt keeps colour components as 16-bit integers
_F = np.float32  # and does its HSV arithmetic in single precision


def _round(x) -> int:
    """Qt's qRound of a float: half away from zero."""
    x = float(x)
    return int(x + 0.5) if x >= 0 else -int(-x + 0.5)


def _rgb16(hex_: str) -> tuple[int, int, int]:
    h = hex_.lstrip("#")
    return tuple(int(h[i:i + 2], 16) * 257 for i in (0, 2, 4))  # type: ignore[return-value]


def _to_hsv(r16: int, g16: int, b16: int) -> tuple[int, int, int]:
    r, g, b = _F(r16) / _F(_MAX), _F(g16) / _F(_MAX), _F(b16) / _F(_MAX)
    hi, lo = max(r, g, b), min(r, g, b)
    delta = _F(hi - lo)
    v = _round(hi * _F(_MAX))
    if abs(float(delta)) <= 0.00001:
        return _MAX, 0, v  # achromatic: hue undefined
    s = _round((delta / hi) * _F(_MAX))
    if r == hi:
        hue = (g - b) / delta
    elif g == hi:
        hue = _F(2.0) + (b - r) / delta
    else:
        hue = _F(4.0) + (r - g) / delta
    hue = _F(hue * _F(6000.0))
    if hue < 0:
        hue = _F(hue + _F(36000.0))
    return _round(hue), s, v


def _to_rgb(h16: int, s16: int, v16: int) -> tuple[int, int, int]:
    if s16 == 0 or h16 == _MAX:
        return v16, v16, v16
    h = _F(0.0) if h16 == 36000 else _F(h16) / _F(6000.0)
    s, v = _F(s16) / _F(_MAX), _F(v16) / _F(_MAX)
    i = int(h)
    f = _F(h - _F(i))
    p = _F(v * (_F(1.0) - s))
    if i & 1:
        q = _F(v * (_F(1.0) - _F(s * f)))
        rgb = {1: (q, v, p), 3: (p, q, v), 5: (v, p, q)}[i]
    else:
        t = _F(v * (_F(1.0) - _F(s * _F(_F(1.0) - f))))
        rgb = {0: (v, t, p), 2: (p, v, t), 4: (t, p, v)}[i]
    return tuple(_round(_F(c * _F(_MAX))) for c in rgb)  # type: ignore[return-value]


def _div257(x: int) -> int:
    """A 16-bit component as 8 bits, rounded as Qt's ``qt_div_257``."""
    return (x - ((x + 0x80) >> 8) + 0x80) >> 8


def _hex(rgb16: tuple[int, int, int]) -> str:
    return "#" + "".join(f"{_div257(c):02x}" for c in rgb16)


def lighter_hex(hex_: str, factor: int) -> str:
    """``QColor(hex_).lighter(factor).name()``."""
    if factor <= 0:
        return hex_.lower()
    if factor < 100:
        return darker_hex(hex_, 10000 // factor)
    h, s, v = _to_hsv(*_rgb16(hex_))
    v = factor * v // 100
    if v > _MAX:
        s = max(s - (v - _MAX), 0)
        v = _MAX
    return _hex(_to_rgb(h, s, v))


def darker_hex(hex_: str, factor: int) -> str:
    """``QColor(hex_).darker(factor).name()``."""
    if factor <= 0:
        return hex_.lower()
    if factor < 100:
        return lighter_hex(hex_, 10000 // factor)
    h, s, v = _to_hsv(*_rgb16(hex_))
    return _hex(_to_rgb(h, s, v * 100 // factor))


def lightness(hex_: str) -> int:
    """HSL lightness 0-255, as ``QColor.lightness()``."""
    r, g, b = (_F(c) / _F(_MAX) for c in _rgb16(hex_))
    return _div257(_round(_F(max(r, g, b) + min(r, g, b)) * _F(_MAX) / _F(2.0)))


def shade_hex(hex_: str, n: int) -> str:
    """The ``n``-th shade of a colour: itself, then alternately darker and lighter (a dark colour
    only gets lighter, a light one only darker, so no shade reads as black or white)."""
    if n == 0:
        return hex_.lower()
    step = (n + 1) // 2
    light = lightness(hex_)
    if light < 90:
        return lighter_hex(hex_, 100 + 70 * n)
    if light > 170:
        return darker_hex(hex_, 100 + 40 * n)
    return darker_hex(hex_, 100 + 45 * step) if n % 2 else lighter_hex(hex_, 100 + 40 * step)


def curve_colors(platforms: Iterable[str]) -> list[str]:
    """Colour of each curve of a chart, in order: its platform's colour, shaded for the second,
    third... curve of the same platform, so no two curves share a colour."""
    seen: dict[str, int] = {}
    out = []
    for p in platforms:
        n = seen.get(p, 0)
        seen[p] = n + 1
        out.append(shade_hex(platform_hex(p), n))
    return out


__all__ = [
    "AS_STATED", "COST_COLORS", "COST_LABELS", "CUMULATIVE", "DASHES", "FAN_INNER", "FAN_OUTER", "FALLBACK_COLORS", "INFLOW", "MEDIAN", "OUTFLOW", "PLATFORM_COLORS", "SAMPLES", "TORNADO_HIGH", "TORNADO_LOW",
    "POWER_OTHER", "REVENUE_COLOR", "SCENARIO_DASHES", "WORKLOAD_COLORS", "curve_colors", "darker_hex", "lighter_hex",
    "lightness", "platform_hex", "shade_hex",
]
