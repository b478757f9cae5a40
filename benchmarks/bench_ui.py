"""Desktop-app benchmarks: start to window shown, and edit to results repainted. Prints a table.

Run offscreen (``QT_QPA_PLATFORM=offscreen``, as ``make bench`` does) or on a real display.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parent.parent
START_SCRIPT = r"""
import os, sys, time
t0 = float(sys.argv[1])
from PySide6.QtWidgets import QApplication
app = QApplication([])
from factory_app.ui.main_window import MainWindow
w = MainWindow(restore_layout=False)
w.show()
app.processEvents()
print(time.time() - t0)
"""


def start_time_s(repeat: int = 5) -> float:
    """Wall time from launching a Python process to the main window shown (median)."""
    times = []
    for _ in range(repeat):
        t0 = time.time()
        out = subprocess.run([sys.executable, "-c", START_SCRIPT, repr(t0)], capture_output=True, text=True, cwd=ROOT, timeout=120)
        times.append(float(out.stdout.strip().splitlines()[-1]))
    return statistics.median(times)


def edit_to_repaint_ms(example: Path, field: tuple[str, str | None, str], values: list, repeat: int = 30) -> float:
    from PySide6.QtWidgets import QApplication

    from factory_app.ui.undo_commands import SetFieldCommand
    from factory_app.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    w = MainWindow(restore_layout=False)
    w.resize(1600, 1000)
    w.show()
    assert w.open_file(example)
    app.processEvents()
    times = []
    for i in range(repeat):
        kind, item_id, name = field
        t = time.perf_counter()
        w.push(SetFieldCommand(w.doc, kind, item_id, name, values[i % len(values)]))
        w.evaluator.recompute()  # what the coalescing timer does at the next turn of the loop
        app.processEvents()  # delivers the update requests: paints what changed
        times.append((time.perf_counter() - t) * 1e3)
    for s in w.sessions:
        s.undo_stack.setClean()
    w.close()
    return statistics.median(times)


def main() -> int:
    from factory_app.io.scenario_file import load_scenario

    examples = sorted((ROOT / "resources" / "examples").glob("*.json"), key=lambda p: len(load_scenario(p).assignments))
    largest = examples[-1]
    s = load_scenario(largest)
    first_workload = s.workloads[0].id
    rows = [
        ("start to window shown (s, new process, warm disk)", start_time_s(), "<= 1.5 s"),
        (f"edit -> repainted, electricity price ({largest.name}) (ms)",
         edit_to_repaint_ms(largest, ("site", "site", "electricity_usd_per_kwh"), [0.05, 0.06, 0.07, 0.08, 0.09]), "<= 16 ms"),
        (f"edit -> repainted, fleet accelerator life ({largest.name}) (ms)",
         edit_to_repaint_ms(largest, ("fleet", s.fleets[0].id, "life_years"), [4.0, 5.0, 6.0]), "<= 16 ms"),
        (f"edit -> repainted, prompt length (new frontiers) ({largest.name}) (ms)",
         edit_to_repaint_ms(largest, ("workload", first_workload, "isl"), [900, 1000, 1100, 1200], repeat=12), "(cold engine work)"),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"{'benchmark':<{width}}  {'median':>9}  target")
    for name, value, target in rows:
        print(f"{name:<{width}}  {value:9.3f}  {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
