"""Recompute on every edit, and run heavy work (the optimiser) in a worker thread.

Recompute is one call: scenario -> ``evaluate_factory`` -> results, then the frontier curves for
the charts. Several document events from one command (deleting a fleet removes its links first)
coalesce into one recompute at the next turn of the event loop.
"""

from __future__ import annotations

import time
from typing import Any, Callable

from PySide6.QtCore import QObject, QThread, QTimer, Signal

from factory_app.serving.catalog import Catalog
from factory_app.factory.curves import frontier_curves
from factory_app.factory.evaluation import evaluate_factory
from factory_app.scenario.document import ScenarioDocument


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
        self._unsubscribe = doc.subscribe(lambda _change: self._timer.start())

    def recompute(self) -> None:
        """Evaluate now (tests and the render command call this directly)."""
        self._timer.stop()
        scenario = self.doc.scenario
        start = time.perf_counter()
        try:
            result = evaluate_factory(scenario, self.catalog)
            curves = frontier_curves(scenario, result, self.catalog)
        except Exception as exc:  # noqa: BLE001 - a bad number must never take the window down
            self.failed.emit(f"Evaluation failed: {type(exc).__name__}: {exc}")
            return
        self.last_ms = (time.perf_counter() - start) * 1e3
        self.result, self.curves = result, curves
        self.resultReady.emit(result, curves, self.last_ms)


class _Job(QObject):
    done = Signal(object)
    failed = Signal(str)

    def __init__(self, fn: Callable[[], Any]) -> None:
        super().__init__()
        self.fn = fn

    def run(self) -> None:
        try:
            self.done.emit(self.fn())
        except Exception as exc:  # noqa: BLE001 - reported to the user, never raised into Qt
            self.failed.emit(f"{type(exc).__name__}: {exc}")


class Worker(QObject):
    """Runs one function in a background thread. ``cancel()`` drops its result when it comes."""

    done = Signal(object)
    failed = Signal(str)

    def __init__(self, fn: Callable[[], Any], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.thread = QThread()
        self.job = _Job(fn)
        self.job.moveToThread(self.thread)
        self.thread.started.connect(self.job.run)
        self.job.done.connect(self._done)
        self.job.failed.connect(self._failed)
        self.cancelled = False

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

    def _failed(self, message: str) -> None:
        self._finish()
        if not self.cancelled:
            self.failed.emit(message)
