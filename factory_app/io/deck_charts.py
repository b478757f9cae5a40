"""Native PowerPoint charts of a factory (python-pptx): the throughput–interactivity frontier as an XY
scatter on log axes, revenue and cost per fleet, where the power goes, cash flows per year with the
cumulative discounted line, demand over the day; in the app's colours (:mod:`chart_palette`).

Every chart is a real chart part with its data embedded, so a presenter can restyle or edit it.
Names from the scenario go into the charts' embedded workbooks as text, never as formulas.
"""

from __future__ import annotations

import copy

import xlsxwriter
from lxml import etree
from pptx.chart.data import CategoryChartData, XyChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION, XL_MARKER_STYLE
from pptx.oxml.ns import qn
from pptx.util import Pt

import pptx.chart.xlsx as _pptx_xlsx

from factory_app.factory.curves import FrontierCurve
from factory_app.factory.results import COST_TERMS, FactoryResult
from factory_app.io.chart_palette import (
    COST_COLORS, COST_LABELS, CUMULATIVE, INFLOW, OUTFLOW, POWER_OTHER, REVENUE_COLOR, WORKLOAD_COLORS, curve_colors, platform_hex,
)
from factory_app.scenario.model import Scenario


class _TextOnlyWorkbook(xlsxwriter.Workbook):
    """python-pptx writes series names and categories with ``worksheet.write``, which turns text
    starting with "=" into a formula: its chart workbooks are made with that switched off."""

    def __init__(self, filename, options=None) -> None:
        super().__init__(filename, {**(options or {}), "strings_to_formulas": False, "strings_to_urls": False,
                                    "strings_to_numbers": False})


_pptx_xlsx.Workbook = _TextOnlyWorkbook  # the module python-pptx writes chart data with


def rgb(hex_: str) -> RGBColor:
    return RGBColor.from_string(hex_.lstrip("#").upper())


def style_chart(chart, legend: bool = True, size: int = 12) -> None:
    """The deck's chart furniture: type size, and the legend below the plot, outside it."""
    chart.font.size = Pt(size)
    chart.has_legend = legend
    if legend:
        chart.legend.position = XL_LEGEND_POSITION.BOTTOM
        chart.legend.include_in_layout = False


def fill_series(series, hex_: str) -> None:
    """A solid fill in one of the app's colours."""
    series.format.fill.solid()
    series.format.fill.fore_color.rgb = rgb(hex_)


def log_axis(axis) -> None:
    """A logarithmic axis (python-pptx has no API for it): ``c:logBase`` first in ``c:scaling``."""
    scaling = axis._element.find(qn("c:scaling"))
    for old in scaling.findall(qn("c:logBase")):
        scaling.remove(old)
    base = etree.SubElement(scaling, qn("c:logBase"))
    base.set("val", "10")
    scaling.remove(base)
    scaling.insert(0, base)


def frontier_points(c: FrontierCurve) -> tuple[list[float], list[float], int | None]:
    """A curve's points with its operating point inserted where it lies (by tokens/s per user):
    (x, y, index of the operating point or None)."""
    xs, ys = c.tokens_per_s_per_user.tolist(), c.tokens_per_s_per_mw.tolist()
    op = c.operating_point
    if op is None or not (op[0] > 0 and op[1] > 0):
        return xs, ys, None
    at = next((i for i, x in enumerate(xs) if x > op[0]), len(xs))
    return xs[:at] + [op[0]] + xs[at:], ys[:at] + [op[1]] + ys[at:], at


def frontier_chart(shapes, box, curves: list[FrontierCurve], names: dict[str, str]) -> object:
    """XY scatter, log-log: one line per fleet x workload, its operating point a large marker on
    it. Every series has the same number of points (the last repeated): LibreOffice drops the
    lines of a scatter whose series differ in length."""
    data = XyChartData()
    colours = curve_colors(c.platform for c in curves)
    drawn = [frontier_points(c) for c in curves]
    longest = max((len(x) for x, _, _ in drawn), default=0)
    for c, (xs, ys, _) in zip(curves, drawn):
        s = data.add_series(names.get(f"{c.fleet_id}/{c.workload_id}", c.label))
        pad = longest - len(xs)
        for x, y in zip(xs + xs[-1:] * pad, ys + ys[-1:] * pad):
            s.add_data_point(x, y)
    frame = shapes.add_chart(XL_CHART_TYPE.XY_SCATTER_LINES_NO_MARKERS, *box, data)
    chart = frame.chart
    style_chart(chart)
    for series, colour, (_, _, op) in zip(chart.series, colours, drawn):
        series.format.line.color.rgb = rgb(colour)
        series.format.line.width = Pt(2.5)
        series.smooth = False
        series.marker.style = XL_MARKER_STYLE.NONE
        if op is not None:
            marker = series.points[op].marker
            marker.style = XL_MARKER_STYLE.CIRCLE
            marker.size = 12
            marker.format.fill.solid()
            marker.format.fill.fore_color.rgb = rgb(colour)
            marker.format.line.color.rgb = rgb("#111827")
    x_axis, y_axis = chart.category_axis, chart.value_axis
    log_axis(x_axis)
    log_axis(y_axis)
    x_axis.has_title = y_axis.has_title = True
    x_axis.axis_title.text_frame.text = "Tokens/s per user (interactivity)"
    y_axis.axis_title.text_frame.text = "Output tokens/s per MW of facility power"
    y_axis.tick_labels.number_format = '#,##0'
    y_axis.tick_labels.number_format_is_linked = False
    for axis in (x_axis, y_axis):
        axis.has_major_gridlines = True
        axis.major_gridlines.format.line.color.rgb = rgb("#e5e7eb")
    return frame


