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
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPen
from PySide6.QtWidgets import QGraphicsPathItem, QSizePolicy

from factory_app.factory.curves import FrontierCurve
from factory_app.factory.results import COST_TERMS, FactoryResult
from factory_app.scenario.model import Scenario
from factory_app.io import number_format as fmt
from factory_app.io.chart_palette import (  # noqa: F401 - the charts' colours, re-exported for the UI
    COST_COLORS,
    COST_LABELS,
    DASHES,
    POWER_OTHER,
    REVENUE_COLOR,
    SCENARIO_DASHES,
    shade_hex,
)
from factory_app.ui.style import platform_color, platform_hex

pg.setConfigOptions(antialias=True, background="w", foreground="k")


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
    #: longest legend entry, in characters (longer ones end in "…"; hovering the curve names it whole)
    legend_chars: int = 60


SCREEN = ChartStyle(title_pt=11, axis_pt=10, tick_pt=9, legend_pt=9, line_width=2.2, marker_size=13, legend_chars=40)
SLIDE = ChartStyle(title_pt=28, axis_pt=20, tick_pt=17, legend_pt=17, line_width=4.5, marker_size=24, legend_chars=64)


def clipped(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis."""
    return text if len(text) <= limit else text[: max(1, limit - 1)].rstrip() + "…"


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


class WideSample(pg.ItemSample):
    """A legend sample long enough to show a curve's dash pattern (pyqtgraph's is 20 px), or a
    colour square for a bar; sized to the legend's text (``size_pt``, set per legend)."""

    size_pt = 9.0

    def __init__(self, item) -> None:
        super().__init__(item)
        self.sample_width, self.sample_height = self.size_pt * 4.4, self.size_pt * 2.2
        self.setFixedWidth(self.sample_width)
        self.setFixedHeight(self.sample_height)

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt's name
        return QRectF(0, 0, self.sample_width, self.sample_height)

    def paint(self, p, *args) -> None:
        opts = self.item.opts
        p.setRenderHint(p.RenderHint.Antialiasing)
        w, h = self.sample_width, self.sample_height
        if isinstance(self.item, pg.BarGraphItem):
            p.setPen(pg.mkPen(opts.get("pen") or "w"))
            p.setBrush(pg.mkBrush(opts["brush"]))
            side = h * 0.75
            p.drawRect(QRectF(w - side - 2, (h - side) / 2, side, side))
            return
        p.setPen(pg.mkPen(opts["pen"]))
        p.drawLine(QPointF(2, h / 2), QPointF(w - 2, h / 2))


class OutsideLegend(pg.LegendItem):
    """A legend laid out beside or under the plot, never over its data: it sits in the plot's own
    layout (so exports keep it where the screen shows it) and the plot gives it the room it needs."""

    def __init__(self, style: ChartStyle, columns: int = 1) -> None:
        sample = type("Sample", (WideSample,), {"size_pt": style.legend_pt})
        super().__init__(offset=None, labelTextSize=f"{style.legend_pt}pt", colCount=columns,
                         sampleType=sample, frame=False, verSpacing=-4 if columns == 1 else -2)
        self.setFlag(self.GraphicsItemFlag.ItemIgnoresTransformations, False)
        self.setContentsMargins(6, 2, 4, 2)
        self.setSizePolicy(QSizePolicy.Fixed, QSizePolicy.Fixed)  # its own size, not the cell's

    def updateSize(self) -> None:  # noqa: N802 - pyqtgraph's name
        self.layout.invalidate()
        self.updateGeometry()  # the surrounding layout asks the legend's own layout for its size


def new_legend(plot: pg.PlotItem, style: ChartStyle, where: str = "right", columns: int = 1) -> pg.LegendItem:
    """A legend outside the plot's data area: to its ``right`` or ``below`` it."""
    legend = OutsideLegend(style, columns)
    if where == "right":
        plot.layout.addItem(legend, 2, 3, 2, 1)  # beside the data and the bottom axis: a tall legend squeezes neither
        plot.layout.setAlignment(legend, Qt.AlignTop | Qt.AlignLeft)
    else:
        plot.layout.addItem(legend, 4, 1)
        plot.layout.setAlignment(legend, Qt.AlignTop | Qt.AlignHCenter)
    return legend


