"""Random-arrival queueing used for 99th-percentile latency limits."""

from __future__ import annotations

import math

import numpy as np

from factory_app.serving.queueing import _erf, busy_slots_quantile, queue_wait_s, wait_probability


def test_erf_matches_the_standard_library():
    xs = np.linspace(-4, 4, 81)
    assert np.max(np.abs(_erf(xs) - np.array([math.erf(x) for x in xs]))) < 2e-7


def test_waiting_grows_with_load_and_is_certain_at_saturation():
    c = np.full(9, 100.0)
    a = np.array([50, 70, 80, 90, 95, 98, 99, 100, 120], dtype=float)
    p = wait_probability(c, a)
    assert np.all(np.diff(p) >= 0)
    assert p[0] < 0.01 and p[-1] == 1.0 and p[-2] == 1.0


def test_p99_wait_is_infinite_only_when_the_queue_is_unstable():
    w = queue_wait_s(np.array([100.0, 100.0, 100.0]), np.array([60.0, 99.0, 100.0]), 10.0)
    assert w[0] == 0.0
    assert 0 < w[1] < math.inf
    assert w[2] == math.inf


def test_busy_slots_quantile_is_capped_by_the_slots():
    q = busy_slots_quantile(np.array([10.0, 100.0]), np.array([1000.0, 105.0]))
    assert q[0] > 10 and q[1] == 105.0
