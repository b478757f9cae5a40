"""``factory-app export FILE [--chart KIND --out OUT.(png|svg|pdf) [--figure KEY]] [--deck OUT.pptx] [--workbook OUT.xlsx]``.

The charts of the uncertainty analysis (tornado, histogram, fan) run the analysis of the file's
uncertainty block first (``factory-app uncertainty`` prints the same numbers)."""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from factory_app.cli.common import CliError
from factory_app.cli.outputs import Output, Outputs, check_outputs, write_failed, write_output, write_stdout
from factory_app.cli.render import _size, quiet_qt
from factory_app.cli.scenario_args import read_scenario
from factory_app.io.messages import printable

CHARTS = ("frontier", "revenue", "power", "cashflow", "demand", "tornado", "histogram", "fan")
#: Totals a tornado or a histogram can show (--figure)
FIGURES = ("npv_usd", "revenue_usd_per_watt_year", "cost_usd_per_million_tokens", "tokens_per_s_per_mw", "irr", "margin",
           "revenue_usd_per_year", "cost_usd_per_year")
CHART_SUFFIXES = (".png", ".svg", ".pdf")


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("export", help="export a slide-ready chart (PNG, SVG, PDF), a PowerPoint deck or an Excel workbook of a scenario")
    p.add_argument("file", help="scenario file (.json)")
    p.add_argument("--chart", choices=CHARTS, help="which chart (with --out)")
    p.add_argument("--out", help="chart file; the format follows the suffix: .png, .svg or .pdf")
    p.add_argument("--size", type=_size, default=(1920, 1080), help="WIDTHxHEIGHT in pixels (default 1920x1080; 3840x2160 for 4K)")
    p.add_argument("--transparent", action="store_true", help="transparent background (PNG only)")
    p.add_argument("--figure", default="npv_usd", choices=FIGURES, metavar="KEY",
                   help=f"the total of a tornado or a histogram chart: {', '.join(FIGURES)} (default npv_usd)")
    p.add_argument("--deck", help="write a 16:9 PowerPoint deck with native charts (.pptx)")
    p.add_argument("--workbook", help="write an Excel workbook whose economics are live formulas (.xlsx)")
    p.set_defaults(run=run)


def check_out(path: str, flag: str = "--out") -> Path:
    """A chart output's format, from its suffix (a bad suffix is a bad argument: exit 2). Whether
    the file can be written is found when it is written (exit :data:`~factory_app.cli.outputs.WRITE_FAILED`)."""
    out = Path(path)
    if out.suffix.lower() not in CHART_SUFFIXES:
        raise CliError(f"{flag}: the chart format must be .png, .svg or .pdf, got '{printable(out.suffix or out.name)}'", 2)
    return out


def check_file(flag: str, path: str | None, suffix: str) -> Path | None:
    """An output of ``--deck`` or ``--workbook``: the right suffix (else exit 2). Whether it can be
    written is found when it is written (exit 73)."""
    if path is None:
        return None
    out = Path(path)
    if out.suffix.lower() != suffix:
        raise CliError(f"{flag}: the file must end in {suffix}, got '{printable(out.suffix or out.name)}'", 2)
    return out


def write_office(outputs: Outputs, entries, catalog, baseline: int = 0) -> None:
    """Write the ``--deck`` and/or ``--workbook`` of evaluated scenarios (``(name, scenario,
    result)``), each as :func:`write_output` writes; says "wrote ..." unless stdout carries one."""
    deck, workbook = outputs.get("--deck"), outputs.get("--workbook")
    if deck is not None:
        from factory_app.io.deck import deck_bytes

        write_output(deck, deck_bytes(entries, catalog, baseline=baseline, uncertainty=_uncertainty_slides(entries, catalog)))
        outputs.say(f"wrote {deck.path}")
    if workbook is not None:
        from factory_app.io.workbook import workbook_bytes

        _name, scenario, result = entries[baseline]
        write_output(workbook, workbook_bytes(scenario, result, catalog))
        outputs.say(f"wrote {workbook.path}")

def _uncertainty_slides(entries, catalog) -> dict | None:
    """The tornado and fan chart of a one-scenario deck (issue 15): the analysis of the file's
    uncertainty block, seeded as the file says (``factory-app uncertainty`` prints the same)."""
    if len(entries) != 1:
        return None
    from factory_app.factory.uncertainty.analysis import analyse
    from factory_app.io.uncertainty_report import deck_uncertainty

    name, scenario, _result = entries[0]
    return {name: deck_uncertainty(analyse(scenario, catalog))}


def save_slide(slide, out: Path, output: Output, transparent: bool = False) -> None:
    """Write a slide to its output (a file atomically, or standard output), then close it.
    A failure is a write failure of that output (exit 73)."""
    from factory_app.ui.export import ExportError

    try:
        if output.to_stdout:
            with tempfile.TemporaryDirectory(prefix="factory-app-chart-") as scratch:
                draft = Path(scratch) / f"chart{out.suffix.lower()}"
                slide.save(draft, transparent=transparent)
                write_stdout(draft.read_bytes())
        else:
            if not out.parent.is_dir():
                raise CliError(f"cannot write {printable(str(out))}: folder {printable(str(out.parent))} does not exist", 73)
            slide.save(out, transparent=transparent)
    except ExportError as exc:
        raise CliError(f"cannot write {printable(str(exc))}", 73) from None
    except OSError as exc:
        raise write_failed(output, exc) from None
    finally:
        slide.close()


def run(args: argparse.Namespace) -> int:
    from factory_app.serving.catalog import default_catalog
    from factory_app.factory.evaluation import evaluate_factory

    if args.chart is None and args.out is None and args.deck is None and args.workbook is None:
        raise CliError("export needs --chart with --out, --deck OUT.pptx or --workbook OUT.xlsx", 2)
    if (args.chart is None) != (args.out is None):
        raise CliError("--chart and --out go together: --chart KIND --out FILE.(png|svg|pdf)", 2)
    out = check_out(args.out) if args.out else None
    check_file("--deck", args.deck, ".pptx")
    check_file("--workbook", args.workbook, ".xlsx")
    outputs = check_outputs([args.file], [("--out", args.out), ("--deck", args.deck), ("--workbook", args.workbook)])
    catalog = default_catalog()
    scenario = read_scenario(args.file, catalog)
    result = evaluate_factory(scenario, catalog)
    if out is not None:
        _chart(args, out, outputs, scenario, result, catalog)
    write_office(outputs, [(scenario.name or Path(args.file).stem, scenario, result)], catalog)
    return 0


def _chart(args: argparse.Namespace, out: Path, outputs: Outputs, scenario, result, catalog) -> None:
    import os

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from factory_app.factory.curves import frontier_curves
    from factory_app.ui.export import chart_slide

    with quiet_qt():
        slide = chart_slide(args.chart, scenario, result, frontier_curves(scenario, result, catalog), catalog, args.size,
                            label=scenario.name or Path(args.file).stem, figure=args.figure)
        save_slide(slide, out, outputs.get("--out"), args.transparent)
    outputs.say(f"wrote {out}")
