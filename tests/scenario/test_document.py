"""The editable document: validated edits, change events, undo data, path edits."""

from __future__ import annotations

import pytest

from factory_app.scenario.document import ScenarioDocument, parse_path
from factory_app.scenario.fields import ValidationError
from factory_app.scenario.model import Assignment, Fleet, Workload


@pytest.fixture
def doc():
    d = ScenarioDocument()
    d.add_fleet(Fleet(id="gb", platform="gb200", name="GB200", power_share=0.5))
    d.add_fleet(Fleet(id="hop", platform="h100", name="H100", power_share=0.5))
    d.add_workload(Workload(id="chat", model="llama-3.3-70b"))
    d.add_assignment(Assignment("gb", "chat", 1.0))
    return d


def test_edits_emit_one_event_each(doc):
    seen = []
    doc.subscribe(seen.append)
    doc.set_site("electricity_usd_per_kwh", 0.12)
    doc.set_fleet("gb", "power_share", 0.4)
    doc.move({"gb": (10, 20), "chat": (30, 40)})
    assert [(c.kind, c.action, c.item_id, c.field) for c in seen] == [
        ("site", "set", "site", "electricity_usd_per_kwh"),
        ("fleet", "set", "gb", "power_share"),
        ("scenario", "move", "gb,chat", "position"),
    ]
    assert doc.scenario.fleet("gb").position == (10.0, 20.0)


@pytest.mark.parametrize(
    "path,value,message",
    [
        ("fleets[1].power_share", 1.7, "$.fleets[1].power_share: must be between 0 and 1, got 1.7"),
        ("site.pue", 0.5, "$.site.pue: must be between 1 and 3, got 0.5"),
        ("workloads.chat.isl", 0, "$.workloads[0].isl: must be between 1 and 10,000,000 tokens, got 0"),
        ("site.electricity_usd_per_kwh", float("inf"), "$.site.electricity_usd_per_kwh: must be a finite number, got inf"),
        ("fleets.gb.platform", "h1000", "$.fleets[0].platform: unknown platform 'h1000'"),
    ],
)
def test_invalid_values_are_refused_and_leave_the_document_untouched(doc, path, value, message):
    before = doc.scenario
    seen = []
    doc.subscribe(seen.append)
    with pytest.raises(ValidationError) as err:
        doc.set_path(path, value)
    assert str(err.value).startswith(message)
    assert doc.scenario is before and not seen


def test_power_shares_cannot_exceed_the_site(doc):
    with pytest.raises(ValidationError, match="power shares of the fleets must add up to at most 1"):
        doc.set_fleet("hop", "power_share", 0.6)


def test_remove_and_restore_puts_everything_back(doc):
    before = doc.scenario
    removed = doc.remove_fleet("gb")
    assert not doc.scenario.assignments
    doc.restore(removed)
    assert doc.scenario == before


def test_new_ids_are_unique(doc):
    a = doc.new_id("fleet")
    doc.add_fleet(Fleet(id=a, platform="b200", power_share=0.0))
    assert doc.new_id("fleet") != a


def test_parse_path_forms():
    assert parse_path("site.pue") == ("site", None, "pue")
    assert parse_path("fleets[2].life_years") == ("fleets", 2, "life_years")
    assert parse_path("workloads.chat-1.isl") == ("workloads", "chat-1", "isl")
    assert parse_path("assignments.gb/chat.share") == ("assignments", "gb/chat", "share")
    with pytest.raises(ValidationError):
        parse_path("site")
