"""``factory-app``: the desktop app with no arguments (or a file), headless commands otherwise.

Every command exits 0 on success, 1 when the answer is "not feasible" or a target is missed, 2 on
bad input (unknown id, bad argument, bad file, an output that would overwrite an input), 73 when an
output cannot be written (:data:`~factory_app.cli.outputs.WRITE_FAILED`), and never prints a
traceback: an unexpected failure is one line on stderr and exit code 70 (docs/cli.md).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

import importlib
from types import ModuleType

from factory_app import __version__
from factory_app.cli.common import CliError, OneLineParser
from factory_app.io.messages import one_line
from factory_app.serving.catalog import CatalogError, UnknownIdError

#: Subcommands in the order ``--help`` lists them; each is a module of this package with
#: ``add_parser`` and ``run``. Only the one that runs is imported (``predict`` never loads the
#: calibration or the factory model).
COMMANDS = ("predict", "catalog", "evaluate", "validate", "sweep", "compare", "export", "render", "calibrate")


def _command_module(name: str) -> ModuleType:
    return importlib.import_module(f"factory_app.cli.{name}")


def build_parser(only: str | None = None) -> OneLineParser:
    """The ``factory-app`` parser with every subcommand, or just ``only`` (faster to start)."""
    parser = OneLineParser(
        prog="factory-app",
        description="AI Factory Modeller: what-if modelling of tokens, power and money in AI factories.",
    )
    parser.add_argument("--version", action="version", version=f"factory-app {__version__}")
    sub = parser.add_subparsers(title="commands", metavar="COMMAND", parser_class=OneLineParser)
    for name in (only,) if only else COMMANDS:
        _command_module(name).add_parser(sub)
    return parser


def _gui(path: str | None) -> int:
    """Open the desktop app (imported lazily: headless commands never load Qt)."""
    from factory_app.ui.app import run_app

    return run_app(path)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``factory-app`` console script: no arguments or a file opens the app."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv:
        return _gui(None)
    if len(argv) == 1 and argv[0] not in COMMANDS and (argv[0].endswith(".json") or os.path.isfile(argv[0])):
        return _gui(argv[0])
    try:
        parser = build_parser(argv[0] if argv[0] in COMMANDS else None)
        args = parser.parse_args(argv)
        if not hasattr(args, "run"):
            parser.print_help()
            return 2
        return int(args.run(args) or 0)
    except UnknownIdError as exc:
        print(one_line(f"factory-app: {exc}"), file=sys.stderr)
        return 2
    except CliError as exc:
        print(one_line(f"factory-app: {exc}"), file=sys.stderr)
        return exc.code
    except CatalogError as exc:
        print(one_line(f"factory-app: catalogue error: {exc}"), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("factory-app: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # noqa: BLE001 - the promise is: never a traceback
        print(one_line(f"factory-app: internal error: {type(exc).__name__}: {exc}"), file=sys.stderr)
        return 70


if __name__ == "__main__":
    sys.exit(main())
