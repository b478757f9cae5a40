"""Saves are atomic: when a write fails (full disk, file too large, read-only folder) the file on
disk is the old one, byte for byte, no temporary file is left behind, and the user is told in one
line. (The app's own saves: tests/ui/test_app_reliability.py.)"""

from __future__ import annotations

import errno
import io
import os
import subprocess
import sys
import textwrap
from dataclasses import replace
from pathlib import Path

import pytest

from factory_app.cli import main
from factory_app.cli.outputs import WRITE_FAILED
from factory_app.io import atomic
from factory_app.io.scenario_file import ScenarioFileError, load_scenario, save_scenario
from reliability_helpers import EXAMPLES

pytestmark = pytest.mark.reliability  # property and attack tests (docs/reliability.md)

ROOT = Path(__file__).resolve().parents[2]
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def _full_disk(*_args, **_kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


class _FullDiskFile(io.BufferedWriter):
    """A file whose data never reaches the disk: write() fails as on a full disk."""

    def write(self, data):  # noqa: D401
        _full_disk()


def _fdopen_full(fd, mode="r", *args, **kwargs):
    return _FullDiskFile(io.FileIO(fd, "w"))


_real_open = os.open


def _no_new_files(path, flags, *args, **kwargs):
    if flags & os.O_CREAT:
        _full_disk()
    return _real_open(path, flags, *args, **kwargs)  # reading still works


#: Where a write can fail, and how we make it fail.
FAILURES = {
    "creating the temporary file": ("open", _no_new_files),
    "writing the data": ("fdopen", _fdopen_full),
    "flushing to disk (fsync)": ("fsync", _full_disk),
    "renaming over the target": ("replace", _full_disk),
}


@pytest.fixture(params=sorted(FAILURES))
def failing_disk(request, monkeypatch):
    """Call it to make the disk fail at one point of an atomic write (before, setting up works)."""
    name, fn = FAILURES[request.param]
    return lambda: monkeypatch.setattr(atomic.os, name, fn)


def _saved(folder: Path) -> tuple[Path, bytes]:
    path = folder / "factory.json"
    save_scenario(load_scenario(EXAMPLES[0]), path)
    return path, path.read_bytes()


def test_a_failed_save_keeps_the_original_and_says_so(tmp_path, failing_disk):
    path, before = _saved(tmp_path)
    changed = replace(load_scenario(EXAMPLES[0]), name="an afternoon's work")
    failing_disk()
    with pytest.raises(ScenarioFileError) as info:
        save_scenario(changed, path)
    assert str(info.value) == "factory.json: $: cannot write: No space left on device"
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["factory.json"]  # no temporary file left


def test_a_failed_csv_export_keeps_the_old_csv_and_exits_73(tmp_path, failing_disk, capsys):
    out = tmp_path / "results.csv"
    out.write_text("old,results\n", encoding="utf-8")
    failing_disk()
    code = main(["evaluate", str(EXAMPLES[0]), "--csv", str(out)])
    err = capsys.readouterr().err
    assert code == WRITE_FAILED == 73 and err == f"factory-app: cannot write {out}: No space left on device\n"
    assert out.read_text(encoding="utf-8") == "old,results\n"
    assert [p.name for p in tmp_path.iterdir()] == ["results.csv"]


@pytest.mark.skipif(IS_ROOT, reason="permissions do not stop root: the simulated failures above stand in")
def test_a_read_only_folder_keeps_the_original(tmp_path):
    path, before = _saved(tmp_path)
    os.chmod(tmp_path, 0o555)
    try:
        with pytest.raises(ScenarioFileError, match=r"^factory\.json: \$: cannot write: Permission denied$"):
            save_scenario(replace(load_scenario(EXAMPLES[0]), name="changed"), path)
        assert path.read_bytes() == before
    finally:
        os.chmod(tmp_path, 0o755)


#: A real failure, not a mock: the process may not write files over 4 kB (RLIMIT_FSIZE), so the
#: write of a bigger scenario or CSV fails half-way with EFBIG, as a full disk fails a write.
LIMITED = textwrap.dedent("""
    import resource, signal, sys
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
    from factory_app.cli import main
    sys.exit(main(sys.argv[1:]))
""")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_FSIZE and SIGXFSZ as on Linux")
def test_a_write_that_really_fails_half_way_keeps_the_old_csv(tmp_path):
    out = tmp_path / "results.csv"
    out.write_text("old,results\n", encoding="utf-8")
    run = subprocess.run([sys.executable, "-c", LIMITED, "evaluate", str(EXAMPLES[0]), "--csv", str(out)],
                         capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert run.returncode == WRITE_FAILED and run.stderr == f"factory-app: cannot write {out}: File too large\n"
    assert out.read_text(encoding="utf-8") == "old,results\n"
    assert [p.name for p in tmp_path.iterdir()] == ["results.csv"]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_FSIZE and SIGXFSZ as on Linux")
def test_a_scenario_save_that_really_fails_half_way_keeps_the_original(tmp_path):
    path, before = _saved(tmp_path)
    script = textwrap.dedent(f"""
        import resource, signal
        from dataclasses import replace
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (2048, 2048))
        from factory_app.io.scenario_file import ScenarioFileError, load_scenario, save_scenario
        s = load_scenario({str(path)!r})
        try:
            save_scenario(replace(s, description="x" * 5000), {str(path)!r})
        except ScenarioFileError as exc:
            print(exc)
    """)
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert run.stdout == "factory.json: $: cannot write: File too large\n" and run.stderr == ""
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["factory.json"]


# -- issue 11, item 15: temporary files left by a killed write ---------------------------------------------------


def test_stale_temporary_files_of_our_naming_are_cleaned_and_nothing_else(tmp_path):
    import time as _time

    from factory_app.io.atomic import clean_stale_temporaries, write_bytes_atomic

    (tmp_path / "results.csv").write_text("old", encoding="utf-8")
    dead = tmp_path / ".results.csv.999999999.0123456789ab.tmp"  # a process id nobody has
    mine = tmp_path / f".results.csv.{os.getpid()}.0123456789ab.tmp"  # this process: a write in progress
    old_style = tmp_path / ".results.csv.0123456789ab.tmp"  # an earlier version's, an hour and more old
    fresh_old_style = tmp_path / ".other.csv.0123456789ab.tmp"  # an earlier version's, recent
    users = tmp_path / ".notes.0123456789ab.tmp"  # the user's own file of that shape, old, no notes beside it
    for p in (dead, mine, old_style, fresh_old_style, users):
        p.write_text("x", encoding="utf-8")
    long_ago = _time.time() - 7200
    for p in (old_style, users):
        os.utime(p, (long_ago, long_ago))
    link = tmp_path / ".link.csv.999999999.0123456789ab.tmp"
    link.symlink_to("results.csv")  # links are never touched
    assert sorted(clean_stale_temporaries(tmp_path)) == sorted([dead.name, old_style.name])
    write_bytes_atomic(tmp_path / "results.csv", b"new")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["results.csv", mine.name, fresh_old_style.name, users.name, link.name])
