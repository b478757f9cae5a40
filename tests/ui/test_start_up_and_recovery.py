"""The desktop app starts whatever it finds and never loses the file it recovers: crash recovery
restores absolute paths and asks before replacing a changed original; damaged, deep, huge or special
autosaves and settings never stop the window; an optimising scenario keeps edits on the fast path."""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from PySide6.QtWidgets import QMessageBox

from factory_app.io.migrations import CURRENT_VERSION
from factory_app.io.scenario_file import load_scenario, save_scenario
from factory_app.ui import files
from reliability_helpers import EXAMPLES, deadline, examples, read_line

pytestmark = pytest.mark.reliability  # property and attack tests (docs/reliability.md)

ROOT = Path(__file__).resolve().parents[2]
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
EXAMPLE = min(EXAMPLES, key=lambda p: len(load_scenario(p).assignments))


# == issue 11 ================================================================================================
# -- 2. crash recovery restored a relative path: an unrelated file was replaced --------------------------------

RELATIVE_EDITOR = textwrap.dedent("""
    import os, sys, time
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from factory_app.ui.app import start_window
    from factory_app.ui.undo_commands import SetFieldCommand
    app, w = start_window(sys.argv[1])  # as `factory-app gui/a.json` starts: a path relative to this folder
    deadline = time.monotonic() + 60
    while w.path is None:  # the file opens from the event loop, once the window shows
        app.processEvents()
        time.sleep(0.02)
    w.push(SetFieldCommand(w.doc, "site", "site", "electricity_usd_per_kwh", 0.4321))
    while not w.session.autosave_path().exists():
        app.processEvents()
        time.sleep(0.02)
        if time.monotonic() > deadline:
            sys.exit("no autosave")
    print("READY", flush=True)
    while True:
        app.processEvents()
        time.sleep(0.02)
""")

#: Starts the app with no file (as `factory-app`), answers the prompts, then presses Save.
RESTORE_AND_SAVE = textwrap.dedent("""
    import json, os, sys, time
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtWidgets import QFileDialog, QMessageBox
    answers = json.loads(sys.argv[1])
    asked = []
    def ask(parent, title, text, *a, **k):
        asked.append(text)
        return {"Yes": QMessageBox.Yes, "No": QMessageBox.No}[answers.pop(0)] if answers else QMessageBox.Yes
    QMessageBox.question = staticmethod(ask)
    QMessageBox.warning = staticmethod(lambda p, t, text, *a, **k: asked.append("warning: " + text) or QMessageBox.Ok)
    QMessageBox.critical = staticmethod(lambda p, t, text, *a, **k: asked.append("critical: " + text) or QMessageBox.Ok)
    QFileDialog.getSaveFileName = staticmethod(lambda *a, **k: (sys.argv[2], ""))
    from factory_app.ui.app import start_window
    app, w = start_window()
    for _ in range(20):
        app.processEvents()
    w.act_save.trigger()  # File > Save, as a person does
    print(json.dumps({"asked": asked, "path": str(w.path), "tabs": len(w.sessions), "modified": w.session.modified}))
    for s in w.sessions:
        s.undo_stack.setClean()
    w.close()
""")