def curve_looks(curves: list[FrontierCurve], dash_of=None) -> list[tuple[QColor, tuple[float, ...] | None]]:
    """Colour and dash of each curve: the platform's colour, shaded for its second, third...
    pair, so no two curves share a colour; and a dash pattern of its own (``dash_of(i)`` instead
    when given, e.g. one per scenario on an overlay)."""
    seen: dict[str, int] = {}
    looks = []
    for i, c in enumerate(curves):
        n = seen.get(c.platform, 0)
        seen[c.platform] = n + 1
        looks.append((shade(platform_color(c.platform), n), dash_of(i) if dash_of else DASHES[i % len(DASHES)]))
    return looks


def shade(color: QColor, n: int) -> QColor:
    """The ``n``-th shade of a colour: itself, then alternately darker and lighter
    (:func:`factory_app.io.chart_palette.shade_hex`, which the deck uses too)."""
    return QColor(shade_hex(QColor(color).name(), n))


def curve_pen(color: QColor, width: float, dash: tuple[float, ...] | None) -> QPen:
    pen = pg.mkPen(color, width=width)
    pen.setCapStyle(Qt.FlatCap)
    if dash:
        pen.setDashPattern(list(dash))
    return pen


class NamedCurve(pg.PlotCurveItem):
    """A curve whose hover text (its series name) shows only near the line, not over its whole
    bounding box."""

    def shape(self):  # noqa: D401 - Qt's name
        return self.mouseShape()


# -- single scenario ------------------------------------------------------------------------------


def log_xy(c: FrontierCurve) -> tuple[np.ndarray, np.ndarray]:
    """A frontier curve in the log10 coordinates of a log-log plot."""
    return np.log10(c.tokens_per_s_per_user), np.log10(c.tokens_per_s_per_mw)


def draw_frontier(plot: pg.PlotItem, curves: list[FrontierCurve], style: ChartStyle, movable: bool = False,
                  dash=None, name_prefix: str = "", legend: pg.LegendItem | None = None,
                  looks: list | None = None, legend_prefix: str | None = None) -> dict[str, pg.TargetItem]:
    """Frontier curves (log-log) with their operating points; returns the point markers."""
    plot.setLogMode(x=True, y=True)
    plot.showGrid(x=True, y=True, alpha=0.15)
    for name in ("bottom", "left"):  # grid at decades and 2/5 steps, not at every minor tick
        plot.getAxis(name).setStyle(maxTickLevel=1)
    markers: dict[str, pg.TargetItem] = {}
    with deferred_layout(legend):
        looks = looks or curve_looks(curves, (lambda _i: dash) if dash is not None else None)
        prefixes = (name_prefix, name_prefix if legend_prefix is None else legend_prefix)
        _draw_curves(plot, curves, style, movable, looks, prefixes, legend, markers)
    return markers


def _draw_curves(plot, curves, style, movable, looks, prefixes, legend, markers) -> None:
    name_prefix, legend_prefix = prefixes
    for c, (color, dash) in zip(curves, looks):
        name = name_prefix + c.label
        # a bare curve item in log10 coordinates (the plot's axes are logarithmic): much cheaper
        # to create than a PlotDataItem, and the markers use the same coordinates
        _draw_band(plot, c, color)
        item = NamedCurve(*log_xy(c), pen=curve_pen(color, style.line_width, dash))
        item.frontier_key = f"{c.fleet_id}/{c.workload_id}"  # type: ignore[attr-defined]
        item.series_name = name  # type: ignore[attr-defined]
        item.setToolTip(name)
        plot.addItem(item)
        if legend is not None:
            legend.addItem(item, clipped(legend_prefix + c.label, style.legend_chars))
        if c.operating_point is None:
            continue
        x, y = c.operating_point
        if not (x > 0 and y > 0 and math.isfinite(x) and math.isfinite(y)):
            continue
        marker = pg.TargetItem(pos=(math.log10(x), math.log10(y)), size=style.marker_size, symbol="o",
                               pen=pg.mkPen("k", width=max(1.2, style.line_width / 3)), brush=pg.mkBrush(color),
                               movable=movable, label=None)
        marker.curve = c  # type: ignore[attr-defined]
        marker.setToolTip(f"{name}<br>operating point: {x:,.1f} tokens/s per user, {fmt.compact(y)} tokens/s per MW of facility power")
        plot.addItem(marker)
        markers[f"{c.fleet_id}/{c.workload_id}"] = marker


