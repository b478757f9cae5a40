"""``factory-app sweep FILE --vary PATH=START:STOP:STEPS ... --csv OUT.csv``: a grid of what-ifs."""

from __future__ import annotations

import argparse
import sys
import time

from factory_app.cli.common import CliError
from factory_app.cli.evaluate import _same_file
from factory_app.cli.scenario_args import FileProblem, read_scenario, report_file_problem, write_failed
from factory_app.serving.catalog import default_catalog
from factory_app.io.csv_export import write_csv
from factory_app.scenario.fields import ValidationError
from factory_app.factory.sweep import SweepAxis, parse_vary, point_count, run_sweep, sweep_columns


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "sweep",
        help="evaluate a scenario over a grid of parameter values and write one CSV row per point",
        description=(
            "Vary numeric parameters by path (site.electricity_usd_per_kwh, fleets[0].power_share, "
            "workloads.chat.isl, assignments[1].share) over STEPS evenly spaced values from START to STOP, both included. "
            "Several --vary form their cartesian product (the first varies slowest). Columns: the varied paths, then the "
            "totals of 'evaluate --json'. A progress bar goes to stderr when it is a terminal."
        ),
    )
    p.add_argument("file", metavar="FILE", help="scenario file (.json)")
    p.add_argument("--vary", action="append", required=True, metavar="PATH=START:STOP:STEPS", help="a parameter to vary (repeatable)")
    p.add_argument("--csv", required=True, metavar="OUT.csv", help="where to write the table")
    p.set_defaults(run=run)


class ProgressBar:
    """A one-line bar on a terminal, redrawn at most ten times a second."""

    def __init__(self, stream, width: int = 30) -> None:
        self.stream, self.width, self.last = stream, width, 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and now - self.last < 0.1:
            return
        self.last = now
        filled = int(self.width * done / max(total, 1))
        self.stream.write(f"\r[{'#' * filled}{'.' * (self.width - filled)}] {done:,}/{total:,}")
        if done >= total:
            self.stream.write("\n")
        self.stream.flush()


def _axes(texts: list[str]) -> list[SweepAxis]:
    try:
        return [parse_vary(t) for t in texts]
    except ValidationError as exc:
        raise CliError(f"--vary {exc}", 2) from None


def run(args: argparse.Namespace) -> int:
    catalog = default_catalog()
    try:
        scenario = read_scenario(args.file, catalog)
    except FileProblem as exc:
        return report_file_problem(exc)
    axes = _axes(args.vary)
    if _same_file(args.csv, args.file):
        raise CliError(f"--csv {args.csv} would overwrite the scenario file", 2)
    progress = ProgressBar(sys.stderr) if sys.stderr.isatty() else None
    try:
        rows = run_sweep(scenario, axes, catalog, progress)
    except ValidationError as exc:
        raise CliError(f"--vary {exc}", 2) from None
    try:
        write_csv(args.csv, sweep_columns(axes), rows)
    except OSError as exc:
        raise write_failed(args.csv, exc) from None
    print(f"wrote {len(rows):,} rows ({point_count(axes):,} points) to {args.csv}")
    return 0
