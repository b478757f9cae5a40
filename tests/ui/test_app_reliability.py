"""The desktop app keeps work: failed saves leave the original and say so, a newer file is refused
without touching the window, an edit survives a SIGKILL, and a 200-fleet factory opens."""

from __future__ import annotations

import importlib.util
import json
import math
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QPointF
from PySide6.QtWidgets import QGraphicsSceneHelpEvent

from factory_app.serving.catalog import default_catalog
from factory_app.factory.evaluation import evaluate_factory
from factory_app.io.migrations import CURRENT_VERSION
from factory_app.io.scenario_file import load_scenario, save_scenario
from factory_app.ui import files
from factory_app.ui.undo_commands import SetFieldCommand
from reliability_helpers import EXAMPLES, assert_finite_result, read_line

pytestmark = pytest.mark.reliability  # property and attack tests (docs/reliability.md)

ROOT = Path(__file__).resolve().parents[2]
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
EXAMPLE = min(EXAMPLES, key=lambda p: len(load_scenario(p).assignments))


def _edited(window, tmp_path) -> tuple[Path, bytes]:
    """A saved file open in the window, then an unsaved edit of it."""
    path = tmp_path / "work.json"
    save_scenario(load_scenario(EXAMPLE), path)
    assert window.open_file(path)
    window.push(SetFieldCommand(window.doc, "site", "site", "electricity_usd_per_kwh", 0.123))
    assert window.session.modified
    return path, path.read_bytes()


def _left_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# -- saves that fail ----------------------------------------------------------------------------------------

def _full_disk(*_a, **_k):
    raise OSError(28, "No space left on device")


_real_open = os.open

#: Where the app's save (io.atomic, the one writer of scenario files) can fail, and how we make it fail.
SAVE_FAILURES = {
    "the disk is full (fsync)": ("fsync", _full_disk),
    "the rename fails (replace)": ("replace", _full_disk),
    "the temporary file cannot be made (open)": ("open", lambda path, flags, *a, **k: _full_disk() if flags & os.O_CREAT else _real_open(path, flags, *a, **k)),
}


@pytest.mark.parametrize("failure", sorted(SAVE_FAILURES))
def test_a_failed_save_keeps_the_original_and_tells_the_user(window, tmp_path, no_prompts, monkeypatch, failure):
    from factory_app.io import atomic

    path, before = _edited(window, tmp_path)
    name, fn = SAVE_FAILURES[failure]
    monkeypatch.setattr(atomic.os, name, fn)
    assert not window.save()
    monkeypatch.undo()
    assert path.read_bytes() == before  # the original, byte for byte
    assert window.session.modified and window.isWindowModified()  # the work is still marked unsaved
    assert window.doc.scenario.site.electricity_usd_per_kwh == 0.123
    kind, text = no_prompts.seen[-1]
    assert kind == "critical" and "work.json" in text and text.endswith("The file on disk was not changed.")
    assert _left_in(tmp_path) == ["work.json"]  # no temporary file left behind
    assert window.save() and not window.session.modified  # and a later save works
    assert load_scenario(path).site.electricity_usd_per_kwh == 0.123


@pytest.mark.skipif(IS_ROOT, reason="permissions do not stop root: the simulated failures above stand in")
def test_a_save_into_a_read_only_folder_keeps_the_original(window, tmp_path, no_prompts):
    path, before = _edited(window, tmp_path)
    os.chmod(tmp_path, 0o555)
    try:
        assert not window.save()
    finally:
        os.chmod(tmp_path, 0o755)
    assert path.read_bytes() == before and window.session.modified
    assert no_prompts.seen[-1][0] == "critical"


def test_a_failed_csv_export_keeps_the_old_file_and_says_so(window, tmp_path, no_prompts, monkeypatch):
    from factory_app.io import atomic

    old = tmp_path / "results.csv"
    old.write_text("old\n", encoding="utf-8")
    assert window.open_file(EXAMPLE, as_example=True)
    monkeypatch.setattr("factory_app.ui.window_files.QFileDialog.getSaveFileName", lambda *a, **k: (str(old), ""))

    def full(*_a, **_k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "fsync", full)
    window.export_csv()
    assert old.read_text(encoding="utf-8") == "old\n" and _left_in(tmp_path) == ["results.csv"]
    assert no_prompts.seen[-1] == ("critical", "results.csv: [Errno 28] No space left on device")


