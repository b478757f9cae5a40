"""Write a file so that it is either the old one or the whole new one, never half of either; and
write to anything else a user may name (a pipe, a device, a link) without hanging or replacing it.

What each kind of target gets (docs/reliability.md, "Output targets"):

- a regular file, or a name that does not exist yet: a temporary file beside it, flushed and
  fsynced, then renamed over it. On any failure the temporary file is removed and the old file is
  untouched. Temporary files are named ``.NAME.PID.RANDOM.tmp``; one left by a process that was
  killed mid-write is removed by the next write to that folder (:func:`clean_stale_temporaries`);
- a symbolic link: written through (the link stays, its target is replaced atomically), as Qt's
  ``QSaveFile`` does; a dangling link creates its target; a loop of links is refused;
- a named pipe or a character device (``/dev/null``, a terminal, ``/dev/stdout``): written into
  directly, never waited on for ever: a pipe nobody reads is refused at once, and a reader that
  stops reading for :data:`STALL_SECONDS` ends the write with an error;
- a folder, a block device or a socket: refused.

Every refusal is an :class:`OSError` whose ``strerror`` says what is wrong in words.
"""

from __future__ import annotations

import errno
import os
import re
import secrets
import select
import stat
import sys
import time
from pathlib import Path

#: Longest wait for a pipe or device to accept more data before the write is given up.
STALL_SECONDS = 30.0
#: A temporary file of ours whose writer cannot be identified is stale after this long.
STALE_AFTER_SECONDS = 3600.0
#: ``.NAME.PID.RANDOM.tmp`` (this version) or ``.NAME.RANDOM.tmp`` (earlier versions).
_TEMP_NAME = re.compile(r"^\.(?P<name>.+?)\.(?:(?P<pid>\d{1,10})\.)?[0-9a-f]{12}\.tmp$", re.DOTALL)


def process_alive(pid: int) -> bool:
    """Whether process ``pid`` runs on this machine (False for anything that is not a process id)."""
    if not 0 < pid < 2**31:
        return False
    if sys.platform == "win32":
        return _alive_windows(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


def _alive_windows(pid: int) -> bool:  # pragma: no cover - Windows only
    """Whether a process runs, on Windows, where ``os.kill(pid, 0)`` would send it Ctrl+C."""
    import ctypes

    kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
    handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
    if not handle:
        return kernel32.GetLastError() == 5  # access denied: it exists
    try:
        code = ctypes.c_ulong()
        kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        return code.value == 259  # STILL_ACTIVE
    finally:
        kernel32.CloseHandle(handle)


def clean_stale_temporaries(folder: str | os.PathLike[str]) -> list[str]:
    """Remove temporary files of our own naming in ``folder`` whose writer is gone: named
    ``.NAME.PID.RANDOM.tmp`` and that process no longer runs (or the file is over an hour old: the
    id may have been reused); or named ``.NAME.RANDOM.tmp`` as earlier versions did, over an hour
    old, with NAME beside it (so a user's own file of that shape is not taken for one). Only
    regular files are touched, never links; errors are ignored (cleaning never fails a write).
    Returns the names removed."""
    removed = []
    now = time.time()
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        m = _TEMP_NAME.match(entry.name)
        if not m:
            continue
        try:
            st = entry.stat(follow_symlinks=False)
            if not stat.S_ISREG(st.st_mode):
                continue
            pid = m.group("pid")
            old = now - st.st_mtime > STALE_AFTER_SECONDS
            if pid is not None:
                stale = old or (int(pid) != os.getpid() and not process_alive(int(pid)))
            else:
                stale = old and os.path.lexists(os.path.join(folder, m.group("name")))
            if stale:
                os.unlink(entry.path)
                removed.append(entry.name)
        except (OSError, ValueError):
            continue
    return removed


def _create_temp(folder: Path, name: str) -> tuple[int, Path]:
    """A new file beside the target, created with mode 0666 so the kernel applies the umask (as
    for any new file), without touching the process-wide umask."""
    for _ in range(100):
        tmp = folder / f".{name}.{os.getpid()}.{secrets.token_hex(6)}.tmp"
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, f"cannot create a temporary file in {folder}")


