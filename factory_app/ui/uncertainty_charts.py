"""How sure the figures are, as charts: the tornado, a histogram of one figure over the Monte Carlo
samples, and the fan of the cumulative discounted cash flow over the years.

Drawing functions take any pyqtgraph ``PlotItem`` and a style, so the results dock (screen style)
and the slide exports (slide style) draw the same chart. Every number drawn is the analysis's
(:mod:`factory_app.factory.uncertainty.analysis`); these functions only place and label it.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontMetricsF

from factory_app.factory.metrics import METRICS
from factory_app.factory.uncertainty.analysis import FAN_PERCENTILES, Analysis, Tornado
from factory_app.io import number_format as fmt
from factory_app.io.chart_palette import AS_STATED, FAN_INNER, FAN_OUTER, MEDIAN, SAMPLES
from factory_app.io.chart_palette import TORNADO_HIGH as HIGH
from factory_app.io.chart_palette import TORNADO_LOW as LOW
from factory_app.ui.chart_content import SCREEN, ChartStyle, CompactAxis, _font, bar, clipped, deferred_layout, legend_swatch
from factory_app.ui.charts import ChartBase

#: Bars a tornado shows on screen and on a slide (the rest move the figure less; the title says so).
SCREEN_BARS, SLIDE_BARS = 10, 12
HISTOGRAM_BINS = 40
TORNADO_TITLE = "What moves the figure most"
HISTOGRAM_TITLE = "Spread over the Monte Carlo samples"
FAN_TITLE = "Cumulative discounted cash flow, P10 to P90"


def _scale(values: np.ndarray, key: str) -> tuple[float, str]:
    """Divide money by a billion or a million for an axis in readable units."""
    unit = METRICS[key].unit if key in METRICS else "USD"
    if unit == "USD" or unit.startswith("USD/year"):
        top = float(np.nanmax(np.abs(values), initial=0.0))
        if top >= 1e9:
            return 1e9, unit.replace("USD", "USD billion", 1)
        if top >= 1e6:
            return 1e6, unit.replace("USD", "USD million", 1)
    if METRICS.get(key) is not None and METRICS[key].style in ("fraction", "rate"):
        return 0.01, "%"
    return 1.0, unit


def tornado_title(t: Tornado, shown: int) -> str:
    more = f" (top {shown} of {len(t.bars)} inputs)" if shown < len(t.bars) else ""
    return f"What moves {METRICS[t.figure].label} most{more}"


def draw_tornado(plot: pg.PlotItem, t: Tornado, style: ChartStyle, legend: pg.LegendItem | None = None,
                 limit: int = SCREEN_BARS) -> list[str]:
    """One row per input (largest swing on top): a bar from the figure as stated to its value with
    the input at its low end, another to its value at the high end; returns the inputs drawn, top
    row first (row ``i`` at y = -i)."""
    bars = [b for b in t.bars[:limit]]
    base = t.base_value if t.base_value is not None else 0.0
    ends = np.array([base] + [v for b in bars for v in (b.low_value, b.high_value) if v is not None], dtype=float)
    k, unit = _scale(ends, t.figure)
    with deferred_layout(legend):
        for i, b in enumerate(bars):
            for value, end, color in ((b.low_value, b.low, LOW), (b.high_value, b.high, HIGH)):
                if value is None:
                    continue
                x0, x1 = sorted((base / k, value / k))
                tip = (f"{b.label} at {fmt.input_value(b.unit, end)}: {METRICS[t.figure].label} {fmt.metric(t.figure, value)} "
                       f"({fmt.metric(t.figure, t.base_value)} as stated). Click to edit this input.")
                item = bar(plot, x0, -i - 0.34, max(x1 - x0, 1e-12), 0.68, color, edge="w", tooltip=tip)
                item.input_path = b.input  # type: ignore[attr-defined]
        legend_swatch(legend, LOW, "Input at its low end")
        legend_swatch(legend, HIGH, "Input at its high end")
        line = pg.PlotDataItem([base / k] * 2, [0.6, -len(bars) + 0.4], pen=pg.mkPen(AS_STATED, width=max(1.0, style.line_width * 0.6)))
        plot.addItem(line)
        if legend is not None:
            legend.addItem(line, f"As stated: {fmt.metric(t.figure, t.base_value)}")
    ticks = [(-i, clipped(f"{b.label}  {fmt.input_value(b.unit, b.low)}–{fmt.input_value(b.unit, b.high)}", style.legend_chars + 12))
             for i, b in enumerate(bars)]
    left = plot.getAxis("left")
    left.setTicks([ticks])
    metrics = QFontMetricsF(_font(style.tick_pt))
    longest = max((metrics.horizontalAdvance(text) for _, text in ticks), default=40.0)
    left.setWidth(int(longest + style.tick_pt * 2.5))  # every label whole: pyqtgraph drops one that does not fit
    plot.getAxis("bottom").setLabel(f"{METRICS[t.figure].label} ({unit})", **{"font-size": f"{style.axis_pt}pt"})
    low = min(float(ends.min()) / k, base / k)
    high = max(float(ends.max()) / k, base / k)
    pad = (high - low) * 0.06 or 1.0
    plot.setXRange(low - pad, high + pad, padding=0)
    plot.setYRange(-len(bars) + 0.4, 0.6, padding=0)
    plot.showGrid(x=True, alpha=0.15)
    return [b.input for b in bars]


def draw_histogram(plot: pg.PlotItem, a: Analysis, key: str, style: ChartStyle, legend: pg.LegendItem | None = None) -> None:
    """The share of samples in each of :data:`HISTOGRAM_BINS` bins of a figure, with its P10, P50
    and P90 and its value as stated."""
    mc = a.monte_carlo
    values = mc.totals[key]
    values = values[np.isfinite(values)]
    p = mc.percentiles(key)
    k, unit = _scale(values, key)
    with deferred_layout(legend):
        if len(values):
            # the 0.5th to 99.5th percentile: a long tail of a few samples would squeeze the rest;
            # the samples beyond are counted in the end bars
            lo, hi = (float(v) / k for v in np.percentile(values, (0.5, 99.5)))
            hi = hi if hi > lo else lo + 1e-9
            counts, edges = np.histogram(np.clip(values / k, lo, hi), bins=HISTOGRAM_BINS, range=(lo, hi))
            share = counts / max(len(mc.totals[key]), 1) * 100.0
            for left, right, s in zip(edges[:-1], edges[1:], share):
                if s > 0:
                    bar(plot, float(left), 0.0, float(right - left), float(s), SAMPLES, edge="w",
                        tooltip=f"{s:.1f}% of samples between {fmt.metric(key, left * k)} and {fmt.metric(key, right * k)}")
            legend_swatch(legend, SAMPLES, f"{mc.samples:,} samples (the outer 1% in the end bars)")
            top = float(share.max(initial=1.0))
        else:
            top = 1.0
        for label, value, dash in (("P10", p["p10"], Qt.DashLine), ("P50", p["p50"], Qt.SolidLine), ("P90", p["p90"], Qt.DashLine)):
            if value is None:
                continue
            line = pg.PlotDataItem([value / k] * 2, [0, top * 1.12], pen=pg.mkPen(MEDIAN, width=max(1.0, style.line_width * 0.7), style=dash))
            plot.addItem(line)
            if legend is not None:
                legend.addItem(line, f"{label}: {fmt.metric(key, value)}")
        stated = a.base.get(key)
        if stated is not None:
            line = pg.PlotDataItem([stated / k] * 2, [0, top * 1.12], pen=pg.mkPen(AS_STATED, width=max(1.0, style.line_width * 0.7), style=Qt.DotLine))
            plot.addItem(line)
            if legend is not None:
                legend.addItem(line, f"As stated: {fmt.metric(key, stated)}")
    plot.getAxis("bottom").setLabel(f"{METRICS[key].label} ({unit})", **{"font-size": f"{style.axis_pt}pt"})
    plot.setYRange(0, top * 1.2, padding=0)
    plot.showGrid(y=True, alpha=0.15)


def histogram_title(a: Analysis, key: str) -> str:
    extra = f"; P(NPV &lt; 0) = {a.monte_carlo.probability_npv_negative:.1%}" if key == "npv_usd" else ""  # titles are HTML
    return f"{METRICS[key].label} over {a.monte_carlo.samples:,} samples{extra}"


def draw_fan(plot: pg.PlotItem, a: Analysis, style: ChartStyle, legend: pg.LegendItem | None = None) -> str:
    """Year by year, the P10-P90 and P25-P75 bands of the cumulative discounted cash flow, its
    median, and the scenario as stated; returns the axis unit."""
    fan = a.monte_carlo.fan
    years = np.arange(fan.shape[1], dtype=float)
    k, unit = _scale(np.concatenate([fan.ravel(), a.base_cumulative]), "npv_usd")
    p = {q: fan[i] / k for i, q in enumerate(FAN_PERCENTILES)}
    with deferred_layout(legend):
        for lo, hi, color, label in ((10, 90, FAN_OUTER, "P10–P90"), (25, 75, FAN_INNER, "P25–P75")):
            low = pg.PlotDataItem(years, p[lo], pen=pg.mkPen(None))
            high = pg.PlotDataItem(years, p[hi], pen=pg.mkPen(None))
            band = pg.FillBetweenItem(low, high, brush=pg.mkBrush(color))
            plot.addItem(band)
            legend_swatch(legend, color, label)
        median = pg.PlotDataItem(years, p[50], pen=pg.mkPen(MEDIAN, width=style.line_width), symbol="o",
                                 symbolSize=style.marker_size * 0.45, symbolBrush=MEDIAN, symbolPen=pg.mkPen(MEDIAN))
        plot.addItem(median)
        stated = pg.PlotDataItem(years, a.base_cumulative / k, pen=pg.mkPen(AS_STATED, width=max(1.0, style.line_width * 0.7), style=Qt.DashLine))
        plot.addItem(stated)
        if legend is not None:
            legend.addItem(median, "P50 (median)")
            legend.addItem(stated, "As stated")
    plot.addLine(y=0, pen=pg.mkPen("#9ca3af", width=1))
    plot.getAxis("bottom").setTicks([[(int(y), str(int(y))) for y in years]])
    low = min(float(p[10].min()), float((a.base_cumulative / k).min()), 0.0)
    high = max(float(p[90].max()), float((a.base_cumulative / k).max()), 1e-9)
    pad = (high - low) * 0.08
    plot.setYRange(low - pad, high + pad, padding=0)
    plot.setXRange(-0.2, years[-1] + 0.2, padding=0)
    plot.showGrid(x=True, y=True, alpha=0.15)
    return unit


def fan_title(a: Analysis) -> str:
    p = a.monte_carlo.percentiles("npv_usd")
    return f"Cumulative discounted cash flow; NPV P10 {fmt.metric('npv_usd', p['p10'])}, P50 {fmt.metric('npv_usd', p['p50'])}, P90 {fmt.metric('npv_usd', p['p90'])}"


# -- the results dock's widgets ---------------------------------------------------------------------


class TornadoChart(ChartBase):
    """The tornado of one figure; clicking a bar emits ``inputClicked(path)``."""

    title_text = TORNADO_TITLE
    bottom_label = ""
    legend_where = "below"
    legend_columns = 3
    inputClicked = Signal(str)

    def __init__(self, parent=None) -> None:
        super().__init__(parent, axisItems={"bottom": CompactAxis("bottom")})
        self.rows: list[str] = []
        self.scene().sigMouseClicked.connect(self._clicked)

    def show_tornado(self, t: Tornado | None, message: str = "") -> None:
        self.reset(message if t is None or not t.bars else "")
        if t is None:
            self.rows = []
            return
        if not t.bars:
            self.reset("No input carries a range: give one with ± in the inspector")
            self.rows = []
            return
        self.setTitle(tornado_title(t, min(SCREEN_BARS, len(t.bars))), size=f"{SCREEN.title_pt}pt")
        for axis in ("left", "bottom"):
            self.getAxis(axis).setTickFont(_font(SCREEN.tick_pt))
        self.rows = draw_tornado(self.plotItem, t, SCREEN, self.legend)

    def row_center(self, i: int):
        """Where row ``i``'s bars are, in widget coordinates (for tests and tooltips)."""
        vb = self.getViewBox()
        x = sum(vb.viewRange()[0]) / 2
        return self.mapFromScene(vb.mapViewToScene(pg.Point(x, -i)))

    def _clicked(self, event) -> None:
        vb = self.getViewBox()
        if not self.rows or not vb.sceneBoundingRect().contains(event.scenePos()):
            return
        row = int(round(-vb.mapSceneToView(event.scenePos()).y()))
        if 0 <= row < len(self.rows):
            self.inputClicked.emit(self.rows[row])


