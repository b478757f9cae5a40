"""``factory-app render FILE --png OUT.png [--size WxH]``: the window with a scenario, to a PNG."""

from __future__ import annotations

import argparse
import contextlib
import re
from typing import Iterator

from factory_app.cli.common import CliError
from factory_app.cli.outputs import check_outputs, write_output

#: Qt messages that say nothing to a user of the command line (the offscreen platform has no
#: window manager to pass size hints to). Every other Qt message still reaches stderr.
_QT_NOISE = ("This plugin does not support propagateSizeHints()",)


def _size(text: str) -> tuple[int, int]:
    m = re.fullmatch(r"(\d{2,5})x(\d{2,5})", text.strip())
    if not m or not (320 <= int(m.group(1)) <= 7680 and 240 <= int(m.group(2)) <= 4320):
        raise argparse.ArgumentTypeError(f"must be WIDTHxHEIGHT between 320x240 and 7680x4320, got {text!r}")
    return int(m.group(1)), int(m.group(2))


@contextlib.contextmanager
def quiet_qt() -> Iterator[None]:
    """Drop Qt's offscreen-platform chatter (:data:`_QT_NOISE`) while drawing for a command."""
    import sys

    from PySide6.QtCore import qInstallMessageHandler

    def handler(_mode, _context, message: str) -> None:
        if message not in _QT_NOISE:
            sys.stderr.write(message + "\n")

    previous = qInstallMessageHandler(handler)
    try:
        yield
    finally:
        qInstallMessageHandler(previous)


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("render", help="render the app window with a scenario to a PNG (offscreen)")
    p.add_argument("file", help="scenario file (.json)")
    p.add_argument("--png", required=True, help="output PNG path")
    p.add_argument("--size", type=_size, default=(1600, 1000), help="window size, WIDTHxHEIGHT (default 1600x1000)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from factory_app.io.scenario_file import ScenarioFileError
    from factory_app.ui.app import render_png_bytes

    outputs = check_outputs([args.file], [("--png", args.png)])
    png = outputs.get("--png")
    try:
        with quiet_qt():
            data = render_png_bytes(args.file, args.size)
    except ScenarioFileError as exc:
        raise CliError(str(exc), 2) from None
    write_output(png, data)  # atomic: a full disk keeps the old PNG, never a truncated one
    outputs.say(f"wrote {args.png}")
    return 0
