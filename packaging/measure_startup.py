"""Start-up time of the packaged app: process start to main window shown, median of warm runs.

    python packaging/measure_startup.py [--exe dist/factory-app/factory-app] [--runs 5] [--platform offscreen]

Starts the executable with no arguments (the desktop app, as a double-click would) and
``FACTORY_APP_EXIT_AFTER_SHOW=1``, which makes ``factory_app.ui.app.run_app`` print
"window shown after X s" (X measured from the process's own start time in /proc) and quit once the
event loop has shown the window. One unmeasured run first warms the file cache; then ``--runs``
runs are timed. The wall time to exit is printed too. Standard library only; a fresh temporary HOME
so no settings, recent files or crash-recovery copy change what starts. For a real X server use
``--platform xcb`` with DISPLAY set (e.g. under ``xvfb-run``).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHOWN = re.compile(r"window shown after ([0-9.]+) s")


def one_run(exe: Path, env: dict[str, str], timeout: float) -> tuple[float, float]:
    """(seconds to window shown as the app reports it, wall seconds until the process exited)."""
    start = time.perf_counter()
    proc = subprocess.run([str(exe)], env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout)
    wall = time.perf_counter() - start
    match = SHOWN.search(proc.stdout)
    if proc.returncode != 0 or not match:
        raise SystemExit(f"measure_startup: {exe} exited {proc.returncode} without 'window shown after': "
                         f"{proc.stdout[-500:]}{proc.stderr[-1500:]}")
    return float(match.group(1)), wall


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--exe", type=Path, default=ROOT / "dist" / "factory-app" / "factory-app")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--platform", default="offscreen", help="QT_QPA_PLATFORM (offscreen, xcb, ...)")
    parser.add_argument("--timeout", type=float, default=60.0)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="factory-app-startup-") as home:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV", "FACTORY_APP_", "XDG_"))}
        env.update(HOME=home, XDG_CONFIG_HOME=f"{home}/config", XDG_DATA_HOME=f"{home}/data",
                   XDG_CACHE_HOME=f"{home}/cache", QT_QPA_PLATFORM=args.platform, FACTORY_APP_EXIT_AFTER_SHOW="1")
        one_run(args.exe, env, args.timeout)  # warm-up, not counted
        runs = [one_run(args.exe, env, args.timeout) for _ in range(args.runs)]
    shown = [s for s, _ in runs]
    walls = [w for _, w in runs]
    print(f"{args.exe} on QT_QPA_PLATFORM={args.platform}: {args.runs} warm runs")
    print("  window shown (s): " + "  ".join(f"{s:.2f}" for s in shown) + f"   median {statistics.median(shown):.2f}")
    print("  process exit (s): " + "  ".join(f"{w:.2f}" for w in walls) + f"   median {statistics.median(walls):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
