"""Issue 11: each defect the adversarial run found, reproduced exactly as reported (the command
line, the file names, the kind of path), and what the command does now.

Numbers in the test names are the issue's items. Property tests of the classes they belong to
are in test_output_properties.py."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from factory_app.cli import main
from factory_app.cli.outputs import WRITE_FAILED
from factory_app.io.scenario_file import load_scenario
from factory_app.resources import resource_path
from reliability_helpers import deadline

pytestmark = pytest.mark.reliability  # property and attack tests (docs/reliability.md)

ROOT = Path(__file__).resolve().parents[2]
ISO = resource_path("examples", "iso-power-hopper-vs-gb200.json")
MIXED = resource_path("examples", "mixed-chat-and-reasoning.json")
POSIX = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes and symbolic links as on POSIX")
LINUX = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/dev/stdout, /proc and RLIMIT_FSIZE as on Linux")
#: Characters a terminal acts on: C0 controls (ESC, BEL, backspace, CR...), DEL, C1 controls, line
#: and paragraph separators, bidirectional overrides, lone surrogates. A line break ends a line.
TERMINAL_CONTROLS = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def run(*argv) -> tuple[int, str, str]:
    """``factory-app ARGV`` in this process: exit code, stdout, stderr."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main([str(a) for a in argv])
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 2
    return code, out.getvalue(), err.getvalue()


def shell(*argv, cwd: Path | None = None, timeout: float = 180) -> subprocess.CompletedProcess:
    """``factory-app ARGV`` as a new process (real standard output and error)."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    return subprocess.run([sys.executable, "-m", "factory_app", *[str(a) for a in argv]], capture_output=True,
                          timeout=timeout, env=env, cwd=cwd or ROOT)


def frozen(path: Path) -> tuple[bytes, int, int]:
    """What must not change about an input: its bytes, its inode, its modification time."""
    os.utime(path, (1_000_000_000, 1_000_000_000), follow_symlinks=False) if not path.is_symlink() else None
    st = os.stat(path)
    return path.read_bytes(), st.st_ino, st.st_mtime_ns


def one_line(err: str) -> bool:
    return err.count("\n") == 1 and err.endswith("\n") and "Traceback" not in err


def scenario(folder: Path, file_name: str, source: Path = ISO, **changes) -> Path:
    doc = json.loads(source.read_text(encoding="utf-8"))
    for dotted, value in changes.items():
        target = doc
        *parents, last = dotted.split("__")
        for key in parents:
            target = target[int(key)] if key.isdigit() else target[key]
        target[int(last) if last.isdigit() else last] = value
    path = folder / file_name
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


# -- 1. an output that resolves to an input ----------------------------------------------------------------


def test_1_compare_csv_over_its_second_input_is_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    shutil.copy(ISO, "a.json")
    shutil.copy(MIXED, "b.json")
    before = frozen(tmp_path / "b.json")
    code, out, err = run("compare", "a.json", "b.json", "--csv", "b.json")
    assert code == 2 and out == "" and one_line(err)
    assert err == "factory-app: --csv b.json would overwrite the scenario file b.json: choose another file\n"
    assert frozen(tmp_path / "b.json") == before


def test_1_export_over_a_scenario_named_png_is_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    shutil.copy(ISO, "scen.png")
    before = frozen(tmp_path / "scen.png")
    code, out, err = run("export", "scen.png", "--chart", "frontier", "--out", "scen.png")
    assert code == 2 and out == "" and one_line(err) and "would overwrite the scenario file scen.png" in err
    assert frozen(tmp_path / "scen.png") == before and load_scenario(tmp_path / "scen.png")


@POSIX
def test_1_render_through_a_symlink_to_its_input_is_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    shutil.copy(ISO, "self.json")
    os.symlink("self.json", "evil.png")
    before = frozen(tmp_path / "self.json")
    code, out, err = run("render", "self.json", "--png", "evil.png")
    assert code == 2 and out == "" and one_line(err)
    assert err == "factory-app: --png evil.png would overwrite the scenario file self.json: choose another file\n"
    assert frozen(tmp_path / "self.json") == before and (tmp_path / "evil.png").is_symlink()


@POSIX
@pytest.mark.parametrize("command", ["evaluate", "sweep"])
def test_1_dot_dot_and_hard_links_to_the_input_are_refused(tmp_path, monkeypatch, command):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sub").mkdir()
    shutil.copy(ISO, "a.json")
    os.link("a.json", "hard.csv")
    before = frozen(tmp_path / "a.json")
    extra = ["--vary", "site.pue=1.1:1.3:3"] if command == "sweep" else []
    for out_path in ("sub/../a.json", str(tmp_path / "sub" / ".." / "a.json"), "./a.json", "hard.csv"):
        code, out, err = run(command, "a.json", *extra, "--csv", out_path)
        assert code == 2 and one_line(err) and "would overwrite the scenario file a.json" in err, (out_path, err)
    assert frozen(tmp_path / "a.json") == before and os.stat("hard.csv").st_ino == before[1]


# -- 6. render --png on a full disk --------------------------------------------------------------------------


def _full_disk(*_a, **_k):
    raise OSError(28, "No space left on device")


def test_6_render_on_a_full_disk_keeps_a_valid_png(tmp_path, monkeypatch):
    from factory_app.io import atomic

    old = tmp_path / "window.png"
    assert run("render", ISO, "--png", old, "--size", "640x400")[0] == 0
    good = old.read_bytes()
    assert good.startswith(b"\x89PNG")
    monkeypatch.setattr(atomic.os, "fsync", _full_disk)  # the disk fills up while the new PNG is flushed
    code, out, err = run("render", ISO, "--png", old, "--size", "800x500")
    assert code == WRITE_FAILED and out == "" and err == f"factory-app: cannot write {old}: No space left on device\n"
    assert old.read_bytes() == good  # the valid PNG, not a truncated one
    assert sorted(p.name for p in tmp_path.iterdir()) == ["window.png"]


def test_6_render_on_a_full_disk_leaves_no_empty_png(tmp_path, monkeypatch):
    from factory_app.io import atomic

    monkeypatch.setattr(atomic.os, "fsync", _full_disk)
    code, _, err = run("render", ISO, "--png", tmp_path / "new.png", "--size", "640x400")
    assert code == WRITE_FAILED and one_line(err)
    assert list(tmp_path.iterdir()) == []  # neither a 0-byte PNG nor a temporary file


LIMITED = textwrap.dedent("""
    import resource, signal, sys
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
    from factory_app.cli import main
    sys.exit(main(sys.argv[1:]))
