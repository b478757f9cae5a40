"""Slides of an uncertainty analysis (issue 15), as native charts: a tornado (each input's low and
high value of a total, as bars either side of the base) and a fan chart (percentile lines of a
yearly figure). :class:`factory_app.io.deck.Uncertainty` carries what they draw."""

from __future__ import annotations

from pptx.chart.data import CategoryChartData
from pptx.enum.chart import XL_CHART_TYPE, XL_MARKER_STYLE, XL_TICK_LABEL_POSITION
from pptx.util import Pt

from factory_app.factory.metrics import METRICS
from factory_app.io.chart_palette import FAN_INNER, MEDIAN, TORNADO_HIGH, TORNADO_LOW
from factory_app.io.deck_charts import fill_series, rgb, style_chart


def number_format(metric: str, values) -> str:
    """An Excel number format for a chart's axis and data: money in $ B or $ M by the largest
    value (a billion-dollar NPV read '2000000000' on the axis), other figures with separators."""
    m = METRICS.get(metric)
    if m is None or m.style not in ("usd", "usd_per_year"):
        return "#,##0.##"
    top = max((abs(v) for v in values), default=0.0)
    return '$#,##0.0,,,"B";-$#,##0.0,,,"B"' if top >= 1e9 else '$#,##0,,"M";-$#,##0,,"M"'


def tornado_chart(shapes, box, u) -> object:
    """Horizontal bars: for each input (widest swing first) the change of the total from the base
    with the input at its low end and at its high end, in the app's colours; input names at the
    left edge, clear of the bars."""
    rows = sorted(u.tornado, key=lambda t: -abs(t[2] - t[1]))
    low = [lo - u.base for _, lo, _ in rows]
    high = [hi - u.base for _, _, hi in rows]
    data = CategoryChartData(number_format=number_format(u.metric, low + high))
    data.categories = [label for label, _, _ in rows]
    data.add_series("Input at its low end", low)
    data.add_series("Input at its high end", high)
    frame = shapes.add_chart(XL_CHART_TYPE.BAR_CLUSTERED, *box, data)
    chart = frame.chart
    style_chart(chart)
    plot = chart.plots[0]
    plot.overlap = 100
    plot.gap_width = 40
    for series, colour in zip(chart.series, (TORNADO_LOW, TORNADO_HIGH)):
        fill_series(series, colour)
        series.invert_if_negative = False
    chart.category_axis.reverse_order = True
    chart.category_axis.tick_label_position = XL_TICK_LABEL_POSITION.LOW
    value_axis = chart.value_axis
    value_axis.tick_labels.number_format = number_format(u.metric, low + high)
    value_axis.tick_labels.number_format_is_linked = False
    m = METRICS.get(u.metric)
    value_axis.has_title = True
    value_axis.axis_title.text_frame.text = f"Change in {m.label if m else u.metric} from the base"
    return frame


def fan_chart(shapes, box, u) -> object:
    """One line per percentile of a yearly figure (the median solid and dark)."""
    every = [v for values in u.fan.values() for v in values]
    data = CategoryChartData(number_format=number_format("npv_usd", every))
    data.categories = [str(y) for y in u.fan_years]
    for name, values in u.fan.items():
        data.add_series(name, list(values))
    frame = shapes.add_chart(XL_CHART_TYPE.LINE, *box, data)
    chart = frame.chart
    style_chart(chart)
    for series, name in zip(chart.series, u.fan):
        median = name.lower() in ("p50", "median")
        series.format.line.color.rgb = rgb(MEDIAN if median else FAN_INNER)
        series.format.line.width = Pt(3 if median else 1.5)
        series.smooth = False
        series.marker.style = XL_MARKER_STYLE.NONE
    chart.value_axis.tick_labels.number_format = number_format("npv_usd", every)
    chart.value_axis.tick_labels.number_format_is_linked = False
    chart.category_axis.tick_label_position = XL_TICK_LABEL_POSITION.LOW
    chart.category_axis.has_title = True
    chart.category_axis.axis_title.text_frame.text = "Year (0 = build)"
    return frame


__all__ = ["fan_chart", "tornado_chart"]
