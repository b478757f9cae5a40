"""One open scenario: its document, undo history, canvas, evaluator and file.

The main window holds several sessions as tabs; each keeps its own undo stack and file, and the
shared palette, inspector and results dock follow whichever is active.
"""

from __future__ import annotations

import itertools
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal, Slot
from PySide6.QtGui import QUndoStack

from factory_app.io.scenario_file import ScenarioFileError, save_scenario
from factory_app.serving.catalog import Catalog
from factory_app.scenario.document import ScenarioDocument
from factory_app.scenario.model import Scenario
from factory_app.ui import files
from factory_app.ui.canvas.scene import FactoryScene
from factory_app.ui.canvas.view import FactoryView
from factory_app.ui.undo_commands import MoveItemsCommand
from factory_app.ui.evaluation import Evaluator

AUTOSAVE_MS = 1500
_numbers = itertools.count(1)


class Session(QObject):
    resultReady = Signal(object, object, float)  # result, curves, ms
    titleChanged = Signal()
    autosaveFailed = Signal(str)  # the message, for the status bar

    def __init__(self, scenario: Scenario, catalog: Catalog, path: Path | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.number = next(_numbers)
        self.catalog = catalog
        self.doc = ScenarioDocument(scenario, catalog)
        self.path = path
        self.original_sha256 = files.file_sha256(path)  # the file as this session knows it (autosaves record it)
        self.confirm_overwrite = ""  # why saving over ``path`` must be asked first (a restored file that changed)
        self.undo_stack = QUndoStack(self)
        self.scene = FactoryScene(self.doc, catalog)
        self.view = FactoryView(self.scene)
        self.evaluator = Evaluator(self.doc, catalog, self)
        self.evaluator.resultReady.connect(self.resultReady)
        self.scene.moveFinished.connect(lambda new, old: self.undo_stack.push(MoveItemsCommand(self.doc, new, old)))
        # bound methods, not lambdas: Qt drops these connections when the session is deleted
        self.undo_stack.cleanChanged.connect(self._clean_changed)
        self.undo_stack.indexChanged.connect(self._index_changed)
        self.doc.subscribe(lambda change: self.titleChanged.emit() if change.field == "name" or change.action == "reset" else None)
        self._autosave_timer = QTimer(self)
        self._autosave_timer.setSingleShot(True)
        self._autosave_timer.setInterval(AUTOSAVE_MS)
        self._autosave_timer.timeout.connect(self.autosave)

    # -- naming ---------------------------------------------------------------------------------
    @property
    def modified(self) -> bool:
        return not self.undo_stack.isClean()

    def display_name(self) -> str:
        return self.path.name if self.path else (self.doc.scenario.name or f"Untitled {self.number}")

    def label(self) -> str:
        """Name used in comparisons and chart legends: the scenario's name."""
        return self.doc.scenario.name or self.display_name()

    # -- loading and saving -------------------------------------------------------------------------
    def load(self, scenario: Scenario, path: Path | None) -> None:
        self.doc.reset(scenario)
        self.undo_stack.clear()
        self.path = path
        self.original_sha256, self.confirm_overwrite = files.file_sha256(path), ""
        self.undo_stack.setClean()
        self.evaluator.recompute()
        self.titleChanged.emit()

    def save_to(self, path: Path) -> None:
        """Validated, atomic save; raises :class:`ScenarioFileError` and leaves the old file if it fails."""
        save_scenario(self.doc.scenario, path, self.catalog)
        self.path = path
        self.original_sha256, self.confirm_overwrite = files.file_sha256(path), ""
        self.undo_stack.setClean()
        self.clear_autosave()
        self.titleChanged.emit()

    # -- autosave -------------------------------------------------------------------------------------
    def autosave_path(self) -> Path:
        return files.autosave_path(self.number)

    @Slot(bool)
    def _clean_changed(self, _clean: bool) -> None:
        self.titleChanged.emit()

    @Slot(int)
    def _index_changed(self, _index: int) -> None:
        if self.modified:
            self._autosave_timer.start()

    def autosave(self) -> str:
        """Write the unsaved scenario to the data folder; returns an error message or ''."""
        if not self.modified:
            return ""
        try:
            files.write_autosave(self.doc.scenario, self.path, self.autosave_path(), self.original_sha256)
        except (ScenarioFileError, OSError) as exc:
            message = f"Autosave failed: {exc}"
            self.autosaveFailed.emit(message)  # the timer drops the return value: say it where the user looks
            return message
        return ""

    def clear_autosave(self) -> None:
        self.autosave_path().unlink(missing_ok=True)

    def close(self) -> None:
        self.clear_autosave()
        self._autosave_timer.stop()
        self.evaluator.stop()  # a running optimisation ends before the session goes
