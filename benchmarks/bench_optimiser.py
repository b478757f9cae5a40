"""Optimiser benchmarks: ``factory-app evaluate --optimise`` against a plain ``evaluate`` of the
same file, for factories of 300, 1,000 and 3,000 fleets, and an edit of such a factory in the app.

Run: ``QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_optimiser.py`` (or ``make
bench``). Prints a table; asserts nothing (tests/factory/test_optimiser.py checks the optimiser's
answers and that the programme stays small).

The factories are :func:`bench_big_factory.build_big_scenario` with N power-sized fleets and 50
workloads (every fifth with a demand cap), about two assignments per fleet. Each command runs as
a new process, as a user runs it (``python -m factory_app evaluate FILE --json [--optimise]``,
output discarded), so times include starting Python and importing numpy (about 0.3 s here);
peak memory is the process's own high-water resident set (VmHWM). Medians of ``REPEAT`` runs,
after one unmeasured run per file.
Targets (issue 11): at 1,000 fleets the optimised evaluate takes at most 4x the plain one; at
3,000 fleets under 10 s and 500 MB.

The in-process columns split the optimised evaluation: the linear programme (build the
per-accelerator model, presolve, simplex) and the whole optimise call, engine caches cleared
before each. The last rows time an edit of a 300-fleet ``optimise: true`` factory in the window:
the quick result painted (the optimiser then runs in a worker) and the optimised one arriving.
"""

from __future__ import annotations

import sys as _sys
from pathlib import Path as _Path

_sys.path.insert(0, str(_Path(__file__).resolve().parent))
from bench_big_factory import build_big_scenario  # noqa: E402
from timing import median_ms  # noqa: E402

import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SIZES = (300, 1000, 3000)
REPEAT = 3


#: Runs ``factory-app ARGS`` and, at exit, writes its own peak resident memory to stderr. Read in
#: the process itself (VmHWM, kB, Linux): ``ru_maxrss`` of a child carries the size of the parent
#: it was forked from across the exec, which is large when ``make bench`` runs all scripts in one.
CHILD = """
import atexit, sys
def peak():
    try:
        line = next(l for l in open('/proc/self/status') if l.startswith('VmHWM:'))
        sys.stderr.write('PEAK_KB ' + line.split()[1] + '\\n')
    except (OSError, StopIteration):
        import resource
        sys.stderr.write('PEAK_KB %d\\n' % resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
atexit.register(peak)
from factory_app.cli import main
sys.exit(main(sys.argv[1:]))
"""


def run_process(path: Path, optimise: bool) -> tuple[float, float]:
    """Wall seconds and peak resident MB of one ``evaluate`` process."""
    argv = [sys.executable, "-c", CHILD, "evaluate", str(path), "--json"] + (["--optimise"] if optimise else [])
    start = time.perf_counter()
    done = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT, text=True)
    seconds = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"evaluate failed ({done.returncode}): {done.stderr}")
    peak = next((line.split()[1] for line in done.stderr.splitlines() if line.startswith("PEAK_KB ")), "0")
    return seconds, int(peak) / 1024


def process_rows(paths: dict[int, Path]) -> list[tuple[str, str, str]]:
    rows = []
    for n, path in paths.items():
        run_process(path, False)  # unmeasured: the file and the modules in the page cache
        plain = [run_process(path, False) for _ in range(REPEAT)]
        optimised = [run_process(path, True) for _ in range(REPEAT)]
        t_plain, t_opt = statistics.median(t for t, _ in plain), statistics.median(t for t, _ in optimised)
        mem_plain, mem_opt = max(m for _, m in plain), max(m for _, m in optimised)
        target = {1000: "<= 4x plain", 3000: "< 10 s, < 500 MB"}.get(n, "")
        rows.append((f"{n:,} fleets: evaluate (process)", f"{t_plain:.2f} s, {mem_plain:,.0f} MB", ""))
        rows.append((f"{n:,} fleets: evaluate --optimise (process)", f"{t_opt:.2f} s, {mem_opt:,.0f} MB ({t_opt / t_plain:.2f}x)", target))
    return rows