""")


@LINUX
def test_6_a_render_that_really_fails_half_way_keeps_the_old_png(tmp_path):
    """Not a mock: the process may not write files over 4 kB, so the PNG's write fails with EFBIG
    half-way, as on a full disk."""
    out = tmp_path / "window.png"
    out.write_bytes(b"\x89PNG old, valid for this test")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    done = subprocess.run([sys.executable, "-c", LIMITED, "render", str(ISO), "--png", str(out), "--size", "640x400"],
                          capture_output=True, text=True, timeout=180, env=env, cwd=ROOT)
    assert done.returncode == WRITE_FAILED and done.stderr == f"factory-app: cannot write {out}: File too large\n"
    assert out.read_bytes() == b"\x89PNG old, valid for this test"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["window.png"]


# -- 7. a lone surrogate in a name ---------------------------------------------------------------------------


def _with_surrogate(folder: Path, name: str = "s.json") -> Path:
    text = ISO.read_text(encoding="utf-8")
    doc = json.loads(text)
    doc["name"] = "REPLACE"
    path = folder / name
    path.write_text(json.dumps(doc).replace('"REPLACE"', '"bad \\ud800 name"'), encoding="utf-8")
    return path


def test_7_a_lone_surrogate_is_refused_by_validate(tmp_path):
    path = _with_surrogate(tmp_path)
    code, out, err = run("validate", path)
    assert code == 2 and out == ""
    assert err == "s.json: $.name: is not valid Unicode text: a lone surrogate \\ud800 at character 4\n"


@pytest.mark.parametrize("extra", [[], ["--json"], ["--csv", "{d}/o.csv"]])
def test_7_evaluate_refuses_a_lone_surrogate_instead_of_exit_70(tmp_path, extra):
    path = _with_surrogate(tmp_path)
    code, out, err = run("evaluate", path, *[a.format(d=tmp_path) for a in extra])
    assert code == 2 and out == "" and one_line(err) and err.startswith("s.json: $.name: ") and "internal error" not in err
    assert not (tmp_path / "o.csv").exists()


def test_7_compare_refuses_a_lone_surrogate_instead_of_exit_70(tmp_path):
    path = _with_surrogate(tmp_path)
    code, out, err = run("compare", ISO, path, "--csv", tmp_path / "c.csv")
    assert code == 2 and one_line(err) and "s.json: $.name: is not valid Unicode text" in err and "internal error" not in err


def test_7_real_process_prints_no_unicode_error(tmp_path):
    path = _with_surrogate(tmp_path)
    for argv in (["validate", path], ["evaluate", path], ["evaluate", path, "--csv", tmp_path / "o.csv"],
                 ["compare", ISO, path, "--csv", tmp_path / "c.csv"]):
        done = shell(*argv)
        assert done.returncode == 2 and b"UnicodeEncodeError" not in done.stderr and done.stderr.count(b"\n") == 1, argv


# -- 8. control characters printed raw -----------------------------------------------------------------------

HOSTILE = "\x1b]0;owned\x07\x1b[2J\x1b[8mhidden\r\x9b31m\u202eevil\u2028next"


def test_8_evaluate_escapes_control_characters_in_names(tmp_path):
    path = scenario(tmp_path, "h.json", name=HOSTILE, site__name=HOSTILE, fleets__0__name=HOSTILE, workloads__0__name=HOSTILE)
    code, out, err = run("evaluate", path)
    assert code == 0, err
    assert not TERMINAL_CONTROLS.search(out)
    assert out.splitlines()[0] == "\\u001b]0;owned\\u0007\\u001b[2J\\u001b[8mhidden\\r\\u009b31m\\u202eevil\\u2028next"


def test_8_compare_escapes_control_characters_in_names(tmp_path):
    a = scenario(tmp_path, "a.json", name=HOSTILE)
    b = scenario(tmp_path, "b.json", source=MIXED, name="B" + HOSTILE)
    code, out, err = run("compare", a, b, "--csv", tmp_path / "c.csv")
    assert code == 0, err
    assert not TERMINAL_CONTROLS.search(out) and "\\u001b]0;owned" in out


# -- 9. outputs onto a named pipe with no reader -------------------------------------------------------------


@POSIX
def test_9_evaluate_csv_into_a_pipe_nobody_reads_ends_at_once(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    start = time.monotonic()
    with deadline(20):
        code, out, err = run("evaluate", ISO, "--csv", fifo)
    assert time.monotonic() - start < 10
    assert code == WRITE_FAILED and err == f"factory-app: cannot write {fifo}: a named pipe no process reads from\n"
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


@POSIX
def test_9_export_into_a_pipe_nobody_reads_ends_at_once(tmp_path):
    fifo = tmp_path / "fifo.png"
    os.mkfifo(fifo)
    with deadline(60):
        code, out, err = run("export", ISO, "--chart", "frontier", "--out", fifo)
    assert code == WRITE_FAILED and one_line(err) and "a named pipe no process reads from" in err
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


@POSIX
def test_9_a_real_process_writing_into_a_pipe_nobody_reads_exits(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    done = shell("evaluate", ISO, "--csv", fifo, timeout=60)
    assert done.returncode == WRITE_FAILED and done.stderr.count(b"\n") == 1


@POSIX
def test_9_a_reader_that_stops_reading_ends_the_write(tmp_path, monkeypatch):
    """Not in the report, same class: a pipe with a reader that never reads fills up; the write
    gives up after STALL_SECONDS instead of waiting for ever."""
    from factory_app.io import atomic

    monkeypatch.setattr(atomic, "STALL_SECONDS", 0.5)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    holder = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # a reader that never reads
    try:
        with deadline(30):
            code, _, err = run("sweep", ISO, "--vary", "site.pue=1:3:400", "--csv", fifo)  # ~130 kB: more than a pipe holds
    finally:
        os.close(holder)
    assert code == WRITE_FAILED and one_line(err) and "nothing was read from it for 0.5 s" in err


# -- 10. an output symlink loop ------------------------------------------------------------------------------


@POSIX
@pytest.mark.parametrize("command", ["evaluate", "sweep"])
def test_10_an_output_symlink_loop_is_a_one_line_refusal(tmp_path, command):
    loop = tmp_path / "loop.csv"
    os.symlink(loop.name, loop)
    extra = ["--vary", "site.pue=1.1:1.3:3"] if command == "sweep" else []
    code, out, err = run(command, ISO, *extra, "--csv", loop)
    assert code == WRITE_FAILED and err == f"factory-app: cannot write {loop}: a loop of symbolic links\n"
    assert "RuntimeError" not in err and "internal error" not in err and loop.is_symlink()


# -- 11. an id with a trailing line break --------------------------------------------------------------------


@pytest.mark.parametrize("where", ["fleets", "workloads"])
def test_11_an_id_with_a_trailing_newline_is_refused(tmp_path, where):
    doc = json.loads(ISO.read_text(encoding="utf-8"))
    old = doc[where][0]["id"]
    doc[where][0]["id"] = "h200\n"
    for a in doc["assignments"]:
        key = "fleet" if where == "fleets" else "workload"
        if a[key] == old:
            a[key] = "h200\n"
    path = tmp_path / "ids.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    code, out, err = run("validate", path)
    assert code == 2 and err == f"ids.json: $.{where}[0].id: must be 1-64 letters, digits, '.', '_' or '-'\n"


# -- 12. --csv /dev/stdout mixed with other output -----------------------------------------------------------


def _csv_only(stdout: bytes, first: str) -> list[list[str]]:
    text = stdout.decode("utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    assert text.startswith(first), text[:200]
    assert all(len(r) == len(rows[0]) for r in rows), "something else is mixed into the CSV"
    return rows


@LINUX
def test_12_evaluate_csv_to_stdout_is_the_whole_of_stdout(tmp_path):
    done = shell("evaluate", ISO, "--csv", "/dev/stdout")
    assert done.returncode == 0 and done.stderr == b""
    rows = _csv_only(done.stdout, "row_type,scenario_name,")
    assert rows[1][0] == "total" and not any("Totals" in c for r in rows for c in r)


@LINUX
def test_12_csv_to_stdout_and_json_are_refused_together():
    done = shell("evaluate", ISO, "--json", "--csv", "/dev/stdout")
    assert done.returncode == 2 and done.stdout == b""
    assert done.stderr == b"factory-app: --csv /dev/stdout is standard output, where --json prints: choose one\n"


@LINUX
def test_12_sweep_csv_to_stdout_has_no_wrote_line():
    done = shell("sweep", ISO, "--vary", "site.pue=1.1:1.3:3", "--csv", "/dev/stdout")
    assert done.returncode == 0 and done.stderr == b""
    rows = _csv_only(done.stdout, "site.pue,")
    assert len(rows) == 4 and b"wrote" not in done.stdout


@LINUX
def test_12_compare_csv_to_stdout_has_no_table(tmp_path):
    done = shell("compare", ISO, MIXED, "--csv", "/dev/stdout", "--chart", tmp_path / "c.png")
    assert done.returncode == 0, done.stderr
    rows = _csv_only(done.stdout, "metric,unit,scenario,")
    assert b"baseline:" not in done.stdout and b"wrote" not in done.stdout and (tmp_path / "c.png").exists()


@LINUX
def test_12_the_file_stdout_is_redirected_to_counts_as_stdout(tmp_path):
    out = tmp_path / "both.csv"
    with open(out, "wb") as fh:
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
        done = subprocess.run([sys.executable, "-m", "factory_app", "evaluate", str(ISO), "--csv", str(out)], stdout=fh,
                              stderr=subprocess.PIPE, timeout=180, env=env, cwd=ROOT)
    assert done.returncode == 0 and done.stderr == b""
    _csv_only(out.read_bytes(), "row_type,scenario_name,")


# -- 13. predict --concurrency below the replicas --------------------------------------------------------------


def test_13_the_layout_matches_the_load_it_describes():
    code, out, err = run("predict", "--platform", "gb200", "--gpus", "72", "--model", "llama-3.1-8b", "--isl", "1000",
                         "--osl", "1000", "--concurrency", "1", "--json")
    data = json.loads(out)
    assert code == 0 and data["concurrency"] == 1
    lay = data["layout"]
    assert lay["replicas"] * lay["batch_per_replica"] == pytest.approx(data["concurrency"])
    assert lay["replicas"] == 1 and data["output_tokens_per_s"] == pytest.approx(data["tokens_per_s_per_user"])
    busy = [n for n in data["notes"] if n.startswith("1 request(s) in flight keep 1 of the ")]
    held = data["gpus"] // lay["gpus_per_replica"]  # the replicas the 72 GPUs hold
    assert held == 1 or (busy and f"of the {held} replicas busy" in busy[0])


# -- 14. -0.0 ----------------------------------------------------------------------------------------------------

NEGATIVE_ZERO = re.compile(r"(?<![\w.])-0(?:\.0+)?(?![\d.])")


def test_14_negative_zero_never_reaches_json_csv_or_text(tmp_path):
    path = scenario(tmp_path, "z.json", site__facility_power_mw=-0.0, site__electricity_usd_per_kwh=-0.0,
                    site__other_opex_usd_per_mw_year=-0.0, workloads__0__price_in_usd_per_mtok=-0.0,
                    workloads__0__price_out_usd_per_mtok=-0.0)
    assert "-0.0" in path.read_text(encoding="utf-8")
    code, text, _ = run("evaluate", path)
    assert "site: 0.0 MW" in text and not NEGATIVE_ZERO.search(text), text
    code, out, _ = run("evaluate", path, "--json")
    assert not NEGATIVE_ZERO.search(out)
    assert json.loads(out)["totals"]["accelerators"] == 0 and isinstance(json.loads(out)["totals"]["accelerators"], int)
    run("evaluate", path, "--csv", tmp_path / "z.csv")
    assert not NEGATIVE_ZERO.search((tmp_path / "z.csv").read_text(encoding="utf-8"))


def test_14_counts_are_integers_in_json_and_csv(tmp_path):
    code, out, _ = run("evaluate", ISO, "--json")
    data = json.loads(out)
    assert type(data["totals"]["accelerators"]) is int
    assert all(type(f["accelerators"]) is int and type(f["idle_accelerators"]) is int for f in data["fleets"])
    assert re.search(r'"accelerators": \d+,', out) and not re.search(r'"accelerators": \d+\.0', out)
    run("evaluate", ISO, "--csv", tmp_path / "r.csv")
    rows = list(csv.DictReader((tmp_path / "r.csv").open(encoding="utf-8", newline="")))
    assert rows[0]["accelerators"].isdigit() and all(r["accelerators"].isdigit() for r in rows if r["row_type"] == "fleet")


# -- 15. a kill during a CSV write left a temporary file for ever ----------------------------------------------

KILLED_WRITER = textwrap.dedent("""
    import os, sys, time
    from factory_app.io import atomic
    def stuck(fd):  # the data is in the temporary file; the process is killed before the rename
        print("WRITING", flush=True)
        time.sleep(600)
    atomic.os.fsync = stuck
    from factory_app.cli import main
    sys.exit(main(sys.argv[1:]))