#: Opacity of a curve's error band (0-255): visible, but the curves stay the figure
BAND_ALPHA = 38


def _draw_band(plot: pg.PlotItem, c: FrontierCurve, color) -> None:
    """The engine's error band around a curve (the calibration residuals of comparable points,
    docs/calibration.md), as a light fill in the curve's colour, behind the curves."""
    if c.tokens_per_s_per_mw_low is None or c.tokens_per_s_per_mw_high is None or len(c.tokens_per_s_per_user) < 2:
        return
    # one closed polygon (upper edge, then the lower edge back) as a plain path item: what
    # FillBetweenItem draws, without its two helper curves and their signals (a 200-fleet factory
    # draws a dozen bands on every open)
    x = np.log10(c.tokens_per_s_per_user)
    low = np.log10(np.maximum(c.tokens_per_s_per_mw_low, 1e-9))
    high = np.log10(np.maximum(c.tokens_per_s_per_mw_high, 1e-9))
    path = pg.arrayToQPath(np.concatenate([x, x[::-1]]), np.concatenate([high, low[::-1]]), connect="all")
    path.closeSubpath()
    fill = QColor(color)
    fill.setAlpha(BAND_ALPHA)
    band = QGraphicsPathItem(path)
    band.setPen(pg.mkPen(None))
    band.setBrush(pg.mkBrush(fill))
    band.setZValue(-10)
    band.setToolTip(f"{c.label}: the engine's error band (10th-90th percentile of its errors on comparable measurements)")
    plot.addItem(band)


def draw_revenue_cost(plot: pg.PlotItem, scenario: Scenario, result: FactoryResult, style: ChartStyle,
                      legend: pg.LegendItem | None = None) -> None:
    """Revenue against cost (stacked by term) per fleet, USD million per year."""
    with deferred_layout(legend):
        _draw_revenue_cost(plot, scenario, result, legend)


def _draw_revenue_cost(plot: pg.PlotItem, scenario: Scenario, result: FactoryResult, legend) -> None:
    names = {f.id: f.name or f.platform for f in scenario.fleets}
    x = np.arange(len(result.fleets), dtype=float)
    # in USD per year: the axis writes 7.00 B, not "USD million" with ticks of "7.00 k"
    revenue = np.array([f.revenue_usd_per_year for f in result.fleets])
    for xi, v, f in zip(x, revenue, result.fleets):
        bar(plot, xi - 0.38, 0.0, 0.36, v, REVENUE_COLOR, tooltip=f"{names.get(f.fleet_id, f.platform)}: revenue {fmt.usd_per_year(v)}")
    legend_swatch(legend, REVENUE_COLOR, "Revenue")
    bottom = np.zeros(len(x))
    for term in COST_TERMS:
        values = np.array([f.cost_breakdown.get(term, 0.0) for f in result.fleets])
        for xi, b0, v in zip(x, bottom, values):
            bar(plot, xi + 0.02, b0, 0.36, v, COST_COLORS[term], tooltip=f"{COST_LABELS[term]}: {fmt.usd_per_year(v)}")
        legend_swatch(legend, COST_COLORS[term], COST_LABELS[term])
        bottom = bottom + values
    plot.getAxis("bottom").setTicks([[(i, names.get(f.fleet_id, f.platform)) for i, f in enumerate(result.fleets)]])
    top = max(float(revenue.max(initial=0)), float(bottom.max(initial=0)), 1.0)
    plot.setYRange(0, top * 1.25, padding=0)
    plot.setXRange(-0.7, len(x) - 0.3, padding=0)
    plot.showGrid(y=True, alpha=0.15)


def draw_power(plot: pg.PlotItem, scenario: Scenario, result: FactoryResult, style: ChartStyle,
               legend: pg.LegendItem | None = None) -> None:
    """One stacked bar of the facility's megawatts: each fleet, non-accelerator IT, losses, unused."""
    with deferred_layout(legend):
        _draw_power(plot, scenario, result, style, legend)