def revenue_cost_charts(shapes, left_box, right_box, scenario: Scenario, result: FactoryResult) -> tuple[object, object]:
    """Revenue against cost per fleet (clustered), and each fleet's cost by term (stacked)."""
    names = {f.id: f.name or f.platform for f in scenario.fleets}
    categories = [names.get(f.fleet_id, f.fleet_id) for f in result.fleets]
    data = CategoryChartData(number_format='#,##0')
    data.categories = categories
    data.add_series("Revenue", [f.revenue_usd_per_year for f in result.fleets])
    data.add_series("Cost", [f.cost_usd_per_year for f in result.fleets])
    left = shapes.add_chart(XL_CHART_TYPE.COLUMN_CLUSTERED, *left_box, data)
    style_chart(left.chart)
    fill_series(left.chart.series[0], REVENUE_COLOR)
    fill_series(left.chart.series[1], COST_COLORS["accelerator_depreciation"])
    stacked = CategoryChartData(number_format='#,##0')
    stacked.categories = categories
    for term in COST_TERMS:
        stacked.add_series(COST_LABELS[term], [f.cost_breakdown.get(term, 0.0) for f in result.fleets])
    right = shapes.add_chart(XL_CHART_TYPE.COLUMN_STACKED, *right_box, stacked)
    style_chart(right.chart)
    for series, term in zip(right.chart.series, COST_TERMS):
        fill_series(series, COST_COLORS[term])
    for chart in (left.chart, right.chart):
        chart.value_axis.tick_labels.number_format = '$#,##0,,"M"'
        chart.value_axis.tick_labels.number_format_is_linked = False
        chart.value_axis.major_gridlines.format.line.color.rgb = rgb("#e5e7eb")
    return left, right


def power_parts(scenario: Scenario, result: FactoryResult) -> list[tuple[str, float, str]]:
    """(label, MW, colour) of the facility's power: each fleet, the rest of IT, losses, unused."""
    fleets = {f.id: f for f in scenario.fleets}
    out = []
    for key, mw in result.power_breakdown.items():
        if key in fleets:
            f = fleets[key]
            out.append((f"{f.name or f.platform} (accelerators)", mw, platform_hex(f.platform)))
        else:
            label, colour = POWER_OTHER.get(key, (key, "#e5e7eb"))
            out.append((label, mw, colour))
    return out


def power_chart(shapes, box, scenario: Scenario, result: FactoryResult) -> object:
    """One stacked bar of the facility's megawatts."""
    parts = power_parts(scenario, result)
    data = CategoryChartData(number_format='#,##0.0')
    data.categories = ["Facility power (MW)"]
    for label, mw, _ in parts:
        data.add_series(label, [mw])
    frame = shapes.add_chart(XL_CHART_TYPE.BAR_STACKED, *box, data)
    style_chart(frame.chart)
    for series, (_, _, colour) in zip(frame.chart.series, parts):
        fill_series(series, colour)
        series.format.line.color.rgb = rgb("#64748b")
    plot = frame.chart.plots[0]
    plot.gap_width = 40
    plot.has_data_labels = True
    plot.data_labels.number_format = '#,##0.0" MW"'
    plot.data_labels.number_format_is_linked = False
    plot.data_labels.font.size = Pt(11)
    return frame


def cash_flow_chart(shapes, box, result: FactoryResult) -> object:
    """Cash flow per year (bars: green in, red out) and the cumulative discounted cash flow (a
    line on the same axes, moved into a line plot of the same chart)."""
    years = result.life_cycle.years
    data = CategoryChartData(number_format='#,##0')
    data.categories = [str(y.year) for y in years]
    data.add_series("Cash flow", [y.cash_flow_usd for y in years])
    data.add_series("Cumulative discounted", [y.cumulative_discounted_usd for y in years])
    frame = shapes.add_chart(XL_CHART_TYPE.COLUMN_CLUSTERED, *box, data)
    chart = frame.chart
    style_chart(chart)
    bars = chart.series[0]
    fill_series(bars, INFLOW)
    for i, y in enumerate(years):
        if y.cash_flow_usd < 0:
            point = bars.points[i]
            point.format.fill.solid()
            point.format.fill.fore_color.rgb = rgb(OUTFLOW)
    bars.invert_if_negative = False
    _as_line(chart, 1, CUMULATIVE)
    chart.value_axis.tick_labels.number_format = '$#,##0,,"M"'
    chart.value_axis.tick_labels.number_format_is_linked = False
    chart.value_axis.major_gridlines.format.line.color.rgb = rgb("#e5e7eb")
    chart.category_axis.has_title = True
    chart.category_axis.axis_title.text_frame.text = "Year (0 = build)"
    return frame


