"""The one edit path (scenario/edits.py): a pure preview validated once, look-ups, shares, builders."""

from __future__ import annotations

import pytest

from factory_app.scenario import edits
from factory_app.scenario.document import ScenarioDocument
from factory_app.scenario.fields import ValidationError
from factory_app.scenario.model import Assignment, Fleet, Scenario, Workload, validate_scenario
from factory_app.serving.catalog import default_catalog

CAT = default_catalog()


@pytest.fixture
def scenario():
    return Scenario(
        fleets=(Fleet(id="gb", platform="gb200", power_share=0.3), Fleet(id="h", platform="h100", sizing="count", accelerators=64)),
        workloads=(Workload(id="chat", model="llama-3.3-70b"), Workload(id="r1", model="deepseek-r1")),
        assignments=(Assignment("gb", "chat", 0.6), Assignment("h", "r1", 1.0)),
    )


def test_preview_returns_the_edited_scenario_and_leaves_the_input_alone(scenario):
    out = edits.preview(scenario, CAT, "fleet", "gb", "power_share", 0.5)
    assert out.fleet("gb").power_share == 0.5 and scenario.fleet("gb").power_share == 0.3
    assert out.fleets[1] is scenario.fleets[1] and out.workloads is scenario.workloads  # nothing else copied
    assert edits.preview(scenario, CAT, "assignment", "gb/chat", "share", 0.25).assignment("gb", "chat").share == 0.25
    assert edits.preview(scenario, CAT, "scenario", None, "name", "B").name == "B"
    assert edits.preview(scenario, CAT, "site", "site", "pue", 1.4).site.pue == 1.4


def test_an_edit_is_validated_exactly_once(scenario, monkeypatch):
    calls = []
    real = edits.validate_scenario
    monkeypatch.setattr(edits, "validate_scenario", lambda s, c: calls.append(s) or real(s, c))
    doc = ScenarioDocument(scenario, CAT)
    doc.set_item("site", "site", "electricity_usd_per_kwh", 0.1)
    assert len(calls) == 1 and doc.scenario.site.electricity_usd_per_kwh == 0.1


@pytest.mark.parametrize("kind, item_id, field, value, message", [
    ("fleet", "gb", "power_share", 1.5, "$.fleets[0].power_share: must be between 0 and 1"),
    ("fleet", "h", "accelerators", 1.5, "$.fleets[1].accelerators: must be a whole number"),
    ("workload", "r1", "isl", 0, "$.workloads[1].isl: must be between 1 and 10,000,000 tokens"),
    ("assignment", "gb/chat", "share", -1, "$.assignments[0].share: must be between 0 and 1"),
    ("fleet", "gb", "id", "x", "$.fleets[0].id: ids cannot be changed"),
    ("fleet", "gb", "platform", "h1000", "$.fleets[0].platform: unknown platform 'h1000'"),
    ("scenario", None, "fleets", (), "$.fleets: is not an editable scenario field"),
])
def test_refusals_name_the_field(scenario, kind, item_id, field, value, message):
    with pytest.raises(ValidationError) as info:
        edits.preview(scenario, CAT, kind, item_id, field, value)
    assert str(info.value).startswith(message)


def test_an_edit_that_breaks_a_cross_field_rule_is_refused(scenario):
    three = Scenario(site=scenario.site, fleets=scenario.fleets + (Fleet(id="b", platform="b200", power_share=0.7),),
                     workloads=scenario.workloads, assignments=scenario.assignments)
    assert edits.preview(three, CAT, "fleet", "b", "power_share", 0.69).fleet("b").power_share == 0.69
    with pytest.raises(ValidationError, match="power shares of the fleets must add up to at most 1"):
        edits.preview(three, CAT, "fleet", "b", "power_share", 0.71)


def test_item_looks_up_every_kind_and_names_what_is_missing(scenario):
    assert scenario.item("site") is scenario.site
    assert scenario.item("fleet", "h") is scenario.fleets[1]
    assert scenario.item("workload", "r1") is scenario.workloads[1]
    assert scenario.item("assignment", "gb/chat") is scenario.assignments[0]
    with pytest.raises(KeyError, match="no fleet with id 'x'"):
        scenario.item("fleet", "x")
    with pytest.raises(KeyError, match="fleet 'gb' is not assigned to workload 'r1'"):
        scenario.item("assignment", "gb/r1")
    with pytest.raises(KeyError, match="unknown item kind"):
        scenario.item("rack", "x")


def test_shares_left_are_rounded_down_so_a_new_item_always_fits(scenario):
    s = edits.with_field(scenario, "fleet", "gb", "power_share", 1 / 3)
    assert s.power_share_left() == 0.6666  # 0.66667 would round up past the site
    assert s.free_share("gb") == 0.4 and s.free_share("h") == 0.0
    added = Scenario(**{**{f: getattr(s, f) for f in ("site", "workloads", "assignments")},
                        "fleets": s.fleets + (edits.new_fleet(s, CAT, "b200", (0.0, 0.0)),)})
    validate_scenario(added, CAT)
    assert added.power_share_used() <= 1.0


def test_a_dropped_fleet_and_workload_get_fresh_ids_and_what_is_free(scenario):
    fleet = edits.new_fleet(scenario, CAT, "gb200", (10.0, 20.0))
    assert fleet.id == "gb200-1" and fleet.power_share == 0.7 and fleet.name and fleet.position == (10.0, 20.0)
    w = edits.new_workload(scenario, Workload(id="tmpl", model="llama-3.1-8b"), "chat", (0.0, 0.0), fleet_id="gb")
    assert w.id == "chat-1" and w.position == (scenario.fleet("gb").position[0], scenario.fleet("gb").position[1] + 260)


def test_duplicates_are_valid_and_keep_their_links(scenario):
    copies = edits.duplicated(scenario, ["gb", "chat"])
    assert copies.ids == ["gb-copy", "chat-copy"]
    assert copies.assignments == (Assignment("gb-copy", "chat-copy", 0.6),)
    assert copies.fleets[0].power_share == 0.3  # 0.7 is free: the copy keeps its share
    doubled = Scenario(site=scenario.site, fleets=scenario.fleets + copies.fleets,
                       workloads=scenario.workloads + copies.workloads, assignments=scenario.assignments + copies.assignments)
    validate_scenario(doubled, CAT)
    again = edits.duplicated(doubled, ["gb", "gb-copy", "chat"])
    assert [f.power_share for f in again.fleets] == [0.3, pytest.approx(0.1)]  # only 0.4 was free
    assert again.ids[:2] == ["gb-copy2", "gb-copy-copy"]


def test_switching_a_fleets_sizing_keeps_it_about_the_size_it_was(scenario):
    """Found by the inspector test: a power-sized fleet switched to count had no count and the
    switch was refused ('accelerators is required')."""
    by_count = edits.preview(scenario, CAT, "fleet", "gb", "sizing", "count").fleet("gb")
    rack = CAT.platform("gb200")
    assert by_count.accelerators == rack.accelerators_for_power(0.3 * scenario.site.accelerator_power_mw * 1e6)
    assert by_count.accelerators % rack.purchase_unit == 0 and by_count.accelerators > 0
    by_power = edits.preview(scenario, CAT, "fleet", "h", "sizing", "power").fleet("h")
    assert by_power.power_share == 0.5  # the default share of a Fleet: it had one all along
    no_share = edits.with_field(scenario, "fleet", "h", "power_share", None)
    assert edits.preview(no_share, CAT, "fleet", "h", "sizing", "power").fleet("h").power_share == 0.7