def _draw_power(plot: pg.PlotItem, scenario: Scenario, result: FactoryResult, style: ChartStyle, legend) -> None:
    names = {f.id: (f.name or f.platform, f.platform) for f in scenario.fleets}
    x0 = 0.0
    segments = []
    for key, mw in result.power_breakdown.items():
        if mw <= 0:
            continue
        if key in names:
            label, platform = names[key]
            color = platform_hex(platform)
            text = f"{label}: {fmt.mw(mw)} accelerators"  # the fleet's accelerator systems, at full load
        else:
            label, color = POWER_OTHER.get(key, (key, "#e5e7eb"))
            text = f"{label}: {fmt.mw(mw)}"
        bar(plot, x0, -0.3, mw, 0.6, color, edge="#64748b", tooltip=text)
        legend_swatch(legend, color, text)
        segments.append((x0, mw, color))
        x0 += mw
    for start, mw, color in segments:  # the megawatts on every segment wide enough to hold them
        if mw >= 0.08 * x0:
            dark = QColor(color).lightness() < 150
            label = pg.TextItem(fmt.mw(mw), color="w" if dark else "#111827", anchor=(0.5, 0.5))
            label.setFont(_font(style.tick_pt))
            label.setPos(start + mw / 2, 0.0)
            plot.addItem(label)
    plot.getAxis("left").setTicks([[]])
    plot.setYRange(-0.75, 0.75, padding=0)
    plot.setXRange(0, max(x0, 1e-6), padding=0.02)


# -- several scenarios ------------------------------------------------------------------------------


def draw_frontier_overlay(plot: pg.PlotItem, entries: list[tuple[str, list[FrontierCurve]]], style: ChartStyle,
                          legend: pg.LegendItem | None = None) -> None:
    """Frontiers of several scenarios: line style = scenario; colour = platform, shaded so no two
    curves of the overlay share one."""
    every = [c for _, curves in entries for c in curves]
    colours = [colour for colour, _ in curve_looks(every)]
    start = 0
    for i, (name, curves) in enumerate(entries):
        dash = SCENARIO_DASHES[i % len(SCENARIO_DASHES)]
        looks = [(colour, dash) for colour in colours[start:start + len(curves)]]
        start += len(curves)
        if legend is not None:  # a heading per scenario, with its line style, then its curves
            key = pg.PlotCurveItem(pen=curve_pen(QColor("#374151"), style.line_width, dash))
            legend.addItem(key, f"<b>{clipped(name, style.legend_chars)}</b>")
        draw_frontier(plot, curves, style, name_prefix=f"{name}: ", legend=legend, looks=looks, legend_prefix="   ")


def draw_metric_bars(plot: pg.PlotItem, labels: list[str], values: list[float], colors: list[str], style: ChartStyle,
                     value_format, legend: pg.LegendItem | None = None, named_in_legend: bool = False,
                     missing: list[str | None] | None = None) -> None:
    """One bar per scenario with its value written on top. Scenario names go in ``legend`` (long
    names do not fit under narrow bars); without a legend they are the axis labels."""
    x = np.arange(len(values), dtype=float)
    # a total with no value ("missing" reason) is written as "—", not as a bar of 0
    texts = [fmt.MISSING if missing and missing[i] else value_format(v) for i, v in enumerate(values)]
    for xi, v, color, label, text in zip(x, values, colors, labels, texts):
        bar(plot, xi - 0.3, 0.0, 0.6, v, color, tooltip=f"{label}: {text}")
        legend_swatch(legend, color, label)
    top = max(max(values, default=0.0), 1e-9)
    for xi, v in zip(x, values):
        text = pg.TextItem(texts[int(xi)], color="#111827", anchor=(0.5, 1.1))
        text.setFont(_font(style.tick_pt))
        text.setPos(xi, v)
        plot.addItem(text)
    ticks = [] if (legend is not None or named_in_legend) else [(i, t) for i, t in enumerate(labels)]
    plot.getAxis("bottom").setTicks([ticks])
    plot.getAxis("left").setStyle(maxTextLevel=0)  # label major ticks only: readable at any size
    plot.setYRange(0, top * 1.25, padding=0)
    plot.setXRange(-0.6, len(values) - 0.4, padding=0)
    plot.showGrid(y=True, alpha=0.15)
