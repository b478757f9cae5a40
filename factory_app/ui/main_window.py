"""The main window: palette, tabs of scenario canvases, inspector, results and comparison."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QByteArray, QPointF, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QUndoGroup
from PySide6.QtWidgets import QDockWidget, QLabel, QMainWindow, QMessageBox, QTabWidget, QWidget

from factory_app import __version__
from factory_app.serving.catalog import Catalog, default_catalog
from factory_app.resources import resource_path
from factory_app.scenario.edits import describe_refusal, even_power_shares, new_fleet, new_workload
from factory_app.scenario.fields import ValidationError
from factory_app.scenario.model import Scenario
from factory_app.scenario.presets import load_presets
from factory_app.ui import files
from factory_app.ui.about import show_about
from factory_app.ui.undo_commands import (
    AddFleetCommand,
    AddWorkloadCommand,
    AssignCommand,
    DuplicateItemsCommand,
    RemoveItemsCommand,
    SetFieldCommand,
)
from factory_app.ui.compare_panel import ComparePanel
from factory_app.ui.icons import icon
from factory_app.ui.inspector import Inspector
from factory_app.ui.palette import PaletteWidget
from factory_app.ui.results_panel import ResultsPanel
from factory_app.ui.session import Session
from factory_app.ui.window_files import DocumentActions



def _example_title(path: Path) -> str:
    """An example's menu entry: the scenario's own name (not its file's)."""
    try:
        name = json.loads(path.read_text(encoding="utf-8")).get("name")
    except (OSError, ValueError, AttributeError):
        name = None
    return name if isinstance(name, str) and name.strip() else path.stem.replace("-", " ").capitalize()


class MainWindow(DocumentActions, QMainWindow):
    def __init__(self, catalog: Catalog | None = None, restore_layout: bool = True) -> None:
        super().__init__()
        self.catalog = catalog or default_catalog()
        self.presets = load_presets()
        self.sessions: list[Session] = []
        self.undo_group = QUndoGroup(self)
        self.tabs = QTabWidget()
        self.tabs.setTabsClosable(True)
        self.tabs.setMovable(True)
        self.tabs.setDocumentMode(True)
        self.setCentralWidget(self.tabs)
        self.setWindowIcon(icon("factory-app"))
        first = self._new_session(Scenario(), None)
        self._build_docks(first)
        self.recompute_label = QLabel("")
        self.statusBar().addPermanentWidget(self.recompute_label)
        self._build_actions()
        self.tabs.currentChanged.connect(self._tab_changed)
        self.tabs.tabCloseRequested.connect(self.close_tab)
        self.resize(1440, 900)
        self._default_dock_sizes()
        if restore_layout:
            self._restore_layout()
        self._tab_changed(0)

    # -- sessions (tabs) ---------------------------------------------------------------------------
    @property
    def session(self) -> Session:
        """The active scenario."""
        view = self.tabs.currentWidget()
        return next((s for s in self.sessions if s.view is view), self.sessions[0])

    # the single-scenario API of the window, on the active session (tests and scripts use it)
    doc = property(lambda self: self.session.doc)
    undo_stack = property(lambda self: self.session.undo_stack)
    scene = property(lambda self: self.session.scene)
    view = property(lambda self: self.session.view)
    evaluator = property(lambda self: self.session.evaluator)
    path = property(lambda self: self.session.path)

    def _new_session(self, scenario: Scenario, path: Path | None) -> Session:
        s = Session(scenario, self.catalog, path, self)
        self.sessions.append(s)
        self.undo_group.addStack(s.undo_stack)
        s.scene.selectionChanged.connect(self._selection_changed)
        s.scene.connectRequested.connect(self.connect_fleet_to_workload)
        s.view.dropRequested.connect(self.handle_drop)
        s.resultReady.connect(lambda result, curves, ms, sess=s: self._session_result(sess, result, curves, ms))
        s.evaluator.failed.connect(lambda msg: self.statusBar().showMessage(msg, 10000))
        s.titleChanged.connect(lambda sess=s: self._retitle(sess))
        s.autosaveFailed.connect(lambda msg: self.statusBar().showMessage(msg, 15000))
        self.tabs.addTab(s.view, s.display_name())
        return s

    def open_session(self, scenario: Scenario, path: Path | None, activate: bool = True) -> Session:
        """Open a scenario in a new tab (the empty start tab is reused)."""
        blank = self.session if (len(self.sessions) == 1 and not self.session.modified and self.session.path is None
                                 and not self.session.doc.scenario.fleets and not self.session.doc.scenario.workloads) else None
        if blank is not None:
            blank.load(scenario, path)
            session = blank
        else:
            session = self._new_session(scenario, path)
            session.evaluator.recompute()
        if activate:
            self.tabs.setCurrentWidget(session.view)
        if session.view.isVisible():
            session.view.fit_to_content()  # before the first paint: one paint, not two
        else:
            QTimer.singleShot(0, session.view.fit_to_content)  # a new tab gets its size when shown
        self._retitle(session)
        return session

    def duplicate_scenario(self) -> Session:
        """A variant of the active scenario in a new tab, unsaved."""
        src = self.session
        scenario = replace(src.doc.scenario, name=f"{src.label()} (variant)")
        s = self.open_session(scenario, None)
        s.undo_stack.resetClean()
        self._retitle(s)
        return s

    def close_tab(self, index: int) -> bool:
        view = self.tabs.widget(index)
        session = next(s for s in self.sessions if s.view is view)
        if not self._maybe_save(session):
            return False
        if len(self.sessions) == 1:
            session.load(Scenario(), None)
            return True
        session.close()
        self.sessions.remove(session)
        self.undo_group.removeStack(session.undo_stack)
        self.tabs.removeTab(index)
        self.compare.refresh()
        return True

    def _tab_changed(self, _index: int) -> None:
        if not self.sessions or not hasattr(self, "inspector"):
            return
        s = self.session
        self.undo_group.setActiveStack(s.undo_stack)
        self.inspector.set_document(s.doc, self.push)
        self.results.show_result(s.doc.scenario, s.evaluator.result, s.evaluator.curves)
        self.recompute_label.setText(f"Recomputed in {s.evaluator.last_ms:,.1f} ms" if s.evaluator.result else "")
        self._update_title()

    def _reach(self, kind: str, item_id: str | None, field: str) -> float | None:
        """The fastest interactivity any fleet can give a workload (its frontier curves' end):
        the top of that workload's "min tokens/s per user" slider."""
        if kind != "workload" or field != "min_tokens_per_s_per_user":
            return None
        speeds = [float(c.tokens_per_s_per_user.max()) for c in self.session.evaluator.curves
                  if c.workload_id == item_id and len(c.tokens_per_s_per_user)]
        return max(speeds) if speeds else None

    def _session_result(self, session: Session, result, curves, ms: float) -> None:
        session.scene.set_results(result)
        if session is self.session:
            self.inspector.update_limits()
            self.results.show_result(session.doc.scenario, result, curves)
            self.recompute_label.setText(f"Recomputed in {ms:,.1f} ms")
        self.compare.refresh()

    def _retitle(self, session: Session) -> None:
        index = self.tabs.indexOf(session.view)
        if index >= 0:
            self.tabs.setTabText(index, session.display_name() + (" •" if session.modified else ""))
            self.tabs.setTabToolTip(index, str(session.path) if session.path else "not saved yet")
        if session is self.session:
            self._update_title()
        if hasattr(self, "compare"):
            self.compare.refresh()

    def _update_title(self) -> None:
        s = self.session
        self.setWindowTitle(f"{s.display_name()}[*] — AI Factory Modeller {__version__}")
        self.setWindowModified(s.modified)

    # -- construction --------------------------------------------------------------------------------
    def _build_docks(self, first: Session) -> None:
        self.palette = PaletteWidget(self.catalog, self.presets)
        self.inspector = Inspector(first.doc, self.catalog, self.push)
        self.inspector.reach = self._reach
        self.results = ResultsPanel()
        self.compare = ComparePanel(self, self.catalog)
        self.palette_dock = self._dock("Palette", self.palette, Qt.LeftDockWidgetArea, "paletteDock")
        self.inspector_dock = self._dock("Inspector", self.inspector, Qt.RightDockWidgetArea, "inspectorDock")
        self.results_dock = self._dock("Results", self.results, Qt.BottomDockWidgetArea, "resultsDock")
        self.compare_dock = self._dock("Compare scenarios", self.compare, Qt.BottomDockWidgetArea, "compareDock")
        self.tabifyDockWidget(self.results_dock, self.compare_dock)
        self.results_dock.raise_()
        self.palette_dock.setMinimumWidth(250)
        self.inspector_dock.setMinimumWidth(360)
        self.results_dock.setMinimumHeight(300)
        self.palette.activated.connect(lambda kind, key: self.handle_drop(kind, key, self.view.mapToScene(self.view.viewport().rect().center()), ""))
        self.results.targetChanged.connect(self.set_interactivity_target)
        self.results.exportRequested.connect(self.export_chart)

    def _dock(self, title: str, widget: QWidget, area, name: str) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        dock.setFeatures(QDockWidget.DockWidgetMovable | QDockWidget.DockWidgetFloatable | QDockWidget.DockWidgetClosable)
        self.addDockWidget(area, dock)
        return dock

    def _default_dock_sizes(self) -> None:
        self.resizeDocks([self.palette_dock, self.inspector_dock], [270, 400], Qt.Horizontal)
        self.resizeDocks([self.results_dock], [330], Qt.Vertical)

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        if not getattr(self, "_sized", False) and self.isVisible():
            self._sized = True
            self.resizeDocks([self.results_dock], [int(self.height() * 0.36)], Qt.Vertical)

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
        f = m.addMenu("&File")
        f.addAction(self._action("&New", self.new_scenario, QKeySequence.New, "Start an empty factory in a new tab"))
        self.examples_menu = f.addMenu("New from &example")
        for path in sorted(resource_path("examples").glob("*.json")):
            self.examples_menu.addAction(_example_title(path), lambda p=path: self.open_file(p, as_example=True))
        f.addAction(self._action("&Open…", self.open_dialog, QKeySequence.Open, "Open a scenario file in a new tab"))
        self.recent_menu = f.addMenu("Open &recent")
        self._fill_recent()
        f.addSeparator()
        self.act_save = self._action("&Save", self.save, QKeySequence.Save, "Save the scenario")
        self.act_save_as = self._action("Save &as…", self.save_as, QKeySequence.SaveAs, "Save the scenario under a new name")
        self.act_duplicate_scenario = self._action("D&uplicate scenario", self.duplicate_scenario, QKeySequence("Ctrl+Shift+D"), "Make a variant of this scenario in a new tab")
        self.act_close_tab = self._action("&Close scenario", lambda: self.close_tab(self.tabs.currentIndex()), QKeySequence.Close)
        f.addActions([self.act_save, self.act_save_as, self.act_duplicate_scenario, self.act_close_tab])
        f.addSeparator()
        self.act_export_csv = self._action("&Export results CSV…", self.export_csv, QKeySequence("Ctrl+E"), "Write the results and the assumptions to CSV")
        self.act_export_chart = self._action("Export &chart…", lambda: self.export_chart(self.results.current_chart()), QKeySequence("Ctrl+Shift+E"), "Export a chart for slides (PNG, SVG, PDF)")
        self.act_copy_chart = self._action("Copy chart", self.copy_chart, QKeySequence("Ctrl+Shift+C"), "Copy the current chart to the clipboard")
        self.act_export_deck = self._action("Export &deck…", self.export_deck, tip="A PowerPoint deck with native charts (.pptx)")
        self.act_export_workbook = self._action("Export &workbook…", self.export_workbook,
                                                tip="An Excel workbook whose economics are live formulas (.xlsx)")
        f.addActions([self.act_export_csv, self.act_export_chart, self.act_copy_chart, self.act_export_deck, self.act_export_workbook])
        f.addSeparator()
        f.addAction(self._action("&Quit", self.close, QKeySequence.Quit))

        edit = m.addMenu("&Edit")
        self.act_undo = self.undo_group.createUndoAction(self, "&Undo")
        self.act_undo.setShortcut(QKeySequence.Undo)
        self.act_redo = self.undo_group.createRedoAction(self, "&Redo")
        self.act_redo.setShortcuts([QKeySequence.Redo, QKeySequence("Ctrl+Y")])
        edit.addActions([self.act_undo, self.act_redo])
        edit.addSeparator()
        self.act_delete = self._action("&Delete", self.delete_selection, [QKeySequence.Delete, QKeySequence(Qt.Key_Backspace)], "Delete the selected items")
        self.act_duplicate = self._action("Duplicate", self.duplicate_selection, QKeySequence("Ctrl+D"), "Duplicate the selected fleets and workloads")
        self.act_select_all = self._action("Select &all", self.select_all, QKeySequence.SelectAll)
        for a in (self.act_delete, self.act_duplicate, self.act_select_all):
            a.setShortcutContext(Qt.WidgetWithChildrenShortcut)
            self.tabs.addAction(a)
        edit.addActions([self.act_delete, self.act_duplicate, self.act_select_all])
        edit.addSeparator()
        self.act_optimise = self._action("&Optimise split…", self.optimise_split, QKeySequence("Ctrl+Shift+O"),
                                         "Split the power among fleets and each fleet among its workloads for the most profit")
        edit.addAction(self.act_optimise)

        view = m.addMenu("&View")
        self.act_zoom_in = self._action("Zoom &in", lambda: self.view.zoom_by(1.25), [QKeySequence.ZoomIn, QKeySequence("Ctrl+=")])
        self.act_zoom_out = self._action("Zoom &out", lambda: self.view.zoom_by(0.8), QKeySequence.ZoomOut)
        self.act_fit = self._action("&Fit to view", lambda: self.view.fit_to_content(), QKeySequence("Ctrl+0"))
        self.act_compare = self._action("&Compare scenarios", self.show_compare, QKeySequence("Ctrl+K"), "Compare the open scenarios side by side")
        view.addActions([self.act_zoom_in, self.act_zoom_out, self.act_fit, self.act_compare])
        view.addSeparator()
        for dock in (self.palette_dock, self.inspector_dock, self.results_dock, self.compare_dock):
            view.addAction(dock.toggleViewAction())
        help_menu = m.addMenu("&Help")
        help_menu.addAction(self._action("&About", lambda: show_about(self, self.catalog)))

    # -- edits ----------------------------------------------------------------------------------------
    def push(self, command) -> None:
        """Put an edit on the active scenario's undo stack (which applies it)."""
        self.session.undo_stack.push(command)

    def handle_drop(self, kind: str, key: str, pos: QPointF, fleet_id: str) -> None:
        """A palette entry dropped on the canvas (or activated in the palette)."""
        doc, stack = self.doc, self.undo_stack
        s = doc.scenario
        if kind == "power":
            preset = self.presets.power_budget(key)
            stack.beginMacro(f"Set power budget to {preset.name}")
            self.push(SetFieldCommand(doc, "site", "site", "facility_power_mw", preset.facility_power_mw))
            self.push(SetFieldCommand(doc, "site", "site", "pue", preset.pue))
            if s.site.name in ("Site", ""):
                self.push(SetFieldCommand(doc, "site", "site", "name", preset.name))
            stack.endMacro()
        elif kind == "platform":
            fleet = new_fleet(s, self.catalog, key, (round(pos.x() - 120, 1), round(pos.y() - 60, 1)))
            if fleet.sizing == "power" and fleet.power_share == 0.0 and self._share_evenly(fleet):
                return
            self.push(AddFleetCommand(doc, fleet))
            if fleet.power_share == 0.0:
                self.statusBar().showMessage("No accelerator power left: lower another fleet's share to give this one power.", 8000)
        elif kind == "workload":
            preset = self.presets.workload(key)
            workload = new_workload(s, preset.workload, key, (round(pos.x() - 120, 1), round(pos.y() + 40, 1)), fleet_id or None)
            share = s.free_share(fleet_id) if fleet_id else 1.0
            if fleet_id and share <= 0:
                self.push(AddWorkloadCommand(doc, workload))
                self.statusBar().showMessage("That fleet is fully assigned: lower a share, then link it.", 8000)
            else:
                self.push(AddWorkloadCommand(doc, workload, fleet_id or None, share))
        self._select(None)

    def _share_evenly(self, fleet) -> bool:
        """A platform dropped on a site whose accelerator power is all given out: offer to share
        it evenly among the power-sized fleets. True when the fleet was added that way."""
        doc, stack = self.doc, self.undo_stack
        answer = QMessageBox.question(
            self, "No accelerator power left",
            f"The other fleets use all of {self.doc.scenario.site.name}'s accelerator power, so {fleet.name} would get none.\n\n"
            "Share the accelerator power evenly among the fleets sized by power?",
            QMessageBox.Yes | QMessageBox.No, QMessageBox.Yes,
        )
        if answer != QMessageBox.Yes:
            return False
        stack.beginMacro(f"Add {fleet.name} fleet and share the power evenly")
        self.push(AddFleetCommand(doc, fleet))
        shares = even_power_shares(doc.scenario)
        for fleet_id in sorted(shares, key=lambda f: f == fleet.id):  # lower the others first
            self.push(SetFieldCommand(doc, "fleet", fleet_id, "power_share", shares[fleet_id]))
        stack.endMacro()
        self._select(None)
        return True

    def connect_fleet_to_workload(self, fleet_id: str, workload_id: str) -> None:
        if any(a.fleet_id == fleet_id and a.workload_id == workload_id for a in self.doc.scenario.assignments):
            self.statusBar().showMessage("That fleet already serves this workload.", 5000)
            return
        share = self.doc.scenario.free_share(fleet_id)
        if share <= 0:
            self.statusBar().showMessage("That fleet is fully assigned: lower one of its link shares first.", 8000)
            return
        self.push(AssignCommand(self.doc, fleet_id, workload_id, share))

    def set_interactivity_target(self, workload_id: str, tokens_per_s_per_user: float) -> None:
        value = float(f"{tokens_per_s_per_user:.3g}")
        try:
            command = SetFieldCommand(self.doc, "workload", workload_id, "min_tokens_per_s_per_user", value, "Change interactivity target")
        except (ValidationError, KeyError) as exc:
            self.statusBar().showMessage(describe_refusal(exc), 8000)
            self.evaluator.recompute()
            return
        self.push(command)

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
        if self.sender() is not self.scene:
            return
        ids = self.scene.selected_ids()
        if len(ids) != 1:
            self.inspector.show_item("site" if not ids else None, "site" if not ids else None)
            return
        item_id = ids[0]
        s = self.doc.scenario
        kind = "site" if item_id == "site" else "assignment" if "/" in item_id else "fleet" if any(f.id == item_id for f in s.fleets) else "workload"
        self.inspector.show_item(kind, item_id)

    def _restore_layout(self) -> None:
        st = files.settings()
        geometry, state = st.value("window/geometry"), st.value("window/state")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        if isinstance(state, QByteArray):
            self.restoreState(state)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        for session in list(self.sessions):
            if not self._maybe_save(session):
                event.ignore()
                return
        st = files.settings()
        st.setValue("window/geometry", self.saveGeometry())
        st.setValue("window/state", self.saveState())
        for session in self.sessions:
            session.close()
        event.accept()
