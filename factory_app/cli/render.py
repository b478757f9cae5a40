"""``factory-app render FILE --png OUT.png [--size WxH]``: the window with a scenario, to a PNG."""

from __future__ import annotations

import argparse
import re

from factory_app.cli.common import CliError


def _size(text: str) -> tuple[int, int]:
    m = re.fullmatch(r"(\d{2,5})x(\d{2,5})", text.strip())
    if not m or not (320 <= int(m.group(1)) <= 7680 and 240 <= int(m.group(2)) <= 4320):
        raise argparse.ArgumentTypeError(f"must be WIDTHxHEIGHT between 320x240 and 7680x4320, got {text!r}")
    return int(m.group(1)), int(m.group(2))


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("render", help="render the app window with a scenario to a PNG (offscreen)")
    p.add_argument("file", help="scenario file (.json)")
    p.add_argument("--png", required=True, help="output PNG path")
    p.add_argument("--size", type=_size, default=(1600, 1000), help="window size, WIDTHxHEIGHT (default 1600x1000)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from factory_app.io.scenario_file import ScenarioFileError
    from factory_app.ui.app import render_png

    try:
        render_png(args.file, args.png, args.size)
    except ScenarioFileError as exc:
        raise CliError(str(exc), 2) from None
    except OSError as exc:
        raise CliError(f"{args.png}: {exc.strerror or exc}", 1) from None
    print(f"wrote {args.png}")
    return 0