# -- a file from a newer version ---------------------------------------------------------------------------


def test_a_newer_file_is_refused_and_the_window_is_unchanged(window, tmp_path, no_prompts):
    assert window.open_file(EXAMPLE, as_example=True)
    window.push(SetFieldCommand(window.doc, "site", "site", "pue", 1.3))
    before = (window.doc.scenario, window.undo_stack.count(), window.path, len(window.sessions), window.tabs.count())
    doc = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    doc["format_version"] = CURRENT_VERSION + 1
    doc["a_new_section"] = {"what": "a newer app writes"}
    newer = tmp_path / "newer.json"
    newer.write_text(json.dumps(doc), encoding="utf-8")
    assert not window.open_file(newer)
    assert (window.doc.scenario, window.undo_stack.count(), window.path, len(window.sessions), window.tabs.count()) == before
    kind, text = no_prompts.seen[-1]
    assert kind == "warning" and text == (f"newer.json: $.format_version: written by a newer version of factory-app "
                                          f"(format {CURRENT_VERSION + 1}); this version reads up to {CURRENT_VERSION}")
    assert str(newer.resolve()) not in files.recent_files()


# -- crash recovery: a real process killed with SIGKILL ------------------------------------------------------

EDITOR = textwrap.dedent("""
    import os, sys, time
    from pathlib import Path
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from factory_app.ui.app import _application
    app = _application(sys.argv[:1])  # as run_app starts the app
    from factory_app.ui.undo_commands import SetFieldCommand
    from factory_app.ui.main_window import MainWindow
    w = MainWindow()
    w.show()
    assert w.open_file(Path(sys.argv[1]), check_unsaved=False)
    w.push(SetFieldCommand(w.doc, "site", "site", "electricity_usd_per_kwh", float(sys.argv[2])))
    deadline = time.monotonic() + 60
    while not w.session.autosave_path().exists():  # autosave comes ~1.5 s after an edit
        app.processEvents()
        time.sleep(0.02)
        if time.monotonic() > deadline:
            sys.exit("no autosave")
    print("READY", w.session.autosave_path(), flush=True)
    while True:  # working on, until killed
        app.processEvents()
        time.sleep(0.02)
""")

