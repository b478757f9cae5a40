"""Strategies and checks shared by the reliability tests (no Qt)."""

from __future__ import annotations

import copy
import json
import math
import os
import select
import subprocess
import time
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from factory_app.factory.results import FactoryResult
from factory_app.factory.nonfinite_guard import non_finite_paths
from factory_app.resources import resource_path

EXAMPLES = sorted(resource_path("examples").glob("*.json"))
THOROUGH = os.environ.get("HYPOTHESIS_PROFILE", "ci") == "thorough"


def examples(n: int) -> int:
    """Examples a property runs: ``n`` in the default profile, ten times that in ``thorough``."""
    return n * 10 if THOROUGH else n


def example_documents() -> list[dict[str, Any]]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in EXAMPLES]


# -- checks ---------------------------------------------------------------------------------------


def assert_one_line_refusal(text: str, file_name: str) -> None:
    """A refusal is one line ``file.json: $...: message``: the file's name, then a JSON path."""
    assert "\n" not in text and "\r" not in text, repr(text)
    assert "Traceback" not in text
    assert text.startswith(f"{file_name}: $"), text
    assert len(text) < 2000, f"message of {len(text)} characters"


def assert_finite_result(result: FactoryResult) -> None:
    """Every float finite, and not because the last guard had to clean one (that is a bug)."""
    assert non_finite_paths(result) == []
    assert not [w for w in result.warnings if w.startswith("internal:")], result.warnings
    json.dumps(result.to_json(), allow_nan=False)


def _reject_constant(name: str) -> Any:
    raise AssertionError(f"non-finite number {name} in JSON output")


def strict_json(text: str) -> Any:
    """Parse JSON output, refusing NaN and Infinity (which ``json`` would otherwise accept)."""
    value = json.loads(text, parse_constant=_reject_constant)
    for path in _float_paths(value):
        assert math.isfinite(path), path
    return value


def _float_paths(value: Any):
    if isinstance(value, float):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _float_paths(v)
    elif isinstance(value, list):
        for v in value:
            yield from _float_paths(v)


# -- JSON values ----------------------------------------------------------------------------------

#: Numbers a careless or hostile file holds: edges of every range, huge, tiny, negative, NaN, inf.
NASTY_NUMBERS = st.one_of(
    st.sampled_from([0, -0.0, 1, -1, 0.5, 1.0000001, 2, 3, 100, 1e7, 1e12, 1e15, 1e300, 1e308, -1e308, 5e-324, 10**30, -(10**30),
                     float("nan"), float("inf"), float("-inf")]),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
)
NASTY_TEXT = st.one_of(
    st.sampled_from(["", " ", "h200", "gb200", "deepseek-r1", "fp8", "fp4", "power", "count", "=1+1", "\x00", "é", "💥",
                     "a" * 65, "factory_app.scenario", "NaN"]),
    st.integers(min_value=9_990, max_value=20_000).map(lambda n: "x" * n),  # around the 10,000-character limit
    st.text(max_size=40),
)
LEAF_VALUES = st.one_of(st.none(), st.booleans(), NASTY_NUMBERS, NASTY_TEXT)
JSON_VALUES = st.recursive(
    LEAF_VALUES,
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(NASTY_TEXT, children, max_size=4)),
    max_leaves=12,
)


def json_text(value: Any) -> str:
    """JSON text of ``value`` with NaN and Infinity written as the tokens Python's reader accepts."""
    return json.dumps(value, allow_nan=True, ensure_ascii=False)


# -- mutations of real scenario documents ---------------------------------------------------------


