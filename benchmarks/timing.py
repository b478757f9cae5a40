"""Timing helper shared by the benchmark scripts."""

from __future__ import annotations

import statistics
import time
from typing import Callable


def median_ms(fn: Callable[[], object], repeat: int, before: Callable[[], object] | None = None) -> float:
    """Median wall time of ``fn`` over ``repeat`` runs, in milliseconds; ``before`` runs untimed
    before each one (e.g. to clear a cache)."""
    times = []
    for _ in range(repeat):
        if before:
            before()
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1e3
