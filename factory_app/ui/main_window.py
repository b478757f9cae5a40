"""The main window: palette, canvas, inspector and results around one scenario document."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QPointF, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QUndoStack
from PySide6.QtWidgets import QDockWidget, QFileDialog, QLabel, QMainWindow, QMessageBox, QProgressDialog, QWidget

from factory_app import __version__
from factory_app.engine.catalog import Catalog, default_catalog
from factory_app.io.scenario_file import ScenarioFileError, load_scenario
from factory_app.resources import resource_path
from factory_app.scenario.document import ScenarioDocument
from factory_app.scenario.model import Fleet, Scenario
from factory_app.scenario.presets import load_presets
from factory_app.ui import files
from factory_app.ui.about import show_about
from factory_app.ui.canvas.scene import FactoryScene
from factory_app.ui.canvas.view import FactoryView
from factory_app.ui.commands import (
    AddFleetCommand,
    AddWorkloadCommand,
    AssignCommand,
    DuplicateItemsCommand,
    MoveItemsCommand,
    RemoveItemsCommand,
    SetFieldCommand,
)
from factory_app.ui.evaluation import Evaluator
from factory_app.ui.icons import icon
from factory_app.ui.inspector import Inspector
from factory_app.ui.palette import PaletteWidget
from factory_app.ui.results_panel import ResultsPanel

AUTOSAVE_MS = 1500


class MainWindow(QMainWindow):
    def __init__(self, catalog: Catalog | None = None, restore_layout: bool = True) -> None:
        super().__init__()
        self.catalog = catalog or default_catalog()
        self.presets = load_presets()
        self.doc = ScenarioDocument(Scenario(), self.catalog)
        self.path: Path | None = None
        self.undo_stack = QUndoStack(self)
        self.scene = FactoryScene(self.doc, self.catalog)
        self.view = FactoryView(self.scene)
        self.setCentralWidget(self.view)
        self.setWindowIcon(icon("factory-app"))
        self._build_docks()
        self.evaluator = Evaluator(self.doc, self.catalog, self)
        self.recompute_label = QLabel("")
        self.statusBar().addPermanentWidget(self.recompute_label)
        self._build_actions()
        self._connect()
        self._autosave_timer = QTimer(self)
        self._autosave_timer.setSingleShot(True)
        self._autosave_timer.setInterval(AUTOSAVE_MS)
        self._autosave_timer.timeout.connect(self._autosave)
        self.resize(1440, 900)
        self._default_dock_sizes()
        if restore_layout:
            self._restore_layout()
        self._update_title()
        self.evaluator.recompute()

    # -- construction ---------------------------------------------------------------------------
    def _build_docks(self) -> None:
        self.palette = PaletteWidget(self.catalog, self.presets)
        self.inspector = Inspector(self.doc, self.catalog, self.push)
        self.results = ResultsPanel()
        self.palette_dock = self._dock("Palette", self.palette, Qt.LeftDockWidgetArea, "paletteDock")
        self.inspector_dock = self._dock("Inspector", self.inspector, Qt.RightDockWidgetArea, "inspectorDock")
        self.results_dock = self._dock("Results", self.results, Qt.BottomDockWidgetArea, "resultsDock")
        self.palette_dock.setMinimumWidth(250)
        self.inspector_dock.setMinimumWidth(360)
        self.results_dock.setMinimumHeight(300)

    def _default_dock_sizes(self) -> None:
        self.resizeDocks([self.palette_dock, self.inspector_dock], [270, 400], Qt.Horizontal)
        self.resizeDocks([self.results_dock], [330], Qt.Vertical)

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        if not getattr(self, "_sized", False) and self.isVisible():
            self._sized = True
            self.resizeDocks([self.results_dock], [int(self.height() * 0.36)], Qt.Vertical)

    def _dock(self, title: str, widget: QWidget, area, name: str) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        dock.setFeatures(QDockWidget.DockWidgetMovable | QDockWidget.DockWidgetFloatable | QDockWidget.DockWidgetClosable)
        self.addDockWidget(area, dock)
        return dock

    def _action(self, text: str, slot, shortcut=None, tip: str = "") -> QAction:
        a = QAction(text, self)
        if shortcut is not None:
            a.setShortcuts(shortcut if isinstance(shortcut, list) else [QKeySequence(shortcut)])
        a.setStatusTip(tip or text)
        a.setToolTip(tip or text)
        a.triggered.connect(slot)
        return a

    def _build_actions(self) -> None:
        m = self.menuBar()
        file_menu = m.addMenu("&File")
        self.act_new = self._action("&New", self.new_scenario, QKeySequence.New, "Start an empty factory")
        file_menu.addAction(self.act_new)
        self.examples_menu = file_menu.addMenu("New from &example")
        for path in sorted(resource_path("examples").glob("*.json")):
            self.examples_menu.addAction(path.stem.replace("-", " ").capitalize(), lambda p=path: self.open_file(p, as_example=True))
        self.act_open = self._action("&Open…", self.open_dialog, QKeySequence.Open, "Open a scenario file")
        file_menu.addAction(self.act_open)
        self.recent_menu = file_menu.addMenu("Open &recent")
        self._fill_recent()
        file_menu.addSeparator()
        self.act_save = self._action("&Save", self.save, QKeySequence.Save, "Save the scenario")
        self.act_save_as = self._action("Save &as…", self.save_as, QKeySequence.SaveAs, "Save the scenario under a new name")
        self.act_export_csv = self._action("&Export CSV…", self.export_csv, QKeySequence("Ctrl+E"), "Write the results and assumptions to CSV")
        file_menu.addActions([self.act_save, self.act_save_as, self.act_export_csv])
        file_menu.addSeparator()
        file_menu.addAction(self._action("&Quit", self.close, QKeySequence.Quit))

        edit = m.addMenu("&Edit")
        self.act_undo = self.undo_stack.createUndoAction(self, "&Undo")
        self.act_undo.setShortcut(QKeySequence.Undo)
        self.act_redo = self.undo_stack.createRedoAction(self, "&Redo")
        self.act_redo.setShortcuts([QKeySequence.Redo, QKeySequence("Ctrl+Y")])
        edit.addActions([self.act_undo, self.act_redo])
        edit.addSeparator()
        self.act_delete = self._action("&Delete", self.delete_selection, [QKeySequence.Delete, QKeySequence(Qt.Key_Backspace)], "Delete the selected items")
        self.act_duplicate = self._action("D&uplicate", self.duplicate_selection, QKeySequence("Ctrl+D"), "Duplicate the selected fleets and workloads")
        self.act_select_all = self._action("Select &all", self.select_all, QKeySequence.SelectAll)
        edit.addActions([self.act_delete, self.act_duplicate, self.act_select_all])
        for a in (self.act_delete, self.act_duplicate, self.act_select_all):
            a.setShortcutContext(Qt.WidgetWithChildrenShortcut)
            self.view.addAction(a)

        view = m.addMenu("&View")
        self.act_zoom_in = self._action("Zoom &in", lambda: self.view.zoom_by(1.25), [QKeySequence.ZoomIn, QKeySequence("Ctrl+=")])
        self.act_zoom_out = self._action("Zoom &out", lambda: self.view.zoom_by(0.8), QKeySequence.ZoomOut)
        self.act_fit = self._action("&Fit to view", self.view.fit_to_content, QKeySequence("Ctrl+0"))
        view.addActions([self.act_zoom_in, self.act_zoom_out, self.act_fit])
        view.addSeparator()
        for dock in (self.palette_dock, self.inspector_dock, self.results_dock):
            view.addAction(dock.toggleViewAction())

        help_menu = m.addMenu("&Help")
        help_menu.addAction(self._action("&About", lambda: show_about(self, self.catalog)))
        self._edit_menu = edit

    def _connect(self) -> None:
        self.undo_stack.cleanChanged.connect(lambda _clean: self._update_title())
        self.undo_stack.indexChanged.connect(lambda _i: self._schedule_autosave())
        self.scene.selectionChanged.connect(self._selection_changed)
        self.scene.moveFinished.connect(lambda new, old: self.push(MoveItemsCommand(self.doc, new, old)))
        self.scene.connectRequested.connect(self.connect_fleet_to_workload)
        self.view.dropRequested.connect(self.handle_drop)
        self.palette.activated.connect(lambda kind, key: self.handle_drop(kind, key, self.view.mapToScene(self.view.viewport().rect().center()), ""))
        self.evaluator.resultReady.connect(self._show_result)
        self.evaluator.failed.connect(lambda msg: self.statusBar().showMessage(msg, 10000))
        self.results.targetChanged.connect(self.set_interactivity_target)

    # -- commands --------------------------------------------------------------------------------
    def push(self, command) -> None:
        """Put an edit on the undo stack (which applies it)."""
        self.undo_stack.push(command)

    def handle_drop(self, kind: str, key: str, pos: QPointF, fleet_id: str) -> None:
        """A palette entry dropped on the canvas (or activated in the palette)."""
        s = self.doc.scenario
        if kind == "power":
            preset = self.presets.power_budget(key)
            self.undo_stack.beginMacro(f"Set power budget to {preset.name}")
            self.push(SetFieldCommand(self.doc, "site", "site", "facility_power_mw", preset.facility_power_mw))
            self.push(SetFieldCommand(self.doc, "site", "site", "pue", preset.pue))
            if s.site.name in ("Site", ""):
                self.push(SetFieldCommand(self.doc, "site", "site", "name", preset.name))
            self.undo_stack.endMacro()
        elif kind == "platform":
            platform = self.catalog.platform(key)
            used = sum(f.power_share or 0.0 for f in s.fleets if f.sizing == "power")
            share = round(max(0.0, 1.0 - used), 4)
            fleet = Fleet(id=self.doc.new_id(key), platform=key, name=platform.name.split(" (")[0], power_share=share,
                          position=(round(pos.x() - 115, 1), round(pos.y() - 60, 1)))
            self.push(AddFleetCommand(self.doc, fleet))
            if share == 0.0:
                self.statusBar().showMessage("No accelerator power left: lower another fleet's share to give this one power.", 8000)
        elif kind == "workload":
            preset = self.presets.workload(key)
            from dataclasses import replace

            workload = replace(preset.workload, id=self.doc.new_id(key), position=(round(pos.x() - 115, 1), round(pos.y() + 40, 1)))
            share = self._free_share(fleet_id) if fleet_id else 1.0
            if fleet_id:
                fleet = s.fleet(fleet_id)
                workload = replace(workload, position=(fleet.position[0], fleet.position[1] + 260))
            if fleet_id and share <= 0:
                self.push(AddWorkloadCommand(self.doc, workload))
                self.statusBar().showMessage("That fleet is fully assigned: lower a share, then link it.", 8000)
            else:
                self.push(AddWorkloadCommand(self.doc, workload, fleet_id or None, share))
        self._select(None)

    def _free_share(self, fleet_id: str) -> float:
        used = sum(a.share for a in self.doc.scenario.assignments_of_fleet(fleet_id))
        return round(max(0.0, 1.0 - used), 4)

    def connect_fleet_to_workload(self, fleet_id: str, workload_id: str) -> None:
        if any(a.fleet_id == fleet_id and a.workload_id == workload_id for a in self.doc.scenario.assignments):
            self.statusBar().showMessage("That fleet already serves this workload.", 5000)
            return
        share = self._free_share(fleet_id)
        if share <= 0:
            self.statusBar().showMessage("That fleet is fully assigned: lower one of its link shares first.", 8000)
            return
        self.push(AssignCommand(self.doc, fleet_id, workload_id, share))

    def set_interactivity_target(self, workload_id: str, tokens_per_s_per_user: float) -> None:
        value = float(f"{tokens_per_s_per_user:.3g}")
        message = self.doc.check_set("workload", workload_id, "min_tokens_per_s_per_user", value)
        if message:
            self.statusBar().showMessage(message, 8000)
            self.evaluator.recompute()
            return
        self.push(SetFieldCommand(self.doc, "workload", workload_id, "min_tokens_per_s_per_user", value, "Change interactivity target"))

    def delete_selection(self) -> None:
        ids = [i for i in self.scene.selected_ids() if i != "site"]
        if ids:
            self.push(RemoveItemsCommand(self.doc, ids, "Delete" if len(ids) > 1 else "Delete item"))

    def duplicate_selection(self) -> None:
        ids = [i for i in self.scene.selected_ids() if i in self.doc.scenario.item_ids()]
        if ids:
            cmd = DuplicateItemsCommand(self.doc, ids)
            self.push(cmd)
            self._select(cmd.new_ids)

    def select_all(self) -> None:
        for item in list(self.scene.fleets.values()) + list(self.scene.workloads.values()):
            item.setSelected(True)

    def _select(self, ids: list[str] | None) -> None:
        self.scene.clearSelection()
        for item_id in ids or []:
            item = self.scene.item_for(item_id)
            if item is not None:
                item.setSelected(True)

    def _selection_changed(self) -> None:
        ids = self.scene.selected_ids()
        if len(ids) != 1:
            self.inspector.show_item("site" if not ids else None, "site" if not ids else None)
            return
        item_id = ids[0]
        s = self.doc.scenario
        kind = "site" if item_id == "site" else "assignment" if "/" in item_id else "fleet" if any(f.id == item_id for f in s.fleets) else "workload"
        self.inspector.show_item(kind, item_id)

    def _show_result(self, result, curves, ms: float) -> None:
        self.scene.set_results(result)
        self.results.show_result(self.doc.scenario, result, curves)
        self.recompute_label.setText(f"Recomputed in {ms:,.1f} ms")

    # -- files ------------------------------------------------------------------------------------
    def _load(self, scenario: Scenario, path: Path | None) -> None:
        self.doc.reset(scenario)
        self.undo_stack.clear()
        self.path = path
        self.undo_stack.setClean()
        self._update_title()
        self.evaluator.recompute()
        QTimer.singleShot(0, self.view.fit_to_content)

    def new_scenario(self) -> None:
        if self.maybe_save():
            self._load(Scenario(), None)

    def open_dialog(self) -> None:
        if not self.maybe_save():
            return
        name, _ = QFileDialog.getOpenFileName(self, "Open scenario", str(self.path.parent if self.path else Path.home()), "Scenarios (*.json);;All files (*)")
        if name:
            self.open_file(Path(name), check_unsaved=False)

    def open_file(self, path: Path, as_example: bool = False, check_unsaved: bool = True) -> bool:
        """Open a scenario; a file that fails to load leaves the current work as it was."""
        if check_unsaved and not self.maybe_save():
            return False
        try:
            scenario = load_scenario(Path(path))
        except ScenarioFileError as exc:
            QMessageBox.warning(self, "Cannot open scenario", str(exc))
            return False
        except OSError as exc:
            QMessageBox.warning(self, "Cannot open scenario", f"{Path(path).name}: {exc.strerror or exc}")
            return False
        self._load(scenario, None if as_example else Path(path))
        if not as_example:
            self._remember(Path(path))
        return True

    def save(self) -> bool:
        if self.path is None:
            return self.save_as()
        return self._save_to(self.path)

    def save_as(self) -> bool:
        start = str(self.path or Path.home() / f"{self.doc.scenario.name or 'factory'}.json")
        name, _ = QFileDialog.getSaveFileName(self, "Save scenario", start, "Scenarios (*.json)")
        if not name:
            return False
        path = Path(name) if name.endswith(".json") else Path(name + ".json")
        return self._save_to(path)

    def _save_to(self, path: Path) -> bool:
        try:
            files.save_atomically(path, files.scenario_bytes(self.doc.scenario))
        except files.SaveError as exc:
            QMessageBox.critical(self, "Not saved", f"{exc}\nThe file on disk was not changed.")
            return False
        self.path = path
        self.undo_stack.setClean()
        self._remember(path)
        files.clear_autosave()
        self._update_title()
        self.statusBar().showMessage(f"Saved {path.name}", 4000)
        return True

    def export_csv(self) -> None:
        from factory_app.io.csv_export import write_results_csv

        start = str((self.path.with_suffix(".csv")) if self.path else Path.home() / "factory-results.csv")
        name, _ = QFileDialog.getSaveFileName(self, "Export results as CSV", start, "CSV (*.csv)")
        if not name:
            return
        try:
            write_results_csv(Path(name), self.doc.scenario, self.evaluator.result, self.catalog)
        except OSError as exc:
            QMessageBox.critical(self, "Export failed", f"{Path(name).name}: {exc}")
            return
        self.statusBar().showMessage(f"Exported {Path(name).name}", 4000)

    def maybe_save(self) -> bool:
        """Ask about unsaved changes. True when it is fine to discard the current document."""
        if self.undo_stack.isClean():
            return True
        answer = QMessageBox.question(
            self, "Unsaved changes", f"Save changes to {self._display_name()}?",
            QMessageBox.Save | QMessageBox.Discard | QMessageBox.Cancel, QMessageBox.Save,
        )
        if answer == QMessageBox.Save:
            return self.save()
        return answer == QMessageBox.Discard

    def _remember(self, path: Path) -> None:
        files.add_recent(path.resolve())
        self._fill_recent()

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        recent = files.recent_files()
        for p in recent:
            self.recent_menu.addAction(p, lambda path=p: self.open_file(Path(path)))
        self.recent_menu.setEnabled(bool(recent))

    def _display_name(self) -> str:
        return self.path.name if self.path else (self.doc.scenario.name or "Untitled factory")

    def _update_title(self) -> None:
        self.setWindowTitle(f"{self._display_name()}[*] — AI Factory Modeller {__version__}")
        self.setWindowModified(not self.undo_stack.isClean())

    # -- autosave and recovery ----------------------------------------------------------------------
    def _schedule_autosave(self) -> None:
        if not self.undo_stack.isClean():
            self._autosave_timer.start()

    def _autosave(self) -> None:
        if self.undo_stack.isClean():
            return
        try:
            files.write_autosave(self.doc.scenario, self.path)
        except (files.SaveError, OSError) as exc:
            self.statusBar().showMessage(f"Autosave failed: {exc}", 8000)

    def offer_recovery(self) -> None:
        """At start-up: restore the newest autosave left by a session that did not exit cleanly."""
        pending = files.pending_recoveries()
        if not pending:
            return
        newest = pending[0]
        origin = Path(newest.original).name if newest.original else "an unsaved factory"
        answer = QMessageBox.question(
            self, "Restore unsaved work?",
            f"factory-app did not close cleanly last time. Restore the autosaved copy of {origin}?",
            QMessageBox.Yes | QMessageBox.No, QMessageBox.Yes,
        )
        self.restore_recovery(newest, restore=answer == QMessageBox.Yes)

    def restore_recovery(self, recovery: files.Recovery, restore: bool = True) -> None:
        if restore:
            try:
                scenario = recovery.load()
            except (OSError, ValueError, ScenarioFileError) as exc:
                QMessageBox.warning(self, "Cannot restore", f"The autosaved copy cannot be read: {exc}")
            else:
                self._load(scenario, Path(recovery.original) if recovery.original else None)
                self.undo_stack.resetClean()  # restored work is not saved yet
                self._update_title()
                files.write_autosave(self.doc.scenario, self.path)
        for r in files.pending_recoveries():
            r.path.unlink(missing_ok=True)

    # -- window state ---------------------------------------------------------------------------------
    def _restore_layout(self) -> None:
        st = files.settings()
        geometry = st.value("window/geometry")
        state = st.value("window/state")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        if isinstance(state, QByteArray):
            self.restoreState(state)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        if not self.maybe_save():
            event.ignore()
            return
        st = files.settings()
        st.setValue("window/geometry", self.saveGeometry())
        st.setValue("window/state", self.saveState())
        files.clear_autosave()
        event.accept()