def _kill_after_autosave(script: str, argv: list[str], cwd: Path, env: dict) -> None:
    editor = subprocess.Popen([sys.executable, "-c", script, *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, env=env, cwd=cwd)
    try:
        line = read_line(editor, timeout=90)
        assert line.startswith("READY"), (line, editor.stderr.read() if editor.poll() is not None else "")
        os.kill(editor.pid, signal.SIGKILL)
        editor.wait(timeout=30)
    finally:
        if editor.poll() is None:
            editor.kill()
            editor.wait(timeout=30)


@pytest.fixture
def two_folders(tmp_path):
    """``x/gui/a.json`` (the user's file) and ``x/other/gui/a.json`` (an unrelated one)."""
    real, unrelated = tmp_path / "gui" / "a.json", tmp_path / "other" / "gui" / "a.json"
    for p in (real, unrelated):
        p.parent.mkdir(parents=True)
    save_scenario(load_scenario(EXAMPLE), real)
    save_scenario(load_scenario(EXAMPLES[-1] if EXAMPLES[-1] != EXAMPLE else EXAMPLES[0]), unrelated)
    return tmp_path, real, unrelated


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="POSIX signals")
def test_2_relative_path_recovery_saves_the_real_file_not_one_in_another_folder(two_folders):
    """Open gui/a.json from one folder, edit, kill the app, start it from another folder, restore,
    Save: the edit goes to the file that was opened, and other/gui/a.json is untouched."""
    root, real, unrelated = two_folders
    before_unrelated = unrelated.read_bytes()
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    _kill_after_autosave(RELATIVE_EDITOR, ["gui/a.json"], root, env)
    done = subprocess.run([sys.executable, "-c", RESTORE_AND_SAVE, "[]", str(root / "elsewhere.json")], capture_output=True,
                          text=True, env=env, cwd=root / "other", timeout=120)
    assert done.returncode == 0, done.stderr
    state = json.loads(done.stdout.strip().splitlines()[-1])
    assert state["path"] == str(real) and not state["modified"]
    assert len(state["asked"]) == 1 and "Restore the autosaved work (a.json)" in state["asked"][0]  # no overwrite question
    assert load_scenario(real).site.electricity_usd_per_kwh == 0.4321
    assert unrelated.read_bytes() == before_unrelated


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="POSIX signals")
@pytest.mark.parametrize("change", ["edited elsewhere", "deleted"])
def test_2_save_asks_before_replacing_an_original_that_changed_since_the_autosave(two_folders, change):
    root, real, _ = two_folders
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    _kill_after_autosave(RELATIVE_EDITOR, ["gui/a.json"], root, env)
    if change == "deleted":
        real.unlink()
    else:
        save_scenario(replace(load_scenario(real), name="changed by someone else"), real)
    theirs = real.read_bytes() if real.exists() else None
    # restore: Yes; "save over it?": No -> Save As another file
    done = subprocess.run([sys.executable, "-c", RESTORE_AND_SAVE, '["Yes", "No"]', str(root / "mine.json")], capture_output=True,
                          text=True, env=env, cwd=root / "other", timeout=120)
    assert done.returncode == 0, done.stderr
    state = json.loads(done.stdout.strip().splitlines()[-1])
    why = "no longer exists" if change == "deleted" else "has changed on disk since the autosave"
    assert len(state["asked"]) == 2 and f"{real} {why}. Save the restored work over it?" in state["asked"][1]
    assert state["path"] == str(root / "mine.json") and load_scenario(root / "mine.json").site.electricity_usd_per_kwh == 0.4321
    assert (real.read_bytes() if real.exists() else None) == theirs  # what is on disk now was not replaced


def test_2_answering_yes_saves_over_the_changed_original(window, no_prompts, tmp_path):
    from factory_app.io.autosave import write_autosave

    real = tmp_path / "a.json"
    save_scenario(load_scenario(EXAMPLE), real)
    edited = replace(load_scenario(EXAMPLE), name="restored edit")
    folder = files.data_folder()
    folder.mkdir(parents=True)
    write_autosave(folder / "session-999999-1.json", edited, real, original_sha256=files.file_sha256(real))
    save_scenario(replace(load_scenario(EXAMPLE), name="changed meanwhile"), real)
    no_prompts.answers += [QMessageBox.Yes, QMessageBox.Yes]
    window.offer_recovery()
    window.act_save.trigger()
    assert no_prompts.seen[-1][0] == "question" and "has changed on disk since the autosave" in no_prompts.seen[-1][1]
    assert load_scenario(real).name == "restored edit" and not window.session.modified
    window.act_save.trigger()  # a later save of the same session does not ask again
    assert sum(kind == "question" for kind, _ in no_prompts.seen) == 2


# -- 3 and 4. a deep or special autosave stopped every start ------------------------------------------------------

#: The app's start, with message boxes recorded (a modal box would wait for a person).
STARTER = textwrap.dedent("""
    import json, os, sys
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    os.environ["FACTORY_APP_EXIT_AFTER_SHOW"] = "1"
    from PySide6.QtWidgets import QMessageBox
    said = []
    QMessageBox.warning = staticmethod(lambda p, t, text, *a, **k: said.append(text) or QMessageBox.Ok)
    QMessageBox.question = staticmethod(lambda p, t, text, *a, **k: said.append(text) or QMessageBox.No)
    from factory_app.ui.app import run_app
    code = run_app()
    print(json.dumps(said))
    sys.exit(code)
""")


