"""Where the app keeps autosaves, crash recovery and recent files: everything that keeps work
from being lost.

Saves and autosaves are written by :mod:`factory_app.io` (validated, size-limited, atomic: a
failed save leaves the original intact) and autosaves are read back by its guarded reader. While
there are unsaved changes the scenario is written to the app's data folder every few seconds; a
clean exit deletes that copy, so a copy found at start-up is the work of a session that crashed.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QSettings, QStandardPaths

from factory_app.io import autosave as autosave_file
from factory_app.scenario.model import Scenario

ORGANISATION = "FactoryApp"
APPLICATION = "AI Factory Modeller"
MAX_RECENT = 10


def settings() -> QSettings:
    """The app's settings (an INI file under the user's config folder)."""
    return QSettings(QSettings.IniFormat, QSettings.UserScope, ORGANISATION, "factory-app")


# -- autosave ---------------------------------------------------------------------------------


def data_folder() -> Path:
    folder = Path(QStandardPaths.writableLocation(QStandardPaths.AppDataLocation) or Path.home() / ".factory-app")
    return folder / "autosave"


@dataclass(frozen=True, slots=True)
class Recovery:
    """An autosaved scenario left behind by a session that did not exit cleanly."""

    path: Path
    original: str  # the file it was opened from, or "" for a new scenario
    saved_at: float

    def load(self) -> Scenario:
        """The autosaved scenario; :class:`~factory_app.io.scenario_file.ScenarioFileError` if it
        cannot be restored (damaged, special file, written by a newer version)."""
        return autosave_file.read_autosave(self.path).scenario


def autosave_path(number: int = 1) -> Path:
    """Autosave file of this process's scenario number ``number`` (one per open tab)."""
    return data_folder() / f"session-{os.getpid()}-{number}.json"


def write_autosave(scenario: Scenario, original: Path | None, path: Path | None = None) -> Path:
    """Write the autosave of a scenario (raises ``ScenarioFileError`` or ``OSError``)."""
    path = path or autosave_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    autosave_file.write_autosave(path, scenario, original)
    return path


def set_aside(recovery: Recovery) -> Path:
    """Move an autosave that cannot be restored (written by a newer version, damaged) out of the
    way of the next start-up, without deleting it; returns where it now is."""
    folder = recovery.path.parent / "unrestored"
    target = folder / recovery.path.name
    try:
        folder.mkdir(parents=True, exist_ok=True)
        os.replace(recovery.path, target)
    except OSError:
        return recovery.path
    return target


def _alive(pid: int) -> bool:
    if not 0 < pid < 2**31:  # not a process id (a renamed file): nobody owns it
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


def _alive_windows(pid: int) -> bool:
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


def pending_recoveries() -> list[Recovery]:
    """Autosaves of sessions that are no longer running (newest first)."""
    out = []
    folder = data_folder()
    if not folder.is_dir():
        return out
    for path in folder.glob("session-*.json"):
        try:
            pid = int(path.stem.split("-")[1])
        except (ValueError, IndexError):
            continue
        if pid == os.getpid() or _alive(pid):
            continue
        try:
            saved_at = path.stat().st_mtime
        except OSError:  # gone meanwhile
            continue
        out.append(Recovery(path, autosave_file.autosave_original(path), saved_at))
    return sorted(out, key=lambda r: r.saved_at, reverse=True)


# -- recent files -------------------------------------------------------------------------------


def recent_files() -> list[str]:
    value = settings().value("recentFiles", [])
    if isinstance(value, str):
        value = [value]
    return [v for v in (value or []) if isinstance(v, str)]


def add_recent(path: Path) -> list[str]:
    items = [str(path)] + [p for p in recent_files() if p != str(path)]
    items = items[:MAX_RECENT]
    settings().setValue("recentFiles", items)
    return items
