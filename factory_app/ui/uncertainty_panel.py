"""The uncertainty analysis in the app: run in a worker thread, shown in three results-dock tabs.

The :class:`UncertaintyController` runs :func:`factory_app.factory.uncertainty.analysis.analyse`
on a snapshot of the scenario in a ``QThread`` while one of the tabs is on screen: the tornado
first (a few milliseconds), then the Monte Carlo samples in chunks, reporting progress. An edit
makes the analysis stale: a running one is cancelled at its next chunk and a new one starts once
the edits pause; Cancel stops it and Run starts it again. The window stays responsive: the
worker holds the interpreter only between numpy's array operations, in chunks of
:data:`UI_CHUNK` samples.
"""

from __future__ import annotations

import os
import sys
import threading

from PySide6.QtCore import QObject, QThread, QTimer, Signal, Slot
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QProgressBar, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from factory_app.factory.metrics import HEADLINES, METRICS
from factory_app.factory.uncertainty.analysis import TORNADO_FIGURES, Analysis, Cancelled, analyse
from factory_app.scenario.model import Scenario
from factory_app.serving.catalog import Catalog
from factory_app.ui.style import ERROR, MUTED
from factory_app.ui.uncertainty_charts import FanChart, HistogramChart, TornadoChart

#: Samples per chunk in the app: cancel and progress come at least this often.
UI_CHUNK = 250
#: Quiet time after an edit before a new analysis starts (edits while dragging a slider pile up).
RESTART_MS = 250


class _Job(QObject):
    """One analysis of one scenario, run in a worker thread."""

    tornadoReady = Signal(object, int)
    progressed = Signal(int, int, int)
    done = Signal(object, int)
    failed = Signal(str, int)
    stopped = Signal(int)

    def __init__(self, scenario: Scenario, catalog: Catalog, number: int) -> None:
        super().__init__()
        self.scenario, self.catalog, self.number = scenario, catalog, number
        self.stop = threading.Event()

    def run(self) -> None:
        _lower_priority()
        try:
            result = analyse(self.scenario, self.catalog, progress=lambda d, n: self.progressed.emit(d, n, self.number),
                             cancelled=self.stop.is_set, on_tornado=lambda a: self.tornadoReady.emit(a, self.number), chunk=UI_CHUNK)
        except Cancelled:
            self.stopped.emit(self.number)
        except Exception as exc:  # noqa: BLE001 - reported in the dock, never raised into Qt
            self.failed.emit(f"{type(exc).__name__}: {exc}", self.number)
        else:
            self.done.emit(result, self.number)


#: Niceness of the worker thread: the window's thread comes first when they compete for a core.
WORKER_NICE = 10


def _lower_priority() -> None:
    """Run this (worker) thread at a lower priority where the system allows it per thread (Linux:
    each thread has its own niceness); elsewhere it runs as it is."""
    if not hasattr(os, "setpriority") or not sys.platform.startswith("linux"):
        return
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), WORKER_NICE)
    except OSError:
        pass


