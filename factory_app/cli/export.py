"""``factory-app export FILE --chart frontier|revenue|power|cashflow|demand|tornado|histogram|fan --out OUT.(png|svg|pdf) [--size WxH]``."""

from __future__ import annotations

import argparse
from pathlib import Path

from factory_app.cli.common import CliError
from factory_app.cli.render import _size
from factory_app.cli.scenario_args import read_scenario
from factory_app.factory.uncertainty.analysis import TORNADO_FIGURES

CHARTS = ("frontier", "revenue", "power", "cashflow", "demand", "tornado", "histogram", "fan")


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("export", help="export a slide-ready chart of a scenario (PNG, SVG or PDF)")
    p.add_argument("file", help="scenario file (.json)")
    p.add_argument("--chart", required=True, choices=CHARTS, help="which chart")
    p.add_argument("--out", required=True, help="output file; the format follows the suffix: .png, .svg or .pdf")
    p.add_argument("--size", type=_size, default=(1920, 1080), help="WIDTHxHEIGHT in pixels (default 1920x1080; 3840x2160 for 4K)")
    p.add_argument("--transparent", action="store_true", help="transparent background (PNG only)")
    p.add_argument("--figure", default="npv_usd", choices=TORNADO_FIGURES + ("irr", "margin", "revenue_usd_per_year", "cost_usd_per_year"),
                   metavar="KEY", help="the total of a tornado or a histogram (default npv_usd)")
    p.set_defaults(run=run)


def check_out(path: str) -> Path:
    out = Path(path)
    if out.suffix.lower() not in (".png", ".svg", ".pdf"):
        raise CliError(f"--out: the chart format must be .png, .svg or .pdf, got '{out.suffix or out.name}'", 2)
    if not out.parent.is_dir():
        raise CliError(f"--out: folder {out.parent} does not exist", 2)
    return out


def run(args: argparse.Namespace) -> int:
    import os

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from factory_app.serving.catalog import default_catalog
    from factory_app.factory.curves import frontier_curves
    from factory_app.factory.evaluation import evaluate_factory
    from factory_app.ui.export import ExportError, chart_slide

    out = check_out(args.out)
    catalog = default_catalog()
    scenario = read_scenario(args.file, catalog)
    result = evaluate_factory(scenario, catalog)
    slide = chart_slide(args.chart, scenario, result, frontier_curves(scenario, result, catalog), catalog, args.size,
                        label=scenario.name or Path(args.file).stem, figure=args.figure)
    try:
        slide.save(out, transparent=args.transparent)
    except ExportError as exc:
        raise CliError(str(exc), 1) from None
    finally:
        slide.close()
    print(f"wrote {out}")
    return 0
