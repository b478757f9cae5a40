"""Every float a factory result carries must be finite: a helper that finds and cleans others.

NaN or infinity in a result would poison sums, charts and JSON output (``json.dumps`` writes
``NaN``, which no JSON reader accepts). The evaluation guards each division, and this module is
the last line: :func:`non_finite_paths` lists offenders, :func:`clean_result` replaces them by
zero and says where, so a bug shows up as a warning instead of a broken chart.
"""

from __future__ import annotations

import math
from dataclasses import fields, is_dataclass, replace
from functools import cache
from typing import Any


def finite(value: float) -> float:
    """``value`` as a float, or 0.0 when it is NaN or infinite."""
    value = float(value)
    return value if math.isfinite(value) else 0.0


@cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls))


_LEAVES = frozenset((str, int, bool, type(None)))


def _all_finite(obj: Any, isfinite=math.isfinite) -> bool:
    """True when no float in ``obj`` is NaN or infinite: the walk of :func:`non_finite_paths`
    without building paths (a 200-fleet result has ~100,000 values; this is the common case).
    Floats and plain values inside a container are checked in its own loop, not by a call each."""
    kind = type(obj)
    if kind is float:
        return isfinite(obj)
    if kind in _LEAVES:
        return True
    if kind is dict:
        values = obj.values()
    elif kind is tuple or kind is list:
        values = obj
    elif is_dataclass(obj) and not isinstance(obj, type):
        values = [getattr(obj, name) for name in _field_names(kind)]
    elif isinstance(obj, float):  # a float subclass (numpy's float64)
        return isfinite(obj)
    elif isinstance(obj, (dict, list, tuple)):
        return _all_finite(dict(obj) if isinstance(obj, dict) else list(obj))
    else:
        return True
    for v in values:
        kind = type(v)
        if kind is float:
            if not isfinite(v):
                return False
        elif kind not in _LEAVES and not _all_finite(v):
            return False
    return True


def non_finite_paths(obj: Any, path: str = "$") -> list[str]:
    """Paths (``$.fleets[0].cost_breakdown.energy``) of every NaN or infinite float in ``obj``,
    walking dataclasses, dicts, lists and tuples."""
    if path == "$" and _all_finite(obj):
        return []
    if isinstance(obj, bool):
        return []
    if isinstance(obj, float):
        return [] if math.isfinite(obj) else [path]
    if is_dataclass(obj) and not isinstance(obj, type):
        out: list[str] = []
        for name in _field_names(type(obj)):
            out += non_finite_paths(getattr(obj, name), f"{path}.{name}")
        return out
    if isinstance(obj, dict):
        out = []
        for key, value in obj.items():
            out += non_finite_paths(value, f"{path}.{key}")
        return out
    if isinstance(obj, (list, tuple)):
        out = []
        for i, value in enumerate(obj):
            out += non_finite_paths(value, f"{path}[{i}]")
        return out
    return []


def _cleaned(obj: Any) -> Any:
    if isinstance(obj, bool):
        return obj
    if isinstance(obj, float):
        return finite(obj)
    if is_dataclass(obj) and not isinstance(obj, type):
        changes = {f.name: _cleaned(getattr(obj, f.name)) for f in fields(obj)}
        return replace(obj, **changes)
    if isinstance(obj, dict):
        return {k: _cleaned(v) for k, v in obj.items()}
    if isinstance(obj, tuple):
        return tuple(_cleaned(v) for v in obj)
    if isinstance(obj, list):
        return [_cleaned(v) for v in obj]
    return obj


def clean_result(obj: Any) -> tuple[Any, list[str]]:
    """``obj`` with every non-finite float replaced by 0.0, and the paths that were replaced.

    Cheap when there is nothing to clean (the common case): the walk only rebuilds objects when
    an offender exists.
    """
    bad = non_finite_paths(obj)
    if not bad:
        return obj, []
    return _cleaned(obj), bad


__all__ = ["clean_result", "finite", "non_finite_paths"]
