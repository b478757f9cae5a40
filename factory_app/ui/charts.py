"""Charts of a factory's results (pyqtgraph): the frontier, revenue and cost, power.

Each chart draws numbers the engine computed; it formats, it does not calculate. The same chart
classes serve the results dock and the slide exports, so a platform has one colour everywhere.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QFont

from factory_app.engine.curves import FrontierCurve
from factory_app.engine.factory_results import COST_TERMS, FactoryResult
from factory_app.scenario.model import Scenario
from factory_app.ui import format as fmt
from factory_app.ui.style import MUTED, platform_color, platform_hex

pg.setConfigOptions(antialias=True, background="w", foreground="k")

COST_COLORS = {
    "accelerator_depreciation": "#4e79a7",
    "facility_depreciation": "#a0cbe8",
    "energy": "#f28e2b",
    "other_opex": "#bab0ac",
}
COST_LABELS = {
    "accelerator_depreciation": "Accelerator depreciation",
    "facility_depreciation": "Facility depreciation",
    "energy": "Energy",
    "other_opex": "Other opex",
}
REVENUE_COLOR = "#59a14f"


def _axis_font(size: float = 10.0) -> QFont:
    f = QFont()
    f.setPointSizeF(size)
    return f


class ChartBase(pg.PlotWidget):
    """A plot with a title, axis labels with units, and a message for the empty state."""

    title_text = ""

    def __init__(self, parent=None, **kwargs) -> None:
        super().__init__(parent, **kwargs)
        self.plotItem.setMenuEnabled(False)
        self.plotItem.hideButtons()
        self.setMinimumSize(260, 200)
        self._message = pg.TextItem("", color=MUTED, anchor=(0.5, 0.5))
        self._message.setFont(_axis_font(11))
        for name in ("left", "bottom"):
            axis = self.getAxis(name)
            axis.setTickFont(_axis_font(9))
            axis.label.setFont(_axis_font(10))
        self.setTitle(self.title_text, size="11pt")

    def show_message(self, text: str) -> None:
        self.clear()
        if text:
            self.addItem(self._message, ignoreBounds=True)
            self._message.setText(text)
            vb = self.getViewBox()
            self._message.setPos(*vb.viewRect().center().toTuple())


class LogAxis(pg.AxisItem):
    """A log axis labelled in plain numbers (20, 50, 100, 1 M) rather than powers of ten."""

    def tickStrings(self, values, scale, spacing):  # noqa: N802 - pyqtgraph's name
        out = []
        for v in values:
            x = 10 ** v
            out.append(fmt.compact(x, 2) if x >= 1000 else f"{x:.3g}")
        return out


class FrontierChart(ChartBase):
    """Tokens/s per MW of facility power against tokens/s per user, per fleet x workload.

    Dragging an operating-point marker along its curve emits ``targetChanged(workload_id,
    tokens_per_s_per_user)``: the new interactivity target of that workload.
    """

    title_text = "Throughput–interactivity frontier"
    targetChanged = Signal(str, float)

    def __init__(self, parent=None) -> None:
        super().__init__(parent, axisItems={"bottom": LogAxis("bottom"), "left": LogAxis("left")})
        self.setLogMode(x=True, y=True)
        self.setLabel("bottom", "Interactivity", units="tokens/s per user")
        self.setLabel("left", "Throughput", units="tokens/s per MW")
        self.getAxis("bottom").enableAutoSIPrefix(False)
        self.getAxis("left").enableAutoSIPrefix(False)
        self.showGrid(x=True, y=True, alpha=0.15)
        self.legend = self.addLegend(offset=(-10, 10), labelTextSize="9pt")
        self.markers: dict[str, pg.TargetItem] = {}
        self.curves: list[FrontierCurve] = []

    def set_curves(self, curves: list[FrontierCurve]) -> None:
        self.clear()
        self.legend.clear()
        self.markers = {}
        self.curves = curves
        if not curves:
            self.show_message("Assign a workload to a fleet to see its frontier")
            return
        for c in curves:
            color = platform_color(c.platform)
            item = self.plot(c.tokens_per_s_per_user, c.tokens_per_s_per_mw, pen=pg.mkPen(color, width=2.2), name=c.label)
            item.setToolTip(c.label)
            if c.operating_point is not None:
                x, y = c.operating_point
                if x > 0 and y > 0:
                    marker = pg.TargetItem(
                        pos=(math.log10(x), math.log10(y)),
                        size=13,
                        symbol="o",
                        pen=pg.mkPen("k", width=1.2),
                        brush=pg.mkBrush(color),
                        movable=True,
                        label=None,
                    )
                    marker.setToolTip(
                        f"{c.label}<br>operating point: {x:,.1f} tokens/s per user, {fmt.compact(y)} tokens/s per MW"
                        "<br><i>Drag along the curve to change this workload's interactivity target.</i>"
                    )
                    marker.curve = c  # type: ignore[attr-defined]
                    marker.sigPositionChanged.connect(self._snap)
                    marker.sigPositionChangeFinished.connect(self._finished)
                    self.addItem(marker)
                    self.markers[f"{c.fleet_id}/{c.workload_id}"] = marker

    def _snap(self, marker: pg.TargetItem) -> None:
        """Keep a dragged marker on its curve."""
        c = marker.curve
        lx = np.log10(c.tokens_per_s_per_user)
        ly = np.log10(c.tokens_per_s_per_mw)
        x = float(np.clip(marker.pos().x(), lx.min(), lx.max()))
        y = float(np.interp(x, lx, ly))
        if abs(marker.pos().y() - y) > 1e-9 or abs(marker.pos().x() - x) > 1e-9:
            marker.blockSignals(True)
            marker.setPos((x, y))
            marker.blockSignals(False)

    def _finished(self, marker: pg.TargetItem) -> None:
        self._snap(marker)
        self.targetChanged.emit(marker.curve.workload_id, float(10 ** marker.pos().x()))


class RevenueCostChart(ChartBase):
    """Revenue against cost (stacked by term) per fleet, USD million per year."""

    title_text = "Revenue and cost per fleet"

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setLabel("left", "USD million per year")
        self.showGrid(y=True, alpha=0.15)
        self.legend = self.addLegend(offset=(-10, 10), labelTextSize="9pt")

    def set_result(self, scenario: Scenario, result: FactoryResult | None) -> None:
        self.clear()
        self.legend.clear()
        if result is None or not result.fleets:
            self.show_message("No fleets yet")
            return
        names = []
        for i, fr in enumerate(result.fleets):
            fleet = next((f for f in scenario.fleets if f.id == fr.fleet_id), None)
            names.append((i, (fleet.name if fleet and fleet.name else fr.platform)))
        x = np.arange(len(result.fleets), dtype=float)
        revenue = np.array([f.revenue_usd_per_year for f in result.fleets]) / 1e6
        bars = pg.BarGraphItem(x=x - 0.2, height=revenue, width=0.36, brush=REVENUE_COLOR, pen=pg.mkPen("w"))
        self.addItem(bars)
        self.legend.addItem(bars, "Revenue")
        bottom = np.zeros(len(x))
        for term in COST_TERMS:
            values = np.array([f.cost_breakdown.get(term, 0.0) for f in result.fleets]) / 1e6
            seg = pg.BarGraphItem(x=x + 0.2, y0=bottom, height=values, width=0.36, brush=COST_COLORS[term], pen=pg.mkPen("w"))
            self.addItem(seg)
            self.legend.addItem(seg, COST_LABELS[term])
            bottom = bottom + values
        self.getAxis("bottom").setTicks([names])
        top = max(float(revenue.max(initial=0)), float(bottom.max(initial=0)), 1e-3)
        self.setYRange(0, top * 1.15, padding=0)
        self.setXRange(-0.7, len(x) - 0.3, padding=0)


class PowerChart(ChartBase):
    """Where the facility's megawatts go: each fleet, non-accelerator IT, cooling and losses, unused."""

    title_text = "Power breakdown"

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setLabel("bottom", "Facility power", units="MW")
        self.getAxis("bottom").enableAutoSIPrefix(False)
        self.getAxis("left").setTicks([[]])
        self.legend = self.addLegend(offset=(-10, 10), labelTextSize="9pt")

    def set_result(self, scenario: Scenario, result: FactoryResult | None) -> None:
        self.clear()
        self.legend.clear()
        if result is None:
            self.show_message("No results yet")
            return
        names = {f.id: (f.name or f.platform, f.platform) for f in scenario.fleets}
        x0 = 0.0
        for key, mw in result.power_breakdown.items():
            if mw <= 0:
                continue
            if key in names:
                label, platform = names[key]
                color = platform_hex(platform)
            else:
                label = {"non_accelerator_it": "Non-accelerator IT", "cooling_and_losses": "Cooling and losses (PUE)", "unused": "Unused budget"}.get(key, key)
                color = {"non_accelerator_it": "#9ca3af", "cooling_and_losses": "#cbd5e1", "unused": "#f1f5f9"}.get(key, "#e5e7eb")
            seg = pg.BarGraphItem(x0=[x0], y=[0.0], width=[mw], height=[0.6], brush=color, pen=pg.mkPen("#64748b", width=0.5))
            seg.setToolTip(f"{label}: {fmt.mw(mw)}")
            self.addItem(seg)
            self.legend.addItem(seg, f"{label} ({fmt.mw(mw)})")
            x0 += mw
        self.setYRange(-1.2, 1.0, padding=0)
        self.setXRange(0, max(x0, 1e-6), padding=0.02)


def chart_color(platform_id: str) -> QColor:
    return platform_color(platform_id)


__all__ = ["FrontierChart", "RevenueCostChart", "PowerChart", "ChartBase", "Qt"]
