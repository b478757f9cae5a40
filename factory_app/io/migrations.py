"""Upgrades of scenario files from older format versions, one step at a time.

``MIGRATIONS[n]`` turns a version-``n`` document (a dict straight from JSON) into a version
``n + 1`` one. :func:`migrate` applies them in order until the document is at
:data:`CURRENT_VERSION`. Version 1 is the first format, so the registry starts empty; when the
format changes, bump ``CURRENT_VERSION``, add ``MIGRATIONS[1] = _v1_to_v2`` here and a test
with a version-1 file, and describe the change in docs/file-format.md.
"""

from __future__ import annotations

import copy
import json
from typing import Any, Callable

from factory_app.scenario.fields import ValidationError

#: The format version this app writes and reads natively.
CURRENT_VERSION = 1

#: version n -> function upgrading a version-n document to version n + 1.
MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {}


def _shown(value: Any) -> str:
    """A value as it appeared in the JSON text, shortened."""
    text = getattr(value, "text", None)  # NaN/Infinity stand-ins of the reader
    return text if isinstance(text, str) else json.dumps(value, default=str)[:40]


def read_version(data: dict[str, Any]) -> int:
    """The document's ``format_version``, refused unless it is a whole number this app reads."""
    if "format_version" not in data:
        raise ValidationError("$.format_version", f"is required (this version of factory-app reads format {CURRENT_VERSION})")
    version = data["format_version"]
    if isinstance(version, bool) or not isinstance(version, int):
        raise ValidationError("$.format_version", f"must be a whole number, got {_shown(version)}")
    if version > CURRENT_VERSION:
        raise ValidationError(
            "$.format_version",
            f"written by a newer version of factory-app (format {version}); this version reads up to {CURRENT_VERSION}",
        )
    oldest = min(MIGRATIONS, default=CURRENT_VERSION)
    if version < oldest:
        raise ValidationError("$.format_version", f"format {version} is not known; this version reads formats {oldest} to {CURRENT_VERSION}")
    return version


def migrate(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` upgraded to :data:`CURRENT_VERSION` (a new dict; the argument is not changed).

    Raises :class:`ValidationError` at ``$.format_version`` for a version this app cannot read.
    """
    version = read_version(data)
    if version == CURRENT_VERSION:
        return data
    out = copy.deepcopy(data)
    while version < CURRENT_VERSION:
        step = MIGRATIONS.get(version)
        if step is None:
            raise ValidationError("$.format_version", f"no upgrade from format {version} to {version + 1}")
        out = step(out)
        version += 1
        out["format_version"] = version
    return out


__all__ = ["CURRENT_VERSION", "MIGRATIONS", "migrate", "read_version"]
