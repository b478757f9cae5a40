"""Scenario files: round trips, every refusal with its one-line message, atomic saves, schema, migrations."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

import pytest

import factory_app.io.migrations as migrations
import factory_app.io.scenario_file as scenario_file
from factory_app.io.scenario_file import (
    MAX_FILE_BYTES,
    ScenarioFileError,
    dumps_scenario,
    load_scenario,
    loads_scenario,
    save_scenario,
    scenario_from_dict,
    scenario_to_dict,
)
from factory_app.io.schema import field_tables_markdown, scenario_schema, schema_text
from factory_app.resources import resource_path
from factory_app.scenario.fields import ValidationError
from factory_app.scenario.model import Fleet

EXAMPLES = sorted(resource_path("examples").glob("*.json"))
ROOT = Path(__file__).resolve().parents[2]
GOOD = {"format": "factory_app.scenario", "format_version": 2, "name": "ok"}


def test_there_are_the_three_required_examples():
    names = {p.name for p in EXAMPLES}
    assert {"iso-power-hopper-vs-gb200.json", "mixed-chat-and-reasoning.json", "campus-1gw-announced.json"} <= names


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_round_trip_load_save_load_is_identical(path, tmp_path):
    first = load_scenario(path)
    out = tmp_path / "copy.json"
    save_scenario(first, out)
    second = load_scenario(out)
    assert second == first
    save_scenario(second, tmp_path / "again.json")
    assert (tmp_path / "again.json").read_bytes() == out.read_bytes()
    # the committed example is already in the canonical layout the app writes
    assert out.read_bytes() == path.read_bytes()
    assert scenario_from_dict(json.loads(out.read_text("utf-8"))) == first


def test_optional_fields_may_be_omitted_or_null():
    s = loads_scenario(json.dumps({
        "format_version": 2,
        "fleets": [{"id": "a", "platform": "h200", "price_usd": None}],
        "workloads": [{"id": "w", "model": "llama-3.3-70b", "demand_tokens_per_s": None}],
    }))
    assert s.fleets[0].price_usd is None and s.fleets[0].power_share == 0.5 and s.site.pue == 1.2
    assert s.workloads[0].demand_tokens_per_s is None and s.workloads[0].isl == 1000
    assert s.site.wacc == 0.10 and s.site.horizon_years == 5 and s.fleets[0].refresh_platform == ""
    assert s.workloads[0].demand_shape == "daytime" and s.workloads[0].demand_hourly == ()


def _bad(tmp_path: Path, content: bytes | str, name: str = "file.json") -> str:
    """Load a bad file; return the error line, after checking the file was left alone."""
    path = tmp_path / name
    data = content.encode("utf-8") if isinstance(content, str) else content
    path.write_bytes(data)
    os.utime(path, (1_000_000_000, 1_000_000_000))
    with pytest.raises(ScenarioFileError) as err:
        load_scenario(path)
    assert path.read_bytes() == data and path.stat().st_mtime == 1_000_000_000
    message = str(err.value)
    assert "\n" not in message and message.startswith(f"{name}: $")
    return message


def _doc(**extra) -> str:
    return json.dumps({**GOOD, **extra})


FLEETS = [{"id": "a", "platform": "h100"}, {"id": "b", "platform": "h100", "power_share": 1.7}]


@pytest.mark.parametrize(
    "content,message",
    [
        (_doc(fleets=FLEETS), "file.json: $.fleets[1].power_share: must be between 0 and 1, got 1.7"),
        (b'{"format_version": 2, "name": "caf\xe9"}', "file.json: $: not UTF-8 text (byte 0xe9 at offset 34)"),
        ('{"format_version": 2,\n  "name": "x",,}', "file.json: $: not valid JSON: Expecting property name enclosed in double quotes (line 2, column 15)"),
        ("", "file.json: $: not valid JSON: Expecting value (line 1, column 1)"),
        ("[1, 2]", "file.json: $: must be a JSON object (a scenario), got array"),
        ('"text"', "file.json: $: must be a JSON object (a scenario), got string"),
        ('{"name": "no version"}', "file.json: $.format_version: is required (this version of factory-app reads format 2)"),
        ('{"format_version": "1"}', 'file.json: $.format_version: must be a whole number, got "1"'),
        ('{"format_version": 1.5}', "file.json: $.format_version: must be a whole number, got 1.5"),
        ('{"format_version": 7}', "file.json: $.format_version: written by a newer version of factory-app (format 7); this version reads up to 2"),
        ('{"format_version": 0}', "file.json: $.format_version: format 0 is not known; this version reads formats 1 to 2"),
        ('{"format_version": 2, "colour": "red"}', "file.json: $.colour: unknown field (known: format, format_version, name, description, optimise, site, fleets, workloads, assignments)"),
        (_doc(fleets=[{"id": "a", "platform": "h100", "colour": "red"}]), "file.json: $.fleets[0].colour: unknown field (known: id, name, platform, sizing, power_share, accelerators, life_years, power_cap_w, price_usd, residual_value_share, delivery_year, refresh_platform, software_as_of, position)"),
        (_doc(site={"pue": "1.2"}), "file.json: $.site.pue: must be a number, got string"),
        (_doc(site={"pue": None}), "file.json: $.site.pue: is required (must be between 1 and 3)"),
        (_doc(site=[]), "file.json: $.site: must be an object, got array"),
        (_doc(fleets={}), "file.json: $.fleets: must be an array, got object"),
        (_doc(fleets=[{"platform": "h100"}]), "file.json: $.fleets[0].id: is required"),
        (_doc(fleets=[{"id": "a", "platform": "h100", "sizing": "both"}]), "file.json: $.fleets[0].sizing: must be one of power, count, got 'both'"),
        (_doc(fleets=[{"id": "a", "platform": "h999"}]), "file.json: $.fleets[0].platform: unknown platform 'h999'"),
        (_doc(workloads=[{"id": "w", "model": "llama-3.3-70b", "isl": 1.5}]), "file.json: $.workloads[0].isl: must be a whole number, got 1.5"),
        (_doc(workloads=[{"id": "w", "model": "llama-3.3-70b", "price_curve": [[50, 1], [20, 2]]}]), "file.json: $.workloads[0].price_curve[1][0]: speeds must rise from one point to the next"),
        (_doc(workloads=[{"id": "w", "model": "llama-3.3-70b", "position": [1, "y"]}]), "file.json: $.workloads[0].position[1]: must be a number with |value| <= 10,000,000, got string"),
        (_doc(assignments=[{"fleet": "a", "workload": "w"}]), "file.json: $.assignments[0].fleet: no fleet with id 'a'"),
        (_doc(optimise="yes"), "file.json: $.optimise: must be true or false, got string"),
        (_doc(format="something.else"), "file.json: $.format: must be 'factory_app.scenario', got \"something.else\""),
        ('{"format_version": 2, "site": {"pue": NaN}}', "file.json: $.site.pue: must be a finite number, got NaN"),
        ('{"format_version": 2, "site": {"pue": Infinity}}', "file.json: $.site.pue: must be a finite number, got Infinity"),
        ('{"format_version": 2, "site": {"pue": -Infinity}}', "file.json: $.site.pue: must be a finite number, got -Infinity"),
        ('{"format_version": 2, "site": {"pue": 1e999}}', "file.json: $.site.pue: must be a finite number, got 1e999"),
        ('{"format_version": 2, "site": {"pue": 1.2, "pue": 1.3}}', "file.json: $.site.pue: is given twice"),
        ("[" * 200_000 + "]" * 200_000, "file.json: $: not a scenario: JSON nested too deeply"),
    ],
)
def test_bad_files_are_refused_with_one_line_naming_the_path(tmp_path, content, message):
    assert _bad(tmp_path, content).startswith(message)


def test_error_names_the_file_by_its_basename(tmp_path):
    sub = tmp_path / "deep" / "folder"
    sub.mkdir(parents=True)
    assert _bad(sub, '{"format_version": 9}', "my scenario.json").startswith("my scenario.json: $.format_version: written by a newer")


def test_files_over_the_size_limit_are_refused_before_reading(tmp_path, monkeypatch):
    path = tmp_path / "huge.json"
    with open(path, "wb") as fh:
        fh.truncate(MAX_FILE_BYTES + 1)  # sparse: big on paper, nothing to read

    def no_reading(*args, **kwargs):
        raise AssertionError("the file was opened")

    monkeypatch.setattr(scenario_file, "open", no_reading, raising=False)
    with pytest.raises(ScenarioFileError, match=r"^huge\.json: \$: file is 16\.0 MiB; scenario files are limited to 16 MiB$"):
        load_scenario(path)
    with pytest.raises(ScenarioFileError, match="larger than 16 MiB"):
        loads_scenario(" " * (MAX_FILE_BYTES + 1), "big.json")


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(ScenarioFileError, match=r"^nope\.json: \$: cannot read: No such file"):
        load_scenario(tmp_path / "nope.json")
    with pytest.raises(ScenarioFileError, match=r"cannot read"):
        load_scenario(tmp_path)


def test_a_bom_is_accepted(tmp_path):
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + _doc().encode())
    assert load_scenario(path).name == "ok"


# -- saving -------------------------------------------------------------------------------------


def test_save_is_atomic_and_keeps_the_old_file_on_failure(tmp_path, monkeypatch):
    s = load_scenario(EXAMPLES[0])
    path = tmp_path / "s.json"
    save_scenario(s, path)
    before = path.read_bytes()
    os.chmod(path, 0o640)

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(ScenarioFileError, match=r"^s\.json: \$: cannot write: No space left on device$"):
        save_scenario(replace(s, name="changed"), path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.json"]  # no temporary file left behind
    monkeypatch.undo()
    save_scenario(replace(s, name="changed"), path)
    assert load_scenario(path).name == "changed"
    assert path.stat().st_mode & 0o777 == 0o640  # an existing file keeps its permissions


def test_save_refuses_an_invalid_scenario_and_writes_nothing(tmp_path):
    bad = replace(load_scenario(EXAMPLES[0]), fleets=(Fleet(id="x", platform="h999"),), assignments=())
    with pytest.raises(ScenarioFileError, match=r"^out\.json: \$\.fleets\[0\]\.platform: unknown platform 'h999'"):
        save_scenario(bad, tmp_path / "out.json")
    assert not (tmp_path / "out.json").exists()


def test_saved_json_layout():
    s = load_scenario(EXAMPLES[0])
    data = scenario_to_dict(s)
    assert list(data)[:2] == ["format", "format_version"] and data["format_version"] == 2
    assert all(isinstance(f["position"], list) and len(f["position"]) == 2 for f in data["fleets"])
    assert set(data["assignments"][0]) == {"fleet", "workload", "share"}
    text = dumps_scenario(s)
    assert text.endswith("\n") and "NaN" not in text


# -- schema and docs ----------------------------------------------------------------------------


def test_committed_schema_is_the_generated_one():
    committed = resource_path("schema", "scenario.schema.json").read_text("utf-8")
    assert committed == schema_text(), "run: .venv/bin/python -m factory_app.io.schema"


def test_schema_describes_every_field_with_its_range():
    schema = scenario_schema()
    fleet = schema["$defs"]["fleet"]
    assert fleet["additionalProperties"] is False and fleet["required"] == ["id", "platform"]
    share = fleet["properties"]["power_share"]
    assert share["minimum"] == 0 and share["maximum"] == 1 and share["type"] == ["number", "null"]
    assert schema["$defs"]["workload"]["properties"]["isl"]["type"] == "integer"
    assert schema["properties"]["format_version"]["const"] == migrations.CURRENT_VERSION
    site = schema["$defs"]["site"]["properties"]
    assert site["electricity_usd_per_kwh"]["x-unit"] == "USD/kWh"


def test_examples_satisfy_the_schema_shape():
    """A minimal check without a schema library: keys and types of every example."""
    schema = scenario_schema()
    for path in EXAMPLES:
        data = json.loads(path.read_text("utf-8"))
        assert set(data) <= set(schema["properties"])
        for kind, items in (("fleet", data["fleets"]), ("workload", data["workloads"]), ("assignment", data["assignments"])):
            props = schema["$defs"][kind]["properties"]
            for item in items:
                assert set(item) <= set(props), (path.name, kind, set(item) - set(props))
                for key, value in item.items():
                    rule = props[key]
                    if "minimum" in rule and value is not None:
                        assert rule["minimum"] <= value <= rule["maximum"]


def test_docs_hold_the_generated_field_tables():
    doc = (ROOT / "docs" / "file-format.md").read_text("utf-8")
    assert field_tables_markdown() in doc, "paste the output of: .venv/bin/python -m factory_app.io.schema --markdown"


# -- migrations ---------------------------------------------------------------------------------


def test_migrations_upgrade_old_files_step_by_step(monkeypatch, tmp_path):
    def v0_to_v1(data, notes):
        data = dict(data)
        data["name"] = data.pop("title")  # version 0 called it "title"
        notes.append("title became name")
        return data

    monkeypatch.setitem(migrations.MIGRATIONS, 0, v0_to_v1)
    old = {"format_version": 0, "title": "from the past"}
    notes: list[str] = []
    upgraded = migrations.migrate(old, notes)
    assert upgraded == {"format_version": 2, "name": "from the past"}  # then 1 -> 2, which adds only defaults here
    assert notes[0] == "title became name" and notes[1] == "format 1 upgraded to 2; saving writes format 2"
    assert old == {"format_version": 0, "title": "from the past"}  # the input is not changed
    path = tmp_path / "old.json"
    path.write_text(json.dumps(old), "utf-8")
    assert load_scenario(path).name == "from the past"


def test_migrate_leaves_current_files_alone_and_refuses_gaps(monkeypatch):
    data = {"format_version": 2}
    notes: list[str] = []
    assert migrations.migrate(data, notes) is data and notes == []
    monkeypatch.setattr(migrations, "CURRENT_VERSION", 3)
    monkeypatch.setitem(migrations.MIGRATIONS, 1, lambda d, notes: d)
    with pytest.raises(ValidationError, match="no upgrade from format 2 to 3"):
        migrations.migrate({"format_version": 1})
