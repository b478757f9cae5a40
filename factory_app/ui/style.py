"""Colours and fonts shared by the canvas, charts and exports.

A platform keeps one colour in every view and every exported chart, so a slide deck reads
consistently. Colours are from the Okabe-Ito and Tableau palettes (distinguishable for common
colour-vision deficiencies), assigned by platform id.
"""

from __future__ import annotations

from PySide6.QtGui import QColor

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
_FALLBACK = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7"]

WORKLOAD_COLOR = "#3b4cc0"
SITE_COLOR = "#2f3b4c"
ACCENT = "#2563eb"
WARNING = "#b45309"
ERROR = "#b91c1c"
MUTED = "#6b7280"
BACKGROUND = "#f7f8fa"


def platform_color(platform_id: str) -> QColor:
    hex_ = PLATFORM_COLORS.get(platform_id) or _FALLBACK[sum(map(ord, platform_id)) % len(_FALLBACK)]
    return QColor(hex_)


def platform_hex(platform_id: str) -> str:
    return platform_color(platform_id).name()
