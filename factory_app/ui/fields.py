"""Editors for one scenario field: a spin box and a slider with unit, range and help.

Ranges, units and help come from :mod:`factory_app.scenario.fields`, so the inspector offers
exactly what validation accepts. An editor emits ``edited(value, merge)``: ``merge`` is a drag
session number while a slider moves (one undo step per drag), 0 for a single edit.
"""

from __future__ import annotations

import itertools
import math

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QCheckBox, QDoubleSpinBox, QHBoxLayout, QSlider, QWidget

from factory_app.scenario.fields import FieldSpec

_SLIDER_STEPS = 1000
#: Units up to this length go inside the spin box; longer ones go in the row's label.
SHORT_UNIT = 8


def field_label(spec: FieldSpec) -> str:
    """The inspector's label for a field: its name, with a long unit in brackets."""
    unit = spec.unit if spec.unit != "fraction" else ""
    return f"{spec.label} ({unit})" if unit and len(unit) > SHORT_UNIT else spec.label
_sessions = itertools.count(1)


def _decimals(spec: FieldSpec) -> int:
    if spec.integer:
        return 0
    if spec.maximum <= 1.0:
        return 3
    if spec.maximum <= 100:
        return 3 if spec.minimum < 1 else 2
    return 2 if spec.maximum <= 100_000 else 0


def _slider_bounds(spec: FieldSpec) -> tuple[float, float]:
    lo = spec.minimum
    if spec.log_scale:
        lo = max(lo, 1e-3 * spec.maximum if spec.maximum < 1e9 else 1.0, 0.01 if not spec.integer else 1.0)
        hi = spec.maximum if spec.maximum < 1e9 else 1e9
        return lo, hi
    return lo, spec.maximum


class NumberField(QWidget):
    """Spin box + slider for a :class:`FieldSpec`; optional fields get an on/off check box."""

    edited = Signal(object, int)  # value (None = off), merge session (0 = none)

    def __init__(self, spec: FieldSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        self.check = QCheckBox()
        self.check.setVisible(spec.optional)
        self.check.setToolTip("Off = no limit / not set")
        self.spin = QDoubleSpinBox()
        self.spin.setDecimals(_decimals(spec))
        low = spec.minimum + (10 ** -self.spin.decimals() if spec.exclusive_minimum else 0.0)
        self.spin.setRange(low, spec.maximum)
        self.spin.setKeyboardTracking(False)
        self.spin.setGroupSeparatorShown(True)
        self.spin.setAccelerated(True)
        unit = spec.unit if spec.unit != "fraction" else ""
        self.spin.setSuffix(f" {unit}" if unit and len(unit) <= SHORT_UNIT else "")
        self.spin.setMinimumWidth(110)
        self.slider = QSlider(Qt.Horizontal)
        self.slider.setRange(0, _SLIDER_STEPS)
        self.slider.setMinimumWidth(60)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.check)
        row.addWidget(self.spin, 3)
        row.addWidget(self.slider, 2)
        tip = f"{spec.help}<br><b>Unit:</b> {spec.unit or 'none'} · <b>valid:</b> {spec.describe_range().removeprefix('must be ')}"
        if spec.source:
            tip += f"<br><small>Source: {spec.source}</small>"
        self.setToolTip(tip)
        self._session = 0
        self.spin.valueChanged.connect(self._spin_changed)
        self.slider.sliderPressed.connect(self._start_session)
        self.slider.valueChanged.connect(self._slider_changed)
        self.slider.sliderReleased.connect(self._end_session)
        self.check.toggled.connect(self._check_toggled)

    # -- value <-> slider ---------------------------------------------------------------------
    def _to_slider(self, value: float) -> int:
        lo, hi = _slider_bounds(self.spec)
        if hi <= lo:
            return 0
        v = min(max(value, lo), hi)
        if self.spec.log_scale and lo > 0:
            t = (math.log(v) - math.log(lo)) / (math.log(hi) - math.log(lo))
        else:
            t = (v - lo) / (hi - lo)
        return int(round(t * _SLIDER_STEPS))

    def _from_slider(self, pos: int) -> float:
        lo, hi = _slider_bounds(self.spec)
        t = pos / _SLIDER_STEPS
        if self.spec.log_scale and lo > 0:
            v = math.exp(math.log(lo) + t * (math.log(hi) - math.log(lo)))
            v = float(f"{v:.3g}")  # round to 3 significant figures while dragging
        else:
            v = lo + t * (hi - lo)
        v = min(max(v, self.spin.minimum()), self.spin.maximum())
        return float(round(v)) if self.spec.integer else round(v, self.spin.decimals())

    # -- public -------------------------------------------------------------------------------
    def set_value(self, value: float | None) -> None:
        """Show a value without emitting ``edited``."""
        for w in (self.spin, self.slider, self.check):
            w.blockSignals(True)
        enabled = value is not None
        self.check.setChecked(enabled)
        self.spin.setEnabled(enabled or not self.spec.optional)
        self.slider.setEnabled(enabled or not self.spec.optional)
        if value is not None:
            self.spin.setValue(value)
            self.slider.setValue(self._to_slider(value))
        for w in (self.spin, self.slider, self.check):
            w.blockSignals(False)

    def value(self) -> float | None:
        if self.spec.optional and not self.check.isChecked():
            return None
        v = self.spin.value()
        return int(round(v)) if self.spec.integer else v

    # -- signals --------------------------------------------------------------------------------
    def _emit(self, merge: int) -> None:
        self.edited.emit(self.value(), merge)

    def _spin_changed(self, v: float) -> None:
        self.slider.blockSignals(True)
        self.slider.setValue(self._to_slider(v))
        self.slider.blockSignals(False)
        self._emit(0)

    def _start_session(self) -> None:
        self._session = next(_sessions)

    def _end_session(self) -> None:
        self._session = 0

    def _slider_changed(self, pos: int) -> None:
        v = self._from_slider(pos)
        self.spin.blockSignals(True)
        self.spin.setValue(v)
        self.spin.blockSignals(False)
        self._emit(self._session)

    def _check_toggled(self, on: bool) -> None:
        self.spin.setEnabled(on)
        self.slider.setEnabled(on)
        if on and self.spin.value() <= self.spin.minimum():
            default = self.spec.default if self.spec.default is not None else max(self.spin.minimum(), 1.0)
            self.spin.blockSignals(True)
            self.spin.setValue(default)
            self.spin.blockSignals(False)
        self._emit(0)
