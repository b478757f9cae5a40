"""``factory-app validate FILE``: check a scenario file without evaluating it."""

from __future__ import annotations

import argparse
from pathlib import Path

from factory_app.cli.common import print_lines
from factory_app.io.number_format import num
from factory_app.cli.scenario_args import FileProblem, read_scenario, report_file_problem
from factory_app.serving.catalog import default_catalog


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "validate",
        help="check a scenario file: format version, fields, ranges and ids",
        description="Check a scenario file. Exit 0 and one line when it is valid; exit 2 and one line "
        "'file.json: $.path: message' naming the first problem otherwise. The file is never modified.",
    )
    p.add_argument("file", metavar="FILE", help="scenario file (.json)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    try:
        s = read_scenario(args.file, default_catalog())
    except FileProblem as exc:
        return report_file_problem(exc)
    print_lines(
        f"{Path(args.file).name}: valid ({len(s.fleets)} fleets, {len(s.workloads)} workloads, "
        f"{len(s.assignments)} assignments, {num(s.site.facility_power_mw, 'g')} MW)"
    )
    return 0
