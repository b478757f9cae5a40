"""The "±" beside a field in the inspector: its uncertainty range at a glance, and an editor for it.

A field that only the money uses can carry a range; the button shows whether it has one (the
scenario's own, bold; a sourced default, plain; none, dimmed) and its tooltip says which and
why. A field that shapes the factory (power, shares, tokens per request...) shows a disabled "±"
whose tooltip says why it cannot carry a range. Clicking opens :class:`RangeDialog`; its edit is
one undoable command through the one edit path (a refusal is shown inline in the dialog).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QDialog, QDoubleSpinBox, QFormLayout, QHBoxLayout, QLabel, QPushButton, QToolButton, QVBoxLayout, QWidget,
)

from factory_app.factory.uncertainty.inputs import describe_input
from factory_app.io import number_format as fmt
from factory_app.scenario.edits import describe_refusal
from factory_app.scenario.fields import FieldSpec, ValidationError
from factory_app.scenario.uncertainty import DISTRIBUTIONS, THROUGHPUT_LIMITS, UncertainRange, default_inputs, input_label, parse_input
from factory_app.ui.fields import SHORT_UNIT, _decimals
from factory_app.ui.style import ERROR, MUTED
from factory_app.ui.undo_commands import SetFieldCommand

if TYPE_CHECKING:  # the inspector imports this module
    from factory_app.ui.inspector import Inspector


class RangeButton(QToolButton):
    """The "±" of one input (``path``); ``fixed`` is why its field cannot carry a range."""

    def __init__(self, inspector: "Inspector", path: str, fixed: str = "") -> None:
        super().__init__()
        self.inspector, self.path, self.fixed = inspector, path, fixed
        self.setText("±")
        self.setAutoRaise(True)
        self.setFixedWidth(26)
        self.setObjectName("rangeButton")
        self.clicked.connect(lambda: self.edit())
        self.refresh()

    def state(self, defaults: tuple[str, ...] | None = None) -> str:
        """own, default, none or fixed (``defaults``: the scenario's default inputs, if known)."""
        if self.fixed:
            return "fixed"
        scenario = self.inspector.doc.scenario
        if scenario.uncertainty.range_of(self.path) is not None:
            return "own"
        if scenario.uncertainty.defaults and self.path in (defaults if defaults is not None else default_inputs(scenario, self.inspector.catalog)):
            return "default"
        return "none"

    def refresh(self, defaults: tuple[str, ...] | None = None) -> None:
        """Show the input's state (restyled only when it changed: a style sheet costs a relayout)."""
        state = self.state(defaults)
        scenario = self.inspector.doc.scenario
        own = scenario.uncertainty.range_of(self.path)
        if (state, own) == getattr(self, "_shown", None):
            return
        self._shown = (state, own)
        self.setEnabled(state != "fixed")
        f = self.font()
        f.setBold(state == "own")
        self.setFont(f)
        color = {"own": "#1d4ed8", "default": "#374151"}.get(state, MUTED)
        self.setStyleSheet(f"QToolButton#rangeButton {{ color: {color}; }}")
        label = input_label(scenario, self.path)
        if state == "fixed":
            tip = f"{label} carries no uncertainty range: {self.fixed}"
        elif state == "own":
            tip = f"<b>{label}</b>: your range, {own.distribution} {_text(self.path, own.low)} to {_text(self.path, own.high)}" + \
                  (f", most likely {_text(self.path, own.mode)}" if own.mode is not None else ", most likely its value")
        elif state == "default":
            tip = f"<b>{label}</b>: a sourced default range (click to see or change it)"
        else:
            tip = f"<b>{label}</b> has no range: click to give it one"
        self.setToolTip(tip + "<br><small>The tornado and the Monte Carlo analysis vary the inputs that carry a range; "
                              "rank-correlate two of them under Site ▸ Uncertainty analysis.</small>")

    def edit(self) -> None:
        RangeDialog(self.inspector, self.path, self).exec()


def _unit(path: str) -> str:
    t = parse_input(path)
    return "x the engine's tokens/s" if t.spec is None else t.spec.unit


def _text(path: str, value: float) -> str:
    return fmt.input_value(_unit(path), value)


class RangeDialog(QDialog):
    """Edit one input's range: distribution, low, most likely, high; Apply, Remove, Cancel."""

    def __init__(self, inspector: "Inspector", path: str, parent: QWidget | None = None) -> None:
        super().__init__(parent or inspector)
        self.inspector, self.path = inspector, path
        scenario = inspector.doc.scenario
        self.setWindowTitle(f"Range of {input_label(scenario, path)}")
        spec = parse_input(path).spec
        info, value = describe_input(scenario, inspector.catalog, path)
        own = scenario.uncertainty.range_of(path)
        self.distribution = QComboBox()
        for d in DISTRIBUTIONS:
            self.distribution.addItem({"lognormal": "lognormal (median, 5th-95th percentile)"}.get(d, d), d)
        self.low, self.mode, self.high = (self._spin(spec) for _ in range(3))
        self.follows = QCheckBox("most likely = the field's value")
        self.follows.setToolTip("The range is centred on whatever the field is set to (and widens to include it)")
        self.follows.toggled.connect(lambda on: self.mode.setEnabled(not on))
        start = own or (UncertainRange(path, info.distribution.kind, info.distribution.low, info.distribution.high) if info else None)
        base = value if value == value else (spec.default or 0.0)  # an empty field (NaN) starts from its default
        if start is not None:
            self.distribution.setCurrentIndex(max(0, self.distribution.findData(start.distribution)))
        self.low.setValue(start.low if start else base)
        self.high.setValue(start.high if start else base)
        self.mode.setValue(own.mode if own and own.mode is not None else base)
        self.follows.setChecked(not (own and own.mode is not None))
        source = "your range" if own else (info.source if info else "no range yet: give it one")
        note = QLabel(f"<small>{'Default, ' if info and not own else ''}{source}</small>")
        note.setWordWrap(True)
        note.setStyleSheet(f"color: {MUTED};")
        self.error = QLabel("")
        self.error.setWordWrap(True)
        self.error.setStyleSheet(f"color: {ERROR}; font-weight: 600;")
        self.error.hide()
        form = QFormLayout()
        form.addRow("Distribution", self.distribution)
        form.addRow("Low", self.low)
        mode_row = QHBoxLayout()
        mode_row.addWidget(self.mode, 1)
        mode_row.addWidget(self.follows)
        form.addRow("Most likely", mode_row)
        form.addRow("High", self.high)
        self.apply_button = QPushButton("Apply")
        self.apply_button.setDefault(True)
        has_default = scenario.uncertainty.defaults and path in default_inputs(scenario, inspector.catalog)
        self.remove_button = QPushButton("Use the default" if has_default else "Remove range")
        self.remove_button.setEnabled(own is not None)
        cancel = QPushButton("Cancel")
        buttons = QHBoxLayout()
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        buttons.addWidget(cancel)
        buttons.addWidget(self.apply_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(self.error)
        layout.addLayout(buttons)
        self.apply_button.clicked.connect(lambda: self.apply())
        self.remove_button.clicked.connect(lambda: self.remove())
        cancel.clicked.connect(self.reject)
        self.setMinimumWidth(380)

    def _spin(self, spec: FieldSpec | None) -> QDoubleSpinBox:
        spin = QDoubleSpinBox()
        spin.setKeyboardTracking(True)
        spin.setGroupSeparatorShown(True)
        if spec is None:  # a throughput multiplier
            spin.setDecimals(3)
            spin.setRange(*THROUGHPUT_LIMITS)
            spin.setSingleStep(0.01)
            spin.setPrefix("×")
            return spin
        spin.setDecimals(max(_decimals(spec), 3 if spec.maximum <= 100 else 0))
        spin.setRange(-spec.maximum, spec.maximum)  # below the field's minimum is refused with its message, not clamped
        unit = spec.unit if spec.unit != "fraction" else ""
        spin.setSuffix(f" {unit}" if unit and len(unit) <= SHORT_UNIT else "")
        spin.setToolTip(f"{spec.label} ({spec.unit or 'no unit'}): {spec.describe_range().removeprefix('must be ')}")
        return spin

    def value(self) -> UncertainRange:
        return UncertainRange(self.path, self.distribution.currentData(), self.low.value(), self.high.value(),
                              None if self.follows.isChecked() else self.mode.value())

    def apply(self) -> bool:
        """Set the range (one undoable edit), or say inline why it is refused."""
        return self._push(self.value(), f"Change the range of {input_label(self.inspector.doc.scenario, self.path)}")

    def remove(self) -> bool:
        return self._push(None, f"Remove the range of {input_label(self.inspector.doc.scenario, self.path)}")

    def _push(self, value: UncertainRange | None, label: str) -> bool:
        try:
            command = SetFieldCommand(self.inspector.doc, "uncertainty", None, self.path, value, label=label)
        except (ValidationError, KeyError) as exc:
            self.error.setText(f"Refused: {describe_refusal(exc)}")
            self.error.show()
            return False
        self.inspector.push(command)
        self.accept()
        return True


def range_row(inspector: "Inspector", editor: QWidget, path: str, fixed: str) -> tuple[QWidget, RangeButton]:
    """``editor`` with its "±" beside it, as one row widget."""
    holder = QWidget()
    row = QHBoxLayout(holder)
    row.setContentsMargins(0, 0, 0, 0)
    row.setSpacing(2)
    row.addWidget(editor, 1)
    button = RangeButton(inspector, path, fixed)
    row.addWidget(button, 0, Qt.AlignVCenter)
    return holder, button


__all__ = ["RangeButton", "RangeDialog", "range_row"]
