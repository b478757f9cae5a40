"""``factory-app sweep FILE --vary PATH=START:STOP:STEPS ... --csv OUT.csv``: a grid of what-ifs."""

from __future__ import annotations

import argparse
import sys
import time

from factory_app.cli.common import CliError
from factory_app.cli.outputs import check_outputs, write_failed, write_stdout
from factory_app.cli.scenario_args import FileProblem, read_scenario, report_file_problem
from factory_app.serving.catalog import default_catalog
from factory_app.io.csv_export import csv_bytes, csv_text, write_csv
from factory_app.io.messages import printable
from factory_app.scenario.document import parse_path
from factory_app.scenario.model import Scenario
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
    if any(not t.strip() for t in texts):
        raise CliError("--vary: must be PATH=START:STOP:STEPS, e.g. site.electricity_usd_per_kwh=0.04:0.12:9; got an empty value", 2)
    try:
        return [parse_vary(t) for t in texts]
    except ValidationError as exc:
        raise CliError(f"--vary {exc}", 2) from None


def _why_no_effect(scenario: Scenario, path: str) -> str:
    """A known reason a varied field changes nothing, or ""."""
    try:
        kind, key, name = parse_path(path)
    except ValidationError:
        return ""
    if kind != "fleets":
        return ""
    fleet = scenario.fleets[key] if isinstance(key, int) and 0 <= key < len(scenario.fleets) else \
        next((f for f in scenario.fleets if f.id == key), None)
    if fleet is None:
        return ""
    if name == "accelerators" and fleet.sizing == "power":
        return f"fleet '{fleet.id}' is sized by power, so its accelerator count is not used"
    if name == "power_share" and fleet.sizing == "count":
        return f"fleet '{fleet.id}' is sized by count, so its power share is not used"
    return ""


def no_effect(scenario: Scenario, axes: list[SweepAxis], rows: list[list]) -> list[str]:
    """Axes along which no total changed (each with the reason, when one is known): a sweep of
    identical rows should say so rather than look like an answer."""
    out = []
    n = len(axes)
    for i, axis in enumerate(axes):
        if len(set(axis.values())) < 2:
            continue
        groups: dict[tuple, set] = {}
        for row in rows:
            groups.setdefault(tuple(row[:i]) + tuple(row[i + 1 : n]), set()).add(tuple(row[n:]))
        if all(len(totals) == 1 for totals in groups.values()):
            why = _why_no_effect(scenario, axis.path)
            out.append(f"--vary {axis.path} changes no total" + (f": {why}" if why else ""))
    return out


def run(args: argparse.Namespace) -> int:
    catalog = default_catalog()
    try:
        scenario = read_scenario(args.file, catalog)
    except FileProblem as exc:
        return report_file_problem(exc)
    axes = _axes(args.vary)
    outputs = check_outputs([args.file], [("--csv", args.csv)])
    progress = ProgressBar(sys.stderr) if sys.stderr.isatty() else None
    try:
        rows = run_sweep(scenario, axes, catalog, progress)
    except ValidationError as exc:
        raise CliError(f"--vary {exc}", 2) from None
    csv_out = outputs.get("--csv")
    if csv_out.to_stdout:
        write_stdout(csv_bytes(csv_text(sweep_columns(axes), rows)))
    else:
        try:
            write_csv(csv_out.path, sweep_columns(axes), rows)
        except (OSError, UnicodeError) as exc:
            raise write_failed(csv_out, exc) from None
    outputs.say(f"wrote {len(rows):,} rows ({point_count(axes):,} points) to {csv_out.path}")
    idle = no_effect(scenario, axes, rows)
    if idle:
        print(printable(f"factory-app: warning: {'; '.join(idle)} (rows that differ only there are identical)"), file=sys.stderr)
    return 0