def _start_app(timeout: float = 120) -> tuple[subprocess.CompletedProcess, list[str]]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    done = subprocess.run([sys.executable, "-c", STARTER], capture_output=True, text=True, env=env, cwd=ROOT, timeout=timeout)
    lines = done.stdout.strip().splitlines()
    return done, json.loads(lines[-1]) if lines and lines[-1].startswith("[") else []


def _autosave_folder() -> Path:
    """The app's autosave folder as the started app sees it (same HOME and XDG folders)."""
    return Path(os.environ["XDG_DATA_HOME"]) / files.ORGANISATION / files.APPLICATION / "autosave"


def test_3_an_autosave_100000_brackets_deep_does_not_stop_the_start():
    folder = _autosave_folder()
    folder.mkdir(parents=True)
    (folder / "session-999999-1.json").write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    done, said = _start_app()
    assert done.returncode == 0 and "window shown" in done.stdout, done.stderr
    assert "RecursionError" not in done.stderr + done.stdout
    assert len(said) == 1 and "session-999999-1.json: $: not a scenario: JSON nested too deeply" in said[0]
    assert (folder / "unrestored" / "session-999999-1.json").exists() and not (folder / "session-999999-1.json").exists()
    done, said = _start_app()  # and the next start is clean
    assert done.returncode == 0 and said == []


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_4_a_named_pipe_in_the_autosave_folder_does_not_hang_the_start():
    folder = _autosave_folder()
    folder.mkdir(parents=True)
    os.mkfifo(folder / "session-999999-1.json")
    start = time.monotonic()
    done, said = _start_app(timeout=60)
    assert done.returncode == 0 and "window shown" in done.stdout, done.stderr
    assert time.monotonic() - start < 60
    assert len(said) == 1 and "not a regular file" in said[0] and "unrestored" in said[0]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_named_pipe_as_the_settings_file_does_not_hang_the_start():
    """Same class as 4: Qt's QSettings reads its file when made, and waited on a pipe for ever."""
    path = files.settings_path()
    path.parent.mkdir(parents=True)
    os.mkfifo(path)
    done, said = _start_app(timeout=60)
    assert done.returncode == 0 and "window shown" in done.stdout, done.stderr
    assert len(said) == 1 and said[0].startswith(f"The settings file {path} could not be read (it is not a regular file)")
    assert path.is_file()  # a fresh one, written at exit; the pipe is kept beside it
    assert [p for p in path.parent.iterdir() if p.name.startswith("factory-app.ini.unreadable-")]


def test_the_settings_file_checked_is_the_one_qt_reads():
    script = ("from PySide6.QtCore import QSettings; from factory_app.ui import files; "
              "print(QSettings(QSettings.IniFormat, QSettings.UserScope, files.ORGANISATION, files.SETTINGS_NAME).fileName())")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert done.stdout.strip() == str(files.settings_path())


# -- 5. an optimise scenario ran the optimiser on the UI thread on every edit --------------------------------------


