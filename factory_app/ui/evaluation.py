"""Recompute on every edit, and run heavy work (the optimiser) in a worker thread.

Recompute is one call: scenario -> ``evaluate_factory`` -> results, then the frontier curves for
the charts. Several document events from one command (deleting a fleet removes its links first)
coalesce into one recompute at the next turn of the event loop.

A scenario with ``optimise: true`` stays on this fast path: every edit shows the evaluation of
the split as given at once (its first warning says the optimiser is running), and the optimiser
runs in a worker thread once edits pause for :data:`OPTIMISE_DELAY_MS` (a slider drag starts it
once, not per step). A newer edit cancels a running optimisation (it stops at its next
checkpoint, within one evaluation of the factory) and its result is dropped; the optimised
result replaces the quick one when it comes, if the scenario is still the one it optimised.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any, Callable

from PySide6.QtCore import QObject, QThread, QTimer, Signal

from factory_app.serving.catalog import Catalog
from factory_app.factory.curves import frontier_curves
from factory_app.factory.evaluation import evaluate_factory
from factory_app.factory.optimiser.split import cancellable
from factory_app.scenario.document import ScenarioDocument
from factory_app.scenario.model import Scenario

#: Quiet time after the last edit before the optimiser starts (ms).
OPTIMISE_DELAY_MS = 300
#: First warning of a quick result while the optimised one is computed.
OPTIMISING = "optimising the split in the background: these figures are for the split as given"


class Evaluator(QObject):
    """Evaluates the document after every change and announces the result."""

    resultReady = Signal(object, object, float)  # FactoryResult, list[FrontierCurve], milliseconds
    failed = Signal(str)

    def __init__(self, doc: ScenarioDocument, catalog: Catalog, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.doc, self.catalog = doc, catalog
        self.result = None
        self.curves: list = []
        self.last_ms = 0.0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self.recompute)
        self._optimise_timer = QTimer(self)
        self._optimise_timer.setSingleShot(True)
        self._optimise_timer.setInterval(OPTIMISE_DELAY_MS)
        self._optimise_timer.timeout.connect(self._start_optimiser)
        self._wanted: Scenario | None = None  # the scenario whose optimised result is wanted
        self._worker: Worker | None = None
        self._unsubscribe = doc.subscribe(lambda _change: self._timer.start())

    @property
    def optimising(self) -> bool:
        """Whether an optimised result is still to come."""
        return self._wanted is not None

    def recompute(self, optimise_now: bool = False) -> None:
        """Evaluate now (tests and the render command call this directly). An optimise scenario
        gets its quick evaluation here and its optimised one from the worker, unless
        ``optimise_now`` asks for the optimised one before returning (the render command)."""
        self._timer.stop()
        scenario = self.doc.scenario
        start = time.perf_counter()
        background = scenario.optimise and not optimise_now
        try:
            result = evaluate_factory(scenario, self.catalog, optimise=False if background else None)
            if background:
                result = replace(result, warnings=(OPTIMISING,) + result.warnings)
            curves = frontier_curves(scenario, result, self.catalog)
        except Exception as exc:  # noqa: BLE001 - a bad number must never take the window down
            self.failed.emit(f"Evaluation failed: {type(exc).__name__}: {exc}")
            return
        self._publish(result, curves, (time.perf_counter() - start) * 1e3)
        if background:
            self._wanted = scenario
            self._cancel_running()
            self._optimise_timer.start()
        else:
            self._wanted = None
            self._optimise_timer.stop()
            self._cancel_running()

    def _publish(self, result, curves, ms: float) -> None:
        self.last_ms = ms
        self.result, self.curves = result, curves
        self.resultReady.emit(result, curves, ms)

    def _cancel_running(self) -> None:
        if self._worker is not None:
            self._worker.cancel()

    def _start_optimiser(self) -> None:
        scenario = self._wanted
        if scenario is None or self._worker is not None:  # the running one starts the next when it ends
            return
        catalog = self.catalog

        def job(stop: Callable[[], bool]) -> tuple[Scenario, Any, list, float]:
            start = time.perf_counter()
            with cancellable(stop):
                result = evaluate_factory(scenario, catalog)
            return scenario, result, frontier_curves(scenario, result, catalog), (time.perf_counter() - start) * 1e3

        worker = Worker(job, self, with_stop=True)
        self._worker = worker
        worker.done.connect(self._optimised)
        worker.ended.connect(self._worker_ended)
        worker.start()

    def _optimised(self, value) -> None:
        scenario, result, curves, ms = value
        if scenario is self._wanted and scenario is self.doc.scenario:
            self._wanted = None
            self._publish(result, curves, ms)

    def _worker_ended(self) -> None:
        self._worker = None
        if self._wanted is not None and not self._optimise_timer.isActive():
            self._start_optimiser()  # an edit came while it ran: optimise the newest scenario

    def stop(self, wait_ms: int = 10_000) -> None:
        """Cancel any optimisation and wait for its thread (before the session goes away)."""
        self._wanted = None
        self._optimise_timer.stop()
        if self._worker is not None:
            self._worker.cancel()
            self._worker.thread.wait(wait_ms)


class _Job(QObject):
    done = Signal(object)
    failed = Signal(str)

    def __init__(self, fn: Callable[[], Any]) -> None:
        super().__init__()
        self.fn = fn

    def run(self) -> None:
        try:
            value = self.fn()
        except Exception as exc:  # noqa: BLE001 - reported to the user, never raised into Qt
            self.failed.emit(f"{type(exc).__name__}: {exc}")
        else:
            self.done.emit(value)
        finally:
            QThread.currentThread().quit()  # the thread ends with its job: waiting on it never needs the UI's loop


class Worker(QObject):
    """Runs one function in a background thread. ``cancel()`` drops its result when it comes; with
    ``with_stop`` the function is called with a ``stop()`` callable that turns true on cancel, so
    it can end early. ``ended`` is emitted once the thread has finished, whatever the outcome."""

    done = Signal(object)
    failed = Signal(str)
    ended = Signal()

    def __init__(self, fn: Callable[..., Any], parent: QObject | None = None, with_stop: bool = False) -> None:
        super().__init__(parent)
        self.thread = QThread()
        self.cancelled = False
        self.job = _Job((lambda: fn(lambda: self.cancelled)) if with_stop else fn)
        self.job.moveToThread(self.thread)
        self.thread.started.connect(self.job.run)
        self.job.done.connect(self._done)
        self.job.failed.connect(self._failed)

    def start(self) -> None:
        self.thread.start()

    def cancel(self) -> None:
        self.cancelled = True

    def _finish(self) -> None:
        self.thread.quit()
        self.thread.wait(5000)

    def _done(self, value: Any) -> None:
        self._finish()
        if not self.cancelled:
            self.done.emit(value)
        self.ended.emit()

    def _failed(self, message: str) -> None:
        self._finish()
        if not self.cancelled:
            self.failed.emit(message)
        self.ended.emit()
