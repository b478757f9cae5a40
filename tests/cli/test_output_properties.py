"""Issue 11, the classes behind the attacks, for every command that writes and every output flag:

- an output path that resolves to any input is refused (same path, ``.``, ``..``, absolute,
  symbolic link, chain of links, link to the folder, hard link), and nothing is written;
- every human-readable line escapes control characters from names and file names;
- every kind of output target (regular, new, symlink, dangling link, loop, pipe with and without a
  reader, a stalled reader, device, full device, folder, missing folder, read-only, full disk)
  gives success or a one-line refusal, in bounded time, and never damages what was there.

docs/reliability.md lists the case counts."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import select
import shutil
import stat
import sys
import tempfile
import threading
from pathlib import Path

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from factory_app.cli import main
from factory_app.cli.outputs import WRITE_FAILED
from factory_app.resources import resource_path
from reliability_helpers import deadline, examples

pytestmark = pytest.mark.reliability  # property and attack tests (docs/reliability.md)

ISO = resource_path("examples", "iso-power-hopper-vs-gb200.json")
MIXED = resource_path("examples", "mixed-chat-and-reasoning.json")
POSIX = pytest.mark.skipif(not hasattr(os, "mkfifo") or sys.platform == "win32", reason="links, pipes and devices as on POSIX")
#: What a terminal acts on (a line break ends a line and is allowed there only).
TERMINAL_CONTROLS = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def run(*argv) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main([str(a) for a in argv])
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 2
    return code, out.getvalue(), err.getvalue()


@contextlib.contextmanager
def inside(folder: Path):
    """Run with ``folder`` as the working directory (relative paths as a user types them)."""
    before = os.getcwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(before)


def one_line(err: str) -> bool:
    return err.count("\n") == 1 and err.endswith("\n") and "Traceback" not in err and not TERMINAL_CONTROLS.search(err[:-1])


#: Every command that writes, with each of its output flags: (name, argv before the output, flag,
#: argv after it, number of inputs, whether the output is a chart (its suffix picks the format), or
#: the one suffix it must have).
WRITERS = {
    "evaluate --csv": (["evaluate", "{in0}"], "--csv", [], 1, False),
    "sweep --csv": (["sweep", "{in0}", "--vary", "site.pue=1.1:1.3:2"], "--csv", [], 1, False),
    "compare --csv": (["compare", "{in0}", "{in1}"], "--csv", [], 2, False),
    "compare --chart": (["compare", "{in0}", "{in1}", "--csv", "{d}/cmp.csv", "--size", "640x360"], "--chart", [], 2, True),
    "export --out": (["export", "{in0}", "--chart", "power", "--size", "640x360"], "--out", [], 1, True),
    "render --png": (["render", "{in0}", "--size", "320x240"], "--png", [], 1, True),
    "export --deck": (["export", "{in0}"], "--deck", [], 1, ".pptx"),
    "export --workbook": (["export", "{in0}"], "--workbook", [], 1, ".xlsx"),
    "compare --deck": (["compare", "{in0}", "{in1}", "--csv", "{d}/cmp.csv"], "--deck", [], 2, ".pptx"),
    "compare --workbook": (["compare", "{in0}", "{in1}", "--csv", "{d}/cmp.csv"], "--workbook", [], 2, ".xlsx"),
}


def _suffix(writer: str) -> str:
    """The suffix an output of this writer needs to get past its format check."""
    kind = WRITERS[writer][4]
    return kind if isinstance(kind, str) else ".png" if kind else ".csv"


def _argv(writer: str, inputs: list[str], out: str, folder: Path) -> list[str]:
    before, flag, after, _, _ = WRITERS[writer]
    names = {f"in{i}": p for i, p in enumerate(inputs)}
    return [a.format(d=folder, **names) for a in before] + [flag, out] + after


def _state(folder: Path) -> dict[str, tuple]:
    """Everything in a folder as it stands: kind, inode, bytes and time of each entry."""
    out = {}
    for p in sorted(folder.rglob("*")):
        st_ = os.lstat(p)
        data = p.read_bytes() if stat.S_ISREG(st_.st_mode) else os.readlink(p) if stat.S_ISLNK(st_.st_mode) else None
        out[str(p.relative_to(folder))] = (stat.S_IFMT(st_.st_mode), st_.st_ino, st_.st_mtime_ns, data)
    return out


# -- any output resolving to any input is refused -------------------------------------------------------------

ALIASES = ["same", "dot", "dotdot", "absolute", "symlink", "symlink chain", "link to the folder", "hard link"]


@POSIX
@settings(max_examples=examples(120))
@given(writer=st.sampled_from(sorted(WRITERS)), alias=st.sampled_from(ALIASES), which=st.integers(0, 1),
       suffix=st.sampled_from([".json", ".png", ".csv"]))
def test_an_output_resolving_to_any_input_is_refused(writer, alias, which, suffix):
    _, _, _, n_inputs, chart = WRITERS[writer]
    which = min(which, n_inputs - 1)
    if chart and alias in ("same", "dot", "dotdot", "absolute", "link to the folder"):
        suffix = _suffix(writer)  # the path itself is the output: it must name the format to get that far
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "sub").mkdir()
        inputs = []
        for i in range(n_inputs):
            shutil.copy((ISO, MIXED)[i], folder / f"in{i}{suffix}")
            os.utime(folder / f"in{i}{suffix}", (1e9, 1e9))
            inputs.append(f"in{i}{suffix}")
        target = inputs[which]
        link_name = f"alias{_suffix(writer)}"
        if alias == "symlink":
            os.symlink(target, folder / link_name)
        elif alias == "symlink chain":
            os.symlink(target, folder / "hop")
            os.symlink("hop", folder / link_name)
        elif alias == "link to the folder":
            os.symlink(".", folder / "here")
        elif alias == "hard link":
            os.link(folder / target, folder / link_name)
        out = {"same": target, "dot": f"./{target}", "dotdot": f"sub/../{target}", "absolute": str(folder / target),
               "link to the folder": f"here/{target}"}.get(alias, link_name)
        before = _state(folder)
        with inside(folder), deadline(60):
            code, stdout, err = run(*_argv(writer, inputs, out, folder))
        event(f"{writer}: exit {code}")
        assert code == 2 and one_line(err) and "would overwrite the scenario file" in err, (writer, alias, out, err)
        assert stdout == ""
        assert _state(folder) == before  # inputs untouched, nothing written


@settings(max_examples=examples(20))
@given(writer=st.sampled_from(["compare --csv", "compare --chart"]), spelling=st.sampled_from(["same", "dot", "dotdot"]))
def test_two_outputs_naming_one_file_are_refused(writer, spelling):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "sub").mkdir()
        other = {"same": "p.png", "dot": "./p.png", "dotdot": "sub/../p.png"}[spelling]
        with inside(folder):
            code, _, err = run("compare", ISO, MIXED, "--csv", "p.png", "--chart", other)
        assert code == 2 and one_line(err) and "are the same file" in err
        assert not (folder / "p.png").exists()


# -- human-readable output escapes control characters -------------------------------------------------------------

CONTROLS = st.sampled_from(["\x1b]0;title\x07", "\x1b[2J", "\x1b[8m", "\r", "\b", "\x7f", "\x9b31m", "\x85", "\u202e",
                            "\u2066", "\u2028", "\u2029", "\n", "\t", "\x00", "\x1c", "\x0b", "\x0c"])
HOSTILE_TEXT = st.lists(st.one_of(CONTROLS, st.text(st.characters(codec="utf-8"), max_size=6)), min_size=1, max_size=6).map("".join)
NAME_PLACES = [("name",), ("site", "name"), ("fleets", 0, "name"), ("workloads", 0, "name"), ("fleets", 1, "name")]


def _hostile_scenario(folder: Path, file_name: str, source: Path, names: dict) -> Path:
    doc = json.loads(source.read_text(encoding="utf-8"))
    for place, text in names.items():
        target = doc
        for key in place[:-1]:
            target = target[key]
        target[place[-1]] = text
    path = folder / file_name
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


@POSIX
@pytest.mark.parametrize("command", ["evaluate", "evaluate --csv", "compare", "validate", "sweep"])
@settings(max_examples=examples(30))
@given(names=st.dictionaries(st.sampled_from(NAME_PLACES), HOSTILE_TEXT, min_size=1, max_size=5), file_text=HOSTILE_TEXT)
def test_human_readable_output_escapes_control_characters(command, names, file_text):
    file_part = re.sub(r"[/\x00]", "_", file_text)[:40] or "x"
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        a = _hostile_scenario(folder, f"a{file_part}.json", ISO, names)
        b = _hostile_scenario(folder, "b.json", MIXED, {("name",): "B" + "".join(names.values())})
        argv = {
            "evaluate": ["evaluate", a],
            "evaluate --csv": ["evaluate", a, "--csv", folder / f"o{file_part}.csv"],
            "compare": ["compare", a, b, "--csv", folder / f"c{file_part}.csv"],
            "validate": ["validate", a],
            "sweep": ["sweep", a, "--vary", "site.pue=1.1:1.2:2", "--csv", folder / f"s{file_part}.csv"],
        }[command]
        with deadline(60):
            code, out, err = run(*argv)
        event(f"{command}: exit {code}")
        assert code in (0, 1, 2), err
        assert not TERMINAL_CONTROLS.search(out), repr(out[:300])
        assert err == "" or one_line(err), repr(err)


# -- every kind of output target: success or a one-line refusal, in bounded time ----------------------------------

TARGETS = ["regular file", "new name", "symlink to a file", "dangling symlink", "dangling symlink into no folder",
           "symlink loop", "pipe, no reader", "pipe, a reader", "pipe, a reader that stops", "device (/dev/null)",
           "full device (/dev/full)", "folder", "missing folder", "read-only place", "full disk"]


class _PipeReader(threading.Thread):
    """Reads a named pipe to its end (or, ``stalled``, holds it open and never reads)."""

    def __init__(self, path: Path, stalled: bool = False) -> None:
        super().__init__(daemon=True)
        self.fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # open now, so a writer finds a reader
        self.stalled, self.data, self.done = stalled, bytearray(), threading.Event()
        self.start()

    def run(self) -> None:
        seen_writer = False
        while not self.done.is_set() and not self.stalled:
            ready, _, _ = select.select([self.fd], [], [], 0.05)
            if ready:
                chunk = os.read(self.fd, 1 << 16)
                if chunk:
                    self.data += chunk
                    seen_writer = True
                elif seen_writer:
                    break

    def close(self) -> bytes:
        self.done.set()
        self.join(timeout=5)
        os.close(self.fd)
        return bytes(self.data)


def _make_target(kind: str, folder: Path, ext: str) -> tuple[str, object]:
    """Create the target; returns the output path and what the check needs (a reader, ...)."""
    name = folder / f"out{ext}"
    if kind == "regular file":
        name.write_bytes(b"old contents")
    elif kind == "symlink to a file":
        (folder / "real.bin").write_bytes(b"old contents")
        os.symlink("real.bin", name)
    elif kind == "dangling symlink":
        os.symlink("made-through-the-link.bin", name)
    elif kind == "dangling symlink into no folder":
        os.symlink("nowhere/made.bin", name)
    elif kind == "symlink loop":
        os.symlink(name.name, name)
    elif kind.startswith("pipe"):
        os.mkfifo(name)
        if kind != "pipe, no reader":
            return str(name), _PipeReader(name, stalled=kind.endswith("stops"))
    elif kind == "device (/dev/null)":
        os.symlink("/dev/null", name)
    elif kind == "full device (/dev/full)":
        os.symlink("/dev/full", name)
    elif kind == "folder":
        name.mkdir()
    elif kind == "missing folder":
        return str(folder / "missing" / f"out{ext}"), None
    elif kind == "read-only place":
        return f"/sys/factory-app-test-out{ext}", None
    return str(name), None


@POSIX
@pytest.mark.parametrize("kind", TARGETS)
@pytest.mark.parametrize("writer", sorted(WRITERS))
def test_every_output_target_gives_success_or_a_one_line_refusal(writer, kind, tmp_path, monkeypatch):
    from factory_app.io import atomic

    if kind == "read-only place" and os.access("/sys", os.W_OK) and not os.path.isdir("/sys/kernel"):
        pytest.skip("no read-only place to write to")
    if kind == "full device (/dev/full)" and not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full")
    monkeypatch.setattr(atomic, "STALL_SECONDS", 0.5)
    if kind == "full disk":
        monkeypatch.setattr(atomic.os, "fsync", lambda fd: (_ for _ in ()).throw(OSError(28, "No space left on device")))
    work = tmp_path / "work"
    work.mkdir()
    inputs = []
    for i in range(WRITERS[writer][3]):
        shutil.copy((ISO, MIXED)[i], work / f"in{i}.json")
        inputs.append(str(work / f"in{i}.json"))
    outs = tmp_path / "outs"
    outs.mkdir()
    ext = _suffix(writer)
    out, reader = _make_target(kind, outs, ext)
    if kind == "full disk":
        Path(out).write_bytes(b"old contents")
    before = _state(outs)
    try:
        with deadline(120):
            code, stdout, err = run(*_argv(writer, inputs, out, work))
    finally:
        piped = reader.close() if reader is not None else b""
    assert code in (0, 2, WRITE_FAILED), (code, err)
    assert err == "" or one_line(err), repr(err)
    after = _state(outs)
    assert not [n for n in after if n.endswith(".tmp")], "a temporary file was left"
    if code == 0:
        assert err == ""
        if kind in ("regular file", "new name", "full disk"):
            assert Path(out).read_bytes() not in (b"", b"old contents")
        if kind == "symlink to a file":
            assert os.path.islink(out) and (outs / "real.bin").read_bytes() != b"old contents"
        if kind == "dangling symlink":
            assert os.path.islink(out) and (outs / "made-through-the-link.bin").stat().st_size > 0
        if kind == "pipe, a reader":
            assert len(piped) > 100
    else:
        assert err.startswith("factory-app: cannot write "), err
        settled = {k: v if not stat.S_ISFIFO(v[0]) else v[:2] for k, v in after.items()}
        assert settled == {k: v if not stat.S_ISFIFO(v[0]) else v[:2] for k, v in before.items()}  # untouched (a pipe
        # that stopped being read holds what fitted in it: its time changes, nothing else)
    if kind in ("pipe, no reader", "pipe, a reader", "pipe, a reader that stops", "device (/dev/null)", "folder", "symlink loop"):
        assert os.lstat(out).st_mode == before[Path(out).name][0] | (os.lstat(out).st_mode & 0o7777)  # still what it was
    expected = {"pipe, no reader": WRITE_FAILED, "pipe, a reader": 0, "pipe, a reader that stops": None,
                "device (/dev/null)": 0, "full device (/dev/full)": WRITE_FAILED, "folder": WRITE_FAILED,
                "missing folder": WRITE_FAILED, "read-only place": WRITE_FAILED, "full disk": WRITE_FAILED,
                "symlink loop": WRITE_FAILED, "dangling symlink into no folder": WRITE_FAILED,
                "regular file": 0, "new name": 0, "symlink to a file": 0, "dangling symlink": 0}[kind]
    if expected is not None:
        assert code == expected, (kind, code, err)
