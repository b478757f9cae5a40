"""Inspector rows the field tables cannot give by themselves (issue 14): the successor platform a
fleet is refreshed to, and a workload's 24-hour demand shape (a template picker and the hourly
values).

Each row edits through the inspector's own edit path (``Inspector._edit``: the one validation,
refused inline), so a shape that does not average 1 or an unknown platform is refused with the
scenario's own one-line message and nothing changes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from PySide6.QtWidgets import QLineEdit

from factory_app.scenario.demand_shapes import CUSTOM, HOURS, SHAPES
from factory_app.scenario.model import Fleet, Workload

if TYPE_CHECKING:  # the inspector imports this module
    from factory_app.ui.inspector import Inspector


def hours_of(w: Workload) -> tuple[float, ...]:
    """The 24 multipliers a workload's demand follows: its custom hours, or its template's."""
    if w.demand_shape == CUSTOM:
        return w.demand_hourly
    return SHAPES[w.demand_shape].values if w.demand_shape in SHAPES else ()


class HourlyEdit(QLineEdit):
    """The 24 hourly multipliers of the demand shape as text: '0.8, 0.7, ...' (00 to 23 h). It
    shows the template's hours too, so ``set_value`` (the inspector's refresh, given the stored
    ``demand_hourly``, empty for a template) reads the workload's hours from ``source``."""

    def __init__(self, source: Callable[[], tuple[float, ...]]) -> None:
        super().__init__()
        self.source = source

    def set_value(self, _stored: object = None) -> None:
        text = ", ".join(f"{v:g}" for v in self.source())
        if self.text() != text:
            self.setText(text)


def add_fleet_rows(inspector: "Inspector", fleet: Fleet) -> None:
    """The refresh successor (the residual value and delivery year come from the field table)."""
    platforms = [("", "Retire at the end of its life")] + [
        (p.id, f"{p.name}{' (announced)' if p.announced else ''}") for p in inspector.catalog.platforms.values()
    ]
    inspector._combo(
        "fleet", "refresh_platform", "Refresh to", platforms, fleet.refresh_platform,
        "At the end of its life the fleet is replaced by this platform at the same power (and that by the same again), "
        "or retired. The cash flows show the purchase, the sale of the old systems and the new capacity.",
    )


def add_demand_rows(inspector: "Inspector", w: Workload) -> None:
    """The demand-shape template picker (with each template's source on hover) and the hourly values."""
    options = [(s.id, s.label) for s in SHAPES.values()] + [(CUSTOM, "Custom (hourly values below)")]
    tip = "<br>".join(f"<b>{s.label}</b>: {s.source}" for s in SHAPES.values())
    inspector._combo("workload", "demand_shape", "Demand shape", options, w.demand_shape,
                     f"How the mean demand spreads over the day (local time).<br>{tip}")
    item_id = w.id
    hourly = HourlyEdit(lambda: hours_of(inspector.doc.scenario.workload(item_id)))
    hourly.set_value()
    hourly.setPlaceholderText(f"{HOURS} multipliers of the mean demand, 00 to 23 h, averaging 1")
    hourly.setToolTip(f"{HOURS} multipliers of the mean demand, 00 to 23 h local time, averaging 1 (within 0.005). "
                      "Editing them makes the shape custom; a shape that does not average 1 is refused.")
    hourly.editingFinished.connect(lambda e=hourly: _edit_hours(inspector, e.text()))
    inspector.form.addRow("Hourly demand", hourly)
    inspector.editors["demand_hourly"] = hourly


def _edit_hours(inspector: "Inspector", text: str) -> None:
    try:
        values = tuple(float(part) for part in text.replace(";", ",").split(",") if part.strip())
    except ValueError:
        inspector.error.setText(f"Refused: hourly demand: write {HOURS} numbers separated by commas")
        inspector.error.show()
        return
    if values != hours_of(inspector.doc.scenario.workload(inspector.item_id or "")):
        inspector._edit("workload", "demand_hourly", values, 0)


__all__ = ["HourlyEdit", "add_demand_rows", "add_fleet_rows", "hours_of"]
