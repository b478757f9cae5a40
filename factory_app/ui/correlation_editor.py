"""Rank correlations between uncertain inputs, in the site's uncertainty section (issue 15).

A table of the scenario's pairs (each input by its label, rho in a spin box), Remove for the
selected pair, and a row to add one: two inputs chosen from those that carry a range now and
rho. Each change is one undoable :class:`SetFieldCommand` of the uncertainty block's
``correlations`` through the one edit path (``scenario.edits.preview``): a pair the scenario
refuses (rho outside [-1, 1], an input with itself, a pair twice, correlations that contradict
each other) is refused inline with the core's message, its inputs named by their labels, and
nothing is applied. The view follows the document's events (undo, redo, a range removed).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView, QComboBox, QDoubleSpinBox, QFormLayout, QHBoxLayout, QHeaderView, QLabel, QPushButton, QTableWidget,
    QTableWidgetItem, QVBoxLayout, QWidget,
)

from factory_app.scenario.edits import describe_refusal
from factory_app.scenario.fields import ValidationError
from factory_app.scenario.uncertainty import Correlation, input_label, ranged_inputs
from factory_app.ui.style import ERROR, MUTED
from factory_app.ui.undo_commands import SetFieldCommand

if TYPE_CHECKING:  # the inspector imports this module
    from factory_app.ui.inspector import Inspector

TIP = "Spearman rank correlation between two uncertain inputs, −1 to 1; applied by Iman–Conover in the Monte Carlo"
EMPTY = "Give at least two inputs a range (±) to correlate them."
#: What a rho spin box lets a person type: beyond [-1, 1] is refused with the core's message, not clamped.
RHO_TYPED = 9.99


def in_words(message: str, scenario, paths) -> str:
    """``message`` with every input path in it (``workloads.w1.price_decline_per_year``) replaced
    by the input's label, longest paths first."""
    for path in sorted(paths, key=len, reverse=True):
        message = re.sub(rf"(?<![\w.]){re.escape(path)}(?![\w]|\.\w)", lambda _m, p=path: input_label(scenario, p), message)
    return message


def _rho_spin(value: float) -> QDoubleSpinBox:
    spin = QDoubleSpinBox()
    spin.setDecimals(2)
    spin.setRange(-RHO_TYPED, RHO_TYPED)
    spin.setSingleStep(0.05)
    spin.setKeyboardTracking(False)
    spin.setValue(value)
    spin.setToolTip(TIP)
    spin.setAccessibleName("Rank correlation")
    return spin


