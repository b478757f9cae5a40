"""Ranges edited as every field is (issue 15): one validation in edits.preview, refusals naming the
input, removal of an item taking its ranges with it and undo bringing them back."""

from __future__ import annotations

from dataclasses import replace

import pytest

from factory_app.io.scenario_file import load_scenario
from factory_app.resources import resource_path
from factory_app.scenario.document import Change, ScenarioDocument
from factory_app.scenario.edits import preview
from factory_app.scenario.fields import ValidationError
from factory_app.scenario.uncertainty import Correlation, UncertainRange, default_inputs, input_label, ranged_inputs
from factory_app.serving.catalog import default_catalog

CATALOG = default_catalog()


@pytest.fixture
def scenario():
    return load_scenario(resource_path("examples", "iso-power-hopper-vs-gb200.json"))


def test_a_range_is_set_and_removed_through_the_one_edit_path(scenario):
    ranged = preview(scenario, CATALOG, "uncertainty", None, "workloads.r1-hopper.price_out_usd_per_mtok",
                     {"distribution": "uniform", "low": 0.5, "high": 1.2})
    r = ranged.uncertainty.range_of("workloads.r1-hopper.price_out_usd_per_mtok")
    assert r == UncertainRange("workloads.r1-hopper.price_out_usd_per_mtok", "uniform", 0.5, 1.2, None)
    assert scenario.uncertainty.ranges == ()  # scenarios are values: the original is untouched
    back = preview(ranged, CATALOG, "uncertainty", None, "workloads.r1-hopper.price_out_usd_per_mtok", None)
    assert back.uncertainty == scenario.uncertainty


@pytest.mark.parametrize("path, value, message", [
    ("site.wacc", {"low": 0.2, "high": 0.1}, "site.wacc: low (0.2) is above high (0.1)"),
    ("site.pue", {"low": 1.1, "high": 1.4}, "site.pue (PUE) cannot carry an uncertainty range: it sizes the fleets"),
    ("fleets.nope.price_usd", {"low": 1, "high": 2}, "no fleet with id 'nope'"),
    ("throughput.vacuum-tubes", {"distribution": "lognormal", "low": 0.8, "high": 1.2}, "unknown platform family 'vacuum-tubes'"),
    ("site.electricity_usd_per_kwh", {"distribution": "lognormal", "low": 0.0, "high": 0.1, "mode": 0.05},
     "a lognormal range must be positive"),
    ("workloads.r1-hopper.demand_tokens_per_s", {"low": 1e6, "high": 2e6}, "give the range a mode (the field is empty"),
])
def test_a_range_that_is_not_one_is_refused_naming_the_input(scenario, path, value, message):
    with pytest.raises(ValidationError) as info:
        preview(scenario, CATALOG, "uncertainty", None, path, value)
    assert message in str(info.value) and str(info.value).startswith("$.uncertainty")


def test_defaults_cover_the_sourced_inputs_and_the_platform_families(scenario):
    paths = default_inputs(scenario, CATALOG)
    assert "site.wacc" in paths and "throughput.hopper" in paths and "throughput.blackwell" in paths
    assert "site.pue" not in paths and not any(p.endswith(".isl") for p in paths)
    off = preview(scenario, CATALOG, "uncertainty", None, "defaults", False)
    assert ranged_inputs(off, CATALOG) == ()
    assert input_label(scenario, "site.wacc") == "Cost of capital (WACC)"
    assert input_label(scenario, "throughput.blackwell") == "Blackwell throughput"
    assert input_label(scenario, "fleets.hopper.residual_value_share") == "H200 (Hopper): residual value"


def test_removing_a_fleet_takes_its_ranges_and_correlations_and_undo_restores_them(scenario):
    u = replace(scenario.uncertainty, ranges=(UncertainRange("fleets.hopper.price_usd", "uniform", 20_000, 40_000),),
                correlations=(Correlation("fleets.hopper.price_usd", "site.wacc", 0.3),))
    doc = ScenarioDocument(replace(scenario, uncertainty=u), CATALOG)
    removed = doc.remove_fleet("hopper")
    assert doc.scenario.uncertainty.ranges == () and doc.scenario.uncertainty.correlations == ()
    doc.restore(removed)
    assert doc.scenario.uncertainty == u


def test_removing_a_range_removes_the_correlations_it_no_longer_supports(scenario):
    s = preview(scenario, CATALOG, "uncertainty", None, "workloads.r1-hopper.price_out_usd_per_mtok", {"low": 0.5, "high": 1.2})
    s = preview(s, CATALOG, "uncertainty", None, "correlations",
                (Correlation("workloads.r1-hopper.price_out_usd_per_mtok", "site.wacc", -0.4),))
    assert len(s.uncertainty.correlations) == 1
    s = preview(s, CATALOG, "uncertainty", None, "workloads.r1-hopper.price_out_usd_per_mtok", None)
    assert s.uncertainty.correlations == ()


def test_switching_the_default_ranges_off_removes_the_correlations_they_supported(scenario):
    own = "workloads.r1-hopper.price_out_usd_per_mtok"
    s = preview(scenario, CATALOG, "uncertainty", None, own, {"low": 0.5, "high": 1.2})
    s = preview(s, CATALOG, "uncertainty", None, "correlations",
                (Correlation("site.wacc", "workloads.r1-hopper.price_decline_per_year", 0.5), Correlation(own, "site.wacc", -0.4)))
    off = preview(s, CATALOG, "uncertainty", None, "defaults", False)
    assert off.uncertainty.correlations == () and off.uncertainty.range_of(own) is not None
    on = preview(off, CATALOG, "uncertainty", None, "defaults", True)
    assert on.uncertainty.correlations == ()  # switching them back on does not invent any


def test_giving_a_workload_a_demand_drops_the_pair_on_its_default_utilisation(scenario):
    """A workload with a stated demand has no default utilisation range; an edit that takes the
    range away takes its correlation too (as removing a range does) instead of being refused."""
    utilisation = "workloads.r1-hopper.default_utilisation"
    assert utilisation in ranged_inputs(scenario, CATALOG)
    u = replace(scenario.uncertainty, correlations=(Correlation(utilisation, "site.wacc", 0.4),))
    doc = ScenarioDocument(replace(scenario, uncertainty=u), CATALOG)
    before = doc.scenario
    doc.set_item("workload", "r1-hopper", "demand_tokens_per_s", 2.0e7)
    assert doc.scenario.item("workload", "r1-hopper").demand_tokens_per_s == 2.0e7
    assert doc.scenario.uncertainty.correlations == ()
    with pytest.raises(ValidationError, match="carries no range"):  # a pair the user sets on it is still refused
        preview(doc.scenario, CATALOG, "uncertainty", None, "correlations", (Correlation(utilisation, "site.wacc", 0.4),))
    doc.apply(before, Change("workload", "set", "r1-hopper", "demand_tokens_per_s"))  # what undo does
    assert doc.scenario.uncertainty.correlations == u.correlations
