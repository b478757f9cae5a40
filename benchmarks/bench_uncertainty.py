"""Uncertainty benchmarks (issue 15): 10,000 Monte Carlo samples of the 1 GW campus, a tornado of
30 inputs, and edit -> repaint in the app while an analysis runs. Prints a table.

The Monte Carlo is timed as ``factory-app uncertainty`` runs it (structure built once, the tornado,
then the samples in chunks); warm means the engine's frontiers are already remembered (the app
has evaluated the scenario before it analyses it). Run offscreen for the app part (``make bench``).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from timing import median_ms  # noqa: E402

from factory_app.factory.evaluation import evaluate_factory  # noqa: E402
from factory_app.factory.uncertainty.analysis import analyse, analysis_structure, tornado  # noqa: E402
from factory_app.factory.uncertainty.inputs import uncertain_inputs  # noqa: E402
from factory_app.io.scenario_file import load_scenario  # noqa: E402
from factory_app.scenario.uncertainty import UncertainRange  # noqa: E402
from factory_app.serving.catalog import default_catalog  # noqa: E402

CAMPUS = ROOT / "resources" / "examples" / "campus-1gw-announced.json"


def thirty_inputs(scenario):
    """The campus with its 21 default ranges and 9 more of its own: 30 inputs."""
    own = [UncertainRange("site.idle_power_share", "triangular", 0.2, 0.4), UncertainRange("site.first_year_ramp", "uniform", 0.5, 1.0),
           UncertainRange("site.facility_life_years", "triangular", 15, 25)]
    for w in scenario.workloads:
        own.append(UncertainRange(f"workloads.{w.id}.price_out_usd_per_mtok", "lognormal", w.price_out_usd_per_mtok * 0.7,
                                  w.price_out_usd_per_mtok * 1.4, w.price_out_usd_per_mtok))
    for f in scenario.fleets[:2]:
        own.append(UncertainRange(f"fleets.{f.id}.price_usd", "triangular", 20_000, 60_000, 40_000))
    return replace(scenario, uncertainty=replace(scenario.uncertainty, ranges=tuple(own)))


def monte_carlo_s(scenario, catalog, repeat: int = 5) -> tuple[float, float]:
    """(median, best) wall seconds of the whole analysis of 10,000 samples, warm."""
    evaluate_factory(scenario, catalog)
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        analyse(scenario, catalog, samples=10_000, seed=1)
        times.append(time.perf_counter() - t)
    return statistics.median(times), min(times)


def tornado_ms(scenario, catalog) -> tuple[float, int]:
    structure = analysis_structure(scenario, catalog)
    inputs = uncertain_inputs(structure)
    return median_ms(lambda: tornado(structure, inputs), 15), len(inputs)


def edit_while_running_ms(repeat: int = 20, running: bool = True) -> tuple[float, float, int]:
    """Edit -> repainted in the window while the campus's analysis runs in its worker (median and
    worst of ``repeat`` edits, and how many of them landed while a worker was running); with
    ``running`` False, the same edits with the tornado tab shown and no analysis running (the
    baseline of the machine as loaded at the time)."""
    from PySide6.QtWidgets import QApplication

    from factory_app.ui.main_window import MainWindow
    from factory_app.ui.undo_commands import SetFieldCommand

    app = QApplication.instance() or QApplication([])
    w = MainWindow(restore_layout=False)
    w.resize(1600, 1000)
    w.show()
    assert w.open_file(CAMPUS)
    w.results.tabs.setCurrentWidget(w.results.tornado)
    app.processEvents()
    controller = w.results.uncertainty
    times, during = [], 0
    values = [0.05, 0.06, 0.07, 0.08, 0.09]
    if not running:
        while not controller.complete:
            app.processEvents()
        controller.active = False  # edits leave the analysis stale and start none
    for i in range(repeat):
        if not running:
            t = time.perf_counter()
            w.push(SetFieldCommand(w.doc, "site", "site", "electricity_usd_per_kwh", values[i % len(values)]))
            w.evaluator.recompute()
            app.processEvents()
            times.append((time.perf_counter() - t) * 1e3)
            continue
        controller.start()  # a fresh analysis each time: the edit lands while its worker runs
        deadline = time.perf_counter() + 5
        while controller.analysis is None or controller.analysed != controller.scenario:
            app.processEvents()  # wait for the tornado, so the samples are running
            if time.perf_counter() > deadline:
                break
        for _ in range(3):
            app.processEvents()  # paint the new tornado: that paint follows the analysis, not the edit
        during += controller.running
        t = time.perf_counter()
        w.push(SetFieldCommand(w.doc, "site", "site", "electricity_usd_per_kwh", values[i % len(values)]))
        w.evaluator.recompute()
        app.processEvents()
        times.append((time.perf_counter() - t) * 1e3)
    controller.shutdown()
    for s in w.sessions:
        s.undo_stack.setClean()
    w.close()
    return statistics.median(times), max(times), during


def main() -> int:
    catalog = default_catalog()
    campus = load_scenario(CAMPUS)
    median, best = monte_carlo_s(campus, catalog)
    tornado_30, n = tornado_ms(thirty_inputs(campus), catalog)
    edit_median, edit_worst, during = edit_while_running_ms()
    idle_median, idle_worst, _ = edit_while_running_ms(running=False)
    rows = [
        (f"Monte Carlo, 10,000 samples of {CAMPUS.name} ({len(uncertain_inputs(analysis_structure(campus, catalog)))} inputs), "
         "with its tornado (s, median of 5; best)", f"{median:.2f} ({best:.2f})", "<= 1 s"),
        (f"tornado of {n} inputs, {CAMPUS.name} (ms)", f"{tornado_30:.1f}", "<= 100 ms"),
        (f"edit -> repainted while the analysis runs, {CAMPUS.name} (ms, median; worst of 20; {during} edits during a run)",
         f"{edit_median:.1f} ({edit_worst:.1f})", "<= 16 ms"),
        (f"  the same edits, tornado shown, no analysis running (ms, median; worst of 20)", f"{idle_median:.1f} ({idle_worst:.1f})", ""),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"{'benchmark':<{width}}  {'measured':>14}  target")
    for name, value, target in rows:
        print(f"{name:<{width}}  {value:>14}  {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
