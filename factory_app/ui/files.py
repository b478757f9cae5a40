"""Where the app keeps autosaves, crash recovery, settings and recent files: everything that
keeps work from being lost, and everything the app reads when it starts.

Saves and autosaves are written by :mod:`factory_app.io` (validated, size-limited, atomic: a
failed save leaves the original intact) and autosaves are read back by its guarded reader. While
there are unsaved changes the scenario is written to the app's data folder every few seconds; a
clean exit deletes that copy, so a copy found at start-up is the work of a session that crashed.

Nothing read at start-up can stop the window from appearing: the settings file is checked
before Qt reads it (a pipe would make ``QSettings`` wait for ever, a huge file take seconds) and
set aside if it is not a small regular file; recent files are text entries, bounded in number
and length; autosaves are read by the guarded reader, and one that cannot be restored (damaged,
huge, deeply nested, a pipe, a folder, a link loop, unreadable, from a newer version) is moved to
``autosave/unrestored/`` and named in a message, never deleted and never offered again.
"""

from __future__ import annotations

import os
import stat
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

from PySide6.QtCore import QSettings, QStandardPaths

from factory_app.io import autosave as autosave_file
from factory_app.io.atomic import process_alive
from factory_app.scenario.model import Scenario

ORGANISATION = "FactoryApp"
APPLICATION = "AI Factory Modeller"
MAX_RECENT = 10
#: Longest recent-file entry kept (characters); longer ones are not paths anyone opened.
MAX_RECENT_PATH = 4096
#: Largest settings file read (bytes): the app writes a few kB (window layout, ten paths).
MAX_SETTINGS_BYTES = 1024 * 1024
#: Most autosaves looked at in one start (the newest); the rest wait for the next start.
MAX_PENDING = 48
SETTINGS_NAME = "factory-app"


def settings_path() -> Path:
    """Where ``QSettings(IniFormat, UserScope, ORGANISATION, "factory-app")`` keeps its file,
    found without constructing one (construction reads the file)."""
    if sys.platform == "win32":  # pragma: no cover - Windows: FOLDERID_RoamingAppData
        base = Path(os.environ.get("APPDATA") or Path.home() / "AppData" / "Roaming")
    else:
        base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / ORGANISATION / f"{SETTINGS_NAME}.ini"


def _aside_name(path: Path, folder: Path) -> Path:
    """A name in ``folder`` for ``path`` that is not taken yet."""
    target = folder / path.name
    n = 1
    while os.path.lexists(target):
        target = folder / f"{path.name}.{n}"
        n += 1
    return target


def guard_settings() -> str:
    """Check the settings file before Qt reads it. Anything but a regular file of at most
    :data:`MAX_SETTINGS_BYTES` that can be opened (a pipe, a folder, a device, a loop of links, a
    huge or unreadable file) is moved aside, so the app starts with default settings. Returns a
    sentence for the user saying what was set aside and where, or ""."""
    path = settings_path()
    try:
        st = os.stat(path)
        problem = ("it is not a regular file" if not stat.S_ISREG(st.st_mode) else
                   f"it is {st.st_size / 2**20:.1f} MiB" if st.st_size > MAX_SETTINGS_BYTES else "")
        if not problem:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
            os.close(fd)
    except FileNotFoundError:
        if not os.path.islink(path):
            return ""
        problem = "it is a link to nothing"
    except OSError as exc:
        problem = exc.strerror or str(exc)
    if not problem:
        return ""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    aside, n = path.with_name(f"{path.name}.unreadable-{stamp}"), 1
    while os.path.lexists(aside):
        aside, n = path.with_name(f"{path.name}.unreadable-{stamp}-{n}"), n + 1
    try:
        os.replace(path, aside)
    except OSError as exc:
        return f"The settings file {path} cannot be used ({problem}) and cannot be moved aside ({exc.strerror or exc})."
    return f"The settings file {path} could not be read ({problem}); it is kept as {aside} and the defaults are used."


