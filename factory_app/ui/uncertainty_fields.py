"""Inspector rows of the uncertainty analysis (issue 15): a fleet's platform-family throughput range
(the engine's error, shared by every fleet of the family) and, on the site, how the analysis runs:
sourced default ranges on or off, Monte Carlo samples, seed, and the rank correlations between
inputs (``correlation_editor``).

Each edits through the inspector's own edit path (``Inspector._edit``: the one validation,
refused inline) and is one undoable command.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QCheckBox, QLabel, QSpinBox

from factory_app.scenario.uncertainty import MAX_SAMPLES, MIN_SAMPLES, THROUGHPUT
from factory_app.serving.families import family_label
from factory_app.serving.catalog import Platform
from factory_app.ui.correlation_editor import CorrelationEditor
from factory_app.ui.range_editor import range_row
from factory_app.ui.style import MUTED

if TYPE_CHECKING:  # the inspector imports this module
    from factory_app.ui.inspector import Inspector


def add_throughput_row(inspector: "Inspector", platform: Platform) -> None:
    """The "±" of the fleet's platform family throughput: every fleet of the family moves with it."""
    note = QLabel(f"{family_label(platform.family)} family: the engine's error")
    note.setStyleSheet(f"color: {MUTED};")
    note.setWordWrap(True)
    note.setToolTip("How far the engine's tokens/s may be off for this platform family: a lognormal multiplier of every "
                    "operating point of its fleets (they move together). From the engine's calibration band of its operating "
                    "points, or the calibration report's error where none carries a band (docs/uncertainty.md).")
    row, button = range_row(inspector, note, f"{THROUGHPUT}.{platform.family}", "")
    label = QLabel("Throughput")
    label.setToolTip(note.toolTip())
    inspector.form.addRow(label, row)
    inspector.ranges["throughput"] = button
    inspector.rows["throughput"] = label


def add_uncertainty_settings(inspector: "Inspector") -> None:
    """The site's uncertainty section: default ranges, samples and seed of the analysis, and the
    rank correlations between its inputs."""
    from factory_app.ui.inspector import _heading  # the inspector imports this module

    u = inspector.doc.scenario.uncertainty
    inspector.form.addRow(_heading("Uncertainty analysis"))
    defaults = QCheckBox("Sourced default ranges")
    defaults.setChecked(u.defaults)
    defaults.setToolTip("Give every input with a sourced default range one (WACC, price decline, utilisation, electricity, "
                        "lives, residual values, facility costs, network share, each platform family's throughput); "
                        "a range set with ± replaces the default. Off: only the ranges set with ±.")
    defaults.toggled.connect(lambda on: inspector._edit("uncertainty", "defaults", bool(on), 0))
    samples = QSpinBox()
    samples.setRange(MIN_SAMPLES, MAX_SAMPLES)
    samples.setSingleStep(1000)
    samples.setGroupSeparatorShown(True)
    samples.setKeyboardTracking(False)
    samples.setValue(u.samples)
    samples.setToolTip("Latin hypercube samples of the Monte Carlo analysis (10,000 take well under a second)")
    samples.valueChanged.connect(lambda v: inspector._edit("uncertainty", "samples", int(v), 0))
    seed = QSpinBox()
    seed.setRange(0, 2**31 - 1)
    seed.setKeyboardTracking(False)
    seed.setValue(min(u.seed, 2**31 - 1))
    seed.setToolTip("The same seed gives the same samples, so the same figures")
    seed.valueChanged.connect(lambda v: inspector._edit("uncertainty", "seed", int(v), 0))
    inspector.form.addRow("", defaults)
    inspector.form.addRow("Monte Carlo samples", samples)
    inspector.form.addRow("Seed", seed)
    correlations = CorrelationEditor(inspector)
    inspector.form.addRow(correlations)
    inspector.uncertainty_settings = {"defaults": defaults, "samples": samples, "seed": seed, "correlations": correlations}


def refresh_uncertainty_settings(inspector: "Inspector") -> None:
    """Show the block's settings again (after an edit or an undo), without emitting edits."""
    u = inspector.doc.scenario.uncertainty
    for name, widget in getattr(inspector, "uncertainty_settings", {}).items():
        if isinstance(widget, CorrelationEditor):
            widget.refresh()
            continue
        widget.blockSignals(True)
        if name == "defaults":
            widget.setChecked(u.defaults)
        else:
            widget.setValue(min(getattr(u, name), widget.maximum()))
        widget.blockSignals(False)


__all__ = ["add_throughput_row", "add_uncertainty_settings", "refresh_uncertainty_settings"]
