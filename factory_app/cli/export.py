"""``factory-app export FILE --chart frontier|revenue|power|cashflow|demand --out OUT.(png|svg|pdf) [--size WxH]``."""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from factory_app.cli.common import CliError
from factory_app.cli.outputs import Output, check_outputs, write_failed, write_stdout
from factory_app.cli.render import _size, quiet_qt
from factory_app.cli.scenario_args import read_scenario
from factory_app.io.messages import printable

CHARTS = ("frontier", "revenue", "power", "cashflow", "demand")
CHART_SUFFIXES = (".png", ".svg", ".pdf")


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("export", help="export a slide-ready chart of a scenario (PNG, SVG or PDF)")
    p.add_argument("file", help="scenario file (.json)")
    p.add_argument("--chart", required=True, choices=CHARTS, help="which chart")
    p.add_argument("--out", required=True, help="output file; the format follows the suffix: .png, .svg or .pdf")
    p.add_argument("--size", type=_size, default=(1920, 1080), help="WIDTHxHEIGHT in pixels (default 1920x1080; 3840x2160 for 4K)")
    p.add_argument("--transparent", action="store_true", help="transparent background (PNG only)")
    p.set_defaults(run=run)


def check_out(path: str, flag: str = "--out") -> Path:
    """A chart output's format, from its suffix (a bad suffix is a bad argument: exit 2). Whether
    the file can be written is found when it is written (exit :data:`~factory_app.cli.outputs.WRITE_FAILED`)."""
    out = Path(path)
    if out.suffix.lower() not in CHART_SUFFIXES:
        raise CliError(f"{flag}: the chart format must be .png, .svg or .pdf, got '{printable(out.suffix or out.name)}'", 2)
    return out


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
    import os

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from factory_app.serving.catalog import default_catalog
    from factory_app.factory.curves import frontier_curves
    from factory_app.factory.evaluation import evaluate_factory
    from factory_app.ui.export import chart_slide

    out = check_out(args.out)
    outputs = check_outputs([args.file], [("--out", args.out)])
    catalog = default_catalog()
    scenario = read_scenario(args.file, catalog)
    result = evaluate_factory(scenario, catalog)
    with quiet_qt():
        slide = chart_slide(args.chart, scenario, result, frontier_curves(scenario, result, catalog), catalog, args.size,
                            label=scenario.name or Path(args.file).stem)
        save_slide(slide, out, outputs.get("--out"), args.transparent)
    outputs.say(f"wrote {out}")
    return 0
