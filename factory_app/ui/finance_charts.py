"""The life cycle and the day as charts: cash flow per year (bars) with the cumulative discounted
cash flow (a line), and demand against capacity over the day per workload.

Drawing functions take any pyqtgraph ``PlotItem`` and a style, so the results dock (screen style)
and the slide exports (slide style) draw the same chart. Every number drawn is the engine's
(``FactoryResult.life_cycle`` and the workloads' hourly series); these functions only place them.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget

from factory_app.factory.results import FactoryResult
from factory_app.io import number_format as fmt
from factory_app.io.chart_palette import CUMULATIVE, INFLOW, OUTFLOW, WORKLOAD_COLORS
from factory_app.scenario.model import Scenario
from factory_app.ui.chart_content import SCREEN, ChartStyle, CompactAxis, bar, deferred_layout, legend_swatch, style_axes
from factory_app.ui.charts import ChartBase

#: Most workloads the demand chart shows (those with the most demand).
MAX_DEMAND_LINES = len(WORKLOAD_COLORS)
CASH_FLOW_TITLE = "Cash flow per year"
DEMAND_TITLE = "Demand and capacity over the day (year 1)"


def _scale(values: np.ndarray) -> tuple[float, str]:
    top = float(np.abs(values).max(initial=0.0))
    return (1e9, "USD billion") if top >= 1e9 else (1e6, "USD million")


def cash_flow_axis_label(result: FactoryResult) -> str:
    return _scale(np.array([y.cash_flow_usd for y in result.life_cycle.years]))[1]


def draw_cash_flows(plot: pg.PlotItem, result: FactoryResult, style: ChartStyle, legend: pg.LegendItem | None = None) -> None:
    """One bar per year (year 0 is the build: capex), green in, red out, and the cumulative
    discounted cash flow as a line; its crossing of zero is the discounted payback."""
    years = result.life_cycle.years
    if not years:
        return
    flows = np.array([y.cash_flow_usd for y in years])
    cumulative = np.array([y.cumulative_discounted_usd for y in years])
    unit, _ = _scale(np.concatenate([flows, cumulative]))
    with deferred_layout(legend):
        for y, v in zip(years, flows / unit):
            tip = (f"Year {y.year}: cash flow {fmt.usd(y.cash_flow_usd)} (revenue {fmt.usd(y.revenue_usd)}, opex "
                   f"{fmt.usd(y.opex_usd)}, capex {fmt.usd(y.capex_usd)}, residual {fmt.usd(y.residual_value_usd)}); "
                   f"discounted {fmt.usd(y.discounted_usd)}")
            bar(plot, y.year - 0.35, min(v, 0.0), 0.7, abs(v), INFLOW if v >= 0 else OUTFLOW, tooltip=tip)
        legend_swatch(legend, INFLOW, "Cash flow in")
        legend_swatch(legend, OUTFLOW, "Cash flow out (build, refresh)")
        line = pg.PlotDataItem(np.arange(len(years)), cumulative / unit, pen=pg.mkPen(CUMULATIVE, width=style.line_width),
                               symbol="o", symbolSize=style.marker_size * 0.5, symbolBrush=CUMULATIVE)
        plot.addItem(line)
        if legend is not None:
            legend.addItem(line, "Cumulative discounted")
    plot.addLine(y=0, pen=pg.mkPen("#9ca3af", width=1))
    plot.getAxis("bottom").setTicks([[(y.year, str(y.year)) for y in years]])
    low = min(float((flows / unit).min()), float((cumulative / unit).min()), 0.0)
    high = max(float((flows / unit).max()), float((cumulative / unit).max()), 1e-9)
    plot.setYRange(low * 1.15, high * 1.25, padding=0)
    plot.setXRange(-0.7, len(years) - 0.3, padding=0)
    plot.showGrid(y=True, alpha=0.15)


def draw_demand(plot: pg.PlotItem, scenario: Scenario, result: FactoryResult, style: ChartStyle,
                legend: pg.LegendItem | None = None) -> None:
    """Per workload (the largest few): its demand hour by hour (solid), what it is served (filled
    below) and its capacity (dashed), in output tokens/s."""
    names = {w.id: w.name or w.model for w in scenario.workloads}
    shown = sorted((w for w in result.workloads if w.demand_by_hour), key=lambda w: -w.demand_tokens_per_s)[:MAX_DEMAND_LINES]
    hours = np.arange(24, dtype=float)
    top = 1e-9
    with deferred_layout(legend):
        for i, w in enumerate(sorted(shown, key=lambda w: list(names).index(w.workload_id) if w.workload_id in names else 0)):
            color = WORKLOAD_COLORS[i % len(WORKLOAD_COLORS)]
            demand, served = np.array(w.demand_by_hour), np.array(w.served_by_hour)
            shade = pg.mkColor(color)
            shade.setAlpha(60)  # served, under the demand line: overlapping workloads stay visible
            fill = pg.PlotDataItem(hours, served, pen=pg.mkPen(None), fillLevel=0, brush=pg.mkBrush(shade))
            plot.addItem(fill)
            line = pg.PlotDataItem(hours, demand, pen=pg.mkPen(color, width=style.line_width))
            line.setToolTip(f"{names.get(w.workload_id, w.workload_id)}: demand {fmt.tokens_per_s(w.demand_tokens_per_s)} on "
                            f"average, {fmt.tokens_per_s(w.peak_demand_tokens_per_s)} at the busiest hour; "
                            f"{fmt.percent(w.unserved_share)} of it above capacity")
            plot.addItem(line)
            cap = pg.PlotDataItem([0, 23], [w.output_capacity_tokens_per_s] * 2,
                                  pen=pg.mkPen(color, width=max(1.0, style.line_width * 0.7), style=Qt.DashLine))
            plot.addItem(cap)
            if legend is not None:
                legend.addItem(line, f"{names.get(w.workload_id, w.workload_id)}: demand")
                legend.addItem(cap, f"{names.get(w.workload_id, w.workload_id)}: capacity")
            top = max(top, float(demand.max(initial=0.0)), w.output_capacity_tokens_per_s)
    plot.getAxis("bottom").setTicks([[(h, f"{h:02d}") for h in range(0, 24, 3)]])
    plot.setXRange(0, 23, padding=0.02)
    plot.setYRange(0, top * 1.3, padding=0)
    plot.showGrid(x=True, y=True, alpha=0.15)


class _CashFlowPlot(ChartBase):
    title_text = CASH_FLOW_TITLE
    bottom_label = "Year (0 = build)"
    left_label = "USD"
    legend_where = "below"
    legend_columns = 3

    def __init__(self, parent=None) -> None:
        super().__init__(parent, axisItems={"left": CompactAxis("left")})


class CashFlowChart(QWidget):
    """The cash-flow chart of the results dock with the per-year table under it."""

    COLUMNS = (("Year", "year"), ("Capex", "capex_usd"), ("Revenue", "revenue_usd"), ("Opex", "opex_usd"),
               ("Residual", "residual_value_usd"), ("Cash flow", "cash_flow_usd"), ("Discounted", "discounted_usd"),
               ("Cumulative", "cumulative_discounted_usd"), ("Utilisation", "utilisation"))

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.chart = _CashFlowPlot()
        self.table = QTableWidget(0, len(self.COLUMNS))
        self.table.setHorizontalHeaderLabels([c for c, _ in self.COLUMNS])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.Stretch)
        self.table.setMaximumHeight(150)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.chart, 3)
        layout.addWidget(self.table, 1)

    def set_result(self, scenario: Scenario, result: FactoryResult | None) -> None:
        years = result.life_cycle.years if result is not None else ()
        if not years:
            self.chart.reset("No results yet")
            self.table.setRowCount(0)
            return
        self.chart.reset()
        t = result.totals
        self.chart.setTitle(f"{CASH_FLOW_TITLE}: NPV {fmt.usd(t['npv_usd'])} at {scenario.site.wacc:.0%}, IRR "
                            f"{fmt.metric('irr', t['irr'])}, discounted payback {fmt.metric('discounted_payback_years', t['discounted_payback_years'])}",
                            size=f"{SCREEN.title_pt}pt")
        style_axes(self.chart.plotItem, SCREEN, "Year (0 = build)", cash_flow_axis_label(result))
        draw_cash_flows(self.chart.plotItem, result, SCREEN, self.chart.legend)
        self.table.setRowCount(len(years))
        for r, y in enumerate(years):
            for c, (_, key) in enumerate(self.COLUMNS):
                value = getattr(y, key)
                text = str(value) if key == "year" else fmt.percent(value) if key == "utilisation" else fmt.usd(value)
                item = QTableWidgetItem(text)
                item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                self.table.setItem(r, c, item)


class DemandChart(ChartBase):
    title_text = DEMAND_TITLE
    bottom_label = "Hour of the day (local time)"
    left_label = "Output tokens/s"

    def __init__(self, parent=None) -> None:
        super().__init__(parent, axisItems={"left": CompactAxis("left")})

    def set_result(self, scenario: Scenario, result: FactoryResult | None) -> None:
        if result is None or not any(w.demand_by_hour for w in result.workloads):
            self.reset("No workloads yet")
            return
        self.reset()
        draw_demand(self.plotItem, scenario, result, SCREEN, self.legend)


__all__ = ["CASH_FLOW_TITLE", "CashFlowChart", "DEMAND_TITLE", "DemandChart", "cash_flow_axis_label", "draw_cash_flows", "draw_demand"]
