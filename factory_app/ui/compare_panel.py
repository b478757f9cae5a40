"""Compare 2-4 open scenarios: a table of every headline figure with its difference to a
baseline, overlaid frontiers and bars, live as any of them is edited."""

from __future__ import annotations

from pathlib import Path

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QComboBox,
    QHeaderView,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from factory_app.serving.catalog import Catalog
from factory_app.factory.curves import largest_curves
from factory_app.io.compare_table import MAX_SCENARIOS, CompareEntry, compare, write_compare_csv
from factory_app.factory.metrics import METRICS, judged, unavailable
from factory_app.io import number_format as fmt
from factory_app.ui.chart_content import (
    SCREEN,
    CompactAxis,
    LogAxis,
    OutsideLegend,
    draw_frontier_overlay,
    draw_metric_bars,
    new_legend,
    style_axes,
)
from factory_app.ui.export import COMPARE_METRICS
from factory_app.ui.style import MUTED

BAR_COLORS = ["#1f4e79", "#2e86c1", "#85c1e9", "#aab7b8"]
#: Frontiers overlaid per scenario (those with the most capacity): two 200-fleet scenarios would
#: otherwise draw 800 curves on every edit.
MAX_CURVES_PER_SCENARIO = 6


class ComparePanel(QWidget):
    def __init__(self, window, catalog: Catalog, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.window_, self.catalog = window, catalog
        self.picks = QListWidget()
        self.picks.setToolTip(f"Tick 2 to {MAX_SCENARIOS} open scenarios to compare")
        self.baseline = QComboBox()
        self.baseline.setToolTip("Differences are against this scenario")
        self.hint = QLabel("")
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet(f"color: {MUTED};")
        csv_button = QPushButton("Export comparison CSV…")
        csv_button.clicked.connect(self.export_csv)
        chart_button = QPushButton("Export comparison chart…")
        chart_button.clicked.connect(self.export_chart)
        self.csv_button, self.chart_button = csv_button, chart_button
        left = QVBoxLayout()
        left.addWidget(QLabel("Scenarios"))
        left.addWidget(self.picks, 1)
        left.addWidget(QLabel("Baseline"))
        left.addWidget(self.baseline)
        left.addWidget(self.hint)
        left.addWidget(csv_button)
        left.addWidget(chart_button)
        side = QWidget()
        side.setLayout(left)
        side.setFixedWidth(230)
        self.picks.setTextElideMode(Qt.ElideMiddle)
        self.picks.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.table = QTableWidget()
        self.table.setEditTriggers(QTableWidget.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        # every scenario's column in view: columns share the width, long names are elided (their
        # whole name is the header's tooltip)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.Stretch)
        self.table.horizontalHeader().setTextElideMode(Qt.ElideMiddle)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.frontier = pg.PlotWidget(axisItems={"bottom": LogAxis("bottom"), "left": LogAxis("left")})
        self.frontier.setTitle("Frontiers (line style = scenario)", size=f"{SCREEN.title_pt}pt")
        style_axes(self.frontier.plotItem, SCREEN, "Interactivity (tokens/s per user)", "Tokens/s per facility MW")
        self.frontier_legend = new_legend(self.frontier.plotItem, SCREEN)
        self.bars = pg.GraphicsLayoutWidget()
        # the figures, the overlaid frontiers and the bars each get the whole width (side by side,
        # the second scenario's column ran off a 1440-pixel screen)
        charts = self.charts = QTabWidget()
        charts.addTab(self.table, "Figures")
        charts.addTab(self.frontier, "Frontiers")
        charts.addTab(self.bars, "Key figures")
        row = QHBoxLayout(self)
        row.setContentsMargins(6, 6, 6, 6)
        row.addWidget(side)
        row.addWidget(charts, 1)
        self._checked: set[int] = set()
        self._seen: set[int] = set()
        self.picks.itemChanged.connect(self._pick_changed)
        self.baseline.currentIndexChanged.connect(lambda _i: self._redraw())

    # -- which scenarios ------------------------------------------------------------------------
    def refresh(self) -> None:
        """Re-list the open scenarios (keeping ticks) and redraw."""
        sessions = self.window_.sessions
        for s in sessions:  # a newly opened scenario joins the comparison while there is room
            if s.number not in self._seen:
                self._seen.add(s.number)
                if len(self._checked & {x.number for x in sessions}) < MAX_SCENARIOS:
                    self._checked.add(s.number)
        self.picks.blockSignals(True)
        self.picks.clear()
        for s in sessions:
            item = QListWidgetItem(s.label() + (" •" if s.modified else ""))
            item.setData(Qt.UserRole, s.number)
            item.setFlags(Qt.ItemIsEnabled | Qt.ItemIsUserCheckable)
            item.setCheckState(Qt.Checked if s.number in self._checked else Qt.Unchecked)
            self.picks.addItem(item)
        self.picks.blockSignals(False)
        self._redraw()

    def _pick_changed(self, item: QListWidgetItem) -> None:
        number = item.data(Qt.UserRole)
        if item.checkState() == Qt.Checked:
            if len(self._chosen()) > MAX_SCENARIOS:
                self.picks.blockSignals(True)
                item.setCheckState(Qt.Unchecked)
                self.picks.blockSignals(False)
                self.hint.setText(f"At most {MAX_SCENARIOS} scenarios at once.")
                return
            self._checked.add(number)
        else:
            self._checked.discard(number)
        self._redraw()

    def _chosen(self):
        numbers = [self.picks.item(i).data(Qt.UserRole) for i in range(self.picks.count()) if self.picks.item(i).checkState() == Qt.Checked]
        return [s for s in self.window_.sessions if s.number in numbers and s.evaluator.result is not None]

    def entries(self) -> tuple[list, int]:
        chosen = self._chosen()
        entries = [CompareEntry(s.label(), str(s.path or ""), s.evaluator.result) for s in chosen]
        names = [s.label() for s in chosen]
        current = self.baseline.currentText()
        self.baseline.blockSignals(True)
        self.baseline.clear()
        self.baseline.addItems(names)
        self.baseline.setCurrentIndex(names.index(current) if current in names else 0)
        self.baseline.blockSignals(False)
        return entries, max(0, self.baseline.currentIndex())

    # -- drawing ----------------------------------------------------------------------------------
    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        if getattr(self, "_stale", False):
            self._redraw()

    def _redraw(self) -> None:
        # a comparison hidden behind the Results tab is redrawn when it is shown, not on every edit
        self._stale = not self.isVisible()
        if self._stale:
            return
        entries, base = self.entries()
        chosen = self._chosen()
        self.frontier.clear()
        self.bars.clear()
        if len(entries) < 2:
            self.table.clear()
            self.table.setRowCount(0)
            self.table.setColumnCount(0)
            self.hint.setText("Open or duplicate a scenario (File ▸ Duplicate scenario) and tick two to compare.")
            return
        self.hint.setText("Differences: value − baseline (and %). Updates live as you edit any of them.")
        rows = compare(entries, base)
        headers = []
        for i, e in enumerate(entries):
            headers.append(e.name + (" (baseline)" if i == base else ""))
            if i != base:
                headers.append(f"Δ {e.name}")
        self.table.setColumnCount(len(headers))
        self.table.setHorizontalHeaderLabels(headers)
        for col, text in enumerate(headers):
            self.table.horizontalHeaderItem(col).setToolTip(text)
        self.table.setRowCount(len(rows))
        self.table.setVerticalHeaderLabels([METRICS[r.metric].label for r in rows])
        for r, row in enumerate(rows):
            col = 0
            m = METRICS[row.metric]
            base_missing = unavailable(row.metric, entries[base].result.totals)
            for i, c in enumerate(row.cells):
                missing = unavailable(row.metric, entries[i].result.totals)
                item = QTableWidgetItem(fmt.total(row.metric, entries[i].result.totals))
                item.setToolTip(f"{m.label}: {m.description}" + (f"<br>{fmt.MISSING}: {missing}" if missing else ""))
                item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                self.table.setItem(r, col, item)
                col += 1
                if i != base:
                    if missing or base_missing:
                        diff = QTableWidgetItem(fmt.MISSING)
                        diff.setToolTip(f"no difference: {missing or base_missing}")
                    else:
                        diff = QTableWidgetItem(fmt.difference(row.metric, c.difference, c.difference_pct))
                        verdict = judged(row.metric, c.difference)
                        diff.setForeground(QColor("#047857" if verdict > 0 else "#b91c1c" if verdict < 0 else "#374151"))
                    diff.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                    self.table.setItem(r, col, diff)
                    col += 1
        legend = self.frontier_legend
        legend.clear()
        overlay = [(s.label(), largest_curves(s.evaluator.curves, s.evaluator.result, MAX_CURVES_PER_SCENARIO)) for s in chosen]
        draw_frontier_overlay(self.frontier.plotItem, overlay, SCREEN, legend)
        # the scenarios' names in one legend under the three plots (never over a bar)
        names = OutsideLegend(SCREEN, columns=min(len(entries), 4))
        for j, (key, title, axis, form) in enumerate(COMPARE_METRICS):
            plot = self.bars.addPlot(row=0, col=j, axisItems={"left": CompactAxis("left")})
            # the unit under the title, numbers on the bars without it: three plots share the width
            plot.setTitle(f"{title}<br><span style='color:{MUTED}; font-size:{SCREEN.tick_pt}pt'>{axis}</span>",
                          size=f"{SCREEN.title_pt}pt")
            style_axes(plot, SCREEN, "", "")
            draw_metric_bars(plot, [e.name for e in entries], [e.result.totals.get(key, 0.0) for e in entries],
                             BAR_COLORS[: len(entries)], SCREEN, lambda v: fmt.compact(v, 3), names if j == 0 else None,
                             named_in_legend=True, missing=[unavailable(key, e.result.totals) for e in entries])
        self.bars.addItem(names, row=1, col=0, colspan=len(COMPARE_METRICS))

    # -- export -----------------------------------------------------------------------------------
    def export_csv(self) -> None:
        from factory_app.ui.window_files import last_folder

        entries, base = self.entries()
        if len(entries) < 2:
            QMessageBox.information(self, "Compare", "Tick at least two scenarios first.")
            return
        name, _ = QFileDialog.getSaveFileName(self, "Export comparison as CSV", str(last_folder() / "comparison.csv"), "CSV (*.csv)")
        if name:
            try:
                write_compare_csv(Path(name), entries, base)
            except OSError as exc:
                QMessageBox.critical(self, "Export failed", f"{Path(name).name}: {exc}")

    def export_chart(self) -> None:
        from factory_app.ui.export_dialog import ExportDialog

        chosen = self._chosen()
        if len(chosen) < 2:
            QMessageBox.information(self, "Compare", "Tick at least two scenarios first.")
            return
        ExportDialog.for_comparison(self, chosen, self.catalog).exec()