RESTORER = textwrap.dedent("""
    import json, os, sys
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from factory_app.ui.app import _application
    app = _application(sys.argv[:1])
    from PySide6.QtWidgets import QMessageBox
    asked = []
    QMessageBox.question = staticmethod(lambda parent, title, text, *a, **k: asked.append(text) or QMessageBox.Yes)
    QMessageBox.warning = staticmethod(lambda parent, title, text, *a, **k: sys.exit("warning: " + text))
    from factory_app.ui import files
    from factory_app.ui.main_window import MainWindow
    w = MainWindow()
    w.show()
    w.offer_recovery()  # what run_app does at start-up without a file
    s = w.session
    print(json.dumps({
        "asked": asked, "value": s.doc.scenario.site.electricity_usd_per_kwh, "modified": s.modified,
        "window_modified": w.isWindowModified(), "path": str(s.path), "tabs": len(w.sessions),
        "left": sorted(p.name for p in files.data_folder().glob("session-*.json")), "pid": os.getpid(),
    }))
    for x in w.sessions:
        x.undo_stack.setClean()
    w.close()
    print(json.dumps(sorted(p.name for p in files.data_folder().glob("session-*.json"))))
""")


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="POSIX signals")
def test_an_edit_survives_sigkill_and_is_restored_at_the_next_start(tmp_path):
    path = tmp_path / "work.json"
    save_scenario(load_scenario(EXAMPLE), path)
    before = path.read_bytes()
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")  # HOME and XDG folders: this test's own (tests/conftest.py)
    editor = subprocess.Popen([sys.executable, "-c", EDITOR, str(path), "0.1234"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, env=env, cwd=ROOT)
    try:
        line = read_line(editor, timeout=90)
        assert line.startswith("READY "), (line, editor.stderr.read() if editor.poll() is not None else "")
        autosave = Path(line.split(" ", 1)[1].strip())
        assert autosave.exists() and f"session-{editor.pid}-" in autosave.name
        os.kill(editor.pid, signal.SIGKILL)
        assert editor.wait(timeout=30) == -signal.SIGKILL
    finally:
        if editor.poll() is None:
            editor.kill()
            editor.wait(timeout=30)
    assert path.read_bytes() == before  # the file itself was never written: the edit lives only in the autosave

    restorer = subprocess.run([sys.executable, "-c", RESTORER], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert restorer.returncode == 0, restorer.stderr
    lines = restorer.stdout.strip().splitlines()
    state, left_at_exit = json.loads(lines[-2]), json.loads(lines[-1])
    assert state["asked"] and "work.json" in state["asked"][0]
    assert state["value"] == 0.1234 and state["modified"] and state["window_modified"]
    assert state["path"] == str(path) and state["tabs"] == 1
    # the crashed session's autosave is replaced by the restoring session's own (in case it crashes too),
    # which a clean exit removes
    assert not autosave.exists() and state["left"] == [f"session-{state['pid']}-1.json"] and left_at_exit == []


# -- a big factory ------------------------------------------------------------------------------------------


def _big_scenario():
    spec = importlib.util.spec_from_file_location("bench_big_factory", ROOT / "benchmarks" / "bench_big_factory.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.build_big_scenario()


def test_a_factory_of_200_fleets_and_50_workloads_loads_evaluates_and_opens(window, tmp_path, qtbot):
    scenario = _big_scenario()
    assert (len(scenario.fleets), len(scenario.workloads)) == (200, 50) and len(scenario.assignments) > 300
    path = tmp_path / "big.json"
    save_scenario(scenario, path)
    assert load_scenario(path) == scenario
    result = evaluate_factory(scenario, default_catalog())
    assert_finite_result(result)
    assert result.totals["output_tokens_per_s"] > 0 and len(result.fleets) == 200

    assert window.open_file(path)
    qtbot.waitUntil(lambda: window.evaluator.result is not None, timeout=30_000)
    scene = window.scene
    assert len(scene.fleets) == 200 and len(scene.workloads) == 50 and len(scene.links) == len(scenario.assignments)
    assert window.evaluator.result.totals == pytest.approx(result.totals)
    # the charts draw a readable part and say so; the power bar still adds up to the facility
    chart = window.results.frontier
    assert len(chart.curves) == chart.MAX_CURVES and f"of {len(window.evaluator.curves)} fleet × workload pairs" in chart._title
    window.results.tabs.setCurrentWidget(window.results.power)
    from factory_app.ui.chart_content import MAX_FLEET_BARS
    from factory_app.ui.charts import grouped_power

    grouped = grouped_power(scenario, result.power_breakdown)
    assert math.isclose(sum(grouped.values()), result.totals["facility_power_mw"], rel_tol=1e-9)
    assert sum(1 for k in grouped if k in scene.fleets) == MAX_FLEET_BARS and "188 other fleets" in grouped
    # an edit recomputes and repaints; undo restores
    total = window.evaluator.result.totals["cost_usd_per_year"]
    window.push(SetFieldCommand(window.doc, "site", "site", "electricity_usd_per_kwh", 0.2))
    window.evaluator.recompute()
    assert window.evaluator.result.totals["cost_usd_per_year"] > total
    window.undo_stack.undo()
    window.evaluator.recompute()
    assert window.evaluator.result.totals["cost_usd_per_year"] == pytest.approx(total)


def test_hover_text_of_a_card_follows_the_latest_result(window):
    """Hover texts are built when asked for (a big factory would rebuild hundreds per edit)."""
    assert window.open_file(EXAMPLE, as_example=True)
    window.evaluator.recompute()
    fleet_id = window.doc.scenario.fleets[0].id
    item = window.scene.fleets[fleet_id]

    def hover_text() -> str:
        event = QGraphicsSceneHelpEvent(QEvent.GraphicsSceneHelp)
        event.setScenePos(item.mapToScene(QPointF(20, 20)))
        window.scene.helpEvent(event)
        return item.toolTip()

    assert "Accelerators:" in hover_text()
    window.push(SetFieldCommand(window.doc, "fleet", fleet_id, "name", "Renamed fleet"))
    window.evaluator.recompute()
    assert "Renamed fleet" in hover_text()


# -- 5. an autosave that could not be restored was deleted; a failing autosave was silent ----------------


def test_an_autosave_the_app_cannot_restore_is_set_aside_not_deleted(qtbot, monkeypatch):
    """An autosave left by a newer version (or damaged) was deleted after 'cannot be read': the
    newer version could have restored it."""
    from PySide6.QtWidgets import QMessageBox

    from factory_app.io.migrations import CURRENT_VERSION
    from factory_app.ui import files
    from factory_app.ui.main_window import MainWindow

    seen = []
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.Yes))
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda parent, title, text, *a, **k: seen.append(text)))
    folder = files.data_folder()
    folder.mkdir(parents=True)
    newer = {"original": "", "scenario": {"format_version": CURRENT_VERSION + 1, "fleets": "a newer layout"}}
    (folder / "session-999999-1.json").write_text(json.dumps(newer), encoding="utf-8")
    (folder / "session-999998-1.json").write_text(json.dumps({"original": "", "scenario": None}), encoding="utf-8")
    w = MainWindow(restore_layout=False)
    qtbot.addWidget(w)
    w.offer_recovery()
    assert len(seen) == 2 and all("It is kept as " in t and "/unrestored/session-99999" in t for t in seen)
    assert any("written by a newer version" in t for t in seen)
    assert sorted(p.name for p in (folder / "unrestored").iterdir()) == ["session-999998-1.json", "session-999999-1.json"]
    assert json.loads((folder / "unrestored" / "session-999999-1.json").read_text(encoding="utf-8")) == newer
    assert files.pending_recoveries() == []  # not offered again at every start
    w.close()


