"""The main window's document actions: new, open, save, export, optimise, recovery.

A mixin of :class:`~factory_app.ui.main_window.MainWindow`, kept apart so each file stays small.
It uses the window's ``sessions``, ``session``, ``tabs``, ``catalog``, ``results`` and status bar.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox, QProgressDialog

from factory_app.factory.evaluation import evaluate_factory as evaluate
from factory_app.io.messages import one_line
from factory_app.io.scenario_file import ScenarioFileError, load_scenario
from factory_app.scenario.fields import label_of
from factory_app.scenario.model import Scenario
from factory_app.ui import files
from factory_app.ui.export_dialog import ExportDialog
from factory_app.ui.session import Session

MAX_TABS = 12
#: Autosaves set aside at one start that get a message each; more get one message together.
MAX_SET_ASIDE_MESSAGES = 3
#: Characters a file name cannot hold on some system (Windows refuses ':' and the others)
_UNSAFE = re.compile(r'[<>:"/\\|?*\x00-\x1f]+')


def file_stem(name: str) -> str:
    """A scenario's name as a file name every system accepts: "Iso-power: A vs B" -> "Iso-power - A vs B"."""
    stem = _UNSAFE.sub(" - ", name).strip(" .-")
    return re.sub(r"\s+", " ", stem)[:120] or "scenario"


_JSON_PATH = re.compile(r"\$\.(site|fleets|workloads|assignments)(?:\[(\d+)\])?(?:\.(\w+))?")
_KINDS = {"site": "site", "fleets": "fleet", "workloads": "workload", "assignments": "assignment"}


def readable(message: str) -> str:
    """A file's refusal as a person reads it: "$.site.facility_power_mw: ..." becomes
    "site ▸ facility power ($.site.facility_power_mw): ..." (the JSON path stays, for editing the file)."""

    def name(match: re.Match) -> str:
        group, index, field = match.groups()
        kind = _KINDS[group]
        words = kind + (f" {int(index) + 1}" if index is not None else "")
        if field:
            label = label_of(kind, field)
            words += f" ▸ {label[0].lower()}{label[1:]}"
        return f"{words} ({match.group(0)})"

    return _JSON_PATH.sub(name, message)


def last_folder() -> Path:
    """Where the last scenario was opened or saved (the home folder the first time)."""
    folder = files.settings().value("files/last_folder", "")
    path = Path(folder) if isinstance(folder, str) and folder else Path.home()
    try:
        return path if path.is_dir() else Path.home()
    except (OSError, ValueError):  # a damaged setting (a name too long, a NUL): start at home
        return Path.home()


def remember_folder(path: Path) -> None:
    files.settings().setValue("files/last_folder", str(Path(path).resolve().parent))


