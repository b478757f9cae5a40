"""Slides of an uncertainty analysis (issue 15), as native charts: a tornado (each input's low and
high value of a total, as bars either side of the base) and a fan chart (percentile lines of a
yearly figure). :class:`factory_app.io.deck.Uncertainty` carries what they draw."""

from __future__ import annotations

from pptx.chart.data import CategoryChartData
from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION, XL_MARKER_STYLE
from pptx.util import Pt

from factory_app.io.chart_palette import COST_COLORS, CUMULATIVE, INFLOW, OUTFLOW
from factory_app.io.deck_charts import rgb


def tornado_chart(shapes, box, u) -> object:
    """Horizontal bars: for each input (widest swing first) the change of the total at its low
    and at its high value, from the base."""
    rows = sorted(u.tornado, key=lambda t: -abs(t[2] - t[1]))
    data = CategoryChartData(number_format='#,##0')
    data.categories = [label for label, _, _ in rows]
    data.add_series("At the low value", [lo - u.base for _, lo, _ in rows])
    data.add_series("At the high value", [hi - u.base for _, _, hi in rows])
    frame = shapes.add_chart(XL_CHART_TYPE.BAR_CLUSTERED, *box, data)
    chart = frame.chart
    chart.has_legend = True
    chart.legend.position = XL_LEGEND_POSITION.BOTTOM
    chart.legend.include_in_layout = False
    chart.font.size = Pt(12)
    plot = chart.plots[0]
    plot.overlap = 100
    plot.gap_width = 40
    for series, colour in zip(chart.series, (OUTFLOW, INFLOW)):
        series.format.fill.solid()
        series.format.fill.fore_color.rgb = rgb(colour)
        series.invert_if_negative = False
    chart.category_axis.reverse_order = True
    return frame


def fan_chart(shapes, box, u) -> object:
    """One line per percentile of a yearly figure (the median solid and dark)."""
    data = CategoryChartData(number_format='#,##0')
    data.categories = [str(y) for y in u.fan_years]
    for name, values in u.fan.items():
        data.add_series(name, list(values))
    frame = shapes.add_chart(XL_CHART_TYPE.LINE, *box, data)
    chart = frame.chart
    chart.has_legend = True
    chart.legend.position = XL_LEGEND_POSITION.BOTTOM
    chart.legend.include_in_layout = False
    chart.font.size = Pt(12)
    for series, name in zip(chart.series, u.fan):
        median = name.lower() in ("p50", "median")
        series.format.line.color.rgb = rgb(CUMULATIVE if median else COST_COLORS["accelerator_depreciation"])
        series.format.line.width = Pt(3 if median else 1.5)
        series.smooth = False
        series.marker.style = XL_MARKER_STYLE.NONE
    return frame


__all__ = ["fan_chart", "tornado_chart"]
