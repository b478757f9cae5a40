"""What each chart draws, onto any pyqtgraph ``PlotItem``, in a given style.

The results dock and the slide exports call the same functions with different styles (screen
sizes or slide sizes), so a chart looks the same everywhere and a platform keeps its colour.
Everything drawn is a number the engine computed; these functions only place and label it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont

from factory_app.factory.curves import FrontierCurve
from factory_app.factory.results import COST_TERMS, FactoryResult
from factory_app.scenario.model import Scenario
from factory_app.io import number_format as fmt
from factory_app.ui.style import platform_color, platform_hex

pg.setConfigOptions(antialias=True, background="w", foreground="k")

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
POWER_OTHER = {
    "non_accelerator_it": ("Non-accelerator IT", "#9ca3af"),
    "cooling_and_losses": ("Cooling and losses (PUE)", "#cbd5e1"),
    "unused": ("Unused budget", "#eef2f7"),
}
#: Line styles that tell scenarios apart when their curves share a platform colour.
SCENARIO_DASHES = (Qt.SolidLine, Qt.DashLine, Qt.DotLine, Qt.DashDotLine)


#: Most fleets a bar chart shows one by one: hundreds of bars are unreadable and slow to draw.
MAX_FLEET_BARS = 12
#: Most frontier curves a chart shows (those of the operating points with the most capacity).
MAX_CURVES = 12


def top_fleets(result: FactoryResult, limit: int = MAX_FLEET_BARS) -> FactoryResult:
    """The result with only the ``limit`` fleets of most revenue (scenario order kept)."""
    if len(result.fleets) <= limit:
        return result
    top = set(sorted(range(len(result.fleets)), key=lambda i: -result.fleets[i].revenue_usd_per_year)[:limit])
    return replace(result, fleets=tuple(f for i, f in enumerate(result.fleets) if i in top))


def grouped_power(scenario: Scenario, breakdown: dict[str, float], limit: int = MAX_FLEET_BARS) -> dict[str, float]:
    """The power breakdown with at most ``limit`` fleets shown one by one: the others (those
    drawing least) become one "N other fleets" entry with their sum, so the bar still adds up to
    the facility power."""
    fleet_ids = {f.id for f in scenario.fleets}
    fleets = [k for k in breakdown if k in fleet_ids]
    if len(fleets) <= limit:
        return breakdown
    keep = set(sorted(fleets, key=lambda k: -breakdown[k])[:limit])
    out = {k: v for k, v in breakdown.items() if k in keep}
    rest = [k for k in fleets if k not in keep]
    out[f"{len(rest)} other fleets"] = sum(breakdown[k] for k in rest)
    out.update({k: v for k, v in breakdown.items() if k not in fleet_ids})
    return out


@dataclass(frozen=True, slots=True)
class ChartStyle:
    """Sizes of a chart's text and marks, in points."""

    title_pt: float
    axis_pt: float
    tick_pt: float
    legend_pt: float
    line_width: float
    marker_size: float


SCREEN = ChartStyle(title_pt=11, axis_pt=10, tick_pt=9, legend_pt=9, line_width=2.2, marker_size=13)
SLIDE = ChartStyle(title_pt=28, axis_pt=20, tick_pt=17, legend_pt=17, line_width=4.5, marker_size=24)


def _font(pt: float) -> QFont:
    f = QFont()
    f.setPointSizeF(pt)
    return f


class LogAxis(pg.AxisItem):
    """A log axis labelled in plain numbers at 1-2-5 steps (20, 50, 100, 1 M), not powers of ten."""

    def tickStrings(self, values, scale, spacing):  # noqa: N802 - pyqtgraph's name
        out = []
        for v in values:
            x = 10 ** v
            mantissa = round(x / 10 ** math.floor(math.log10(x)), 6) if x > 0 else 0
            if mantissa not in (1.0, 2.0, 5.0):
                out.append("")  # unlabelled minor tick: keeps crowded decades readable
            else:
                out.append(fmt.compact(x, 2) if x >= 1000 else f"{x:.3g}")
        return out


class CompactAxis(pg.AxisItem):
    """A linear axis labelled 200 k, 1.2 M rather than 1.2e+06."""

    def tickStrings(self, values, scale, spacing):  # noqa: N802 - pyqtgraph's name
        return [fmt.compact(v, 3) if abs(v) >= 1000 else f"{v:.4g}" for v in values]


def style_axes(plot: pg.PlotItem, style: ChartStyle, bottom: str, left: str) -> None:
    """Label both axes with units in the style's sizes."""
    for name, text in (("bottom", bottom), ("left", left)):
        axis = plot.getAxis(name)
        axis.setTickFont(_font(style.tick_pt))
        axis.setLabel(text, **{"font-size": f"{style.axis_pt}pt"})
        axis.enableAutoSIPrefix(False)
        axis.setTextPen("k")
        axis.setPen(pg.mkPen("#374151", width=max(1.0, style.line_width / 3)))
    plot.getAxis("left").setWidth(int(style.tick_pt * 5.2 + style.axis_pt * 1.8))
    plot.getAxis("bottom").setHeight(int(style.tick_pt * 2.0 + style.axis_pt * 2.2))


