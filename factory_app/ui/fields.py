"""Editors for one scenario field: a spin box and a slider with unit, range and help.

Ranges, units and help come from :mod:`factory_app.scenario.fields`, so the inspector offers
exactly what validation accepts. An editor emits ``edited(value, merge)``: ``merge`` is a drag
session number while a slider moves (one undo step per drag), 0 for a single edit.
"""

from __future__ import annotations

import itertools
import math

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import QCheckBox, QDoubleSpinBox, QHBoxLayout, QSlider, QWidget

from factory_app.scenario.fields import FieldSpec, ValidationError

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


def _slider_bounds(spec: FieldSpec, limit: float | None = None) -> tuple[float, float]:
    """The values at the slider's two ends: the field's useful range (``spec.slider``), its top
    lowered to ``limit`` (what the engine can reach) when given. A log slider never starts at 0."""
    lo, hi = spec.slider if spec.slider else (spec.minimum, spec.maximum)
    if limit is not None and lo < limit < hi:
        hi = float(f"{limit:.2g}") if float(f"{limit:.2g}") >= limit else float(f"{limit * 1.05:.2g}")
    if spec.log_scale:
        lo = max(lo, 1e-3 * hi if hi < 1e9 else 1.0, 0.01 if not spec.integer else 1.0)
    return lo, hi


class RangeSpinBox(QDoubleSpinBox):
    """A spin box that lets a number outside its range be typed and then refuses it aloud.

    Qt's spin box drops the keystroke that leaves the range, so "-50" became "-0" and then 0,
    and "99999999" became 9,999 with no word (a fresh-eyes run). Here the whole number can be
    typed; on Return or leaving the box it is refused (``out_of_range`` carries it) and the box
    goes back to its value."""

    out_of_range = Signal(float)

    def number(self, text: str) -> float | None:
        """The number typed, without the suffix and group separators (None: not a number)."""
        body = text.removeprefix(self.prefix()).removesuffix(self.suffix())
        body = body.replace(self.locale().groupSeparator(), "").replace(self.locale().decimalPoint(), ".").strip()
        try:
            return float(body)
        except ValueError:
            return None

    def validate(self, text: str, pos: int):  # noqa: D102 - Qt's
        result = super().validate(text, pos)
        state = result[0] if isinstance(result, tuple) else result
        if state == QValidator.Invalid and self.number(text) is not None:
            return QValidator.Intermediate, text, pos  # let it be typed: fixup refuses it
        return result

    def fixup(self, text: str) -> str:  # noqa: D102 - Qt's
        value = self.number(text)
        if value is not None and math.isfinite(value) and not self.minimum() <= value <= self.maximum():
            self.out_of_range.emit(value)
        return super().fixup(text)


class NumberField(QWidget):
    """Spin box + slider for a :class:`FieldSpec`; optional fields get an on/off check box."""

    edited = Signal(object, int)  # value (None = off), merge session (0 = none)
    refused = Signal(str)  # a typed value outside the field's range, as one line (field: rule, got value)

    def __init__(self, spec: FieldSpec, off_text: str = "not set", on_value: float | None = None,
                 parent: QWidget | None = None) -> None:
        """``off_text``: what an optional field shows while it is off ("no limit", "catalogue:
        30,000 USD"); ``on_value``: where it starts when switched on (else the field's default)."""
        super().__init__(parent)
        self.spec = spec
        self.off_text, self.on_value = off_text, on_value
        self.limit: float | None = None
        self.check = QCheckBox()
        self.check.setVisible(spec.optional)
        self.check.setToolTip(f"Off = {off_text}")
        self.spin = RangeSpinBox()
        self.spin.setDecimals(_decimals(spec))
        low = spec.minimum + (10 ** -self.spin.decimals() if spec.exclusive_minimum else 0.0)
        self.spin.setRange(low, spec.maximum)
        self.spin.setKeyboardTracking(False)
        self.spin.setGroupSeparatorShown(True)
        self.spin.setAccelerated(True)
        unit = spec.unit if spec.unit != "fraction" else ""
        self.spin.setSuffix(f" {unit}" if unit and len(unit) <= SHORT_UNIT else "")
        self.spin.setMinimumWidth(100)
        self.slider = QSlider(Qt.Horizontal)
        self.slider.setRange(0, _SLIDER_STEPS)
        self.slider.setMinimumWidth(36)  # narrow docks keep the spin box and the ± in view
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.check)
        row.addWidget(self.spin, 4)
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
        self.spin.out_of_range.connect(self._refuse)

    # -- value <-> slider ---------------------------------------------------------------------
    def set_limit(self, limit: float | None) -> None:
        """Lower the slider's top end to what the engine can reach (the spin box keeps the field's
        whole range)."""
        if limit == self.limit:
            return
        self.limit = limit if limit is None or limit > 0 else None
        self.slider.blockSignals(True)
        self.slider.setValue(self._to_slider(self.spin.value()))
        self.slider.blockSignals(False)

    def slider_range(self) -> tuple[float, float]:
        return _slider_bounds(self.spec, self.limit)

    def _to_slider(self, value: float) -> int:
        lo, hi = self.slider_range()
        if hi <= lo:
            return 0
        v = min(max(value, lo), hi)
        if self.spec.log_scale and lo > 0:
            t = (math.log(v) - math.log(lo)) / (math.log(hi) - math.log(lo))
        else:
            t = (v - lo) / (hi - lo)
        return int(round(t * _SLIDER_STEPS))

    def _from_slider(self, pos: int) -> float:
        lo, hi = self.slider_range()
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
        # off: the spin box says what off means ("no limit"), never a number that is not in force
        self.spin.setSpecialValueText("" if enabled or not self.spec.optional else self.off_text)
        if value is not None:
            self.spin.setValue(value)
            self.slider.setValue(self._to_slider(value))
        elif self.spec.optional:
            self.spin.setValue(self.spin.minimum())
            self.slider.setValue(0)
        self._show_off_text(not enabled and self.spec.optional)
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

    def _refuse(self, value: float) -> None:
        try:
            self.spec.check(value, self.spec.label)
        except ValidationError as exc:
            self.refused.emit(f"{exc.path} {exc.message}")
            return
        # inside the field's rule but outside the box (its exclusive minimum's first step)
        self.refused.emit(f"{self.spec.label} must be between {self.spin.minimum():g} and {self.spin.maximum():g}, got {value:g}")

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

    def _show_off_text(self, off: bool) -> None:
        """An off text wider than the box shows its beginning (the line edit scrolls to its end,
        which showed ') (catalogue)' for a price), and the whole of it in the tooltip."""
        self.spin.setToolTip(f"Off: {self.off_text}" if off else "")
        if off:
            self.spin.lineEdit().setCursorPosition(0)

    def _check_toggled(self, on: bool) -> None:
        self.spin.setEnabled(on)
        self.slider.setEnabled(on)
        self.spin.setSpecialValueText("" if on else self.off_text)
        self._show_off_text(not on)
        self.spin.blockSignals(True)
        self.slider.blockSignals(True)
        if on:
            start = self.on_value if self.on_value is not None else self.spec.default
            if start is None:  # the middle of the slider's useful range
                lo, hi = self.slider_range()
                start = float(f"{(lo * hi) ** 0.5 if self.spec.log_scale and lo > 0 else (lo + hi) / 2:.2g}")
            self.spin.setValue(max(start, self.spin.minimum()))
            self.slider.setValue(self._to_slider(self.spin.value()))
        else:
            self.spin.setValue(self.spin.minimum())
        self.spin.blockSignals(False)
        self.slider.blockSignals(False)
        self._emit(0)
