"""Scenario files: versioned JSON, read strictly, written atomically.

Reading refuses, with one line ``file.json: $.json.path: message``: anything but a regular file
(a folder, a device, a pipe: never waited on), files over :data:`MAX_FILE_BYTES` (before reading
them), text that is not UTF-8, invalid JSON (with line and column), NaN/Infinity and numbers too
large for a float, duplicate keys, a top level that is not an object, a missing, non-integer or
too new ``format_version``, unknown keys anywhere, wrong types, values out of their field's range
and cross-field problems (unknown ids, shares adding up to more than one). Older versions are
upgraded by :mod:`factory_app.io.migrations`. The layout is in :mod:`factory_app.io.format_layout`
and documented in docs/file-format.md.
"""

from __future__ import annotations

import json
import math
import os
import stat
from pathlib import Path
from typing import Any

from factory_app.serving.catalog import Catalog, default_catalog
from factory_app.io.atomic import write_text_atomic
from factory_app.io.format_layout import (
    ASSIGNMENT_KEYS, CORRELATION_KEYS, FLEET_KEYS, FORMAT_NAME, RANGE_KEYS, SITE_KEYS, TOP_KEYS, UNCERTAINTY_KEYS, WORKLOAD_KEYS, Key,
)
from factory_app.io.messages import one_line
from factory_app.io.migrations import CURRENT_VERSION, migrate
from factory_app.scenario.fields import DEMAND_HOURLY_VALUE, PRICE_CURVE_MULTIPLIER, PRICE_CURVE_SPEED, ValidationError
from factory_app.scenario.model import Assignment, Fleet, PricePoint, Scenario, Site, Workload, validate_scenario
from factory_app.scenario.uncertainty import Correlation, UncertainRange, Uncertainty

#: Largest scenario file read or written (bytes). Real scenarios are a few kB; the limit stops a
#: wrong file (a log, a dataset) from being read into memory whole.
MAX_FILE_BYTES = 16 * 1024 * 1024


class ScenarioFileError(ValueError):
    """A file that cannot be read or written as a scenario. ``str()`` is one line:
    ``file.json: $.path: message``."""

    def __init__(self, file: str, path: str, message: str) -> None:
        file, path, message = one_line(file, 200), one_line(path, 200), one_line(message)  # keys and values quoted from the file
        super().__init__(f"{file}: {path}: {message}")
        self.file, self.path, self.message = file, path, message


class _NonFinite:
    """Stands in for NaN, Infinity or an overflowing number while parsing, so the reader can
    refuse it with the JSON path where it appears."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


class _Object(dict):
    """A JSON object that remembers keys given twice (json keeps only the last silently)."""

    duplicates: tuple[str, ...] = ()


def _object_pairs(pairs: list[tuple[str, Any]]) -> _Object:
    obj = _Object(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        obj.duplicates = tuple(k for k, _ in pairs if k in seen or seen.add(k))  # type: ignore[func-returns-value]
    return obj


def _parse_float(text: str) -> float | _NonFinite:
    value = float(text)
    return value if math.isfinite(value) else _NonFinite(text)


def json_type(value: Any) -> str:
    """The JSON name of a parsed value's type, for messages."""
    if isinstance(value, _NonFinite):
        return value.text
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


# -- reading ------------------------------------------------------------------------------------


def _parse(text: str) -> Any:
    """JSON text -> Python values, with NaN/Infinity/overflow kept as :class:`_NonFinite`."""
    try:
        return json.loads(text, parse_constant=_NonFinite, parse_float=_parse_float, object_pairs_hook=_object_pairs)
    except json.JSONDecodeError as exc:
        raise ValidationError("$", f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})") from None
    except RecursionError:
        raise ValidationError("$", "not a scenario: JSON nested too deeply") from None
    except ValueError as exc:  # e.g. an integer with more digits than Python converts
        raise ValidationError("$", f"not valid JSON: {str(exc)[:120]}") from None