""")


@POSIX
def test_15_a_temporary_file_left_by_a_killed_write_is_cleaned_by_the_next(tmp_path):
    out = tmp_path / "results.csv"
    out.write_text("old\n", encoding="utf-8")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    writer = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, "evaluate", str(ISO), "--csv", str(out)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=ROOT)
    try:
        assert writer.stdout.readline() == b"WRITING\n"
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait(timeout=30)
    finally:
        if writer.poll() is None:
            writer.kill()
    left = sorted(p.name for p in tmp_path.iterdir())
    assert len(left) == 2 and left[0].startswith(".results.csv.") and left[0].endswith(".tmp")  # what the kill leaves
    assert out.read_text(encoding="utf-8") == "old\n"
    code, _, err = run("evaluate", ISO, "--csv", out)  # the next write to that folder
    assert code == 0, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.csv"]
    assert out.read_text(encoding="utf-8").startswith("row_type,")


# -- 16. two outputs to one file ---------------------------------------------------------------------------------


def test_16_compare_csv_and_chart_to_the_same_file_is_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = run("compare", ISO, MIXED, "--csv", "p.png", "--chart", "p.png")
    assert code == 2 and out == ""
    assert err == "factory-app: --csv p.png and --chart p.png are the same file: one would replace the other\n"
    assert list(tmp_path.iterdir()) == []


# -- 17. the cosmetic list ---------------------------------------------------------------------------------------


def test_17_an_out_of_range_count_is_printed_as_the_integer(tmp_path):
    path = scenario(tmp_path, "n.json", fleets__0__sizing="count", fleets__0__accelerators=10_000_001, fleets__0__power_share=None)
    code, _, err = run("validate", path)
    assert code == 2 and err == "n.json: $.fleets[0].accelerators: must be between 0 and 10,000,000 count, got 10,000,001\n"


def test_17_render_prints_no_qt_plugin_chatter(tmp_path):
    done = shell("render", ISO, "--png", tmp_path / "w.png", "--size", "640x400")
    assert done.returncode == 0 and done.stderr == b"" and b"propagateSizeHints" not in done.stdout


@POSIX
@pytest.mark.parametrize("argv", [
    ["evaluate", ISO, "--csv", "{missing}/o.csv"],
    ["sweep", ISO, "--vary", "site.pue=1.1:1.2:2", "--csv", "{missing}/o.csv"],
    ["compare", ISO, MIXED, "--csv", "{missing}/o.csv"],
    ["compare", ISO, MIXED, "--csv", "{d}/c.csv", "--chart", "{missing}/c.png"],
    ["export", ISO, "--chart", "power", "--out", "{missing}/p.png"],
    ["render", ISO, "--png", "{missing}/w.png", "--size", "640x400"],
    ["export", ISO, "--deck", "{missing}/d.pptx"],
    ["export", ISO, "--workbook", "{missing}/w.xlsx"],
    ["compare", ISO, MIXED, "--csv", "{d}/c.csv", "--deck", "{missing}/d.pptx"],
    ["compare", ISO, MIXED, "--csv", "{d}/c.csv", "--workbook", "{missing}/w.xlsx"],
], ids=["evaluate", "sweep", "compare csv", "compare chart", "export", "render", "export deck", "export workbook",
        "compare deck", "compare workbook"])
def test_17_every_command_exits_73_when_it_cannot_write(tmp_path, argv):
    code, _, err = run(*[str(a).format(d=tmp_path, missing=tmp_path / "missing") for a in argv])
    assert code == WRITE_FAILED == 73 and one_line(err) and err.startswith("factory-app: cannot write "), err


def test_17_an_empty_vary_names_the_flag_once(tmp_path):
    code, _, err = run("sweep", ISO, "--vary", "", "--csv", tmp_path / "o.csv")
    assert code == 2 and "--vary --vary" not in err
    assert err == ("factory-app: --vary: must be PATH=START:STOP:STEPS, e.g. site.electricity_usd_per_kwh=0.04:0.12:9; "
                   "got an empty value\n")


def test_17_sweeping_a_field_with_no_effect_warns(tmp_path):
    fleet = json.loads(ISO.read_text(encoding="utf-8"))["fleets"][0]["id"]
    code, out, err = run("sweep", ISO, "--vary", f"fleets.{fleet}.accelerators=100:1000:3", "--csv", tmp_path / "o.csv")
    assert code == 0 and one_line(err)
    assert err == (f"factory-app: warning: --vary fleets.{fleet}.accelerators changes no total: fleet '{fleet}' is sized by "
                   "power, so its accelerator count is not used (rows that differ only there are identical)\n")
    code, _, err = run("sweep", ISO, "--vary", "site.pue=1.1:1.3:3", "--csv", tmp_path / "o.csv")
    assert code == 0 and err == ""


@POSIX
def test_17_success_lines_escape_line_breaks_in_file_names(tmp_path):
    name = tmp_path / "a\nb\x1b[2J.csv"
    code, out, _ = run("sweep", ISO, "--vary", "site.pue=1.1:1.3:3", "--csv", name)
    assert code == 0 and out.count("\n") == 1 and out.endswith("a\\nb\\u001b[2J.csv\n")
    code, out, _ = run("export", ISO, "--chart", "power", "--out", tmp_path / "c\nd.png")
    assert code == 0 and out == f"wrote {tmp_path}/c\\nd.png\n"


@LINUX
def test_12_the_null_device_is_not_taken_for_standard_output_when_both_are_it():
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    done = subprocess.run([sys.executable, "-m", "factory_app", "evaluate", str(ISO), "--json", "--csv", "/dev/null"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=180, env=env, cwd=ROOT)
    assert done.returncode == 0 and done.stderr == b""


def test_13_every_small_load_has_a_layout_that_matches_it():
    """The class of 13 (228 of 3,840 combinations in the report): across platforms, models, system
    sizes and loads below the replicas, replicas x batch per replica is the requests in flight."""
    from factory_app.serving.predict import ServiceLevel, predict

    exercised = 0
    for platform in ("h100", "b200", "gb200", "mi300x"):
        for model in ("llama-3.1-8b", "llama-3.3-70b"):
            for gpus in (8, 72):
                for n in (1, 3):
                    p = predict(platform, gpus, model, "fp8", 1000, 1000, ServiceLevel(concurrency=n))
                    if not p.feasible:
                        continue
                    lay = p.layout
                    assert lay.replicas * lay.batch_per_replica == pytest.approx(p.concurrency), (platform, model, gpus, n)
                    assert p.concurrency == pytest.approx(n) and lay.replicas <= n
                    exercised += gpus // lay.gpus_per_replica > n  # the GPUs held more replicas than the load
    assert exercised >= 5