def settings() -> QSettings:
    """The app's settings: the INI file :func:`settings_path` names (where Qt's user-scope INI
    settings of this organisation and name live), checked at start-up by :func:`guard_settings`.
    Named explicitly so that the file checked and the file read are the same one."""
    return QSettings(str(settings_path()), QSettings.IniFormat)


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
    scenario: Scenario | None = None  # once read (:meth:`read`)
    original_sha256: str = ""  # the original as the crashed session knew it ("" unknown)

    def load(self) -> Scenario:
        """The autosaved scenario; :class:`~factory_app.io.scenario_file.ScenarioFileError` if it
        cannot be restored (damaged, special file, written by a newer version)."""
        return self.read().scenario

    def read(self) -> "Recovery":
        """This recovery with its scenario and original read (guarded), or
        :class:`~factory_app.io.scenario_file.ScenarioFileError`."""
        if self.scenario is not None:
            return self
        saved = autosave_file.read_autosave(self.path)
        return replace(self, scenario=saved.scenario, original=saved.original, original_sha256=saved.original_sha256)

    def original_changed(self) -> str:
        """Why saving over the original needs asking first: it no longer exists, or it is not
        the file the edits were made to (changed since, or unknown); "" when it is the same."""
        if not self.original:
            return ""
        if not os.path.lexists(self.original):
            return "no longer exists"
        now = autosave_file.file_sha256(self.original)
        if not now:
            return "cannot be read now"
        if not self.original_sha256:
            return "may have changed since the autosave (an older autosave does not record it)"
        return "" if now == self.original_sha256 else "has changed on disk since the autosave"


def autosave_path(number: int = 1) -> Path:
    """Autosave file of this process's scenario number ``number`` (one per open tab)."""
    return data_folder() / f"session-{os.getpid()}-{number}.json"


def write_autosave(scenario: Scenario, original: Path | None, path: Path | None = None, original_sha256: str = "") -> Path:
    """Write the autosave of a scenario (raises ``ScenarioFileError`` or ``OSError``)."""
    path = path or autosave_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    autosave_file.write_autosave(path, scenario, original, original_sha256=original_sha256)
    return path


def file_sha256(path: Path | None) -> str:
    """Digest of a file as it is on disk now ("" when it cannot be read): what an autosave records."""
    return autosave_file.file_sha256(path)


def set_aside(recovery: Recovery) -> Path:
    """Move an autosave that cannot be restored (written by a newer version, damaged, a pipe, a
    folder, a loop of links) out of the way of the next start-up, without deleting it; returns
    where it now is (its old path if it could not be moved)."""
    folder = recovery.path.parent / "unrestored"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        target = _aside_name(recovery.path, folder)
        os.replace(recovery.path, target)
    except OSError:
        return recovery.path
    return target


def pending_recoveries() -> list[Recovery]:
    """Autosaves of sessions that are no longer running (newest first, at most
    :data:`MAX_PENDING`). Only names are looked at here (nothing is opened): links, pipes and
    folders are listed too, so that reading them fails and they are set aside. Never raises."""
    out = []
    folder = data_folder()
    try:
        if not folder.is_dir():
            return out
        entries = list(folder.glob("session-*.json"))
    except OSError:
        return out
    for path in entries:
        try:
            pid = int(path.stem.split("-")[1])
        except (ValueError, IndexError):
            continue
        if pid == os.getpid() or process_alive(pid):
            continue
        try:
            saved_at = path.lstat().st_mtime  # the entry itself: a loop of links has one too
        except OSError:  # gone meanwhile
            continue
        out.append(Recovery(path, "", saved_at))
    return sorted(out, key=lambda r: r.saved_at, reverse=True)[:MAX_PENDING]


# -- recent files -------------------------------------------------------------------------------


def recent_files() -> list[str]:
    """Recent files from the settings: text entries only, at most :data:`MAX_RECENT`, each at
    most :data:`MAX_RECENT_PATH` characters (a damaged settings file may hold anything)."""
    try:
        value = settings().value("recentFiles", [])
    except Exception:  # noqa: BLE001 - a value Qt cannot convert: no recent files
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)):
        return []
    return [v for v in value[: MAX_RECENT * 10] if isinstance(v, str) and 0 < len(v) <= MAX_RECENT_PATH][:MAX_RECENT]


def add_recent(path: Path) -> list[str]:
    items = [str(path)] + [p for p in recent_files() if p != str(path)]
    items = items[:MAX_RECENT]
    settings().setValue("recentFiles", items)
    return items
