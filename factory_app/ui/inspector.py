"""The inspector: every parameter of the selected item, with units, ranges and sources.

Edits become undo commands. A value the scenario refuses (for example power shares adding up to
more than the site) is refused inline with the document's own message, and the editor shows the
stored value again.
"""

from __future__ import annotations

import re
from typing import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QUndoCommand
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QFrame,
    QLabel,
    QLineEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from factory_app.serving.catalog import Catalog, Figure
from factory_app.serving.precision import PRECISIONS
from factory_app.scenario.document import Change, ScenarioDocument
from factory_app.scenario.edits import describe_refusal
from factory_app.scenario.fields import ASSIGNMENT_FIELDS, FLEET_FIELDS, SITE_FIELDS, WORKLOAD_FIELDS, FieldSpec, ValidationError
from factory_app.scenario.model import PricePoint
from factory_app.io import number_format as fmt
from factory_app.ui.engine_fields import add_fleet_engine_rows, add_site_software_row
from factory_app.ui.finance_fields import add_demand_rows, add_fleet_rows
from factory_app.ui.range_editor import RangeButton, range_row
from factory_app.ui.uncertainty_fields import add_throughput_row, add_uncertainty_settings, refresh_uncertainty_settings
from factory_app.scenario.uncertainty import default_inputs, input_path
from factory_app.ui.undo_commands import SetFieldCommand
from factory_app.ui.fields import NumberField, field_label
from factory_app.ui.style import ERROR, MUTED

#: Fleet fields that belong to one way of sizing a fleet (the other one's number is hidden)
SIZING_FIELDS = {"power_share": "power", "accelerators": "count"}


def _catalogue_default(platform, field: str) -> float | None:
    """The catalogue's figure an optional fleet field overrides (the price per accelerator; the
    TDP a power cap replaces)."""
    figure = getattr(platform, "tdp_w" if field == "power_cap_w" else field, None) if platform is not None else None
    return float(figure.value) if isinstance(figure, Figure) else None


FIGURE_LABELS = {
    "hbm_gb": ("HBM", "GB"),
    "hbm_bandwidth_tbps": ("HBM bandwidth", "TB/s"),
    "tdp_w": ("TDP", "W"),
    "all_in_w": ("All-in power", "W per accelerator"),
    "scale_up_domain": ("Scale-up domain", "accelerators"),
    "scale_up_bw_gbps_bidir": ("Scale-up bandwidth", "GB/s (both directions)"),
    "scale_out_bw_gbps": ("Scale-out bandwidth", "GB/s"),
    "price_usd": ("Price", "USD per accelerator, all-in"),
}


def _site_power_line(site) -> str:
    """The power the site's fields add up to (computed by the site: IT and accelerator power)."""
    return (f"IT power budget {fmt.mw(site.it_power_mw)} (facility power / PUE) · accelerator power budget "
            f"{fmt.mw(site.accelerator_power_mw)} (IT power less the non-accelerator share)")


def _off_text(spec: FieldSpec) -> str:
    """What an optional field means when it is off, from its help ("... Empty = no limit.")."""
    match = re.search(r"[Ee]mpty = (.+?)(?:\.\s|\.$|$)", spec.help)  # to the sentence's end, not a file name's dot
    return match.group(1).split(" (")[0].strip() if match else "not set"  # the why stays in the help


def _heading(text: str) -> QLabel:
    label = QLabel(text)
    f = label.font()
    f.setBold(True)
    f.setPointSizeF(f.pointSizeF() + 1)
    label.setFont(f)
    return label


def _figure_label(fig: Figure, unit: str) -> QLabel:
    text = f"{fig.value:,.6g} {unit}"
    if fig.is_estimate:
        text += "  <span style='color:#b45309'>(estimate)</span>"
    label = QLabel(text)
    label.setTextFormat(Qt.RichText)
    label.setWordWrap(True)  # "(estimate)" wraps rather than widening the dock
    label.setToolTip(fig.describe_source())
    return label