def in_process_rows(scenarios: dict[int, object]) -> list[tuple[str, str, str]]:
    from factory_app.factory.evaluation import evaluate_factory
    from factory_app.factory.operating_points import clear_cache
    from factory_app.factory.optimiser.split import build_model, reduce_programme, solve
    from factory_app.serving.catalog import default_catalog
    from factory_app.serving.predict import cached_frontier

    cat = default_catalog()

    def cold() -> None:
        clear_cache()
        cached_frontier.cache_clear()

    rows = []
    for n, scenario in scenarios.items():
        model = build_model(scenario, cat)
        reduced = reduce_programme(model)
        lp = median_ms(lambda: solve(model), 5)
        plain = median_ms(lambda: evaluate_factory(scenario, cat, optimise=False), 1, cold)
        optimised = median_ms(lambda: evaluate_factory(scenario, cat, optimise=True), 1, cold)
        rows.append((f"{n:,} fleets: presolve + simplex ({len(model.pairs):,} pairs -> {reduced.rows.shape[1]:,} x "
                     f"{reduced.rows.shape[0]} programme)", f"{lp:,.1f} ms", ""))
        rows.append((f"{n:,} fleets: evaluate_factory cold, plain / optimised", f"{plain:,.0f} / {optimised:,.0f} ms", ""))
    return rows


def window_rows(path: Path) -> list[tuple[str, str, str]]:
    from PySide6.QtWidgets import QApplication

    from factory_app.ui.main_window import MainWindow
    from factory_app.ui.undo_commands import SetFieldCommand

    app = QApplication.instance() or QApplication([])
    w = MainWindow(restore_layout=False)
    w.resize(1600, 1000)
    w.show()
    assert w.open_file(path)
    deadline = time.monotonic() + 300
    while not (w.evaluator.result and w.evaluator.result.optimised) and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.01)
    quick, full = [], []
    for price in (0.05, 0.06, 0.07, 0.08, 0.05):
        t = time.perf_counter()
        w.push(SetFieldCommand(w.doc, "site", "site", "electricity_usd_per_kwh", price))
        w.evaluator.recompute()
        app.processEvents()
        quick.append((time.perf_counter() - t) * 1e3)
        while not w.evaluator.result.optimised and time.monotonic() < deadline:
            app.processEvents()
            time.sleep(0.005)
        full.append((time.perf_counter() - t) * 1e3)
    for s in w.sessions:
        s.undo_stack.setClean()
    w.close()
    return [
        ("300 fleets, optimise: true: edit -> quick result repainted (ms)", f"{statistics.median(quick):,.0f} ms", "UI never blocked by the optimiser"),
        ("300 fleets, optimise: true: edit -> optimised result shown (ms; 300 ms debounce)", f"{statistics.median(full):,.0f} ms", ""),
    ]


def main() -> int:
    from factory_app.io.scenario_file import save_scenario

    scenarios = {n: build_big_scenario(n) for n in SIZES}
    with tempfile.TemporaryDirectory() as folder:
        paths = {}
        for n, s in scenarios.items():
            paths[n] = Path(folder) / f"fleets-{n}.json"
            save_scenario(s, paths[n])
        optimise_path = Path(folder) / "optimise-300.json"
        save_scenario(replace(scenarios[300], optimise=True), optimise_path)
        rows = process_rows(paths) + in_process_rows(scenarios) + window_rows(optimise_path)
    width = max(len(r[0]) for r in rows)
    print(f"optimiser: {', '.join(f'{n:,} fleets ({len(s.assignments):,} assignments)' for n, s in scenarios.items())}; "
          f"medians of {REPEAT} processes")
    print(f"{'benchmark':<{width}}  {'measured':>30}  target")
    for name, value, target in rows:
        print(f"{name:<{width}}  {value:>30}  {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