class UncertaintyController(QObject):
    """Keeps the analysis of the scenario shown up to date while its tabs are on screen."""

    changed = Signal()  # the analysis, the status or the progress changed

    def __init__(self, catalog: Catalog | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.catalog = catalog
        self.scenario: Scenario | None = None  # the scenario to analyse
        self.analysis: Analysis | None = None  # of ``analysed`` (the tornado alone while the samples run)
        self.analysed: Scenario | None = None
        self.active = False
        self.status = ""
        self.error = ""
        self.progress = (0, 0)
        self._number = 0
        self._running: dict[int, tuple[QThread, _Job]] = {}
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(RESTART_MS)
        self._timer.timeout.connect(self.start)

    @property
    def running(self) -> bool:
        return self._number in self._running

    @property
    def complete(self) -> bool:
        return self.analysis is not None and self.analysis.monte_carlo is not None and self.analysed == self.scenario

    def request(self, scenario: Scenario | None) -> None:
        """The scenario shown changed (an edit, another tab): a running analysis of another one is
        cancelled now; a new one starts after :data:`RESTART_MS` while the tabs are on screen."""
        if scenario == self.scenario:
            return
        self.scenario = scenario
        self._cancel_running()
        if self.active and scenario is not None:
            self.status = "Waiting for the edits to pause…"
            self._timer.start()
        self.changed.emit()

    def set_active(self, active: bool) -> None:
        """A tab of the analysis is (not) on screen: start it if it is stale."""
        self.active = active
        if active and not self.complete and not self.running and self.scenario is not None and not self._timer.isActive():
            self.start()

    @Slot()
    def start(self) -> None:
        """Analyse the scenario now (the Run button)."""
        self._timer.stop()
        if self.scenario is None or self.catalog is None:
            return
        self._cancel_running()
        self._number += 1
        thread, job = QThread(), _Job(self.scenario, self.catalog, self._number)
        job.moveToThread(thread)
        thread.started.connect(job.run)
        job.tornadoReady.connect(self._tornado)
        job.progressed.connect(self._progressed)
        job.done.connect(self._done)
        job.failed.connect(self._failed)
        job.stopped.connect(self._finished)
        self._running[self._number] = (thread, job)
        self.status, self.error, self.progress = "Running the tornado…", "", (0, self.scenario.uncertainty.samples)
        thread.start()
        self.changed.emit()

    def cancel(self) -> None:
        """Stop the running analysis (the Cancel button); what it showed stays, marked stale."""
        self._timer.stop()
        was = self.running
        self._cancel_running()
        if was:
            self.status = "Cancelled: press Run to analyse again"
            self.changed.emit()

    def shutdown(self) -> None:
        """Stop every worker and wait for it (the window is closing)."""
        self._timer.stop()
        for thread, job in list(self._running.values()):
            job.stop.set()
            thread.quit()
            thread.wait(10_000)
        self._running.clear()

    def _cancel_running(self) -> None:
        for thread, job in self._running.values():
            job.stop.set()
        self._number += 1  # whatever they send from now on is stale

    # -- from the worker (queued into this thread) ----------------------------------------------------
    @Slot(object, int)
    def _tornado(self, analysis: Analysis, number: int) -> None:
        if number == self._number:
            self.analysis, self.analysed = analysis, self.scenario
            self.status = "Running the Monte Carlo samples…"
            self.changed.emit()

    @Slot(int, int, int)
    def _progressed(self, done: int, total: int, number: int) -> None:
        if number == self._number:
            self.progress = (done, total)
            self.changed.emit()

    @Slot(object, int)
    def _done(self, analysis: Analysis, number: int) -> None:
        if number == self._number:
            self.analysis, self.analysed = analysis, self.scenario
            mc = analysis.monte_carlo
            self.status = f"{mc.samples:,} samples, seed {mc.seed}; {len(analysis.inputs)} uncertain inputs"
        self._finished(number)

    @Slot(str, int)
    def _failed(self, message: str, number: int) -> None:
        if number == self._number:
            self.error, self.status = message, "The analysis failed"
        self._finished(number)

    @Slot(int)
    def _finished(self, number: int) -> None:
        thread, _job = self._running.pop(number, (None, None))
        if thread is not None:
            thread.quit()
            thread.wait(10_000)
        self.changed.emit()


#: Figures the tornado and histogram tabs offer.
TORNADO_CHOICES = TORNADO_FIGURES
HISTOGRAM_CHOICES = tuple(dict.fromkeys(("npv_usd", "irr", "revenue_usd_per_watt_year", "cost_usd_per_million_tokens",
                                         "tokens_per_s_per_mw", *HEADLINES)))


class UncertaintyTab(QWidget):
    """One chart of the analysis (tornado, histogram or fan) under a row of controls: the figure
    shown, what the analysis is doing, its progress, Cancel and Run."""

    def __init__(self, kind: str, controller: UncertaintyController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind, self.controller = kind, controller
        self.figure = QComboBox()
        choices = {"tornado": TORNADO_CHOICES, "histogram": HISTOGRAM_CHOICES}.get(kind, ())
        for key in choices:
            self.figure.addItem(f"{METRICS[key].label} ({METRICS[key].unit})", key)
        self.figure.setVisible(bool(choices))
        self.figure.setToolTip("The figure this chart shows")
        self.status = QLabel("")
        self.status.setStyleSheet(f"color: {MUTED};")
        # its text changes with every step: it must never resize (and so repaint) the chart
        self.status.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Fixed)
        self.status.setMinimumWidth(0)
        self.bar = QProgressBar()
        self.bar.setMaximumWidth(160)
        self.bar.setTextVisible(True)
        policy = self.bar.sizePolicy()
        policy.setRetainSizeWhenHidden(True)  # showing or hiding it must not resize (and repaint) the chart
        self.bar.setSizePolicy(policy)
        self.cancel = QPushButton("Cancel")
        self.cancel.setToolTip("Stop the analysis (what is shown stays)")
        self.run = QPushButton("Run")
        self.run.setToolTip("Analyse the scenario again")
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.figure)
        row.addWidget(self.status, 1)  # takes the room left, elided: never widens the row
        for w in (self.bar, self.cancel, self.run):
            row.addWidget(w)
        self.chart = {"tornado": TornadoChart, "histogram": HistogramChart, "fan": FanChart}[kind]()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.chart, 1)
        self.cancel.clicked.connect(lambda: controller.cancel())
        self.run.clicked.connect(lambda: controller.start())
        self.figure.currentIndexChanged.connect(lambda _i: self.redraw())
        self._drawn: tuple | None = None

    def current_figure(self) -> str:
        return self.figure.currentData() or "npv_usd"

    def update_status(self) -> None:
        """The controls row: what the analysis is doing (cheap: called on every progress step)."""
        c = self.controller
        done, total = c.progress
        self.bar.setVisible(c.running)
        self.bar.setRange(0, max(total, 1))
        self.bar.setValue(done)
        self.cancel.setEnabled(c.running)
        self.run.setEnabled(not c.running and c.scenario is not None)
        stale = c.analysis is not None and c.analysed != c.scenario
        text = c.error or c.status
        text += " (showing the analysis before the last edit)" if stale and not c.error else ""
        if text != self.status.text():
            self.status.setText(text)
            self.status.setToolTip(text)
        style = f"color: {ERROR if c.error else MUTED};"
        if style != self.status.styleSheet():  # a style sheet costs a relayout
            self.status.setStyleSheet(style)

    def redraw(self, force: bool = False) -> None:
        """Draw the chart from the controller's analysis (only when it or the figure changed)."""
        c = self.controller
        a = c.analysis
        key = (id(a), a.monte_carlo is not None if a else None, self.current_figure())
        if key == self._drawn and not force:
            return
        self._drawn = key
        waiting = "Analysing…" if c.running or c.scenario is not None else "No scenario"
        if self.kind == "tornado":
            self.chart.show_tornado(a.tornadoes.get(self.current_figure()) if a else None, waiting)
        elif self.kind == "histogram":
            self.chart.show_histogram(a, self.current_figure(), "Running the Monte Carlo samples…" if a else waiting)
        else:
            self.chart.show_fan(a, "Running the Monte Carlo samples…" if a else waiting)


__all__ = ["RESTART_MS", "UI_CHUNK", "UncertaintyController", "UncertaintyTab"]
