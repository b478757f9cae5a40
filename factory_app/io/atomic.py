"""Write a file so that it is either the old one or the whole new one, never half of either."""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path


def _create_temp(folder: Path, name: str) -> tuple[int, Path]:
    """A new file beside the target, created with mode 0666 so the kernel applies the umask (as
    for any new file), without touching the process-wide umask."""
    for _ in range(100):
        tmp = folder / f".{name}.{secrets.token_hex(6)}.tmp"
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"cannot create a temporary file in {folder}")


def write_bytes_atomic(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to a temporary file in the same folder, flush and fsync it, then
    ``os.replace`` it over ``path`` (atomic on POSIX and Windows). An existing file keeps its
    permissions. On failure the temporary file is removed and ``path`` is untouched.

    A symbolic link is written through (its target is replaced and the link kept, as Qt's
    ``QSaveFile`` does). A path that exists but is not a regular file (``/dev/stdout``,
    ``/dev/null``, a named pipe) is written into directly: there is nothing to replace
    atomically, and renaming over it would swap a device for a file."""
    try:
        mode = os.stat(path).st_mode  # follows links, including /dev/stdout -> /proc/self/fd/1
    except FileNotFoundError:
        mode = None
    if mode is not None and not stat.S_ISREG(mode) and not stat.S_ISDIR(mode):
        with open(path, "wb") as fh:
            fh.write(data)
        return
    target = Path(os.path.realpath(path))
    folder = target.parent
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
    """:func:`write_bytes_atomic` of UTF-8 text (newlines written as given)."""
    write_bytes_atomic(path, text.encode("utf-8"))


__all__ = ["write_bytes_atomic", "write_text_atomic"]
