"""File ▸ Export chart: which chart, what size, transparent or not, then PNG, SVG or PDF."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QWidget,
)

from factory_app.serving.catalog import Catalog
from factory_app.factory.curves import largest_curves
from factory_app.ui.export import (
    CHART_KINDS,
    MAX_CURVES_PER_SCENARIO,
    SIZE_PRESETS,
    TITLES,
    ExportError,
    Slide,
    chart_slide,
    compare_frontier_slide,
    compare_slide,
)

FILTERS = "PNG image (*.png);;SVG vector image (*.svg);;PDF document (*.pdf)"


class ExportDialog(QDialog):
    def __init__(self, parent: QWidget, kind: str, scenario, result, curves, catalog: Catalog, base_path: Path,
                 comparison: list | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export chart")
        self.scenario, self.result, self.curves, self.catalog = scenario, result, curves, catalog
        self.comparison = comparison
        self.base_path = base_path
        self.chart = QComboBox()
        if comparison:
            self.chart.addItem("Key figures, side by side", "compare")
            self.chart.addItem("Frontiers overlaid", "compare-frontier")
        else:
            for k in CHART_KINDS:
                self.chart.addItem(TITLES[k], k)
            self.chart.setCurrentIndex(max(0, CHART_KINDS.index(kind) if kind in CHART_KINDS else 0))
        self.size = QComboBox()
        for label, wh in SIZE_PRESETS.items():
            self.size.addItem(label, wh)
        self.size.addItem("Custom", None)
        self.width_ = QSpinBox()
        self.width_.setRange(320, 7680)
        self.width_.setValue(1920)
        self.width_.setSuffix(" px")
        self.height_ = QSpinBox()
        self.height_.setRange(240, 4320)
        self.height_.setValue(1080)
        self.height_.setSuffix(" px")
        custom = QHBoxLayout()
        custom.addWidget(self.width_)
        custom.addWidget(self.height_)
        self.transparent = QCheckBox("Transparent background (PNG)")
        self.size.currentIndexChanged.connect(self._size_changed)
        self._size_changed()
        form = QFormLayout(self)
        form.addRow("Chart", self.chart)
        form.addRow("Size", self.size)
        form.addRow("Width × height", custom)
        form.addRow("", self.transparent)
        buttons = QDialogButtonBox(QDialogButtonBox.Cancel)
        export = QPushButton("Export…")
        copy = QPushButton("Copy to clipboard")
        buttons.addButton(export, QDialogButtonBox.AcceptRole)
        buttons.addButton(copy, QDialogButtonBox.ActionRole)
        # lambdas: a button's clicked(checked) would otherwise arrive as export's ``path``
        export.clicked.connect(lambda: self.export())
        copy.clicked.connect(lambda: self.copy())
        self.export_button, self.copy_button = export, copy
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    @classmethod
    def for_comparison(cls, parent: QWidget, sessions: list, catalog: Catalog) -> "ExportDialog":
        from factory_app.ui.window_files import last_folder

        return cls(parent, "compare", None, None, None, catalog, last_folder() / "comparison", comparison=sessions)

    def _size_changed(self) -> None:
        wh = self.size.currentData()
        custom = wh is None
        self.width_.setEnabled(custom)
        self.height_.setEnabled(custom)
        if wh:
            self.width_.setValue(wh[0])
            self.height_.setValue(wh[1])

    def chosen_size(self) -> tuple[int, int]:
        return self.width_.value(), self.height_.value()

    def build(self) -> Slide:
        kind = self.chart.currentData()
        size = self.chosen_size()
        if kind == "compare":
            return compare_slide([(s.label(), s.doc.scenario, s.evaluator.result) for s in self.comparison], self.catalog, size)
        if kind == "compare-frontier":
            entries = [(s.label(), s.doc.scenario, largest_curves(s.evaluator.curves, s.evaluator.result, MAX_CURVES_PER_SCENARIO))
                       for s in self.comparison]
            return compare_frontier_slide(entries, self.catalog, size)
        return chart_slide(kind, self.scenario, self.result, self.curves, self.catalog, size)

    def export(self, path: Path | None = None) -> bool:
        if self.result is None and not self.comparison:
            QMessageBox.information(self, "Export chart", "There are no results to chart yet.")
            return False
        if path is None:
            start = str(self.base_path.with_name(f"{self.base_path.name}-{self.chart.currentData()}.png"))
            name, _ = QFileDialog.getSaveFileName(self, "Export chart", start, FILTERS)
            if not name:
                return False
            path = Path(name)
            if path.suffix.lower() not in (".png", ".svg", ".pdf"):
                path = path.with_suffix(".png")
        slide = self.build()
        try:
            slide.save(path, transparent=self.transparent.isChecked())
        except ExportError as exc:
            QMessageBox.critical(self, "Export failed", str(exc))
            return False
        finally:
            slide.close()
        self.accept()
        return True

    def copy(self) -> None:
        slide = self.build()
        slide.copy_to_clipboard()
        slide.close()
        self.accept()