def _refuse(code: int, words: str, path: str | os.PathLike[str]) -> OSError:
    return OSError(code, words, os.fspath(path))


def target_mode(path: str | os.PathLike[str]) -> int | None:
    """``st_mode`` of what ``path`` names after following links; None when nothing is there
    (a new name or a dangling link). A loop of links is refused (:class:`OSError`)."""
    try:
        return os.stat(path).st_mode
    except FileNotFoundError:
        return None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise _refuse(errno.ELOOP, "a loop of symbolic links", path) from None
        raise


def write_bytes_atomic(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` as the module docstring says for each kind of target: a regular
    file atomically (temporary file, fsync, ``os.replace``; an existing file keeps its
    permissions; on failure the old file is untouched and no temporary file is left), through
    links, into pipes and character devices directly and in bounded time; a folder, a block
    device, a socket or a loop of links is refused with :class:`OSError`."""
    mode = target_mode(path)
    if mode is not None and not stat.S_ISREG(mode):
        _write_special(path, mode, data)
        return
    target = Path(os.path.realpath(path))
    folder = target.parent
    clean_stale_temporaries(folder)
    fd, tmp = _create_temp(folder, target.name)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.chmod(tmp, os.stat(target).st_mode & 0o7777)
        except FileNotFoundError:
            pass
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    _fsync_folder(folder)


def _write_special(path: str | os.PathLike[str], mode: int, data: bytes) -> None:
    """Write into a pipe or character device; refuse what cannot be written in bounded time."""
    if stat.S_ISDIR(mode):
        raise _refuse(errno.EISDIR, "is a folder", path)
    if stat.S_ISBLK(mode):
        raise _refuse(errno.EPERM, "is a block device (a disk): refused", path)
    if stat.S_ISSOCK(mode):
        raise _refuse(errno.ENXIO, "is a socket", path)
    nonblock = getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, os.O_WRONLY | nonblock | getattr(os, "O_BINARY", 0))
    except OSError as exc:
        if exc.errno == errno.ENXIO and stat.S_ISFIFO(mode):
            raise _refuse(errno.ENXIO, "a named pipe no process reads from", path) from None
        raise
    try:
        if nonblock:
            _write_bounded(fd, data, path)
        else:  # pragma: no cover - Windows: no named pipes in the file system, devices do not block
            with os.fdopen(os.dup(fd), "wb") as fh:
                fh.write(data)
    finally:
        os.close(fd)


def _write_bounded(fd: int, data: bytes, path: str | os.PathLike[str]) -> None:
    """Write all of ``data`` to a non-blocking descriptor, waiting at most :data:`STALL_SECONDS`
    at a time for it to accept more."""
    view = memoryview(data)
    while view:
        try:
            written = os.write(fd, view[: 1 << 16])
        except BlockingIOError:
            written = 0
        except InterruptedError:
            continue
        if written:
            view = view[written:]
            continue
        _, ready, _ = select.select([], [fd], [], STALL_SECONDS)
        if not ready:
            raise _refuse(errno.ETIMEDOUT, f"nothing was read from it for {STALL_SECONDS:g} s", path)


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable where the platform allows opening a folder."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_text_atomic(path: str | os.PathLike[str], text: str) -> None:
    """:func:`write_bytes_atomic` of UTF-8 text (newlines written as given). Text that cannot be
    UTF-8 (a lone surrogate) raises :class:`UnicodeEncodeError` before anything is written."""
    write_bytes_atomic(path, text.encode("utf-8"))


__all__ = ["STALL_SECONDS", "clean_stale_temporaries", "process_alive", "target_mode", "write_bytes_atomic", "write_text_atomic"]
