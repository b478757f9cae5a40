"""``factory-app uncertainty FILE``: how sure the headline figures are (tornado and Monte Carlo)."""

from __future__ import annotations

import argparse
import sys

from factory_app.cli.common import number, print_json
from factory_app.cli.outputs import check_outputs, write_output
from factory_app.factory.metrics import METRICS
from factory_app.factory.results import TOTAL_KEYS
from factory_app.factory.uncertainty.analysis import SUMMARY_KEYS, TORNADO_FIGURES, Analysis, analyse, figure_label
from factory_app.io import number_format as fmt
from factory_app.io.csv_export import csv_bytes, csv_text
from factory_app.io.messages import printable
from factory_app.io.uncertainty_report import analysis_to_json, sample_columns, sample_rows
from factory_app.cli.scenario_args import FileProblem, read_scenario, report_file_problem
from factory_app.scenario.model import Scenario
from factory_app.scenario.uncertainty import MAX_SAMPLES, MAX_SEED, MIN_SAMPLES
from factory_app.serving.catalog import default_catalog

#: Tornado rows the text summary lists (the JSON and CSV have every input).
SHOWN_BARS = 12


def _figure(text: str) -> str:
    if text not in TOTAL_KEYS:
        raise argparse.ArgumentTypeError(f"must be a total of 'evaluate --json' such as {', '.join(TORNADO_FIGURES)}; got {text[:40]!r}")
    return text


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "uncertainty",
        help="how sure the figures are: a tornado of every uncertain input and a Monte Carlo analysis (P10/P50/P90)",
        description=(
            "Tornado (each input with a range alone at its low and high end) and Latin hypercube Monte Carlo of a scenario's "
            "headline figures, over the ranges of its uncertainty block and the sourced defaults (docs/uncertainty.md). "
            "--json prints percentiles, probability_npv_negative, tornado, samples and seed; the same seed gives the same "
            "output. --csv writes every sample's inputs and totals."
        ),
    )
    p.add_argument("file", metavar="FILE", help="scenario file (.json)")
    p.add_argument("--samples", type=number(MIN_SAMPLES, MAX_SAMPLES, integer=True), metavar="N",
                   help=f"Monte Carlo samples, {MIN_SAMPLES:,} to {MAX_SAMPLES:,} (default: the file's, 10,000)")
    p.add_argument("--seed", type=number(0, MAX_SEED, integer=True), metavar="S", help="seed of the samples (default: the file's, 1)")
    p.add_argument("--figure", type=_figure, default="npv_usd", metavar="KEY", help="the total the tornado ranks inputs by (default npv_usd)")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of the summary")
    p.add_argument("--csv", metavar="OUT.csv", help="write every sample (inputs and totals) to this CSV file")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    catalog = default_catalog()
    try:
        scenario = read_scenario(args.file, catalog)
    except FileProblem as exc:
        return report_file_problem(exc)
    outputs = check_outputs([args.file], [("--csv", args.csv)], stdout_used_by="--json" if args.json else None)
    analysis = analyse(scenario, catalog, samples=args.samples, seed=args.seed, figures=(args.figure, *TORNADO_FIGURES))
    csv_out = outputs.get("--csv")
    if csv_out is not None:
        write_output(csv_out, csv_bytes(csv_text(sample_columns(analysis), sample_rows(analysis))))
    if args.json:
        print_json(analysis_to_json(analysis, args.figure))
    elif not outputs.quiet:
        # names come from the file: every line with its control characters escaped
        sys.stdout.write("".join(printable(line) + "\n" for line in format_analysis(scenario, analysis, args.figure).splitlines()))
    return 0


def format_analysis(scenario: Scenario, a: Analysis, figure: str) -> str:
    """A readable summary: the inputs and their ranges, the tornado, the percentiles."""
    mc = a.monte_carlo
    own = sum(1 for i in a.inputs if i.own)
    lines = [scenario.name,
             f"  {mc.samples:,} Latin hypercube samples, seed {mc.seed}; {len(a.inputs)} uncertain inputs "
             f"({own} ranged in the file, {len(a.inputs) - own} sourced defaults)", ""]
    t = a.tornadoes[figure]
    lines.append(f"Tornado of {figure_label(figure)}: {fmt.metric(figure, t.base_value)} as stated; each input alone at its low and high end")
    width = max((len(b.label) for b in t.bars[:SHOWN_BARS]), default=5)
    for b in t.bars[:SHOWN_BARS]:
        rng = f"{fmt.input_value(b.unit, b.low)} .. {fmt.input_value(b.unit, b.high)}"
        lines.append(f"  {b.label:<{width}}  {rng:<26}  {fmt.metric(figure, b.low_value):>14} .. {fmt.metric(figure, b.high_value):<14}"
                     f"  swing {fmt.metric(figure, b.swing)}")
    if len(t.bars) > SHOWN_BARS:
        lines.append(f"  ... and {len(t.bars) - SHOWN_BARS} inputs that move it less (--json lists them all)")
    lines += ["", "Monte Carlo: P10 / P50 / P90 (mean)"]
    width = max(len(METRICS[k].label) for k in SUMMARY_KEYS)
    for key in SUMMARY_KEYS:
        p = mc.percentiles(key)
        lines.append(f"  {METRICS[key].label:<{width}}  {fmt.metric(key, p['p10'])} / {fmt.metric(key, p['p50'])} / "
                     f"{fmt.metric(key, p['p90'])}  ({fmt.metric(key, p['mean'])})")
    lines += ["", f"Probability that NPV < 0: {mc.probability_npv_negative:.1%}", "", "Inputs and their ranges"]
    for i in a.inputs:
        d = i.distribution
        lines.append(f"  {i.label}: {d.kind} {fmt.input_value(i.unit, d.low)} / {fmt.input_value(i.unit, d.mode)} / "
                     f"{fmt.input_value(i.unit, d.high)} ({'the file' if i.own else i.source})")
    return "\n".join(lines) + "\n"