def _as_object(value: Any, path: str, keys: tuple[str, ...]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValidationError(path, f"must be an object, got {json_type(value)}")
    dupes = getattr(value, "duplicates", ())
    if dupes:
        raise ValidationError(f"{path}.{dupes[0]}", "is given twice")
    for key in value:
        if key not in keys:
            raise ValidationError(f"{path}.{key}", f"unknown field (known: {', '.join(keys)})")
    return value


def _as_list(value: Any, path: str) -> list[Any]:
    if not isinstance(value, list):
        raise ValidationError(path, f"must be an array, got {json_type(value)}")
    return value


def _number(value: Any, path: str, spec: Any) -> Any:
    if isinstance(value, _NonFinite):
        raise ValidationError(path, f"must be a finite number, got {value.text}")
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 1e300:
        raise ValidationError(path, "is far too large")
    if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
        raise ValidationError(path, f"must be a number, got {json_type(value)}")
    return spec.check(value, path)


def _position(value: Any, path: str) -> tuple[float, float]:
    items = _as_list(value, path)
    if len(items) != 2:
        raise ValidationError(path, f"must be [x, y], got {len(items)} numbers")
    out = []
    for i, v in enumerate(items):
        if isinstance(v, _NonFinite) or isinstance(v, bool) or not isinstance(v, (int, float)) or abs(v) > 1e7:
            raise ValidationError(f"{path}[{i}]", f"must be a number with |value| <= 10,000,000, got {json_type(v) if not isinstance(v, (int, float)) or isinstance(v, bool) else v}")
        out.append(float(v))
    return (out[0], out[1])


def _curve(value: Any, path: str) -> tuple[PricePoint, ...]:
    points = []
    for i, item in enumerate(_as_list(value, path)):
        pair = _as_list(item, f"{path}[{i}]")
        if len(pair) != 2:
            raise ValidationError(f"{path}[{i}]", "must be [tokens/s per user, multiplier]")
        speed = _number(pair[0], f"{path}[{i}][0]", PRICE_CURVE_SPEED)
        if points and speed <= points[-1].tokens_per_s_per_user:
            raise ValidationError(f"{path}[{i}][0]", "speeds must rise from one point to the next")
        points.append(PricePoint(speed, _number(pair[1], f"{path}[{i}][1]", PRICE_CURVE_MULTIPLIER)))
    return tuple(points)


def _value(key: Key, value: Any, path: str) -> Any:
    if key.kind == "number":
        return _number(value, path, key.spec)
    if key.kind in ("text", "id", "ref", "enum"):
        if not isinstance(value, str):
            raise ValidationError(path, f"must be a string, got {json_type(value)}")
        if key.kind == "enum" and value not in key.choices:
            raise ValidationError(path, f"must be one of {', '.join(key.choices)}, got '{value[:40]}'")
        return value
    if key.kind == "position":
        return _position(value, path)
    if key.kind == "curve":
        return _curve(value, path)
    if key.kind == "hourly":
        return tuple(_number(v, f"{path}[{i}]", DEMAND_HOURLY_VALUE) for i, v in enumerate(_as_list(value, path)))
    return _block_value(key, value, path)


def _block_value(key: Key, value: Any, path: str) -> Any:
    """Values of the uncertainty block's keys (booleans, plain numbers, its arrays of objects)."""
    if key.kind == "bool":
        if not isinstance(value, bool):
            raise ValidationError(path, f"must be true or false, got {json_type(value)}")
        return value
    if key.kind in ("real", "real-or-null", "whole"):
        if value is None and key.kind == "real-or-null":
            return None
        if isinstance(value, _NonFinite):
            raise ValidationError(path, f"must be a finite number, got {value.text}")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or abs(value) > 1e300:
            raise ValidationError(path, f"must be a number, got {json_type(value)}")
        if key.kind == "whole":
            lo, hi = key.limits
            if value != int(value) or not lo <= value <= hi:
                raise ValidationError(path, f"must be a whole number from {lo:,} to {hi:,}, got {value:g}")
            return int(value)
        return float(value)
    if key.kind == "ranges":
        return tuple(UncertainRange(**_item(r, f"{path}[{i}]", RANGE_KEYS)) for i, r in enumerate(_as_list(value, path)))
    if key.kind == "correlations":
        return tuple(Correlation(**_item(c, f"{path}[{i}]", CORRELATION_KEYS)) for i, c in enumerate(_as_list(value, path)))
    raise AssertionError(key.kind)


def _item(raw: Any, path: str, keys: tuple[Key, ...]) -> dict[str, Any]:
    """Keyword arguments of one dataclass from a JSON object; missing keys take the defaults."""
    obj = _as_object(raw, path, tuple(k.name for k in keys))
    out: dict[str, Any] = {}
    for key in keys:
        if key.name in obj:
            out[key.attribute] = _value(key, obj[key.name], f"{path}.{key.name}")
        elif key.required:
            raise ValidationError(f"{path}.{key.name}", "is required")
    return out


def _items(data: dict[str, Any], name: str, keys: tuple[Key, ...], cls: type) -> tuple[Any, ...]:
    raw = _as_list(data.get(name, []), f"$.{name}")
    return tuple(cls(**_item(item, f"$.{name}[{i}]", keys)) for i, item in enumerate(raw))


def scenario_from_dict(data: Any, catalog: Catalog | None = None, notes: list[str] | None = None) -> Scenario:
    """A validated :class:`Scenario` from a parsed document (upgraded to the current version
    first; what the upgrade added is appended to ``notes`` when given). Raises
    :class:`ValidationError` naming the JSON path of the first problem."""
    if not isinstance(data, dict):
        raise ValidationError("$", f"must be a JSON object (a scenario), got {json_type(data)}")
    data = _as_object(migrate(data, notes), "$", TOP_KEYS)  # an older format may have other keys
    if "format" in data and data["format"] != FORMAT_NAME:
        raise ValidationError("$.format", f"must be '{FORMAT_NAME}', got {json.dumps(data['format'], default=repr)[:60]}")
    top: dict[str, Any] = {}
    for name in ("name", "description"):
        if name in data:
            top[name] = _value(Key(name, "text", ""), data[name], f"$.{name}")
    if "optimise" in data:
        if not isinstance(data["optimise"], bool):
            raise ValidationError("$.optimise", f"must be true or false, got {json_type(data['optimise'])}")
        top["optimise"] = data["optimise"]
    site = Site(**_item(data.get("site", {}), "$.site", SITE_KEYS))
    if "site" not in data and data.get("fleets") and notes is not None:
        # the defaults may stand in for a site the fleets were meant for (a campus run at 100 MW): say so
        notes.append(f"$.site: missing, so the default site is used ({site.facility_power_mw:g} MW facility power, "
                     f"PUE {site.pue:g}, WACC {site.wacc:.0%}, {site.horizon_years}-year horizon)")
    if "uncertainty" in data:
        top["uncertainty"] = Uncertainty(**_item(data["uncertainty"], "$.uncertainty", UNCERTAINTY_KEYS))
    scenario = Scenario(
        site=site,
        fleets=_items(data, "fleets", FLEET_KEYS, Fleet),
        workloads=_items(data, "workloads", WORKLOAD_KEYS, Workload),
        assignments=_items(data, "assignments", ASSIGNMENT_KEYS, Assignment),
        **top,
    )
    validate_scenario(scenario, catalog or default_catalog())
    return scenario


def loads_scenario(text: str, name: str = "<text>", catalog: Catalog | None = None, notes: list[str] | None = None) -> Scenario:
    """A scenario from JSON text; ``name`` (a file's basename) starts every error message. A file
    of an older format is upgraded, and what that added is appended to ``notes`` when given."""
    if len(text) > MAX_FILE_BYTES or len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
        raise ScenarioFileError(name, "$", f"larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB: not a scenario file")
    try:
        return scenario_from_dict(_parse(text.removeprefix("\ufeff")), catalog, notes)
    except ValidationError as exc:
        raise ScenarioFileError(name, exc.path, exc.message) from None


def read_guarded_bytes(path: str | os.PathLike[str], limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of a file the app reads (scenarios, autosaves), read the guarded way: only a
    regular file (a folder, device or pipe is refused without waiting on it), at most ``limit``
    bytes (checked before and while reading), opened non-blocking. Raises
    :class:`ScenarioFileError` naming the file."""
    p = Path(path)
    name = p.name or str(p)
    limit_mib = limit / (1024 * 1024)
    not_regular = "cannot read: not a regular file (a folder, a device or a pipe)"
    try:
        st = os.stat(p)
        if not stat.S_ISREG(st.st_mode):  # reading a pipe would wait for ever, a device may never end
            raise ScenarioFileError(name, "$", not_regular)
        if st.st_size > limit:
            raise ScenarioFileError(name, "$", f"file is {st.st_size / 2**20:.1f} MiB; scenario files are limited to {limit_mib:g} MiB")
        fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))  # never blocks
        with open(fd, "rb") as fh:
            if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):  # replaced since stat
                raise ScenarioFileError(name, "$", not_regular)
            raw = fh.read(limit + 1)  # the file may have grown since stat
    except ScenarioFileError:
        raise
    except OSError as exc:
        raise ScenarioFileError(name, "$", f"cannot read: {exc.strerror or exc}") from None
    except ValueError as exc:  # e.g. a NUL in the path
        raise ScenarioFileError(name, "$", f"cannot read: {exc}") from None
    if len(raw) > limit:
        raise ScenarioFileError(name, "$", f"scenario files are limited to {limit_mib:g} MiB")
    return raw


def read_guarded_text(path: str | os.PathLike[str], limit: int = MAX_FILE_BYTES) -> str:
    """:func:`read_guarded_bytes` decoded as UTF-8 (:class:`ScenarioFileError` if it is not)."""
    raw = read_guarded_bytes(path, limit)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        p = Path(path)
        raise ScenarioFileError(p.name or str(p), "$", f"not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start})") from None


def parse_json(text: str, name: str) -> Any:
    """JSON text parsed the strict way (duplicate keys remembered, NaN and overflow kept for a
    refusal with their path, depth bounded); raises :class:`ScenarioFileError` naming the file."""
    try:
        return _parse(text.removeprefix("\ufeff"))
    except ValidationError as exc:
        raise ScenarioFileError(name, exc.path, exc.message) from None


def load_scenario(path: str | os.PathLike[str], catalog: Catalog | None = None, notes: list[str] | None = None) -> Scenario:
    """Read a scenario file. Raises :class:`ScenarioFileError` (one line, JSON path) for any
    problem; the file is only read (an older format is upgraded in memory: ``notes`` says how)."""
    p = Path(path)
    return loads_scenario(read_guarded_text(p), p.name or str(p), catalog, notes)


# -- writing ------------------------------------------------------------------------------------


def _out(key: Key, value: Any) -> Any:
    if key.kind == "ranges":
        return [_dict(r, RANGE_KEYS) for r in value]
    if key.kind == "correlations":
        return [_dict(c, CORRELATION_KEYS) for c in value]
    if key.kind == "position":
        return [value[0], value[1]]
    if key.kind == "curve":
        return [[p.tokens_per_s_per_user, p.multiplier] for p in value]
    if key.kind == "hourly":
        return list(value)
    return value


def _dict(obj: Any, keys: tuple[Key, ...]) -> dict[str, Any]:
    return {k.name: _out(k, getattr(obj, k.attribute)) for k in keys}


def scenario_to_dict(scenario: Scenario) -> dict[str, Any]:
    """The JSON document of a scenario (current format version), every field written."""
    return {
        "format": FORMAT_NAME,
        "format_version": CURRENT_VERSION,
        "name": scenario.name,
        "description": scenario.description,
        "optimise": scenario.optimise,
        "site": _dict(scenario.site, SITE_KEYS),
        "fleets": [_dict(f, FLEET_KEYS) for f in scenario.fleets],
        "workloads": [_dict(w, WORKLOAD_KEYS) for w in scenario.workloads],
        "assignments": [_dict(a, ASSIGNMENT_KEYS) for a in scenario.assignments],
        "uncertainty": _dict(scenario.uncertainty, UNCERTAINTY_KEYS),
    }


def dumps_scenario(scenario: Scenario) -> str:
    """JSON text of a scenario: two-space indent, UTF-8 characters as themselves, final newline."""
    return json.dumps(scenario_to_dict(scenario), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def checked_text(scenario: Scenario, name: str, catalog: Catalog | None = None) -> str:
    """The JSON text a save writes: the scenario validated and within the size limit, or
    :class:`ScenarioFileError` naming the file."""
    try:
        validate_scenario(scenario, catalog or default_catalog())
        text = dumps_scenario(scenario)
    except ValidationError as exc:
        raise ScenarioFileError(name, exc.path, exc.message) from None
    except UnicodeError as exc:  # e.g. a lone surrogate in a name cannot be written as UTF-8
        raise ScenarioFileError(name, "$", f"cannot be written as UTF-8 text: {exc.reason}") from None
    if len(text.encode("utf-8")) > MAX_FILE_BYTES:
        raise ScenarioFileError(name, "$", f"the scenario is larger than {MAX_FILE_BYTES // 2**20} MiB")
    return text


def write_checked(path: str | os.PathLike[str], text: str) -> None:
    """Write text atomically (temporary file, fsync, rename), or :class:`ScenarioFileError`."""
    p = Path(path)
    try:
        write_text_atomic(p, text)
    except (OSError, UnicodeError) as exc:
        raise ScenarioFileError(p.name or str(p), "$", f"cannot write: {getattr(exc, 'strerror', None) or exc}") from None


def save_scenario(scenario: Scenario, path: str | os.PathLike[str], catalog: Catalog | None = None) -> None:
    """Validate and write a scenario atomically (temporary file, fsync, rename): the file on disk
    is the old one or the whole new one, never half. Raises :class:`ScenarioFileError`. The one
    way scenarios reach the disk: the CLI, the app's Save and its autosave all come here."""
    p = Path(path)
    write_checked(p, checked_text(scenario, p.name or str(p), catalog))


__all__ = [
    "MAX_FILE_BYTES",
    "ScenarioFileError",
    "dumps_scenario",
    "json_type",
    "load_scenario",
    "loads_scenario",
    "parse_json",
    "read_guarded_bytes",
    "read_guarded_text",
    "save_scenario",
    "scenario_from_dict",
    "scenario_to_dict",
]