def test_5_an_edit_of_an_optimise_scenario_stays_on_the_fast_path(window, qtbot, tmp_path, monkeypatch):
    """300 fleets with "optimise": true: an electricity-price edit shows the quick evaluation at
    once; the optimiser runs in a worker, once the edits pause, and its result replaces it."""
    import threading

    from factory_app.factory.optimiser import split
    from factory_app.ui.evaluation import OPTIMISING

    spec = importlib.util.spec_from_file_location("bench_big_factory", ROOT / "benchmarks" / "bench_big_factory.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    path = tmp_path / "optimise-300.json"
    save_scenario(replace(bench.build_big_scenario(300), optimise=True), path)
    runs: list[tuple[bool, float]] = []
    real = split.optimise

    def recording(scenario, catalog, evaluate):
        runs.append((threading.current_thread() is threading.main_thread(), scenario.site.electricity_usd_per_kwh))
        return real(scenario, catalog, evaluate)

    monkeypatch.setattr(split, "optimise", recording)
    assert window.open_file(path)
    qtbot.waitUntil(lambda: window.evaluator.result is not None and window.evaluator.result.optimised, timeout=120_000)
    runs.clear()
    window.inspector.show_item("site", "site")
    for price in (0.05, 0.06, 0.07, 0.08):  # four edits in a row, as a slider drag makes
        window.inspector.editors["electricity_usd_per_kwh"].spin.setValue(price)
        qtbot.wait(10)
        assert window.evaluator.result.warnings[0] == OPTIMISING  # the quick result, shown at once
        assert not window.evaluator.result.optimised and window.evaluator.optimising
    qtbot.waitUntil(lambda: window.evaluator.result.optimised, timeout=120_000)
    assert runs and not any(on_ui for on_ui, _ in runs)  # never on the UI thread
    assert runs[-1][1] == 0.08 and window.evaluator.result.totals["cost_usd_per_year"] > 0
    assert len(runs) <= 2  # debounced: not one run per edit
    assert window.doc.scenario.site.electricity_usd_per_kwh == 0.08 and not window.evaluator.optimising


def test_5_a_newer_edit_cancels_a_running_optimisation(window, qtbot, tmp_path, monkeypatch):
    from factory_app.factory.optimiser import split

    started, cancelled = [], []
    real_checkpoint = split.checkpoint

    def slow_checkpoint():
        started.append(1)
        time.sleep(0.05)
        try:
            real_checkpoint()
        except split.OptimiserCancelled:
            cancelled.append(1)
            raise

    monkeypatch.setattr(split, "checkpoint", slow_checkpoint)
    path = tmp_path / "opt.json"
    save_scenario(replace(load_scenario(EXAMPLES[0]), optimise=True), path)
    assert window.open_file(path)
    qtbot.waitUntil(lambda: bool(started), timeout=30_000)
    window.inspector.show_item("site", "site")
    window.inspector.editors["pue"].spin.setValue(1.4)  # while it runs
    qtbot.waitUntil(lambda: bool(cancelled), timeout=30_000)
    qtbot.waitUntil(lambda: window.evaluator.result.optimised, timeout=60_000)
    assert window.evaluator.result.totals["facility_power_mw"] > 0 and window.doc.scenario.site.pue == 1.4


# -- 7. the app's Save raised out of _save_to on a lone surrogate ---------------------------------------------------


def test_7_save_of_a_name_with_a_lone_surrogate_says_not_saved(window, no_prompts, tmp_path):
    path = tmp_path / "work.json"
    save_scenario(load_scenario(EXAMPLE), path)
    before = path.read_bytes()
    assert window.open_file(path)
    from factory_app.scenario.document import Change

    # a name no edit can give any more (the inspector and files refuse it): as a damaged edit would leave it
    window.doc.apply(replace(window.doc.scenario, name="bad \ud800 name"), Change("scenario", "set", "", "name"))
    window.act_save.trigger()
    kind, text = no_prompts.seen[-1]
    assert kind == "critical" and text.endswith("The file on disk was not changed.") and "$.name" in text
    assert "\ud800" not in text and path.read_bytes() == before


# -- the class: nothing read at start can stop the window from appearing ----------------------------------------

AUTOSAVE_KINDS = ["valid", "cut short", "an array", "100,000 deep", "20 MiB", "named pipe", "folder", "link loop",
                  "dangling link", "unreadable", "newer version", "not UTF-8"]
SETTINGS_KINDS = ["none", "valid", "garbage recent files", "named pipe", "folder", "2 MiB", "link loop", "binary"]
UNREADABLE = "-7.json"  # autosaves named so cannot be opened (permissions do not stop root: simulated)


def _autosave(folder: Path, kind: str, number: int) -> Path:
    from factory_app.io.autosave import write_autosave

    path = folder / f"session-{2**30 + number}-{7 if kind == 'unreadable' else 1}.json"
    if kind in ("valid", "unreadable"):
        write_autosave(path, replace(load_scenario(EXAMPLE), name=f"restored {number}"), None)
    elif kind == "cut short":
        path.write_text('{"original": "", "scen', encoding="utf-8")
    elif kind == "an array":
        path.write_text("[1, 2]", encoding="utf-8")
    elif kind == "100,000 deep":
        path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    elif kind == "20 MiB":
        with open(path, "wb") as fh:
            fh.truncate(20 * 2**20)
    elif kind == "named pipe":
        os.mkfifo(path)
    elif kind == "folder":
        path.mkdir()
    elif kind == "link loop":
        os.symlink(path.name, path)
    elif kind == "dangling link":
        os.symlink("gone.json", path)
    elif kind == "newer version":
        path.write_text(json.dumps({"original": "", "scenario": {"format_version": CURRENT_VERSION + 1}}), encoding="utf-8")
    elif kind == "not UTF-8":
        path.write_bytes(b"\xff\xfe{\x00")
    return path


def _settings(kind: str) -> None:
    path = files.settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    if kind == "valid":
        path.write_text("[General]\nrecentFiles=/a.json, /b.json\n", encoding="utf-8")
    elif kind == "garbage recent files":
        path.write_text("[General]\nrecentFiles=" + ", ".join(["x" * 5000, "", "@Variant(\\0\\0\\0\\x7f)"] * 400) + "\n"
                        "window\\geometry=@ByteArray(garbage)\nwindow\\state=@Variant(\\0\\0\\0\\x7f)\n", encoding="utf-8")
    elif kind == "named pipe":
        os.mkfifo(path)
    elif kind == "folder":
        path.mkdir()
    elif kind == "2 MiB":
        path.write_bytes(b"[General]\nrecentFiles=" + b"a, " * 700_000 + b"\n")
    elif kind == "link loop":
        os.symlink(path.name, path)
    elif kind == "binary":
        path.write_bytes(bytes(range(256)) * 16)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes and links as on POSIX")
@settings(max_examples=examples(25), suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(autosaves=st.lists(st.sampled_from(AUTOSAVE_KINDS), max_size=7), settings_kind=st.sampled_from(SETTINGS_KINDS))
def test_any_start_up_files_never_stop_the_window_and_each_problem_is_named(qtbot, monkeypatch, autosaves, settings_kind):
    from PySide6.QtCore import QCoreApplication

    from factory_app.io import scenario_file
    from factory_app.ui.app import start_window

    real_open = os.open
    monkeypatch.setattr(scenario_file.os, "open", lambda p, flags, *a, **k: (_ for _ in ()).throw(
        PermissionError(13, "Permission denied")) if str(p).endswith(UNREADABLE) else real_open(p, flags, *a, **k))
    said: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda p, t, text, *a, **k: said.append(text) or QMessageBox.Ok))
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda p, t, text, *a, **k: said.append(text) or QMessageBox.Yes))
    with tempfile.TemporaryDirectory() as home:
        env = {"HOME": home, "XDG_CONFIG_HOME": f"{home}/config", "XDG_DATA_HOME": f"{home}/data"}
        saved_env = {k: os.environ.get(k) for k in env}
        os.environ.update(env)
        try:
            _settings(settings_kind)
            folder = files.data_folder()
            folder.mkdir(parents=True)
            made = [(_autosave(folder, kind, i), kind) for i, kind in enumerate(autosaves)]
            with deadline(60):
                _app, window = start_window()
                for _ in range(10):
                    QCoreApplication.processEvents()
            try:
                assert window.isVisible()
                bad = [p for p, kind in made if kind != "valid"]
                good = [p for p, kind in made if kind == "valid"]
                text = "\n".join(said)
                for p in bad:  # each one named, moved aside, never deleted
                    assert p.name in text and os.path.lexists(folder / "unrestored" / p.name), (p.name, text)
                assert len(window.sessions) == max(1, len(good))
                assert sorted(s.doc.scenario.name for s in window.sessions if s.doc.scenario.name.startswith("restored")) == \
                    sorted(f"restored {int(p.name.split('-')[1]) - 2**30}" for p in good)
                if settings_kind in ("named pipe", "folder", "2 MiB", "link loop"):
                    assert f"The settings file {files.settings_path()} could not be read" in text
                event(f"{len(bad)} set aside, {len(good)} restored, settings {settings_kind}")
            finally:
                for s in window.sessions:
                    s.undo_stack.setClean()
                window.close()
        finally:
            for k, v in saved_env.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
