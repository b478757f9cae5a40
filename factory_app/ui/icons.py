"""Icons: SVG files from ``resources/icons`` and colour chips for platforms."""

from __future__ import annotations

from functools import lru_cache

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPixmap

from factory_app.resources import resource_path
from factory_app.ui.style import platform_color


@lru_cache(maxsize=None)
def icon(name: str) -> QIcon:
    """``resources/icons/<name>.svg`` as a QIcon (empty icon if the file is missing)."""
    path = resource_path("icons", f"{name}.svg")
    return QIcon(str(path)) if path.exists() else QIcon()


@lru_cache(maxsize=None)
def platform_icon(platform_id: str, vendor: str = "") -> QIcon:
    """A rounded square in the platform's colour with the vendor's initial."""
    pm = QPixmap(32, 32)
    pm.fill(Qt.transparent)
    p = QPainter(pm)
    p.setRenderHint(QPainter.Antialiasing)
    p.setPen(Qt.NoPen)
    p.setBrush(platform_color(platform_id))
    p.drawRoundedRect(QRectF(2, 2, 28, 28), 6, 6)
    f = QFont()
    f.setPixelSize(15)
    f.setBold(True)
    p.setFont(f)
    p.setPen(QColor("white"))
    p.drawText(QRectF(2, 2, 28, 28), Qt.AlignCenter, (vendor or platform_id)[:1].upper())
    p.end()
    return QIcon(pm)