def bar(plot: pg.PlotItem, x0: float, y0: float, width: float, height: float, color, edge="w", tooltip: str = "") -> pg.PlotCurveItem:
    """One filled rectangle in data coordinates, drawn as a closed curve filled down to its base.
    (``BarGraphItem`` draws from a cached picture and plain rectangle items carry their transform
    into the SVG; curve items are written in page coordinates, so every format keeps the fills.)"""
    x1, y1 = x0 + width, y0 + max(height, 0.0)
    item = pg.PlotCurveItem(x=[x0, x0, x1, x1, x0], y=[y0, y1, y1, y0, y0], fillLevel=y0,
                            brush=pg.mkBrush(color), pen=pg.mkPen(edge, width=1))
    if tooltip:
        item.setToolTip(tooltip)
    plot.addItem(item)
    return item


def legend_swatch(legend: pg.LegendItem | None, color, label: str) -> None:
    """A legend entry with a colour square (a bar item used only as the legend's sample)."""
    if legend is not None:
        legend.addItem(pg.BarGraphItem(x=[0], height=[1], width=1, brush=color, pen=pg.mkPen(color)), label)


class deferred_layout:
    """Add many entries to a legend and lay it out once at the end (pyqtgraph relays the whole
    legend out after every entry, which made drawing a dozen curves take tens of milliseconds)."""

    def __init__(self, legend: pg.LegendItem | None) -> None:
        self.legend = legend

    def __enter__(self) -> None:
        if self.legend is not None:
            self.legend.updateSize = lambda: None  # instance attribute shadows the method

    def __exit__(self, *exc) -> None:
        if self.legend is not None:
            del self.legend.updateSize
            self.legend.updateSize()


def new_legend(plot: pg.PlotItem, style: ChartStyle, offset=(-10, 10)) -> pg.LegendItem:
    legend = plot.addLegend(offset=offset, labelTextSize=f"{style.legend_pt}pt")
    legend.setBrush(pg.mkBrush(255, 255, 255, 220))
    return legend


# -- single scenario ------------------------------------------------------------------------------


def log_xy(c: FrontierCurve) -> tuple[np.ndarray, np.ndarray]:
    """A frontier curve in the log10 coordinates of a log-log plot."""
    return np.log10(c.tokens_per_s_per_user), np.log10(c.tokens_per_s_per_mw)


def draw_frontier(plot: pg.PlotItem, curves: list[FrontierCurve], style: ChartStyle, movable: bool = False,
                  dash=Qt.SolidLine, name_prefix: str = "", legend: pg.LegendItem | None = None) -> dict[str, pg.TargetItem]:
    """Frontier curves (log-log) with their operating points; returns the point markers."""
    plot.setLogMode(x=True, y=True)
    plot.showGrid(x=True, y=True, alpha=0.15)
    for name in ("bottom", "left"):  # grid at decades and 2/5 steps, not at every minor tick
        plot.getAxis(name).setStyle(maxTickLevel=1)
    markers: dict[str, pg.TargetItem] = {}
    with deferred_layout(legend):
        _draw_curves(plot, curves, style, movable, dash, name_prefix, legend, markers)
    return markers


def _draw_curves(plot, curves, style, movable, dash, name_prefix, legend, markers) -> None:
    for c in curves:
        color = platform_color(c.platform)
        pen = pg.mkPen(color, width=style.line_width, style=dash)
        # a bare curve item in log10 coordinates (the plot's axes are logarithmic): much cheaper
        # to create than a PlotDataItem, and the markers use the same coordinates
        item = pg.PlotCurveItem(*log_xy(c), pen=pen)
        item.frontier_key = f"{c.fleet_id}/{c.workload_id}"  # type: ignore[attr-defined]
        plot.addItem(item)
        if legend is not None:
            legend.addItem(item, name_prefix + c.label)
        if c.operating_point is None:
            continue
        x, y = c.operating_point
        if not (x > 0 and y > 0 and math.isfinite(x) and math.isfinite(y)):
            continue
        marker = pg.TargetItem(pos=(math.log10(x), math.log10(y)), size=style.marker_size, symbol="o",
                               pen=pg.mkPen("k", width=max(1.2, style.line_width / 3)), brush=pg.mkBrush(color),
                               movable=movable, label=None)
        marker.curve = c  # type: ignore[attr-defined]
        marker.setToolTip(f"{c.label}<br>operating point: {x:,.1f} tokens/s per user, {fmt.compact(y)} tokens/s per MW")
        plot.addItem(marker)
        markers[f"{c.fleet_id}/{c.workload_id}"] = marker


def draw_revenue_cost(plot: pg.PlotItem, scenario: Scenario, result: FactoryResult, style: ChartStyle,
                      legend: pg.LegendItem | None = None) -> None:
    """Revenue against cost (stacked by term) per fleet, USD million per year."""
    with deferred_layout(legend):
        _draw_revenue_cost(plot, scenario, result, legend)


