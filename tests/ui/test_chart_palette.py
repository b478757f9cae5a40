"""The chart colours moved to a Qt-free module (io/chart_palette.py) that the deck reads too; the
app's colours and shades must be what they were when Qt computed them."""

from __future__ import annotations

from PySide6.QtGui import QColor

from factory_app.io import chart_palette as cp
from factory_app.ui.chart_content import curve_looks, shade
from factory_app.ui.style import platform_color


def _qt_shade(color: QColor, n: int) -> QColor:
    """The UI's shade as it was before the move (QColor.lighter/darker)."""
    if n == 0:
        return QColor(color)
    step = (n + 1) // 2
    lightness = color.lightness()
    if lightness < 90:
        return color.lighter(100 + 70 * n)
    if lightness > 170:
        return color.darker(100 + 40 * n)
    return color.darker(100 + 45 * step) if n % 2 else color.lighter(100 + 40 * step)


def _qt_platform_hex(platform_id: str) -> str:
    fallback = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7"]
    return QColor(cp.PLATFORM_COLORS.get(platform_id) or fallback[sum(map(ord, platform_id)) % len(fallback)]).name()


def test_every_palette_colour_shades_as_qt_did():
    colours = set(cp.PLATFORM_COLORS.values()) | set(cp.FALLBACK_COLORS) | set(cp.COST_COLORS.values()) | set(cp.WORKLOAD_COLORS)
    for hex_ in sorted(colours):
        for n in range(10):
            assert cp.shade_hex(hex_, n) == _qt_shade(QColor(hex_), n).name(), (hex_, n)
            assert shade(QColor(hex_), n).name() == _qt_shade(QColor(hex_), n).name()
        assert cp.lightness(hex_) == QColor(hex_).lightness()


def test_platform_colours_are_unchanged_including_unknown_platforms():
    for pid in [*cp.PLATFORM_COLORS, "tpu7x", "my-own-asic", "x"]:
        assert platform_color(pid).name() == _qt_platform_hex(pid) == cp.platform_hex(pid)


def test_curve_colours_of_the_deck_are_the_charts():
    class C:  # what curve_looks reads of a FrontierCurve
        def __init__(self, platform):
            self.platform = platform

    platforms = ["h200", "gb200", "h200", "h200", "b200", "gb200", "unknown-x"]
    assert [c.name() for c, _ in curve_looks([C(p) for p in platforms])] == cp.curve_colors(platforms)
