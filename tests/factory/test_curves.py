"""Frontier curves for charts (factory/curves.py) agree with the evaluation they are drawn beside."""

from __future__ import annotations

import numpy as np
import pytest
from factory_cases import two_by_two

from factory_app.factory.curves import frontier_curves, largest_curves
from factory_app.factory.evaluation import evaluate_factory
from factory_app.serving.catalog import default_catalog

CAT = default_catalog()


@pytest.fixture(scope="module")
def evaluated():
    s = two_by_two(facility_mw=200.0)
    return s, evaluate_factory(s, CAT), frontier_curves(s, evaluate_factory(s, CAT), CAT)


def test_one_curve_per_assignment_in_scenario_order(evaluated):
    s, _, curves = evaluated
    assert [(c.fleet_id, c.workload_id) for c in curves] == [(a.fleet_id, a.workload_id) for a in s.assignments]
    for c in curves:
        assert len(c.tokens_per_s_per_user) == len(c.tokens_per_s_per_mw) > 3
        assert np.all(np.diff(c.tokens_per_s_per_user) > 0)  # Pareto: faster per user ...
        assert np.all(np.diff(c.tokens_per_s_per_mw) < 0)  # ... costs throughput per MW


def test_curves_use_the_sites_power_chain(evaluated):
    s, _, curves = evaluated
    for c in curves:
        watts = s.site.facility_power_for(CAT.platform(c.platform).all_in_w.value)
        assert c.facility_watts_per_accelerator == pytest.approx(watts)


def test_each_operating_point_lies_on_its_curve(evaluated):
    """The chart's marker is the evaluation's operating point: on the pair's Pareto curve (within
    the rounding of whole replicas), never above it."""
    _, result, curves = evaluated
    for c in curves:
        op = result.operating_point(c.fleet_id, c.workload_id)
        assert op is not None and op.feasible and c.operating_point is not None
        x, y = c.operating_point
        assert x == pytest.approx(op.tokens_per_s_per_user)
        assert y == pytest.approx(op.output_capacity_tokens_per_s / op.accelerators * 1e6 / c.facility_watts_per_accelerator)
        reachable = c.tokens_per_s_per_mw[c.tokens_per_s_per_user >= x * (1 - 1e-9)]
        assert reachable.size and y <= reachable.max() * (1 + 1e-9)
        assert y >= 0.97 * reachable.max()  # 200 MW fleets: whole replicas lose at most a few percent


def test_largest_curves_keep_the_pairs_with_the_most_capacity(evaluated):
    _, result, curves = evaluated
    kept = largest_curves(curves, result, 2)
    capacity = {(op.fleet_id, op.workload_id): op.output_capacity_tokens_per_s for f in result.fleets for op in f.operating_points}
    top = sorted(capacity, key=capacity.get, reverse=True)[:2]
    assert {(c.fleet_id, c.workload_id) for c in kept} == set(top)
    assert [c for c in curves if c in kept] == kept  # original order
    assert largest_curves(curves, result, 10) == curves