def _draw_revenue_cost(plot: pg.PlotItem, scenario: Scenario, result: FactoryResult, legend) -> None:
    names = {f.id: f.name or f.platform for f in scenario.fleets}
    x = np.arange(len(result.fleets), dtype=float)
    revenue = np.array([f.revenue_usd_per_year for f in result.fleets]) / 1e6
    for xi, v, f in zip(x, revenue, result.fleets):
        bar(plot, xi - 0.38, 0.0, 0.36, v, REVENUE_COLOR, tooltip=f"Revenue {fmt.usd_per_year(v * 1e6)}")
    legend_swatch(legend, REVENUE_COLOR, "Revenue")
    bottom = np.zeros(len(x))
    for term in COST_TERMS:
        values = np.array([f.cost_breakdown.get(term, 0.0) for f in result.fleets]) / 1e6
        for xi, b0, v in zip(x, bottom, values):
            bar(plot, xi + 0.02, b0, 0.36, v, COST_COLORS[term], tooltip=f"{COST_LABELS[term]}: {fmt.usd_per_year(v * 1e6)}")
        legend_swatch(legend, COST_COLORS[term], COST_LABELS[term])
        bottom = bottom + values
    plot.getAxis("bottom").setTicks([[(i, names.get(f.fleet_id, f.platform)) for i, f in enumerate(result.fleets)]])
    top = max(float(revenue.max(initial=0)), float(bottom.max(initial=0)), 1e-3)
    plot.setYRange(0, top * 1.25, padding=0)
    plot.setXRange(-0.7, len(x) - 0.3, padding=0)
    plot.showGrid(y=True, alpha=0.15)


def draw_power(plot: pg.PlotItem, scenario: Scenario, result: FactoryResult, style: ChartStyle,
               legend: pg.LegendItem | None = None) -> None:
    """One stacked bar of the facility's megawatts: each fleet, non-accelerator IT, losses, unused."""
    with deferred_layout(legend):
        _draw_power(plot, scenario, result, legend)


def _draw_power(plot: pg.PlotItem, scenario: Scenario, result: FactoryResult, legend) -> None:
    names = {f.id: (f.name or f.platform, f.platform) for f in scenario.fleets}
    x0 = 0.0
    for key, mw in result.power_breakdown.items():
        if mw <= 0:
            continue
        if key in names:
            label, platform = names[key]
            color = platform_hex(platform)
        else:
            label, color = POWER_OTHER.get(key, (key, "#e5e7eb"))
        bar(plot, x0, -0.3, mw, 0.6, color, edge="#64748b", tooltip=f"{label}: {fmt.mw(mw)}")
        legend_swatch(legend, color, f"{label}: {fmt.mw(mw)}")
        x0 += mw
    plot.getAxis("left").setTicks([[]])
    plot.setYRange(-1.6, 1.0, padding=0)
    plot.setXRange(0, max(x0, 1e-6), padding=0.02)


# -- several scenarios ------------------------------------------------------------------------------


def draw_frontier_overlay(plot: pg.PlotItem, entries: list[tuple[str, list[FrontierCurve]]], style: ChartStyle,
                          legend: pg.LegendItem | None = None) -> None:
    """Frontiers of several scenarios: colour = platform, line style = scenario."""
    for i, (name, curves) in enumerate(entries):
        draw_frontier(plot, curves, style, dash=SCENARIO_DASHES[i % len(SCENARIO_DASHES)], name_prefix=f"{name}: ", legend=legend)


def draw_metric_bars(plot: pg.PlotItem, labels: list[str], values: list[float], colors: list[str], style: ChartStyle,
                     value_format, legend: pg.LegendItem | None = None, named_in_legend: bool = False) -> None:
    """One bar per scenario with its value written on top. Scenario names go in ``legend`` (long
    names do not fit under narrow bars); without a legend they are the axis labels."""
    x = np.arange(len(values), dtype=float)
    for xi, v, color, label in zip(x, values, colors, labels):
        bar(plot, xi - 0.3, 0.0, 0.6, v, color, tooltip=f"{label}: {value_format(v)}")
        legend_swatch(legend, color, label)
    top = max(max(values, default=0.0), 1e-9)
    for xi, v in zip(x, values):
        text = pg.TextItem(value_format(v), color="#111827", anchor=(0.5, 1.1))
        text.setFont(_font(style.tick_pt))
        text.setPos(xi, v)
        plot.addItem(text)
    ticks = [] if (legend is not None or named_in_legend) else [(i, t) for i, t in enumerate(labels)]
    plot.getAxis("bottom").setTicks([ticks])
    plot.getAxis("left").setStyle(maxTextLevel=0)  # label major ticks only: readable at any size
    plot.setYRange(0, top * 1.25, padding=0)
    plot.setXRange(-0.6, len(values) - 0.4, padding=0)
    plot.showGrid(y=True, alpha=0.15)