class CorrelationEditor(QWidget):
    """The scenario's rank correlations: see the module docstring."""

    def __init__(self, inspector: "Inspector", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.inspector = inspector
        self.setToolTip(TIP)
        self.title = QLabel("<b>Rank correlations</b>")
        self.title.setToolTip(TIP)
        self.empty = QLabel(EMPTY)
        self.empty.setWordWrap(True)
        self.empty.setStyleSheet(f"color: {MUTED};")
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["Input A", "Input B", "ρ"])
        self.table.horizontalHeaderItem(2).setToolTip(TIP)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(True)
        self.table.setTextElideMode(Qt.ElideNone)  # long labels wrap: the rows grow, never "…"
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.table.setVerticalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.Stretch)
        header.setSectionResizeMode(1, QHeaderView.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeToContents)
        self.table.setToolTip(TIP)
        header.sectionResized.connect(lambda *_args: self._fit())
        self.first, self.second = QComboBox(), QComboBox()
        for combo, which in ((self.first, "first"), (self.second, "second")):
            combo.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(10)
            combo.setToolTip(f"The {which} input of the pair: one that carries a range")
        self.rho = _rho_spin(0.5)
        self.add_button = QPushButton("Add pair")
        self.add_button.setToolTip(TIP)
        self.remove_button = QPushButton("Remove")
        self.remove_button.setToolTip("Remove the selected pair")
        self.error = QLabel("")
        self.error.setWordWrap(True)
        self.error.setStyleSheet(f"color: {ERROR}; font-weight: 600;")
        self.error.hide()
        add_form = QFormLayout()
        add_form.setContentsMargins(0, 0, 0, 0)
        add_form.setFieldGrowthPolicy(QFormLayout.AllNonFixedFieldsGrow)
        add_form.addRow("Input A", self.first)
        add_form.addRow("Input B", self.second)
        rho_row = QHBoxLayout()
        rho_row.addWidget(self.rho, 1)
        rho_row.addWidget(self.add_button)
        rho_label = QLabel("ρ")
        rho_label.setToolTip(TIP)
        add_form.addRow(rho_label, rho_row)
        self.add_part = QWidget()
        self.add_part.setLayout(add_form)
        remove_row = QHBoxLayout()
        remove_row.addStretch(1)
        remove_row.addWidget(self.remove_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.empty)
        layout.addWidget(self.table)
        layout.addLayout(remove_row)
        layout.addWidget(self.add_part)
        layout.addWidget(self.error)
        self.add_button.clicked.connect(lambda: self.add())
        self.remove_button.clicked.connect(lambda: self.remove())
        self.table.itemSelectionChanged.connect(lambda: self._selection_changed())
        self._shown: tuple | None = None
        self._pairs: list[tuple[str, str, str, str]] | None = None
        self._spins: list[QDoubleSpinBox] = []
        self.refresh()

    # -- what is shown ----------------------------------------------------------------------------
    def inputs(self) -> tuple[str, ...]:
        """The inputs that carry a range now (what a pair may be made of)."""
        return ranged_inputs(self.inspector.doc.scenario, self.inspector.catalog)

    def refresh(self, force: bool = False) -> None:
        """Show the scenario's correlations and the inputs that carry a range (after any edit, undo
        or redo); rebuilt only when they changed."""
        scenario = self.inspector.doc.scenario
        inputs = self.inputs()
        labels = tuple(input_label(scenario, p) for p in inputs)
        correlations = scenario.uncertainty.correlations
        key = (inputs, labels, correlations)
        if key == self._shown and not force:
            return
        self._shown = key
        enough = len(inputs) >= 2
        self.empty.setVisible(not enough)
        self.add_part.setVisible(enough)
        self.table.setVisible(bool(correlations))
        self.remove_button.setVisible(bool(correlations))
        for combo in (self.first, self.second):
            chosen = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            for path, label in zip(inputs, labels):
                combo.addItem(label, path)
                combo.setItemData(combo.count() - 1, label, Qt.ToolTipRole)
            index = combo.findData(chosen)
            combo.setCurrentIndex(index if index >= 0 else (1 if combo is self.second and combo.count() > 1 else 0))
            combo.blockSignals(False)
        self._fill_table(scenario, correlations)

    def _fill_table(self, scenario, correlations: tuple[Correlation, ...]) -> None:
        """One row per pair. When the pairs are the ones shown (a rho changed, or was refused),
        only the spin boxes are set: a spin box is never deleted inside its own signal."""
        pairs = [(c.a, c.b, input_label(scenario, c.a), input_label(scenario, c.b)) for c in correlations]
        if pairs == self._pairs:
            for spin, c in zip(self._spins, correlations):
                spin.blockSignals(True)
                spin.setValue(c.rho)
                spin.blockSignals(False)
            return
        self._pairs = pairs
        self.table.blockSignals(True)
        self.table.setRowCount(0)
        self.table.setRowCount(len(correlations))
        self._spins = []
        for i, (c, (_a, _b, label_a, label_b)) in enumerate(zip(correlations, pairs)):
            for column, label in enumerate((label_a, label_b)):
                item = QTableWidgetItem(label)
                item.setToolTip(label)
                self.table.setItem(i, column, item)
            spin = _rho_spin(c.rho)
            spin.valueChanged.connect(lambda v, row=i: self.set_rho(row, float(v)))
            self.table.setCellWidget(i, 2, spin)
            self._spins.append(spin)
        self.table.clearSelection()
        self.table.blockSignals(False)
        self._selection_changed()
        self._fit()

    def _fit(self) -> None:
        """Rows as tall as their wrapped labels, the table as tall as its rows (the inspector scrolls, not it)."""
        self.table.resizeRowsToContents()
        rows = sum(self.table.rowHeight(i) for i in range(self.table.rowCount()))
        self.table.setFixedHeight(self.table.horizontalHeader().sizeHint().height() + rows + 2 * self.table.frameWidth())

    def _selection_changed(self) -> None:
        self.remove_button.setEnabled(bool(self.table.selectionModel().selectedRows()))

    # -- edits --------------------------------------------------------------------------------------
    def add(self) -> bool:
        """Add the pair chosen below the table (one undoable edit), or say inline why it is refused."""
        a, b = self.first.currentData(), self.second.currentData()
        if a is None or b is None:
            return False
        scenario = self.inspector.doc.scenario
        pair = Correlation(a, b, self.rho.value())
        return self._push(scenario.uncertainty.correlations + (pair,), f"Correlate {self._names(a, b)}")

    def set_rho(self, row: int, rho: float) -> bool:
        """Change the rho of the pair in ``row`` (its spin box in the table)."""
        correlations = self.inspector.doc.scenario.uncertainty.correlations
        if not 0 <= row < len(correlations):
            return False
        c = correlations[row]
        new = correlations[:row] + (Correlation(c.a, c.b, rho),) + correlations[row + 1:]
        return self._push(new, f"Change the correlation of {self._names(c.a, c.b)}")

    def remove(self) -> bool:
        """Remove the selected pair (one undoable edit)."""
        rows = self.table.selectionModel().selectedRows()
        correlations = self.inspector.doc.scenario.uncertainty.correlations
        if not rows or not 0 <= rows[0].row() < len(correlations):
            return False
        row = rows[0].row()
        c = correlations[row]
        return self._push(correlations[:row] + correlations[row + 1:], f"Remove the correlation of {self._names(c.a, c.b)}")

    def _names(self, a: str, b: str) -> str:
        scenario = self.inspector.doc.scenario
        return f"{input_label(scenario, a)} and {input_label(scenario, b)}"

    def _push(self, correlations: tuple[Correlation, ...], label: str) -> bool:
        scenario = self.inspector.doc.scenario
        try:  # making the command previews the edit: the one validation
            command = SetFieldCommand(self.inspector.doc, "uncertainty", None, "correlations", correlations, label=label)
        except (ValidationError, KeyError) as exc:
            paths = {p for c in correlations for p in (c.a, c.b)} | set(self.inputs())
            self.error.setText(f"Refused: {in_words(describe_refusal(exc), scenario, paths)}")
            self.error.show()
            self.refresh(force=True)  # a spin box in the table shows the stored rho again
            return False
        self.error.hide()
        self.inspector.push(command)
        return True


__all__ = ["CorrelationEditor", "EMPTY", "TIP", "in_words"]
