"""The last guard against NaN and infinity in results."""

from __future__ import annotations

import math
from dataclasses import replace

from factory_app.factory.economics import margin, payback_years, ratio
from factory_app.factory.evaluation import evaluate_factory
from factory_app.factory.results import FactoryResult, FleetResult
from factory_app.factory.nonfinite_guard import clean_result, finite, non_finite_paths
from factory_app.scenario.model import Scenario


def _fleet(**changes) -> FleetResult:
    base = FleetResult("f", "h100", 8, 0.01, 0.012, 1.0, 0.1, 2.0, 1.0, {"energy": 1.0}, 10.0, 0, "power")
    return replace(base, **changes)


def test_non_finite_paths_walk_nested_results():
    r = evaluate_factory(Scenario())
    assert non_finite_paths(r) == []
    bad = replace(r, totals={**r.totals, "margin": math.nan}, fleets=(_fleet(cost_breakdown={"energy": math.inf}),))
    assert non_finite_paths(bad) == ["$.totals.margin", "$.fleets[0].cost_breakdown.energy"]


def test_clean_result_zeroes_offenders_and_reports_them():
    r = evaluate_factory(Scenario())
    bad = replace(r, totals={**r.totals, "joules_per_token": -math.inf}, fleets=(_fleet(revenue_usd_per_year=math.nan),))
    cleaned, paths = clean_result(bad)
    assert paths == ["$.totals.joules_per_token", "$.fleets[0].revenue_usd_per_year"]
    assert isinstance(cleaned, FactoryResult) and non_finite_paths(cleaned) == []
    assert cleaned.totals["joules_per_token"] == 0.0 and cleaned.fleets[0].revenue_usd_per_year == 0.0
    assert cleaned.fleets[0].accelerators == 8 and cleaned.totals["facility_power_mw"] == r.totals["facility_power_mw"]
    same, none = clean_result(r)
    assert same is r and none == []


def test_guarded_divisions():
    assert finite(math.nan) == 0.0 and finite(math.inf) == 0.0 and finite(2.5) == 2.5
    assert ratio(1.0, 0.0) == 0.0 and ratio(1e308, 1e-308) == 0.0 and ratio(6.0, 3.0) == 2.0
    assert margin(5.0, 0.0) == 0.0 and margin(1.0, 4.0) == 0.25
    assert payback_years(100.0, -50.0, 10.0) == 0.0 and payback_years(100.0, 40.0, 10.0) == 2.0