def _as_line(chart, index: int, colour: str) -> None:
    """Move series ``index`` of a bar chart into a line plot on the same axes (a combo chart)."""
    bar = chart._chartSpace.find(".//" + qn("c:barChart"))
    ser = bar.findall(qn("c:ser"))[index]
    bar.remove(ser)
    line = etree.Element(qn("c:lineChart"))
    etree.SubElement(line, qn("c:grouping")).set("val", "standard")
    etree.SubElement(line, qn("c:varyColors")).set("val", "0")
    for tag in ("c:invertIfNegative",):
        for el in ser.findall(qn(tag)):
            ser.remove(el)
    sp = ser.find(qn("c:spPr"))
    if sp is not None:
        ser.remove(sp)
    sp = etree.fromstring(
        f'<c:spPr xmlns:c="http://schemas.openxmlformats.org/drawingml/2006/chart" '
        f'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"><a:ln w="34925"><a:solidFill>'
        f'<a:srgbClr val="{colour.lstrip("#").upper()}"/></a:solidFill></a:ln></c:spPr>')
    ser.insert(3, sp)  # after idx, order and tx
    marker = etree.fromstring(
        f'<c:marker xmlns:c="http://schemas.openxmlformats.org/drawingml/2006/chart" '
        f'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"><c:symbol val="circle"/><c:size val="7"/>'
        f'<c:spPr><a:solidFill><a:srgbClr val="{colour.lstrip("#").upper()}"/></a:solidFill></c:spPr></c:marker>')
    ser.insert(4, marker)
    line.append(ser)
    etree.SubElement(line, qn("c:marker")).set("val", "1")
    for ax in bar.findall(qn("c:axId")):
        line.append(copy.deepcopy(ax))
    bar.addnext(line)


def demand_chart(shapes, box, scenario: Scenario, result: FactoryResult) -> object | None:
    """Each workload's demand over the day (lines) and its capacity (dashed)."""
    names = {w.id: w.name or w.model for w in scenario.workloads}
    shown = [w for w in result.workloads if w.demand_by_hour][: len(WORKLOAD_COLORS)]
    if not shown:
        return None
    data = CategoryChartData(number_format='#,##0')
    data.categories = [f"{h:02d}" for h in range(24)]
    for w in shown:
        data.add_series(f"{names.get(w.workload_id, w.workload_id)}: demand", list(w.demand_by_hour))
        data.add_series(f"{names.get(w.workload_id, w.workload_id)}: capacity", [w.output_capacity_tokens_per_s] * 24)
    frame = shapes.add_chart(XL_CHART_TYPE.LINE, *box, data)
    style_chart(frame.chart)
    for i, series in enumerate(frame.chart.series):
        series.format.line.color.rgb = rgb(WORKLOAD_COLORS[(i // 2) % len(WORKLOAD_COLORS)])
        series.format.line.width = Pt(2.5 if i % 2 == 0 else 1.75)
        series.smooth = False
        series.marker.style = XL_MARKER_STYLE.NONE
        if i % 2:
            series.format.line.dash_style = 4  # MSO_LINE_DASH_STYLE.DASH
    frame.chart.value_axis.tick_labels.number_format = '#,##0'
    frame.chart.value_axis.tick_labels.number_format_is_linked = False
    frame.chart.category_axis.has_title = True
    frame.chart.category_axis.axis_title.text_frame.text = "Hour of the day (local time)"
    return frame


def bars_chart(shapes, box, labels: list[str], values: list[float], colours: list[str], number_format: str) -> object:
    """One bar per scenario of a key figure (the comparison slides)."""
    data = CategoryChartData(number_format=number_format)
    data.categories = labels
    data.add_series("value", values)
    frame = shapes.add_chart(XL_CHART_TYPE.COLUMN_CLUSTERED, *box, data)
    style_chart(frame.chart, legend=False)
    series = frame.chart.series[0]
    for i, colour in enumerate(colours):
        point = series.points[i]
        point.format.fill.solid()
        point.format.fill.fore_color.rgb = rgb(colour)
    plot = frame.chart.plots[0]
    plot.has_data_labels = True
    plot.data_labels.number_format = number_format
    plot.data_labels.number_format_is_linked = False
    return frame


__all__ = ["bars_chart", "cash_flow_chart", "demand_chart", "fill_series", "frontier_chart", "frontier_points", "log_axis", "power_chart",
           "power_parts", "revenue_cost_charts", "rgb", "style_chart"]
