"""``factory-app compare A.json B.json [...] [--baseline A.json] --csv OUT.csv [--chart OUT] [--deck OUT.pptx] [--workbook OUT.xlsx]``."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from factory_app.cli.common import CliError
from factory_app.cli.export import check_file, check_out, save_slide, write_office
from factory_app.cli.outputs import check_outputs, same_file, write_output
from factory_app.cli.render import _size
from factory_app.cli.scenario_args import read_scenario
from factory_app.io.messages import one_line, printable
from factory_app.io.compare_table import COLUMNS, MAX_SCENARIOS, CompareEntry, compare, compare_csv_rows
from factory_app.io.csv_export import csv_bytes, csv_text

#: The totals the text table shows (the CSV has them all)
SHOWN = ("output_tokens_per_s", "tokens_per_s_per_mw", "revenue_usd_per_year", "revenue_usd_per_watt_year",
         "cost_usd_per_million_tokens", "margin", "npv_usd", "irr", "payback_years", "discounted_payback_years",
         "joules_per_token")


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("compare", help=f"compare 2 to {MAX_SCENARIOS} scenarios: every headline figure and its difference to a baseline")
    p.add_argument("files", nargs="+", help="scenario files (.json)")
    p.add_argument("--baseline", help="the file the differences are against (default: the first)")
    p.add_argument("--csv", help="write the comparison table here (columns in docs/file-format.md)")
    p.add_argument("--chart", help="also write a comparison chart (.png, .svg or .pdf)")
    p.add_argument("--size", type=_size, default=(1920, 1080), help="chart size WIDTHxHEIGHT (default 1920x1080)")
    p.add_argument("--deck", help="also write a PowerPoint deck: each scenario's headline figures, one slide per compared pair (.pptx)")
    p.add_argument("--workbook", help="also write the baseline's Excel workbook with live formulas (.xlsx)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from factory_app.serving.catalog import default_catalog
    from factory_app.factory.evaluation import evaluate_factory

    if not 2 <= len(args.files) <= MAX_SCENARIOS:
        raise CliError(f"compare takes 2 to {MAX_SCENARIOS} scenario files, got {len(args.files)}", 2)
    if not args.csv:  # checked after the file count, which is the first thing a user gets wrong
        raise CliError("compare: --csv FILE is required (where the comparison table goes; '-' for standard output)", 2)
    baseline = 0
    if args.baseline:
        matches = [i for i, f in enumerate(args.files) if same_file(f, args.baseline)]
        if not matches:
            raise CliError(f"--baseline: {printable(args.baseline)} is not one of the compared files", 2)
        baseline = matches[0]
    chart = check_out(args.chart, "--chart") if args.chart else None
    check_file("--deck", args.deck, ".pptx")
    check_file("--workbook", args.workbook, ".xlsx")
    outputs = check_outputs(args.files, [("--csv", args.csv), ("--chart", args.chart), ("--deck", args.deck),
                                         ("--workbook", args.workbook)])
    catalog = default_catalog()
    scenarios = [read_scenario(f, catalog) for f in args.files]
    names = [s.name or Path(f).stem for s, f in zip(scenarios, args.files)]
    if len(set(names)) < len(names):  # two files with the same scenario name: tell them apart
        names = [f"{n} ({Path(f).name})" for n, f in zip(names, args.files)]
    results = [evaluate_factory(s, catalog) for s in scenarios]
    entries = [CompareEntry(n, f, r) for n, f, r in zip(names, args.files, results)]
    csv_out = outputs.get("--csv")
    write_output(csv_out, csv_bytes(csv_text(COLUMNS, compare_csv_rows(entries, baseline))))
    if not outputs.quiet:
        _print_table(entries, baseline)
    chart_out = outputs.get("--chart")
    if chart is not None and chart_out is not None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        from factory_app.ui.export import compare_slide

        slide = compare_slide([(e.name, s, e.result) for e, s in zip(entries, scenarios)], catalog, args.size)
        save_slide(slide, chart, chart_out)
        outputs.say(f"wrote {chart}")
    write_office(outputs, [(e.name, s, e.result) for e, s in zip(entries, scenarios)], catalog, baseline)
    outputs.say(f"wrote {csv_out.path}")
    return 0


def _print_table(entries: list[CompareEntry], baseline: int) -> None:
    """The headline figures as people read them, with each scenario's change against the baseline."""
    from factory_app.factory.metrics import METRICS
    from factory_app.io import number_format as fmt

    rows = [r for r in compare(entries, baseline) if r.metric in SHOWN]
    width = max(len(METRICS[r.metric].label) for r in rows)
    cols = [max(22, min(len(e.name), 40)) for e in entries]
    head = f"{'':<{width}}" + "".join(f"  {one_line(e.name, 40):>{w}}" for e, w in zip(entries, cols))
    lines = [head]
    for r in rows:
        cells = []
        for i, (c, w) in enumerate(zip(r.cells, cols)):
            text = fmt.total(r.metric, entries[i].result.totals)  # "—" where a total has no value
            if i != baseline and text != fmt.MISSING and fmt.total(r.metric, entries[baseline].result.totals) != fmt.MISSING:
                text += f" ({fmt.difference(r.metric, c.difference, c.difference_pct)})"
            cells.append(f"  {text:>{w}}")
        lines.append(f"{METRICS[r.metric].label:<{width}}" + "".join(cells))
    lines.append(f"(baseline: {one_line(entries[baseline].name, 80)}; changes against it in brackets)")
    sys.stdout.write("".join(printable(line) + "\n" for line in lines))
