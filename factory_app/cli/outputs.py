"""Where a command's output files go, checked before any work is done.

Every command that writes (``evaluate --csv``, ``sweep --csv``, ``compare --csv --chart``,
``export --out``, ``render --png``) states its inputs and outputs here first:

- an output that resolves to one of the inputs is refused, however it is reached: the same path,
  a path with ``..`` or ``.``, a symbolic link (or a chain of them) to it, a hard link to it;
- two outputs that resolve to the same file are refused (one would silently replace the other);
- an output that is standard output (``/dev/stdout``, ``/proc/self/fd/1``, or the very file
  standard output is redirected to) gets the output written there, and the command prints
  nothing else on standard output: no report, no JSON, no "wrote" line. At most one output may
  go there.

These refusals are bad arguments: exit code 2. A write that fails later (a missing folder, a
full or read-only disk, a pipe nobody reads, a loop of links) exits with :data:`WRITE_FAILED`,
the same for every command, and keeps any old file whole.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from typing import Sequence

from factory_app.cli.common import CliError
from factory_app.io.messages import printable

#: Exit code of every command when an output cannot be written (sysexits' EX_CANTCREAT).
WRITE_FAILED = 73
#: Exit code of a refused argument (an output naming an input, two outputs naming one file).
BAD_ARGUMENT = 2


def _identity(path: str) -> tuple[int, int] | None:
    """(device, inode) of what ``path`` names after following links, or None (nothing there, a
    dangling link, a loop, no permission)."""
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    return (st.st_dev, st.st_ino)


def _resolved(path: str) -> str:
    """Absolute path with ``..``, ``.`` and every link resolved as far as they go (never raises
    for a loop or a missing file)."""
    try:
        return os.path.normcase(os.path.realpath(os.path.abspath(path)))
    except (OSError, ValueError):
        return os.path.normcase(os.path.abspath(path))


def same_file(a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` name one file: the same resolved path, or the same device and
    inode (hard links, bind mounts)."""
    if _resolved(a) == _resolved(b):
        return True
    ia = _identity(a)
    return ia is not None and ia == _identity(b)


#: Names of this process's standard output.
_STDOUT_NAMES = ("/dev/stdout", "/dev/fd/1", "/proc/self/fd/1")


def is_standard_output(path: str) -> bool:
    """Whether writing ``path`` would write this process's standard output: ``/dev/stdout`` and
    its aliases, or the file, pipe or terminal standard output already is."""
    if path == os.devnull or (_resolved(path) == _resolved(os.devnull) and path not in _STDOUT_NAMES):
        return False  # the null device: what is written there mixes with nothing
    if _resolved(path) in {_resolved(p) for p in _STDOUT_NAMES} and os.name != "nt":
        return True
    target = _identity(path)
    if target is None:
        return False
    try:
        st = os.fstat(1)
    except (OSError, ValueError):
        return False
    return target == (st.st_dev, st.st_ino)


@dataclass(frozen=True, slots=True)
class Output:
    """One output of a command: the flag that named it and the path as given."""

    flag: str
    path: str
    to_stdout: bool = False

    def label(self) -> str:
        return printable(self.path)


@dataclass(frozen=True, slots=True)
class Outputs:
    """A command's checked outputs. ``quiet`` is true when one of them is standard output: the
    command then prints nothing else there."""

    items: tuple[Output, ...]

    @property
    def quiet(self) -> bool:
        return any(o.to_stdout for o in self.items)

    def get(self, flag: str) -> Output | None:
        return next((o for o in self.items if o.flag == flag), None)

    def say(self, line: str) -> None:
        """Print a success line ("wrote ...") unless standard output carries an output."""
        if not self.quiet:
            sys.stdout.write(printable(line) + "\n")


def check_outputs(inputs: Sequence[str], outputs: Sequence[tuple[str, str | None]], stdout_used_by: str | None = None) -> Outputs:
    """Check a command's outputs against its inputs and each other (see the module docstring).

    ``outputs`` are (flag, path) pairs, a path None when the flag was not given;
    ``stdout_used_by`` names a flag that already prints to standard output (``--json``), which
    an output may then not share. Raises :class:`CliError` with exit code 2."""
    checked: list[Output] = []
    for flag, path in outputs:
        if path is None:
            continue
        for given in inputs:
            if same_file(path, given):
                raise CliError(f"{flag} {printable(path)} would overwrite the scenario file {printable(given)}: choose another file",
                               BAD_ARGUMENT)
        for earlier in checked:
            if same_file(path, earlier.path):
                raise CliError(f"{earlier.flag} {printable(earlier.path)} and {flag} {printable(path)} are the same file: "
                               "one would replace the other", BAD_ARGUMENT)
        to_stdout = is_standard_output(path)
        if to_stdout:
            if stdout_used_by:
                raise CliError(f"{flag} {printable(path)} is standard output, where {stdout_used_by} prints: choose one", BAD_ARGUMENT)
            other = next((o for o in checked if o.to_stdout), None)
            if other is not None:
                raise CliError(f"{other.flag} and {flag} both write to standard output: choose one", BAD_ARGUMENT)
        checked.append(Output(flag, path, to_stdout))
    return Outputs(tuple(checked))


def write_stdout(data: bytes) -> None:
    """Write an output's bytes to standard output (binary where there is a binary stream)."""
    sys.stdout.flush()
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is not None:
        buffer.write(data)
        buffer.flush()
    else:  # a text stream (tests capture standard output as text)
        sys.stdout.write(data.decode("utf-8", "backslashreplace"))
        sys.stdout.flush()


def write_failed(output: Output | str, exc: BaseException) -> CliError:
    """An output that could not be written: one line naming it and why; exit :data:`WRITE_FAILED`."""
    path = output.path if isinstance(output, Output) else output
    reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return CliError(f"cannot write {printable(path)}: {reason}", WRITE_FAILED)


def write_output(output: Output, data: bytes) -> None:
    """An output's bytes to standard output, or to its file atomically: a failure (a full disk,
    a missing folder, a path the file system cannot hold) exits :data:`WRITE_FAILED` and keeps
    the old file whole."""
    from factory_app.io.atomic import write_bytes_atomic

    if output.to_stdout:
        write_stdout(data)
        return
    try:
        write_bytes_atomic(output.path, data)
    except (OSError, UnicodeError) as exc:
        raise write_failed(output, exc) from None


__all__ = [
    "BAD_ARGUMENT",
    "Output",
    "Outputs",
    "WRITE_FAILED",
    "check_outputs",
    "is_standard_output",
    "same_file",
    "write_failed",
    "write_output",
    "write_stdout",
]