class HistogramChart(ChartBase):
    title_text = HISTOGRAM_TITLE
    left_label = "Share of samples (%)"
    legend_where = "below"
    legend_columns = 3

    def __init__(self, parent=None) -> None:
        super().__init__(parent, axisItems={"bottom": CompactAxis("bottom")})

    def show_histogram(self, a: Analysis | None, key: str, message: str = "") -> None:
        if a is None or a.monte_carlo is None:
            self.reset(message or "No analysis yet")
            return
        self.reset()
        self.setTitle(histogram_title(a, key), size=f"{SCREEN.title_pt}pt")
        draw_histogram(self.plotItem, a, key, SCREEN, self.legend)


class FanChart(ChartBase):
    title_text = FAN_TITLE
    bottom_label = "Year (0 = build)"
    legend_where = "below"
    legend_columns = 4

    def __init__(self, parent=None) -> None:
        super().__init__(parent, axisItems={"left": CompactAxis("left")})

    def show_fan(self, a: Analysis | None, message: str = "") -> None:
        if a is None or a.monte_carlo is None:
            self.reset(message or "No analysis yet")
            return
        self.reset()
        self.setTitle(fan_title(a), size=f"{SCREEN.title_pt}pt")
        unit = draw_fan(self.plotItem, a, SCREEN, self.legend)
        self.getAxis("left").setLabel(unit, **{"font-size": f"{SCREEN.axis_pt}pt"})  # the title says what: the dock is short


__all__ = [
    "FAN_TITLE", "FanChart", "HISTOGRAM_TITLE", "HistogramChart", "TORNADO_TITLE", "TornadoChart", "draw_fan", "draw_histogram",
    "draw_tornado", "fan_title", "histogram_title", "tornado_title",
]
