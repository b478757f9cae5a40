"""The results dock: headline figures and the charts, explained on hover from the engine's breakdown."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QPushButton, QScrollArea, QTabWidget, QVBoxLayout, QWidget

from factory_app.factory.curves import FrontierCurve
from factory_app.factory.metrics import METRICS, unavailable
from factory_app.factory.results import COST_TERMS, FactoryResult
from factory_app.scenario.model import Scenario
from factory_app.io import number_format as fmt
from factory_app.ui.chart_content import COST_LABELS
from factory_app.ui.charts import FrontierChart, PowerChart, RevenueCostChart
from factory_app.ui.finance_charts import CashFlowChart, DemandChart
from factory_app.ui.style import MUTED
from factory_app.ui.uncertainty_panel import UncertaintyController, UncertaintyTab
from factory_app.serving.catalog import Catalog

#: The totals shown as tiles (labels and formats from the one metric table)
TILES = ("output_tokens_per_s", "tokens_per_s_per_mw", "revenue_usd_per_year", "revenue_usd_per_watt_year",
         "cost_usd_per_million_tokens", "margin", "joules_per_token")
#: Most rows a headline's hover text lists (a factory may have hundreds of operating points).
MAX_TOOLTIP_ROWS = 12
#: The chart kind of each tab, in order (what Export chart exports).
CHART_TABS = ("frontier", "revenue", "power", "cashflow", "demand", "tornado", "histogram", "fan")


class MetricTile(QFrame):
    def __init__(self, caption: str) -> None:
        super().__init__()
        self.setFrameShape(QFrame.StyledPanel)
        self.setObjectName("metricTile")
        self.value = QLabel("—")
        f = self.value.font()
        f.setPointSizeF(f.pointSizeF() + 5)
        f.setBold(True)
        self.value.setFont(f)
        self.caption = QLabel(caption)
        self.caption.setStyleSheet(f"color: {MUTED};")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.setSpacing(0)
        layout.addWidget(self.value)
        layout.addWidget(self.caption)
        # never shorter than its text: a squeezed tile cut the descenders off "$/yr"
        self.value.setMinimumHeight(self.value.fontMetrics().height() + 2)
        self.caption.setMinimumHeight(self.caption.fontMetrics().height())

    def set(self, text: str, tooltip: str) -> None:
        self.value.setText(text)
        self.setToolTip(tooltip)


def _evidence(op) -> str:
    """How far to trust an operating point's capacity: the engine's band, the software month it
    is for and the published measurement most like it (issue 13)."""
    if not op.feasible or op.output_capacity_high_tokens_per_s <= 0:
        return ""
    text = (f"<br>&nbsp;&nbsp;capacity {fmt.tokens_per_s(op.output_capacity_tokens_per_s)}, engine band "
            f"{fmt.compact(op.output_capacity_low_tokens_per_s)}–{fmt.compact(op.output_capacity_high_tokens_per_s)} "
            f"(software {op.calibrated_for or 'latest'})")
    near = op.nearest_measurement
    if near:
        what = f"{near.get('gpus', '')}x {near.get('platform', '')} {near.get('model', '')}, {str(near.get('service_level', ''))[:24]}"
        text += (f"; nearest measurement {near.get('id', '')} ({what}, {near.get('date', '')}): "
                 f"{fmt.compact(float(near.get('value', 0.0)))} {str(near.get('metric', '')).replace('_', ' ')} (docs/calibration.md)")
    return text


def explain(key: str, scenario: Scenario, result: FactoryResult) -> str:
    """Hover text for a headline figure: what it is and where it comes from."""
    t = result.totals
    names = {f.id: f.name or f.platform for f in scenario.fleets}
    wnames = {w.id: w.name or w.model for w in scenario.workloads}
    lines: list[str] = []
    if key in ("output_tokens_per_s", "tokens_per_s_per_mw"):
        lines.append(f"<b>{fmt.tokens_per_s(t['output_tokens_per_s'])}</b> sold of {fmt.tokens_per_s(t['output_capacity_tokens_per_s'])} capacity"
                     f" ({fmt.percent(t['idle_share'])} idle by demand caps); per MW of the {fmt.mw(t['facility_power_mw'])} facility power budget.")
        ops = [(f.fleet_id, op) for f in result.fleets for op in f.operating_points]
        for fleet_id, op in ops[:MAX_TOOLTIP_ROWS]:
            state = f"bound by <b>{op.bound}</b>" if op.feasible else f"<span style='color:#b91c1c'>{op.reason}</span>"
            lines.append(f"{names.get(fleet_id, fleet_id)} → {wnames.get(op.workload_id, op.workload_id)}: "
                         f"{fmt.tokens_per_s(op.output_tokens_per_s)} at {op.tokens_per_s_per_user:,.1f} tok/s per user, {state}"
                         + _evidence(op))
        if len(ops) > MAX_TOOLTIP_ROWS:
            lines.append(f"… and {len(ops) - MAX_TOOLTIP_ROWS:,} more operating points (File ▸ Export results CSV lists them all)")
    elif key in ("revenue_usd_per_year", "revenue_usd_per_watt_year"):
        lines.append(f"<b>{fmt.usd_per_year(t['revenue_usd_per_year'])}</b> = input and output tokens sold x their prices;"
                     f" per watt of the {fmt.mw(t['facility_power_mw'])} facility budget.")
        for w in result.workloads[:MAX_TOOLTIP_ROWS]:
            lines.append(f"{wnames.get(w.workload_id, w.workload_id)}: {fmt.usd_per_year(w.revenue_usd_per_year)}"
                         f" ({fmt.percent(w.utilisation)} of capacity sold{', demand-capped' if w.bound == 'demand' else ''})")
        if len(result.workloads) > MAX_TOOLTIP_ROWS:
            lines.append(f"… and {len(result.workloads) - MAX_TOOLTIP_ROWS:,} more workloads (File ▸ Export results CSV lists them all)")
    elif key in ("cost_usd_per_million_tokens", "margin"):
        lines.append(f"Cost {fmt.usd_per_year(t['cost_usd_per_year'])}, profit {fmt.usd_per_year(t['profit_usd_per_year'])}:")
        for term in COST_TERMS:
            lines.append(f"{COST_LABELS[term]}: {fmt.usd_per_year(result.cost_breakdown.get(term, 0.0))}")
        if t.get("payback_years") is not None:
            lines.append(f"Payback: {t['payback_years']:,.1f} years on {fmt.usd(t['capex_usd'])} capex (the cash flows, undiscounted)")
    elif key == "joules_per_token":
        lines.append(f"{fmt.mw(t['facility_power_used_mw'])} drawn at the facility meter / {fmt.tokens_per_s(t['output_tokens_per_s'])} sold.")
    if key in ("cost_usd_per_million_tokens", "margin") and unavailable("payback_years", t):
        lines.append(f"Payback: {fmt.MISSING} ({unavailable('payback_years', t)})")
    for w in result.warnings[:4]:
        lines.append(f"<span style='color:#b45309'>{w}</span>")
    return "<br>".join(lines)


def tile_tooltip(key: str, scenario: Scenario, result: FactoryResult) -> str:
    """What a tile means (from the metric table), why it shows "—" if it does, and where its
    number comes from."""
    m = METRICS[key]
    head = f"<b>{m.label}</b> ({m.unit}): {m.description}"
    reason = unavailable(key, result.totals)
    if reason:
        why = next((op.reason for f in result.fleets for op in f.operating_points if not op.feasible and op.reason), "")
        if not why and not any(f.operating_points for f in result.fleets):
            why = "no fleet serves a workload yet: drop a workload on a fleet"
        head += f"<br><b>{fmt.MISSING}</b> because {reason}" + (f": {why}" if why else ".")
    return head + "<br>" + explain(key, scenario, result)


class ResultsPanel(QWidget):
    """Headline figures over tabs of charts."""

    targetChanged = Signal(str, float)
    exportRequested = Signal(str)  # chart kind
    inputRequested = Signal(str)  # an uncertain input's path: a tornado bar was clicked

    def __init__(self, catalog: Catalog | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tiles: dict[str, MetricTile] = {}
        grid = QGridLayout()
        grid.setSpacing(6)
        for i, key in enumerate(TILES):
            tile = MetricTile(METRICS[key].label)
            self.tiles[key] = tile
            grid.addWidget(tile, i // 2, i % 2)
        self.note = QLabel("")
        self.note.setStyleSheet(f"color: {MUTED};")
        self.note.setWordWrap(True)
        self.frontier = FrontierChart()
        self.revenue = RevenueCostChart()
        self.power = PowerChart()
        self.cash_flow = CashFlowChart()
        self.demand = DemandChart()
        self.tabs = QTabWidget()
        self.tabs.addTab(self.frontier, "Frontier")
        self.tabs.addTab(self.revenue, "Revenue && cost")
        self.tabs.addTab(self.power, "Power")
        self.tabs.addTab(self.cash_flow, "Cash flow")
        self.tabs.addTab(self.demand, "Demand")
        self.uncertainty = UncertaintyController(catalog, self)
        self.tornado = UncertaintyTab("tornado", self.uncertainty)
        self.histogram = UncertaintyTab("histogram", self.uncertainty)
        self.fan = UncertaintyTab("fan", self.uncertainty)
        self.tabs.addTab(self.tornado, "Tornado")
        self.tabs.addTab(self.histogram, "Histogram")
        self.tabs.addTab(self.fan, "Fan chart")
        for i, tip in ((5, "Which inputs move the figures most: each input with a range alone at its low and high end"),
                       (6, "How the figures spread over the Monte Carlo samples: P10, P50, P90"),
                       (7, "The cumulative discounted cash flow year by year: P10-P90 and P25-P75 over the samples")):
            self.tabs.setTabToolTip(i, tip)
        self.uncertainty_tabs = (self.tornado, self.histogram, self.fan)
        self.uncertainty.changed.connect(self._uncertainty_changed)
        self.tornado.chart.inputClicked.connect(self.inputRequested)
        export = QPushButton("Export chart…")
        export.setToolTip("Export this chart for slides: PNG (1920x1080, 4K or custom), SVG or PDF")
        export.clicked.connect(lambda: self.exportRequested.emit(self.current_chart()))
        self.tabs.setCornerWidget(export)
        self.export_button = export
        left = QVBoxLayout()
        left.addLayout(grid)
        left.addWidget(self.note)
        left.addStretch(1)
        holder = QWidget()
        holder.setLayout(left)
        # the tiles keep their height (a squeezed tile cut its text); a short dock scrolls them
        tiles = QScrollArea()
        tiles.setWidget(holder)
        tiles.setWidgetResizable(True)
        tiles.setFrameShape(QFrame.NoFrame)
        tiles.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        tiles.setFixedWidth(412)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(tiles)
        layout.addWidget(self.tabs, 1)
        self.frontier.targetChanged.connect(self.targetChanged)
        self.tabs.currentChanged.connect(lambda _i: self._tab_changed())

    def current_chart(self) -> str:
        """The chart kind of the visible tab (frontier, revenue, power, cashflow, demand, tornado,
        histogram or fan)."""
        return CHART_TABS[max(0, self.tabs.currentIndex())]

    def current_analysis(self, scenario: Scenario):
        """The finished analysis of ``scenario``, or None (an export then runs its own)."""
        c = self.uncertainty
        return c.analysis if c.analysis is not None and c.analysis.monte_carlo is not None and c.analysed == scenario else None

    def current_figure(self) -> str:
        """The figure the tornado or histogram tab shows (NPV elsewhere)."""
        shown = self.tabs.currentWidget()
        return shown.current_figure() if shown in (self.tornado, self.histogram) else "npv_usd"

    def _tab_changed(self) -> None:
        self._draw_visible_bars()
        shown = self.tabs.currentWidget()
        self.uncertainty.set_active(shown in self.uncertainty_tabs)
        if shown in self.uncertainty_tabs:
            shown.update_status()
            shown.redraw()

    def _uncertainty_changed(self) -> None:
        for tab in self.uncertainty_tabs:
            tab.update_status()
        shown = self.tabs.currentWidget()
        if shown in self.uncertainty_tabs:
            shown.redraw()

    def show_result(self, scenario: Scenario, result: FactoryResult | None, curves: list[FrontierCurve]) -> None:
        if result is None:
            for tile in self.tiles.values():
                tile.set("—", "")
            self.note.setText("")
        else:
            for key in TILES:
                self.tiles[key].set(fmt.total(key, result.totals), tile_tooltip(key, scenario, result))
            notes = list(result.warnings[:2])
            if result.optimised and result.optimiser_note:
                notes.insert(0, result.optimiser_note)
            self.note.setText("  ·  ".join(notes))
        self.frontier.set_curves(curves, result)
        self.uncertainty.request(scenario if result is not None else None)
        # the bar charts are redrawn when shown: an edit repaints only what is on screen
        self._pending = (scenario, result)
        self._draw_visible_bars()

    def _draw_visible_bars(self) -> None:
        pending = getattr(self, "_pending", None)
        if pending is None:
            return
        widget = self.tabs.currentWidget()
        if widget is self.revenue:
            self.revenue.set_result(*pending)
        elif widget is self.power:
            self.power.set_result(*pending)
        elif widget is self.cash_flow:
            self.cash_flow.set_result(*pending)
        elif widget is self.demand:
            self.demand.set_result(*pending)


__all__ = ["ResultsPanel"]
