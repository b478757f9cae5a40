"""Shared pieces of the commands that read a scenario file (evaluate, validate, sweep)."""

from __future__ import annotations

import sys
from pathlib import Path

from factory_app.cli.common import CliError
from factory_app.io.messages import one_line
from factory_app.serving.catalog import Catalog
from factory_app.io.scenario_file import ScenarioFileError, load_scenario
from factory_app.scenario.model import Scenario


class FileProblem(CliError):
    """A bad scenario file: printed as the file error's own line (``file.json: $.path: ...``)."""


def read_scenario(path: str, catalog: Catalog) -> Scenario:
    """Load ``path`` or raise :class:`FileProblem` (exit code 2). The file is only read; a file
    of an older format is upgraded in memory and what that added is said on stderr, one line each
    (``file.json: upgraded: ...``), as is a default that stands in for a missing part
    (``file.json: $.site: missing, ...``)."""
    notes: list[str] = []
    try:
        scenario = load_scenario(path, catalog, notes)
    except ScenarioFileError as exc:
        raise FileProblem(str(exc), 2) from None
    name = Path(path).name or path
    for note in notes:  # a note on a JSON path is about the file as it is; the others, about an upgrade
        print(one_line(f"{name}: {note}" if note.startswith("$.") else f"{name}: upgraded: {note}"), file=sys.stderr)
    return scenario


def report_file_problem(exc: FileProblem) -> int:
    """Print the one-line file error exactly as the file reader worded it; exit code 2."""
    print(str(exc), file=sys.stderr)
    return exc.code

