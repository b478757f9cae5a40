"""Engine benchmarks: one frontier, and every platform x model. Prints a table; asserts nothing.

Run: ``.venv/bin/python benchmarks/bench_engine.py`` (or ``make bench``). Frontiers are computed
cold (the engine's frontier cache is bypassed) so the figures are the cost of a real recompute;
what the engine remembers per deployment whatever the traffic (its candidate layouts, their
constants and their expansion to the batch grid) and its prefill worker per prompt length stay
remembered, as in the app. Each (a) figure is the median of 200 runs.
"""

from __future__ import annotations

import sys as _sys
from pathlib import Path as _Path

_sys.path.insert(0, str(_Path(__file__).resolve().parent))
from timing import median_ms  # noqa: E402

import sys

from factory_app.serving.catalog import default_catalog
from factory_app.serving.frontier import Speculation, Traffic, compute_frontier
from factory_app.serving.performance import make_deployment

REPEAT = 200  # runs per (a) figure: a small frontier takes ~0.15 ms, so its median needs many
CASES = [  # platform, model, precision, GPUs searched
    ("h100", "llama-3.3-70b", "fp8", 8),
    ("h200", "llama-3.1-8b", "fp8", 8),
    ("b200", "gpt-oss-120b", "fp4", 8),
    ("h200", "gpt-oss-120b", "fp4", 8),
    ("h200", "deepseek-r1", "fp8", 16),
    ("gb200", "deepseek-r1", "fp4", 72),
    ("gb300", "deepseek-r1", "fp4", 72),
]




def main() -> int:
    cat = default_catalog()
    traffic = Traffic(1000, 1000)
    rows = []
    for pid, mid, prec, gpus in CASES:
        p = cat.platform(pid)
        d = make_deployment(p, cat.model(mid), prec, cat.efficiency_for(p))
        points = len(compute_frontier(d, traffic, gpus))
        rows.append((f"(a) frontier {pid} x {mid} {prec}, replicas <= {gpus} GPUs", points, median_ms(lambda: compute_frontier(d, traffic, gpus), REPEAT)))
        spec = Speculation(3, 0.65)
        rows.append((f"    the same with 3 draft tokens", len(compute_frontier(d, traffic, gpus, spec)),
                     median_ms(lambda: compute_frontier(d, traffic, gpus, spec), REPEAT)))

    def everything() -> int:
        n = 0
        for p in cat.platforms.values():
            prec = "fp8" if "fp8" in p.precisions else "bf16"
            gpus = min(p.domain_size, 72) if p.domain_size > 8 else 8
            for m in cat.models.values():
                compute_frontier(make_deployment(p, m, prec, cat.efficiency_for(p)), traffic, gpus)
                n += 1
        return n

    count = everything()
    rows.append((f"(b) all {len(cat.platforms)} platforms x {len(cat.models)} models ({count} frontiers)", 0, median_ms(everything, 7)))
    width = max(len(r[0]) for r in rows)
    print(f"{'benchmark':<{width}}  {'points':>7}  {'median ms':>9}  {'us/point':>8}")
    for name, points, ms in rows:
        per = f"{ms * 1e3 / points:8.3f}" if points else ""
        print(f"{name:<{width}}  {points or '':>7}  {ms:9.3f}  {per:>8}")
    print("targets on a 2-core machine: (a) <= 1 us per operating point, (b) <= 100 ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
