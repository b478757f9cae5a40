"""Colours and fonts shared by the canvas, charts and exports.

A platform keeps one colour in every view and every exported chart, so a slide deck reads
consistently. The chart colours themselves live in :mod:`factory_app.io.chart_palette` (no Qt),
which the PowerPoint deck reads too; this module gives them to Qt.
"""

from __future__ import annotations

from PySide6.QtGui import QColor

from factory_app.io.chart_palette import PLATFORM_COLORS, platform_hex  # noqa: F401 - re-exported for the UI

WORKLOAD_COLOR = "#3b4cc0"
SITE_COLOR = "#2f3b4c"
ACCENT = "#2563eb"
WARNING = "#b45309"
ERROR = "#b91c1c"
MUTED = "#6b7280"
BACKGROUND = "#f7f8fa"


def platform_color(platform_id: str) -> QColor:
    """The platform's colour (:func:`factory_app.io.chart_palette.platform_hex`) as a QColor."""
    return QColor(platform_hex(platform_id))


__all__ = ["ACCENT", "BACKGROUND", "ERROR", "MUTED", "SITE_COLOR", "WARNING", "WORKLOAD_COLOR", "platform_color"]
