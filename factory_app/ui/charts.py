"""Chart widgets of the results dock: the frontier, revenue and cost, power.

They draw with :mod:`factory_app.ui.chart_content` in the screen style; the slide exports use
the same functions in the slide style.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Signal

from factory_app.factory.curves import FrontierCurve, largest_curves
from factory_app.factory.results import FactoryResult
from factory_app.scenario.model import Scenario
from factory_app.ui.chart_content import (
    SCREEN,
    MAX_CURVES,
    CompactAxis,
    LogAxis,
    grouped_power,
    log_xy,
    top_fleets,
    draw_frontier,
    draw_power,
    draw_revenue_cost,
    new_legend,
    style_axes,
)
from factory_app.ui.style import MUTED

__all__ = ["FrontierChart", "RevenueCostChart", "PowerChart"]


class ChartBase(pg.PlotWidget):
    """A plot with a title, axis labels with units, and a message for the empty state."""

    title_text = ""
    bottom_label = ""
    left_label = ""
    #: where the legend goes (never over the data): "right" of the plot or "below" it, in columns
    legend_where = "right"
    legend_columns = 1

    def __init__(self, parent=None, **kwargs) -> None:
        super().__init__(parent, **kwargs)
        self.plotItem.setMenuEnabled(False)
        self.plotItem.hideButtons()
        self.setMinimumSize(260, 200)
        self.setTitle(self.title_text, size=f"{SCREEN.title_pt}pt")
        style_axes(self.plotItem, SCREEN, self.bottom_label, self.left_label)
        self.legend = new_legend(self.plotItem, SCREEN, self.legend_where, self.legend_columns)

    def reset(self, message: str = "") -> None:
        self.clear()
        self.legend.clear()
        for side in ("left", "bottom"):  # an empty chart has no scale to show
            self.getAxis(side).setStyle(showValues=not message)
        if message:
            text = pg.TextItem(message, color=MUTED, anchor=(0.5, 0.5))
            self.addItem(text, ignoreBounds=True)
            vb = self.getViewBox()
            text.setPos(*vb.viewRect().center().toTuple())


class FrontierChart(ChartBase):
    """Tokens/s per MW of facility power against tokens/s per user, per fleet x workload.

    Dragging an operating-point marker along its curve emits ``targetChanged(workload_id,
    tokens_per_s_per_user)``: the new interactivity target of that workload.
    """

    title_text = "Throughput–interactivity frontier"
    bottom_label = "Interactivity (tokens/s per user)"
    left_label = "Tokens/s per facility MW"
    targetChanged = Signal(str, float)
    #: Most curves drawn: more is unreadable, and drawing 400 curves with a legend takes seconds.
    MAX_CURVES = MAX_CURVES

    def __init__(self, parent=None) -> None:
        super().__init__(parent, axisItems={"bottom": LogAxis("bottom"), "left": LogAxis("left")})
        self.setLogMode(x=True, y=True)
        self.markers: dict[str, pg.TargetItem] = {}
        self.curves: list[FrontierCurve] = []

    def set_curves(self, curves: list[FrontierCurve], result: FactoryResult | None = None) -> None:
        """Show these curves (at most :data:`MAX_CURVES`: those of the operating points with the
        most capacity in ``result``; the title says how many are shown). When only the numbers
        changed (the usual edit), the existing items are updated in place: rebuilding items and
        legend costs tens of milliseconds a frame."""
        total = len(curves)
        curves = largest_curves(curves, result, self.MAX_CURVES)
        _set_title(self, self.title_text if total <= self.MAX_CURVES else f"{self.title_text}: the {len(curves)} largest of {total} fleet × workload pairs")
        signature = [(c.fleet_id, c.workload_id, c.platform, c.label, c.operating_point is not None) for c in curves]
        if curves and signature == getattr(self, "_signature", None):
            self._update_in_place(curves)
            self.curves = curves
            return
        self._signature = signature
        self.curves = curves
        self.reset("" if curves else "Assign a workload to a fleet to see its frontier")
        self.markers = draw_frontier(self.plotItem, curves, SCREEN, movable=True, legend=self.legend)
        self._lines = [item for item in self.plotItem.items if hasattr(item, "frontier_key")]
        for marker in self.markers.values():
            marker.setToolTip(marker.toolTip() + "<br><i>Drag along the curve to change this workload's interactivity target.</i>")
            marker.sigPositionChanged.connect(self._snap)
            marker.sigPositionChangeFinished.connect(self._finished)

    def _update_in_place(self, curves: list[FrontierCurve]) -> None:
        for line, old, new in zip(self._lines, self.curves, curves):
            if not (np.array_equal(old.tokens_per_s_per_user, new.tokens_per_s_per_user)
                    and np.array_equal(old.tokens_per_s_per_mw, new.tokens_per_s_per_mw)):
                line.setData(*log_xy(new))
        for c in curves:
            marker = self.markers.get(f"{c.fleet_id}/{c.workload_id}")
            if marker is None or c.operating_point is None:
                continue
            marker.curve = c
            x, y = c.operating_point
            if x > 0 and y > 0:
                pos = (float(np.log10(x)), float(np.log10(y)))
                if (abs(marker.pos().x() - pos[0]) > 1e-12) or (abs(marker.pos().y() - pos[1]) > 1e-12):
                    marker.blockSignals(True)
                    marker.setPos(pos)
                    marker.blockSignals(False)

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


def _set_title(chart: ChartBase, title: str) -> None:
    if title != getattr(chart, "_title", chart.title_text):
        chart._title = title
        chart.setTitle(title, size=f"{SCREEN.title_pt}pt")


class RevenueCostChart(ChartBase):
    title_text = "Revenue and cost per fleet"
    left_label = "USD per year"

    def __init__(self, parent=None) -> None:
        super().__init__(parent, axisItems={"left": CompactAxis("left")})

    def set_result(self, scenario: Scenario, result: FactoryResult | None) -> None:
        if result is None or not result.fleets:
            _set_title(self, self.title_text)
            self.reset("No fleets yet")
            return
        self.reset()
        shown = top_fleets(result)
        if len(shown.fleets) < len(result.fleets):
            _set_title(self, f"{self.title_text}: the {len(shown.fleets)} with the most revenue of {len(result.fleets)}")
        else:
            _set_title(self, self.title_text)
        draw_revenue_cost(self.plotItem, scenario, shown, SCREEN, self.legend)


class PowerChart(ChartBase):
    title_text = "Where the facility's power goes"
    bottom_label = "Facility power budget (MW)"
    legend_where = "below"
    legend_columns = 3

    def set_result(self, scenario: Scenario, result: FactoryResult | None) -> None:
        if result is None:
            self.reset("No results yet")
            return
        self.reset()
        draw_power(self.plotItem, scenario, replace(result, power_breakdown=grouped_power(scenario, result.power_breakdown)), SCREEN, self.legend)
