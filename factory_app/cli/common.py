"""Shared pieces of the command-line interface: errors, argument types, JSON output."""

from __future__ import annotations

import argparse
import json
import math
import sys
from typing import Any, Callable

from factory_app.io.messages import one_line, printable
from factory_app.io.results_json import plain_numbers
from factory_app.scenario.fields import bound_text


class CliError(Exception):
    """A failure the user can act on: printed as one line, exits with ``code``."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


def number(low: float, high: float, *, integer: bool = False, low_open: bool = False) -> Callable[[str], float]:
    """An argparse type: a finite number in [low, high] (or (low, high] with ``low_open``)."""

    def parse(text: str) -> float:
        kind = "a whole number" if integer else "a number"
        lo = "above" if low_open else "from"
        message = f"must be {kind} {lo} {bound_text(low)} to {bound_text(high)}, got {text!r}"
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(message) from None
        if not math.isfinite(value) or value > high or value < low or (low_open and value == low):
            raise argparse.ArgumentTypeError(message)
        if integer:
            if value != int(value):
                raise argparse.ArgumentTypeError(message)
            return int(value)
        return value

    return parse


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a bad argument is one line on stderr (no usage dump) and exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, one_line(f"{self.prog}: {message}") + "\n")


def dump_json(obj: Any) -> str:
    """JSON with no NaN or infinity (a non-finite number is a bug, never output), no ``-0.0`` and
    counts as integers. Text UTF-8 cannot hold (a lone surrogate) is written as its JSON escape."""
    obj = plain_numbers(obj)
    text = json.dumps(obj, indent=2, allow_nan=False, ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = json.dumps(obj, indent=2, allow_nan=False, ensure_ascii=True)
    return text


def print_json(obj: Any) -> None:
    sys.stdout.write(dump_json(obj) + "\n")


def print_lines(text: str) -> None:
    """Human-readable output: each line of ``text`` (split at ``\\n`` only) printable, so control
    characters and other line separators in names are escaped, never passed to the terminal."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    sys.stdout.write("".join(printable(line) + "\n" for line in lines))