def paths_of(doc: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path (tuple of keys and indices) into a JSON document, the root included."""
    out = [prefix]
    if isinstance(doc, dict):
        for k, v in doc.items():
            out += paths_of(v, prefix + (k,))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            out += paths_of(v, prefix + (i,))
    return out


def get_at(doc: Any, path: tuple) -> Any:
    for step in path:
        doc = doc[step]
    return doc


def json_path(path: tuple) -> str:
    """``("fleets", 0, "id")`` -> ``$.fleets[0].id``."""
    return "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)


def retyped(value: Any) -> list[Any]:
    """Values of other JSON types standing for ``value`` (a number as text, a list as object...)."""
    out: list[Any] = [None, True, "text", 7, 2.5, [], {}]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        out += [str(value), [value], {"value": value}]
    elif isinstance(value, str):
        out += [[value], {"id": value}, len(value)]
    elif isinstance(value, list):
        out += [{str(i): v for i, v in enumerate(value)}, json.dumps(value)]
    elif isinstance(value, dict):
        out += [list(value.values()), json.dumps(value)]
    return [v for v in out if type(v) is not type(value) or v != value]


@st.composite
def mutated_documents(draw) -> tuple[dict[str, Any], str]:
    """A real example with one random change at a random path: a key dropped, a value replaced
    by a nasty one or retyped, an unknown key added, or an element duplicated. Returns the
    document and a description of the change."""
    docs = example_documents()
    doc = copy.deepcopy(draw(st.sampled_from(docs)))
    steps = draw(st.integers(min_value=1, max_value=3))
    notes = []
    for _ in range(steps):
        paths = paths_of(doc)
        path = draw(st.sampled_from(paths))
        kind = draw(st.sampled_from(["drop", "replace", "retype", "add", "duplicate", "negate", "scale"]))
        target = get_at(doc, path[:-1]) if path else None
        if kind == "drop" and path and isinstance(target, (dict, list)):
            del target[path[-1]]
        elif kind in ("replace", "retype") and path:
            old = target[path[-1]]
            target[path[-1]] = draw(JSON_VALUES) if kind == "replace" else draw(st.sampled_from(retyped(old)))
        elif kind == "add":
            holder = get_at(doc, path)
            if isinstance(holder, dict):
                holder[draw(NASTY_TEXT)] = draw(JSON_VALUES)
            elif isinstance(holder, list):
                holder.append(draw(JSON_VALUES))
        elif kind == "duplicate" and path and isinstance(target, list):
            target.append(copy.deepcopy(target[path[-1]]))
        elif kind in ("negate", "scale") and path:
            old = target[path[-1]]
            if isinstance(old, (int, float)) and not isinstance(old, bool):
                target[path[-1]] = -old if kind == "negate" else old * draw(st.sampled_from([0, 1e-9, 0.5, 2, 1000, 1e300]))
        else:
            continue
        notes.append(f"{kind} {json_path(path)}")
    return doc, "; ".join(notes)


def write(folder: Path, name: str, data: bytes | str) -> Path:
    path = folder / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


# -- bounded time -----------------------------------------------------------------------------------


class TookTooLong(AssertionError):
    """A call that should end in bounded time did not (it would have hung)."""


class deadline:  # noqa: N801 - used as a context manager: ``with deadline(10): ...``
    """Fail with :class:`TookTooLong` if the block runs longer than ``seconds`` (POSIX: SIGALRM
    interrupts even a blocking ``open`` of a pipe; elsewhere the block just runs)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def __enter__(self) -> "deadline":
        import signal
        import threading

        self._armed = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
        if self._armed:
            def expired(_signum, _frame):
                raise TookTooLong(f"still running after {self.seconds:g} s")

            self._previous = signal.signal(signal.SIGALRM, expired)
            signal.setitimer(signal.ITIMER_REAL, self.seconds)
        return self

    def __exit__(self, *exc) -> None:
        if self._armed:
            import signal

            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self._previous)


def read_line(proc: subprocess.Popen, timeout: float) -> str:
    """The next line a child process prints, or '' when it ends or ``timeout`` seconds pass."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        ready, _, _ = select.select([proc.stdout], [], [], 0.5)
        if ready:
            return proc.stdout.readline()
        if proc.poll() is not None:
            break
    return ""