class DocumentActions:
    """File, export and optimiser actions of the main window (a mixin)."""

    # -- files ----------------------------------------------------------------------------------------
    def new_scenario(self) -> None:
        self.open_session(Scenario(name=f"Untitled {len(self.sessions) + 1}"), None)

    def open_dialog(self) -> None:
        start = str(self.path.parent if self.path else last_folder())
        name, _ = QFileDialog.getOpenFileName(self, "Open scenario", start, "Scenarios (*.json);;All files (*)")
        if name:
            self.open_file(Path(name))

    def open_file(self, path: Path, as_example: bool = False, check_unsaved: bool = True) -> bool:
        """Open a scenario in a tab; a file that fails to load changes nothing and says why. The
        tab keeps the file's absolute path (a relative one would change meaning with the folder)."""
        path = Path(os.path.abspath(path))
        for s in self.sessions:
            if s.path is not None and not as_example and s.path.resolve() == path.resolve():
                self.tabs.setCurrentWidget(s.view)
                return True
        if len(self.sessions) >= MAX_TABS:
            QMessageBox.warning(self, "Too many scenarios", f"At most {MAX_TABS} scenarios can be open; close one first.")
            return False
        notes: list[str] = []  # what upgrading an older format added (issue 14: format 1 -> 2)
        try:
            scenario = load_scenario(path, notes=notes)
        except ScenarioFileError as exc:
            QMessageBox.warning(self, "Cannot open scenario", readable(str(exc)))
            return False
        except OSError as exc:
            QMessageBox.warning(self, "Cannot open scenario", f"{path.name}: {exc.strerror or exc}")
            return False
        self.open_session(scenario, None if as_example else path)
        if not as_example:
            self._remember(path)
        if notes:
            self.statusBar().showMessage(f"{path.name}: " + "; ".join(notes), 60000)
        return True

    def save(self) -> bool:
        return self._save_session(self.session)

    def save_as(self) -> bool:
        return self._save_session(self.session, ask=True)

    def _save_session(self, session: Session, ask: bool = False) -> bool:
        path = session.path
        if ask or path is None:
            start = str(session.path or last_folder() / f"{file_stem(session.label())}.json")
            name, _ = QFileDialog.getSaveFileName(self, "Save scenario", start, "Scenarios (*.json)")
            if not name:
                return False
            path = Path(name) if name.endswith(".json") else Path(name + ".json")
        return self._save_to(path, session)

    def _save_to(self, path: Path, session: Session | None = None) -> bool:
        session = session or self.session
        if session.confirm_overwrite and session.path is not None and _same_file(path, session.path):
            answer = QMessageBox.question(
                self, "Save over the original?",
                f"{one_line(str(session.path))} {session.confirm_overwrite}. Save the restored work over it?\n\n"
                "Yes replaces it; No saves to another file.",
                QMessageBox.Yes | QMessageBox.No | QMessageBox.Cancel, QMessageBox.No,
            )
            if answer == QMessageBox.No:
                return self._save_session(session, ask=True)
            if answer != QMessageBox.Yes:
                return False
        try:
            session.save_to(path)
        except Exception as exc:  # noqa: BLE001 - whatever it is, the user hears it and the work stays
            reason = str(exc) if isinstance(exc, (ScenarioFileError, OSError)) else f"{type(exc).__name__}: {exc}"
            QMessageBox.critical(self, "Not saved", f"{one_line(reason)}\nThe file on disk was not changed.")
            return False
        self._remember(path)
        self.statusBar().showMessage(f"Saved {path.name}", 4000)
        return True

    def export_csv(self) -> None:
        from factory_app.io.csv_export import write_results_csv

        s = self.session
        start = str(s.path.with_suffix(".csv") if s.path else last_folder() / f"{file_stem(s.label())}-results.csv")
        name, _ = QFileDialog.getSaveFileName(self, "Export results as CSV", start, "CSV (*.csv)")
        if not name:
            return
        try:
            write_results_csv(Path(name), s.doc.scenario, s.evaluator.result)
        except OSError as exc:
            QMessageBox.critical(self, "Export failed", f"{Path(name).name}: {exc}")
            return
        self.statusBar().showMessage(f"Exported {Path(name).name}", 4000)

    def export_deck(self) -> None:
        """File ▸ Export deck…: the scenario as a 16:9 PowerPoint deck with native charts."""
        self._export_office("deck", "Export deck", "PowerPoint (*.pptx)", ".pptx")

    def export_workbook(self) -> None:
        """File ▸ Export workbook…: the scenario as an Excel workbook of live formulas."""
        self._export_office("workbook", "Export workbook", "Excel workbook (*.xlsx)", ".xlsx")

    def _export_office(self, kind: str, title: str, filter_: str, suffix: str) -> None:
        s = self.session
        start = str((s.path.with_suffix("") if s.path else last_folder() / file_stem(s.label())).with_suffix(suffix))
        name, _ = QFileDialog.getSaveFileName(self, title, start, filter_)
        if not name:
            return
        path = Path(name) if name.lower().endswith(suffix) else Path(name + suffix)
        scenario = s.doc.scenario
        QApplication.setOverrideCursor(Qt.WaitCursor)
        self.statusBar().showMessage(f"Writing {path.name}…")
        try:
            result = evaluate(scenario, self.catalog)  # the scenario as it is now (a few milliseconds)
            if kind == "deck":
                from factory_app.io.deck import write_deck

                write_deck(path, [(s.label(), scenario, result)], self.catalog)
            else:
                from factory_app.io.workbook import write_workbook

                write_workbook(path, scenario, result, self.catalog)
        except OSError as exc:
            QApplication.restoreOverrideCursor()
            QMessageBox.critical(self, "Export failed", f"{path.name}: {exc.strerror or exc}. The file on disk was not changed.")
            return
        QApplication.restoreOverrideCursor()
        remember_folder(path)
        self.statusBar().showMessage(f"Exported {path.name}", 4000)

    def export_chart(self, kind: str = "frontier") -> None:
        s = self.session
        dialog = ExportDialog(self, kind, s.doc.scenario, s.evaluator.result, s.evaluator.curves, self.catalog,
                              s.path.with_suffix("") if s.path else last_folder() / file_stem(s.label()))
        dialog.exec()

    def copy_chart(self) -> None:
        from factory_app.ui.export import chart_slide

        s = self.session
        if s.evaluator.result is None:
            return
        slide = chart_slide(self.results.current_chart(), s.doc.scenario, s.evaluator.result, s.evaluator.curves, self.catalog)
        slide.copy_to_clipboard()
        slide.close()
        self.statusBar().showMessage("Chart copied to the clipboard (1920x1080)", 4000)

    def optimise_split(self) -> None:
        """Run the optimiser in a worker thread (progress, cancel), then offer to apply its split."""
        from factory_app.factory.evaluation import optimise_factory
        from factory_app.ui.undo_commands import ReplaceScenarioCommand
        from factory_app.ui.evaluation import Worker

        session = self.session
        scenario = session.doc.scenario
        before = session.evaluator.result
        progress = QProgressDialog("Optimising the split of power and fleets…", "Cancel", 0, 0, self)
        progress.setWindowTitle("Optimise")
        progress.setWindowModality(Qt.WindowModal)
        progress.setMinimumDuration(300)
        worker = Worker(lambda: optimise_factory(scenario, self.catalog), self)
        self._optimiser = worker  # keep it alive until it reports

        def done(value) -> None:
            progress.close()
            chosen, result, note = value
            if session not in self.sessions or session.doc.scenario is not scenario:
                self.statusBar().showMessage("The scenario changed while optimising; run it again.", 8000)
                return
            old = before.totals.get("profit_usd_per_year", 0.0) if before else 0.0
            new = result.totals.get("profit_usd_per_year", 0.0)
            if chosen == scenario:
                QMessageBox.information(self, "Optimise", f"The current split is already the best found.\n\n{note}")
                return
            answer = QMessageBox.question(
                self, "Apply the optimised split?",
                f"Profit {old / 1e6:,.1f} M USD/year now, {new / 1e6:,.1f} M USD/year with the optimised split.\n\n{note}",
                QMessageBox.Yes | QMessageBox.No, QMessageBox.Yes,
            )
            if answer == QMessageBox.Yes:
                session.undo_stack.push(ReplaceScenarioCommand(session.doc, chosen, "Apply optimised split"))

        def failed(message: str) -> None:
            progress.close()
            QMessageBox.warning(self, "Optimise", f"The optimiser failed: {message}")

        worker.done.connect(done)
        worker.failed.connect(failed)
        progress.canceled.connect(worker.cancel)
        worker.start()

    def show_compare(self) -> None:
        self.compare_dock.show()
        self.compare_dock.raise_()
        self.compare.refresh()

    def _maybe_save(self, session: Session) -> bool:
        """Ask about a session's unsaved changes. True when it may be discarded."""
        if not session.modified:
            return True
        self.tabs.setCurrentWidget(session.view)
        answer = QMessageBox.question(
            self, "Unsaved changes", f"Save changes to {session.display_name()}?",
            QMessageBox.Save | QMessageBox.Discard | QMessageBox.Cancel, QMessageBox.Save,
        )
        if answer == QMessageBox.Save:
            return self._save_session(session)
        return answer == QMessageBox.Discard

    def _remember(self, path: Path) -> None:
        files.add_recent(path.resolve())
        remember_folder(path)
        self._fill_recent()

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        recent = files.recent_files()
        for p in recent:
            self.recent_menu.addAction(p, lambda path=p: self.open_file(Path(path)))
        self.recent_menu.setEnabled(bool(recent))

    # -- recovery and window state -------------------------------------------------------------------
    def offer_recovery(self) -> None:
        """At start-up: set aside autosaves that cannot be restored (saying so), then offer to
        restore the others, left by a session that did not exit cleanly."""
        readable, unreadable = [], []
        for recovery in files.pending_recoveries():
            try:
                readable.append(recovery.read())
            except Exception as exc:  # noqa: BLE001 - a damaged file must never stop the start
                unreadable.append((recovery, exc))
        self._set_aside(unreadable)
        if not readable:
            return
        names = ", ".join(Path(r.original).name if r.original else "an unsaved factory" for r in readable[:4])
        answer = QMessageBox.question(
            self, "Restore unsaved work?",
            one_line(f"factory-app did not close cleanly last time. Restore the autosaved work ({names})?"),
            QMessageBox.Yes | QMessageBox.No, QMessageBox.Yes,
        )
        self.restore_recoveries(readable, restore=answer == QMessageBox.Yes)

    def _set_aside(self, unreadable: list[tuple[files.Recovery, BaseException]]) -> None:
        """Move autosaves that cannot be read to ``unrestored/`` and say so: one message each,
        or one message for all when there are many."""
        kept = [(files.set_aside(r), exc) for r, exc in unreadable]
        if not kept:
            return
        if len(kept) <= MAX_SET_ASIDE_MESSAGES:
            for where, exc in kept:
                QMessageBox.warning(self, "Cannot restore", f"An autosaved copy cannot be read: {one_line(str(exc))}\nIt is kept as {where}.")
            return
        lines = [f"{one_line(str(exc), 160)}" for _, exc in kept[:10]]
        more = f"\n… and {len(kept) - 10} more" if len(kept) > 10 else ""
        QMessageBox.warning(self, "Cannot restore",
                            f"{len(kept)} autosaved copies cannot be read; they are kept in {kept[0][0].parent}:\n"
                            + "\n".join(lines) + more)

    def restore_recoveries(self, pending: list[files.Recovery], restore: bool = True) -> None:
        """Open each autosave in a tab (``restore``), or discard them all. A restored file whose
        original changed or is gone since is marked so that Save asks before replacing it."""
        if not restore:
            for r in pending:
                r.path.unlink(missing_ok=True)
            return
        unreadable = []
        for recovery in pending:
            if len(self.sessions) >= MAX_TABS:
                break  # the rest stay in the autosave folder for the next start
            try:
                recovery = recovery.read()
            except Exception as exc:  # noqa: BLE001 - e.g. written by a newer version: set aside, not deleted
                unreadable.append((recovery, exc))
                continue
            session = self.open_session(recovery.scenario, Path(recovery.original) if recovery.original else None)
            session.original_sha256 = recovery.original_sha256
            session.confirm_overwrite = recovery.original_changed()
            session.undo_stack.resetClean()  # restored work is not saved yet
            self._retitle(session)
            session.autosave()
            recovery.path.unlink(missing_ok=True)  # the new session's own autosave holds it now
        self._set_aside(unreadable)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.abspath(a) == os.path.abspath(b)
