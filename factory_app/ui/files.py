"""Saving, autosave and crash recovery, recent files: everything that keeps work from being lost.

Saves go through ``QSaveFile`` (write to a temporary file, then rename over the original), so a
failed save leaves the original intact. While there are unsaved changes the scenario is also
written to the app's data folder every few seconds; a clean exit deletes that copy, so a copy
found at start-up is the work of a session that crashed.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QIODevice, QSaveFile, QSettings, QStandardPaths

from factory_app.io.scenario_file import scenario_from_dict, scenario_to_dict
from factory_app.scenario.model import Scenario

ORGANISATION = "FactoryApp"
APPLICATION = "AI Factory Modeller"
MAX_RECENT = 10


class SaveError(OSError):
    """A save that did not happen; the original file is untouched."""


def settings() -> QSettings:
    """The app's settings (an INI file under the user's config folder)."""
    return QSettings(QSettings.IniFormat, QSettings.UserScope, ORGANISATION, "factory-app")


def scenario_bytes(scenario: Scenario) -> bytes:
    return (json.dumps(scenario_to_dict(scenario), indent=2, ensure_ascii=False, allow_nan=False) + "\n").encode("utf-8")


def save_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file; raise :class:`SaveError` on failure."""
    f = QSaveFile(str(path))
    if not f.open(QIODevice.WriteOnly):
        raise SaveError(f"cannot write {path.name}: {f.errorString()}")
    written = f.write(data)
    if written != len(data):
        f.cancelWriting()
        raise SaveError(f"cannot write {path.name}: {f.errorString() or 'disk full?'}")
    if not f.commit():
        raise SaveError(f"cannot save {path.name}: {f.errorString()}")


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
        data = json.loads(self.path.read_text(encoding="utf-8"))
        return scenario_from_dict(data["scenario"])


def autosave_path(number: int = 1) -> Path:
    """Autosave file of this process's scenario number ``number`` (one per open tab)."""
    return data_folder() / f"session-{os.getpid()}-{number}.json"


def write_autosave(scenario: Scenario, original: Path | None, path: Path | None = None) -> Path:
    path = path or autosave_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = {"original": str(original or ""), "scenario": scenario_to_dict(scenario)}
    save_atomically(path, (json.dumps(doc, allow_nan=False) + "\n").encode("utf-8"))
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
        out.append(Recovery(path, _original(path), saved_at))
    return sorted(out, key=lambda r: r.saved_at, reverse=True)


def _original(path: Path) -> str:
    """The file an autosave was opened from, or "" (a new scenario, or a damaged autosave: it is
    offered all the same, and restoring it says what is wrong and sets it aside)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ""
    original = data.get("original", "") if isinstance(data, dict) else ""
    return original if isinstance(original, str) else ""


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
