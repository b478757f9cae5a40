"""Factory benchmarks: evaluate the largest example (warm and cold) and a 1,000-point sweep, each
with the hourly (24 h demand and power) and yearly (life cycle over the horizon) models; and the
8-year refresh example, whose life cycle calls the engine for the successor platform too.

Run: ``.venv/bin/python benchmarks/bench_factory.py`` (or ``make bench``). Prints a table;
asserts nothing. "Warm" is the app's steady state (re-evaluating after an edit: the engine's
frontiers and the factory's predictions are cached); "cold" clears both caches before every
run, so it includes computing every frontier. The sweep goes through the same functions as
``factory-app sweep`` (parse the axis, build and validate every point, evaluate, write the CSV).
"""

from __future__ import annotations

import sys as _sys
from pathlib import Path as _Path

_sys.path.insert(0, str(_Path(__file__).resolve().parent))
from timing import median_ms  # noqa: E402

import sys
import tempfile
from pathlib import Path

from factory_app.serving.catalog import default_catalog
from factory_app.factory.evaluation import evaluate_factory
from factory_app.factory.operating_points import clear_cache
from factory_app.serving.predict import cached_frontier
from factory_app.io.csv_export import write_csv
from factory_app.io.scenario_file import load_scenario
from factory_app.resources import resource_path
from factory_app.factory.sweep import parse_vary, run_sweep, sweep_columns




def _cold() -> None:
    clear_cache()
    cached_frontier.cache_clear()


def largest_example() -> Path:
    """The example with the most fleet x workload assignments (then the most power)."""
    def size(path: Path) -> tuple[int, float]:
        s = load_scenario(path)
        return len(s.assignments), s.site.facility_power_mw

    return max(sorted(resource_path("examples").glob("*.json")), key=size)


def sweep_once(path: Path, out: Path) -> int:
    """What ``factory-app sweep FILE --vary site.electricity_usd_per_kwh=0.02:0.2:1000 --csv OUT`` does."""
    cat = default_catalog()
    scenario = load_scenario(path, cat)
    axes = [parse_vary("site.electricity_usd_per_kwh=0.02:0.2:1000")]
    rows = run_sweep(scenario, axes, cat)
    write_csv(out, sweep_columns(axes), rows)
    return len(rows)


def main() -> int:
    path = largest_example()
    s = load_scenario(path)
    cat = default_catalog()
    label = f"{path.name}: {len(s.fleets)} fleets, {len(s.workloads)} workloads, {len(s.assignments)} assignments"
    evaluate_factory(s, cat)  # warm the caches
    rows = [
        (f"(a) evaluate_factory warm, {label}", median_ms(lambda: evaluate_factory(s, cat), 200), "<= 5 ms"),
        ("(a2) warm frontiers, predictions recomputed (an edit that moves every operating point)",
         median_ms(lambda: evaluate_factory(s, cat), 50, clear_cache), "<= 5 ms"),
        ("(b) evaluate_factory cold (frontier and prediction caches cleared)", median_ms(lambda: evaluate_factory(s, cat), 7, _cold), ""),
    ]
    refresh = load_scenario(resource_path("examples", "refresh-blackwell-to-rubin.json"), cat)
    evaluate_factory(refresh, cat)
    rows.append((f"(a3) evaluate_factory warm, refresh example ({refresh.site.horizon_years}-year horizon, "
                 f"{len(refresh.fleets)} fleets refreshed to rubin)", median_ms(lambda: evaluate_factory(refresh, cat), 200), "<= 5 ms"))
    evaluate_factory(s, cat, optimise=True)
    rows.append(("(c) evaluate_factory warm with the optimiser (LP + candidate evaluations)", median_ms(lambda: evaluate_factory(s, cat, optimise=True), 50), ""))
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "sweep.csv"
        count = sweep_once(path, out)
        rows.append((f"(d) sweep of site.electricity_usd_per_kwh, {count:,} points, CSV written", median_ms(lambda: sweep_once(path, out), 3), "<= 2,000 ms"))
    width = max(len(r[0]) for r in rows)
    print(f"{'benchmark':<{width}}  {'median ms':>10}  target")
    for name, ms, target in rows:
        print(f"{name:<{width}}  {ms:10.2f}  {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
