"""``factory-app export FILE [--chart KIND --out OUT.(png|svg|pdf)] [--deck OUT.pptx] [--workbook OUT.xlsx]``."""

from __future__ import annotations

import argparse
from pathlib import Path

from factory_app.cli.common import CliError
from factory_app.cli.render import _size
from factory_app.cli.scenario_args import read_scenario

CHARTS = ("frontier", "revenue", "power", "cashflow", "demand")


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("export", help="export a slide-ready chart (PNG, SVG, PDF), a PowerPoint deck or an Excel workbook of a scenario")
    p.add_argument("file", help="scenario file (.json)")
    p.add_argument("--chart", choices=CHARTS, help="which chart (with --out)")
    p.add_argument("--out", help="chart file; the format follows the suffix: .png, .svg or .pdf")
    p.add_argument("--size", type=_size, default=(1920, 1080), help="WIDTHxHEIGHT in pixels (default 1920x1080; 3840x2160 for 4K)")
    p.add_argument("--transparent", action="store_true", help="transparent background (PNG only)")
    p.add_argument("--deck", help="write a 16:9 PowerPoint deck with native charts (.pptx)")
    p.add_argument("--workbook", help="write an Excel workbook whose economics are live formulas (.xlsx)")
    p.set_defaults(run=run)


def check_out(path: str) -> Path:
    out = Path(path)
    if out.suffix.lower() not in (".png", ".svg", ".pdf"):
        raise CliError(f"--out: the chart format must be .png, .svg or .pdf, got '{out.suffix or out.name}'", 2)
    if not out.parent.is_dir():
        raise CliError(f"--out: folder {out.parent} does not exist", 2)
    return out


def check_file(flag: str, path: str | None, suffix: str) -> Path | None:
    """An output of ``--deck`` or ``--workbook``: the right suffix, in a folder that exists."""
    if path is None:
        return None
    out = Path(path)
    if out.suffix.lower() != suffix:
        raise CliError(f"{flag}: the file must end in {suffix}, got '{out.suffix or out.name}'", 2)
    if not out.parent.is_dir():
        raise CliError(f"{flag}: folder {out.parent} does not exist", 2)
    return out


def write_office(deck: Path | None, workbook: Path | None, entries, catalog, baseline: int = 0) -> None:
    """Write the deck and/or workbook of evaluated scenarios (``(name, scenario, result)``), each
    atomically; a failure is one line, exit code 1, the old file kept."""
    if deck is not None:
        from factory_app.io.deck import write_deck

        try:
            write_deck(deck, entries, catalog, baseline=baseline)
        except OSError as exc:
            raise CliError(f"cannot write {deck}: {exc.strerror or exc}; the old file, if any, is unchanged", 1) from None
        print(f"wrote {deck}")
    if workbook is not None:
        from factory_app.io.workbook import write_workbook

        name, scenario, result = entries[baseline]
        try:
            write_workbook(workbook, scenario, result, catalog)
        except OSError as exc:
            raise CliError(f"cannot write {workbook}: {exc.strerror or exc}; the old file, if any, is unchanged", 1) from None
        print(f"wrote {workbook}")


def run(args: argparse.Namespace) -> int:
    from factory_app.serving.catalog import default_catalog
    from factory_app.factory.evaluation import evaluate_factory

    if args.chart is None and args.out is None and args.deck is None and args.workbook is None:
        raise CliError("export needs --chart with --out, --deck OUT.pptx or --workbook OUT.xlsx", 2)
    if (args.chart is None) != (args.out is None):
        raise CliError("--chart and --out go together: --chart KIND --out FILE.(png|svg|pdf)", 2)
    out = check_out(args.out) if args.out else None
    deck = check_file("--deck", args.deck, ".pptx")
    workbook = check_file("--workbook", args.workbook, ".xlsx")
    catalog = default_catalog()
    scenario = read_scenario(args.file, catalog)
    result = evaluate_factory(scenario, catalog)
    if out is not None:
        _chart(args, out, scenario, result, catalog)
    write_office(deck, workbook, [(scenario.name or Path(args.file).stem, scenario, result)], catalog)
    return 0


def _chart(args: argparse.Namespace, out: Path, scenario, result, catalog) -> None:
    import os

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from factory_app.factory.curves import frontier_curves
    from factory_app.ui.export import ExportError, chart_slide

    slide = chart_slide(args.chart, scenario, result, frontier_curves(scenario, result, catalog), catalog, args.size,
                        label=scenario.name or Path(args.file).stem)
    try:
        slide.save(out, transparent=args.transparent)
    except ExportError as exc:
        raise CliError(str(exc), 1) from None
    finally:
        slide.close()
    print(f"wrote {out}")