class Inspector(QWidget):
    """Shows and edits the selected item; ``push`` puts a command on the undo stack."""

    def __init__(self, doc: ScenarioDocument, catalog: Catalog, push: Callable[[QUndoCommand], None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.doc, self.catalog, self.push = doc, catalog, push
        self.kind: str | None = None
        self.item_id: str | None = None
        #: (kind, item id, field) -> the highest value the engine can reach, or None: a slider's
        #: top end (the window answers from the latest frontier curves)
        self.reach: Callable[[str, str | None, str], float | None] = lambda kind, item_id, field: None
        self.editors: dict[str, QWidget] = {}
        self.ranges: dict[str, RangeButton] = {}  # field (or "throughput") -> its "±"
        self.rows: dict[str, QWidget] = {}  # field -> the row's label, to point at it
        self.title = _heading("Nothing selected")
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet(f"color: {ERROR}; font-weight: 600;")
        self.error.hide()
        self.body = QWidget()
        self.form = QFormLayout(self.body)
        self.form.setFieldGrowthPolicy(QFormLayout.AllNonFixedFieldsGrow)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)  # rows wrap to the dock's width
        scroll.setWidget(self.body)
        self.scroll = scroll
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.title)
        layout.addWidget(self.error)
        layout.addWidget(scroll, 1)
        self._unsubscribe = doc.subscribe(self._on_change)
        self.show_item("site", "site")

    def set_document(self, doc: ScenarioDocument, push: Callable[[QUndoCommand], None]) -> None:
        """Follow another document (the active tab's)."""
        self._unsubscribe()
        self.doc, self.push = doc, push
        self._unsubscribe = doc.subscribe(self._on_change)
        self.show_item("site", "site")

    # -- what is shown ----------------------------------------------------------------------------
    def show_item(self, kind: str | None, item_id: str | None) -> None:
        """Show the site, a fleet, a workload, an assignment (``fleet/workload``) or nothing."""
        self.kind, self.item_id = kind, item_id
        self.error.hide()
        # take the rows out and delete their widgets later: this runs inside an editor's own signal
        # (choosing another platform rebuilds the fields), and deleting the sender there crashed
        while self.form.rowCount():
            row = self.form.takeRow(0)
            for part in (row.labelItem, row.fieldItem):
                widget = part.widget() if part is not None else None
                if widget is not None:
                    widget.blockSignals(True)  # a focused field hidden now would report an edit of the next item
                    widget.hide()
                    widget.deleteLater()
        self.editors = {}
        self.ranges, self.rows, self.uncertainty_settings = {}, {}, {}
        self.derived = None
        builders = {"site": self._build_site, "fleet": self._build_fleet, "workload": self._build_workload,
                     "assignment": self._build_assignment}
        if kind not in builders:
            self.title.setText("Nothing selected")
            self.form.addRow(QLabel("Select an item on the canvas to edit it."))
            return
        try:
            item = self.doc.scenario.item(kind, item_id)
        except KeyError:
            self.show_item(None, None)
            return
        builders[kind](item)

    def _number(self, kind: str, field: str, spec: FieldSpec, value, off_text: str = "", on_value=None) -> None:
        """A spin box and slider for a numeric field; an optional one shows ``off_text`` when off
        and starts from ``on_value`` when switched on (else the field's default)."""
        editor = NumberField(spec, off_text or _off_text(spec), on_value)
        editor.set_limit(self.reach(kind, self.item_id, field))
        editor.set_value(value)
        editor.edited.connect(lambda v, merge, k=kind, f=field: self._edit(k, f, v, merge))
        editor.refused.connect(self._refused)
        label = QLabel(field_label(spec))
        label.setWordWrap(True)
        label.setToolTip(editor.toolTip())
        row: QWidget = editor
        if kind in ("site", "fleet", "workload"):
            row, self.ranges[field] = range_row(self, editor, input_path(kind, self.item_id, field), spec.fixed)
        self.form.addRow(label, row)
        self.editors[field] = editor
        self.rows[field] = label

    def _text(self, kind: str, field: str, label: str, value: str) -> None:
        edit = QLineEdit(value)
        edit.editingFinished.connect(lambda k=kind, f=field, e=edit: self._edit(k, f, e.text(), 0) if e.text() != self._current(f) else None)
        self.form.addRow(label, edit)
        self.editors[field] = edit

    def _combo(self, kind: str, field: str, label: str, options: list[tuple[str, str]], value: str, tip: str = "") -> None:
        combo = QComboBox()
        for key, text in options:
            combo.addItem(text, key)
        combo.setCurrentIndex(max(0, combo.findData(value)))
        combo.setToolTip(tip)
        # as wide as the dock allows, not as the longest platform name (which pushed the form off screen)
        combo.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
        combo.setMinimumContentsLength(10)
        combo.currentIndexChanged.connect(lambda _i, k=kind, f=field, c=combo: self._edit(k, f, c.currentData(), 0))
        self.form.addRow(label, combo)
        self.editors[field] = combo

    def _note(self, text: str) -> QLabel:
        label = QLabel(text)
        label.setWordWrap(True)
        label.setStyleSheet(f"color: {MUTED};")
        label.setTextFormat(Qt.RichText)
        self.form.addRow(label)
        return label

    def _build_site(self, site) -> None:
        self.title.setText("Site")
        self._text("site", "name", "Name", site.name)
        for name, spec in SITE_FIELDS.items():
            self._number("site", name, spec, getattr(site, name))
        add_site_software_row(self, site)
        self.derived = self._note(_site_power_line(site))
        add_uncertainty_settings(self)

    def _build_fleet(self, fleet) -> None:
        self.title.setText(f"Fleet · {fleet.name or fleet.platform}")
        self._text("fleet", "name", "Name", fleet.name)
        platforms = [(p.id, p.name + (" (announced)" if p.announced else "")) for p in self.catalog.platforms.values()]
        self._combo("fleet", "platform", "Platform", platforms, fleet.platform)
        self._combo("fleet", "sizing", "Sized by", [("power", "share of accelerator power"), ("count", "number of accelerators")], fleet.sizing)
        p = self.catalog.platforms.get(fleet.platform)
        for name, spec in FLEET_FIELDS.items():  # every field of the table: new ones appear by themselves
            if name in SIZING_FIELDS and SIZING_FIELDS[name] != fleet.sizing:
                continue  # the number of the other sizing
            catalogue = _catalogue_default(p, name)
            off = f"{catalogue:,.0f} ({'TDP' if name == 'power_cap_w' else 'catalogue'})" if catalogue is not None else ""
            self._number("fleet", name, spec, getattr(fleet, name), off, catalogue)
        add_fleet_rows(self, fleet)
        add_fleet_engine_rows(self, fleet)
        if p is None:
            return
        add_throughput_row(self, p)
        self.form.addRow(_heading("Catalogue figures"))
        self._note(p.system + ("<br><b style='color:#b45309'>Announced, not shipping.</b>" if p.announced else ""))
        for key, fig in p.figures().items():
            if key in FIGURE_LABELS:
                label, unit = FIGURE_LABELS[key]
            else:
                label, unit = f"Peak {key.split('_')[1].upper()}", "TFLOPS (dense)"
            self.form.addRow(label, _figure_label(fig, unit))
        eff = self.catalog.efficiency_for(p)
        self._note(
            ("Efficiency factors calibrated against published measurements (docs/calibration.md)." if eff.calibrated
             else f"<b>Efficiency factors not calibrated</b>: {eff.provenance.removeprefix('not calibrated: ')}.")
            + " Hover a figure for its source."
        )

    def _build_workload(self, w) -> None:
        self.title.setText(f"Workload · {w.name or w.model}")
        self._text("workload", "name", "Name", w.name)
        models = [(m.id, m.name) for m in self.catalog.models.values()]
        self._combo("workload", "model", "Model", models, w.model)
        self._combo("workload", "precision", "Precision", [(p, p) for p in PRECISIONS], w.precision,
                    "Weight format. FP4 runs on Blackwell, Rubin and MI355X only.")
        for name, spec in WORKLOAD_FIELDS.items():
            self._number("workload", name, spec, getattr(w, name))
        curve = QLineEdit(", ".join(f"{p.tokens_per_s_per_user:g}:{p.multiplier:g}" for p in w.price_curve))
        curve.setPlaceholderText("e.g. 20:1, 100:1.5, 300:2  (tokens/s per user : price multiplier)")
        curve.setToolTip("Output price multiplier by interactivity: faster tokens sell dearer. Empty = flat price.")
        curve.editingFinished.connect(lambda e=curve: self._edit_curve(e.text()))
        self.form.addRow("Price curve", curve)
        self.editors["price_curve"] = curve
        add_demand_rows(self, w)
        m = self.catalog.models.get(w.model)
        if m is not None:
            self._note(f"{m.name}: {m.layers} layers, {m.published_total_params_b:g} B parameters"
                       + (f" ({m.published_active_params_b:g} B active, MoE)" if m.moe else "")
                       + (", MLA attention" if m.mla else "")
                       + f", context {m.max_context_tokens:,} tokens. Source: {'; '.join(m.sources)}")

    def _build_assignment(self, a) -> None:
        fid, wid = a.fleet_id, a.workload_id
        s = self.doc.scenario
        self.title.setText(f"Link · {s.fleet(fid).name or fid} → {s.workload(wid).name or wid}")
        self._number("assignment", "share", ASSIGNMENT_FIELDS["share"], a.share)
        self._note("Share of the fleet's accelerators that serve this workload. The shares of one fleet add up to at most 1.")

    def focus_field(self, field: str) -> None:
        """Scroll to a field's row and give it the keyboard (a tornado bar was clicked)."""
        target = self.editors.get(field) or self.ranges.get(field)
        if target is None:
            return
        self.scroll.ensureWidgetVisible(target, 40, 40)
        label = self.rows.get(field)
        if label is not None:
            label.setStyleSheet("background: #fde68a; border-radius: 3px;")  # pointed at until the next item is shown
        target.setFocus(Qt.OtherFocusReason)

    def update_limits(self) -> None:
        """New results: the sliders' top ends follow what the engine can now reach."""
        for field, editor in self.editors.items():
            if isinstance(editor, NumberField):
                editor.set_limit(self.reach(self.kind or "", self.item_id, field))

    # -- edits --------------------------------------------------------------------------------
    def _current(self, field: str):
        try:
            return getattr(self.doc.scenario.item(self.kind or "", self.item_id), field, None)
        except KeyError:
            return None

    def _edit(self, kind: str, field: str, value, merge: int) -> None:
        item_id = self.item_id if kind != "site" else "site"
        try:  # making the command previews the edit: the one validation
            command = SetFieldCommand(self.doc, kind, item_id, field, value, session=merge)
        except (ValidationError, KeyError) as exc:
            self.error.setText(f"Refused: {describe_refusal(exc)}")
            self.error.show()
            self._refresh_values()
            return
        self.error.hide()
        self.push(command)

    def _refused(self, message: str) -> None:
        """A typed value outside its field's range: said, and the editor keeps its value."""
        self.error.setText(f"Refused: {message}")
        self.error.show()

    def _edit_curve(self, text: str) -> None:
        points = []
        try:
            for part in filter(None, (p.strip() for p in text.split(","))):
                speed, _, mult = part.partition(":")
                points.append(PricePoint(float(speed), float(mult)))
        except ValueError:
            self.error.setText("Refused: price curve: write pairs like 20:1, 100:1.5 (tokens/s per user : multiplier)")
            self.error.show()
            return
        if tuple(points) != self.doc.scenario.workload(self.item_id or "").price_curve:
            self._edit("workload", "price_curve", tuple(points), 0)

    # -- following the document -----------------------------------------------------------------
    def _on_change(self, change: Change) -> None:
        if change.action == "reset":
            self.show_item("site", "site")
            return
        defaults = default_inputs(self.doc.scenario, self.catalog) if self.ranges else ()
        for button in self.ranges.values():  # any edit may give or take a default range
            button.refresh(defaults)
        refresh_uncertainty_settings(self)
        if change.kind == "uncertainty":
            return
        if change.action == "remove" and change.item_id == self.item_id:
            self.show_item(None, None)
            return
        shown = (change.kind == self.kind and change.item_id == self.item_id) or (change.kind == "site" and self.kind == "site")
        if shown and change.field in ("sizing", "platform", "model", "power_cap_w", "software_as_of"):
            self.show_item(self.kind, self.item_id)  # the set of fields changes
        elif shown or self.kind == "site":
            self._refresh_values()

    def _refresh_values(self) -> None:
        if self.kind is None:
            return
        try:
            obj = self.doc.scenario.item(self.kind, self.item_id)
        except KeyError:
            self.show_item(None, None)
            return
        if self.kind == "site" and getattr(self, "derived", None) is not None:
            self.derived.setText(_site_power_line(obj))
        for field, editor in self.editors.items():
            value = getattr(obj, field, None)
            if hasattr(editor, "set_value"):  # number fields, the hourly demand
                editor.set_value(value)
            elif isinstance(editor, QLineEdit) and field != "price_curve":
                if editor.text() != value:
                    editor.setText(value or "")
            elif isinstance(editor, QComboBox):
                editor.blockSignals(True)
                editor.setCurrentIndex(max(0, editor.findData(value)))
                editor.blockSignals(False)
