"""Autosave files: the unsaved scenario of an open window, written every few seconds, so a crash
loses at most those seconds.

An autosave is a small JSON document ``{"format", "original", "original_sha256", "scenario"}``:
``original`` is the absolute, resolved path of the file the scenario was opened from ("" for a
new one) and ``original_sha256`` the SHA-256 of that file as the session last read or saved it
(so a restore can tell whether the file on disk is still the one the edits were made to). Autosaves are
written and read by the same code as scenario files (validation, size limit, atomic write, the
guarded reader that never waits on a pipe or reads a device), so a damaged, huge, deeply nested
or special file in the autosave folder is refused with one line, never a hang or a crash.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from factory_app.io.scenario_file import (
    ScenarioFileError,
    checked_text,
    parse_json,
    read_guarded_bytes,
    read_guarded_text,
    scenario_from_dict,
    write_checked,
)
from factory_app.scenario.fields import ValidationError
from factory_app.scenario.model import Scenario
from factory_app.serving.catalog import Catalog

AUTOSAVE_FORMAT = "factory_app.autosave"
_KEYS = ("format", "original", "original_sha256", "scenario")


@dataclass(frozen=True, slots=True)
class Autosave:
    """What an autosave holds: the scenario and the file it came from (absolute, or "")."""

    scenario: Scenario
    original: str
    original_sha256: str = ""  # of the original as the session knew it; "" when unknown


def _absolute(original: str | os.PathLike[str] | None) -> str:
    if not original:
        return ""
    try:
        return os.path.realpath(os.path.abspath(original))  # never raises for a loop of links
    except (OSError, ValueError):
        return os.path.abspath(original)


def file_sha256(path: str | os.PathLike[str] | None) -> str:
    """SHA-256 (hex) of a file read the guarded way, or "" when it cannot be read (gone, not a
    regular file, too big). Never raises, never waits."""
    if not path:
        return ""
    try:
        return hashlib.sha256(read_guarded_bytes(path)).hexdigest()
    except ScenarioFileError:
        return ""


def write_autosave(path: str | os.PathLike[str], scenario: Scenario, original: str | os.PathLike[str] | None,
                   catalog: Catalog | None = None, original_sha256: str = "") -> None:
    """Write an autosave atomically; raises :class:`ScenarioFileError` naming the file.
    ``original_sha256`` is the digest of the original as the session read or saved it."""
    p = Path(path)
    name = p.name or str(p)
    scenario_text = checked_text(scenario, name, catalog)
    doc = {"format": AUTOSAVE_FORMAT, "original": _absolute(original), "original_sha256": original_sha256 if original else "",
           "scenario": json.loads(scenario_text)}
    write_checked(p, json.dumps(doc, allow_nan=False, ensure_ascii=False) + "\n")


def _document(path: Path) -> dict:
    name = path.name or str(path)
    data = parse_json(read_guarded_text(path), name)
    if not isinstance(data, dict):
        raise ScenarioFileError(name, "$", "not an autosave: the top level is not an object")
    unknown = [k for k in data if k not in _KEYS]
    if unknown:
        raise ScenarioFileError(name, f"$.{unknown[0]}", f"unknown field (known: {', '.join(_KEYS)})")
    if data.get("format", AUTOSAVE_FORMAT) != AUTOSAVE_FORMAT:
        raise ScenarioFileError(name, "$.format", f"must be '{AUTOSAVE_FORMAT}'")
    original = data.get("original", "")
    if not isinstance(original, str):
        raise ScenarioFileError(name, "$.original", "must be a path (text)")
    digest = data.get("original_sha256", "")
    if not isinstance(digest, str) or (digest and (len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest))):
        raise ScenarioFileError(name, "$.original_sha256", "must be a SHA-256 in hexadecimal, or empty")
    return data


def read_autosave(path: str | os.PathLike[str], catalog: Catalog | None = None) -> Autosave:
    """The scenario of an autosave and its original file; :class:`ScenarioFileError` (one line)
    for anything else, including files written by a newer version."""
    p = Path(path)
    data = _document(p)
    try:
        scenario = scenario_from_dict(data.get("scenario"), catalog)
    except ValidationError as exc:
        raise ScenarioFileError(p.name or str(p), exc.path.replace("$", "$.scenario", 1), exc.message) from None
    return Autosave(scenario, data.get("original", ""), data.get("original_sha256", ""))


def autosave_original(path: str | os.PathLike[str]) -> str:
    """The original file an autosave names, or "" when it names none or cannot be read (it is
    offered all the same; restoring it says what is wrong). Never raises, never waits."""
    try:
        return _document(Path(path)).get("original", "")
    except ScenarioFileError:
        return ""


__all__ = ["AUTOSAVE_FORMAT", "Autosave", "autosave_original", "file_sha256", "read_autosave", "write_autosave"]