def test_a_failing_autosave_is_shown_in_the_status_bar(qtbot, monkeypatch):
    from factory_app.ui import files
    from factory_app.ui.undo_commands import SetFieldCommand
    from factory_app.ui.main_window import MainWindow

    def full(*_a, **_k):
        raise OSError("cannot write session-1.json: No space left on device")

    w = MainWindow(restore_layout=False)
    qtbot.addWidget(w)
    monkeypatch.setattr(files, "write_autosave", full)
    w.push(SetFieldCommand(w.doc, "site", "site", "pue", 1.3))
    qtbot.waitUntil(lambda: "Autosave failed" in w.statusBar().currentMessage(), timeout=10_000)
    assert w.statusBar().currentMessage() == "Autosave failed: cannot write session-1.json: No space left on device"
    w.undo_stack.setClean()
    w.close()


# -- 6. a damaged autosave or a strange file in the autosave folder crashed the start-up ------------------


@pytest.mark.parametrize("name, content", [
    ("session-999999-1.json", "[1, 2]"),                                   # JSON, but not an object: AttributeError
    ("session-999999-1.json", '{"original": 5, "scenario": {}}'),          # original not a path: TypeError in the question
    ("session-999999-1.json", '{"original": "x.json", "scen'),             # cut short
    ("session-99999999999999999999-1.json", '{"original": ""}'),           # no such process id: OverflowError
])
def test_damaged_autosaves_do_not_crash_the_start_up(qtbot, monkeypatch, name, content):
    from PySide6.QtWidgets import QMessageBox

    from factory_app.ui import files
    from factory_app.ui.main_window import MainWindow

    seen = []
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.Yes))
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda parent, title, text, *a, **k: seen.append(text)))
    folder = files.data_folder()
    folder.mkdir(parents=True)
    (folder / name).write_text(content, encoding="utf-8")
    w = MainWindow(restore_layout=False)
    qtbot.addWidget(w)
    w.offer_recovery()  # what run_app does at start-up
    assert len(seen) == 1 and seen[0].startswith("An autosaved copy cannot be read: ")
    assert (folder / "unrestored" / name).read_text(encoding="utf-8") == content
    assert files.pending_recoveries() == [] and len(w.sessions) == 1
    w.close()
