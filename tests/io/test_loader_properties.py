"""The scenario loader never crashes, never hangs and never half-reads: every file is either a
valid scenario whose evaluation is finite, or refused with one line naming the file and a JSON path."""

from __future__ import annotations

import copy
import json
import re
import time
from pathlib import Path

import pytest
from hypothesis import event, example, given, settings
from hypothesis import strategies as st

from factory_app.serving.catalog import default_catalog
from factory_app.factory.evaluation import evaluate_factory
from factory_app.io import scenario_file
from factory_app.io.migrations import CURRENT_VERSION
from factory_app.io.scenario_file import MAX_FILE_BYTES, ScenarioFileError, load_scenario, save_scenario
from factory_app.scenario.model import validate_scenario
from reliability_helpers import (
    EXAMPLES,
    JSON_VALUES,
    assert_finite_result,
    assert_one_line_refusal,
    example_documents,
    examples,
    get_at,
    json_path,
    json_text,
    mutated_documents,
    paths_of,
    retyped,
    write,
)

pytestmark = pytest.mark.reliability  # property and attack tests (docs/reliability.md)

CATALOG = default_catalog()


def _load_or_refusal(path: Path):
    """The scenario, or the refusal's text (checked to be one line naming the file and a path)."""
    try:
        scenario = load_scenario(path, CATALOG)
    except ScenarioFileError as exc:
        assert_one_line_refusal(str(exc), path.name)
        assert exc.path.startswith("$") and exc.file == path.name
        return None, str(exc)
    return scenario, ""


def _check_accepted(scenario, folder: Path) -> None:
    """An accepted scenario validates, evaluates to finite numbers and survives a save/load."""
    validate_scenario(scenario, CATALOG)
    assert_finite_result(evaluate_factory(scenario, CATALOG))
    again = folder / "again.json"
    save_scenario(scenario, again, CATALOG)
    assert load_scenario(again, CATALOG) == scenario


# -- properties -----------------------------------------------------------------------------------


@settings(max_examples=examples(400))
@given(mutated_documents())
def test_mutated_examples_are_accepted_and_finite_or_refused_with_a_path(tmp_path_factory, mutant):
    doc, change = mutant
    folder = tmp_path_factory.mktemp("mutant")
    path = write(folder, "mutant.json", json_text(doc))
    scenario, message = _load_or_refusal(path)
    event("accepted" if scenario is not None else "refused")
    if scenario is not None:
        _check_accepted(scenario, folder)


@settings(max_examples=examples(300))
@given(JSON_VALUES)
@example({"format_version": 1})
@example({"format_version": 1, "site": {"facility_power_mw": 0}})
@example({"format_version": 1, "fleets": [{"id": "a", "platform": "h200"}]})
def test_arbitrary_json_is_accepted_and_finite_or_refused_with_a_path(tmp_path_factory, value):
    folder = tmp_path_factory.mktemp("json")
    path = write(folder, "any.json", json_text(value))
    scenario, _ = _load_or_refusal(path)
    event("accepted" if scenario is not None else "refused")
    if scenario is not None:
        _check_accepted(scenario, folder)


@settings(max_examples=examples(300))
@given(st.binary(max_size=2000))
@example(b"")
@example(b"\xef\xbb\xbf")
@example(b"\xff\xfe{\x00}\x00")
@example(b"\x00" * 100)
@example(b"{" * 50)
def test_arbitrary_bytes_are_refused_with_one_line(tmp_path_factory, data):
    path = write(tmp_path_factory.mktemp("bytes"), "bytes.json", data)
    scenario, _ = _load_or_refusal(path)
    assert scenario is None  # no byte string this short is a complete scenario (format_version is required)


@settings(max_examples=examples(200))
@given(st.sampled_from(range(len(EXAMPLES))), st.data())
def test_a_key_given_twice_anywhere_is_refused_there(tmp_path_factory, index, data):
    """Duplicated keys would otherwise be read silently as the last one."""
    doc = example_documents()[index]
    objects = [p for p in paths_of(doc) if isinstance(get_at(doc, p), dict) and get_at(doc, p)]
    where = data.draw(st.sampled_from(objects))
    key = data.draw(st.sampled_from(sorted(get_at(doc, where))))
    text = _dumps_with_duplicate(doc, where, key, data.draw(JSON_VALUES))
    path = write(tmp_path_factory.mktemp("dupe"), "dupe.json", text)
    _, message = _load_or_refusal(path)
    assert message  # refused, though the value given last may be valid


def _dumps_with_duplicate(doc, where: tuple, key: str, value) -> str:
    def dump(node, at: tuple) -> str:
        if isinstance(node, dict):
            items = [f"{json.dumps(k)}: {dump(v, at + (k,))}" for k, v in node.items()]
            if at == where:
                items.append(f"{json.dumps(key)}: {json_text(value)}")
            return "{" + ", ".join(items) + "}"
        if isinstance(node, list):
            return "[" + ", ".join(dump(v, at + (i,)) for i, v in enumerate(node)) + "]"
        return json_text(node)

    return dump(doc, ())


# -- every field, every wrong type (exhaustive) ---------------------------------------------------------


def _leaf_cases() -> list[tuple[int, tuple, object]]:
    cases = []
    for i, doc in enumerate(example_documents()):
        for path in paths_of(doc):
            if not path or path[-1] in ("format", "format_version"):
                continue
            for value in retyped(get_at(doc, path)):
                cases.append((i, path, value))
    return cases


LEAF_CASES = _leaf_cases()


def test_every_field_with_every_wrong_type(tmp_path):
    """Each field of each example replaced by each value of another JSON type: accepted (a null
    where the field may be empty, a whole number for a number) or refused naming that field, one
    of its parents or a cross-reference; never an exception."""
    refused = 0
    for i, path, value in LEAF_CASES:
        doc = example_documents()[i]
        get_at(doc, path[:-1])[path[-1]] = value
        file = write(tmp_path, "typed.json", json_text(doc))
        scenario, message = _load_or_refusal(file)
        if scenario is None:
            refused += 1
            error_path = message.split(": ", 2)[1]
            named = json_path(path)
            assert (error_path.startswith(named) or named.startswith(error_path) or error_path.startswith("$.assignments")
                    or error_path == "$.fleets"), (named, message)
        else:
            _check_accepted(scenario, tmp_path)
    assert len(LEAF_CASES) > 500 and refused > 0.8 * len(LEAF_CASES)


def _numeric_fields() -> dict[str, tuple[int, tuple]]:
    """One (example, path) per numeric field of the examples (the first fleet, workload... of each)."""
    out: dict[str, tuple[int, tuple]] = {}
    for i, doc in enumerate(example_documents()):
        for p in paths_of(doc):
            value = get_at(doc, p) if p else None
            if p and p[-1] != "format_version" and isinstance(value, (int, float)) and not isinstance(value, bool):
                out.setdefault(re.sub(r"\[\d+\]", "[i]", json_path(p)), (i, p))
    return out


NUMERIC_FIELDS = _numeric_fields()


@pytest.mark.parametrize("field", sorted(NUMERIC_FIELDS))
def test_negative_huge_and_non_finite_numbers_in_every_numeric_field(tmp_path, field):
    index, path = NUMERIC_FIELDS[field]
    doc = example_documents()[index]
    field_path = json_path(path)
    for text in ("-1", "-1e-9", "1e308", "-1e308", "1e999", "-1e999", "NaN", "Infinity", "-Infinity", "1" + "0" * 400, "1" + "0" * 5000):
        patched = copy.deepcopy(doc)
        get_at(patched, path[:-1])[path[-1]] = "@@"
        file = write(tmp_path, "num.json", json_text(patched).replace('"@@"', text))
        scenario, message = _load_or_refusal(file)
        if scenario is not None:
            _check_accepted(scenario, tmp_path)
        elif text in ("1e999", "-1e999", "NaN", "Infinity", "-Infinity"):
            assert (f"{field_path}: must be a finite number, got {text}" in message
                    or f"{field_path}: must be a number with |value| <= 10,000,000, got {text}" in message), message
        elif len(text) > 4000:  # more digits than Python converts: refused as not JSON, at the top
            assert message.startswith("num.json: $: not valid JSON:")
        else:
            assert field_path in message, message


# -- size, encodings, nesting, empty -----------------------------------------------------------------


def test_files_of_tens_of_megabytes_are_refused_before_reading(tmp_path, monkeypatch):
    path = tmp_path / "big.json"
    with open(path, "wb") as fh:
        fh.truncate(40 * 1024 * 1024)  # sparse: 40 MiB on paper

    def no_reading(*args, **kwargs):
        raise AssertionError("the file was opened")

    monkeypatch.setattr(scenario_file, "open", no_reading, raising=False)
    monkeypatch.setattr(scenario_file.os, "open", no_reading)
    start = time.perf_counter()
    with pytest.raises(ScenarioFileError) as info:
        load_scenario(path)
    assert str(info.value) == "big.json: $: file is 40.0 MiB; scenario files are limited to 16 MiB"
    assert time.perf_counter() - start < 0.5


def test_a_file_just_under_the_limit_is_parsed_and_refused_in_bounded_time(tmp_path):
    """15 MiB of JSON (a 15-million-character name) is read and parsed, then refused for its name."""
    doc = example_documents()[0]
    doc["name"] = "x" * (15 * 1024 * 1024)
    path = write(tmp_path, "long.json", json_text(doc))
    assert path.stat().st_size < MAX_FILE_BYTES
    start = time.perf_counter()
    _, message = _load_or_refusal(path)
    assert message == "long.json: $.name: must be at most 10000 characters"
    assert time.perf_counter() - start < 5.0


def test_many_items_under_the_limit_are_refused_in_bounded_time(tmp_path):
    """Tens of thousands of fleets within 16 MiB: read, checked and refused by the share rule."""
    doc = example_documents()[0]
    fleet = doc["fleets"][0]
    doc["fleets"] = [dict(fleet, id=f"f{i}", power_share=0.5) for i in range(40_000)]
    path = write(tmp_path, "many.json", json.dumps(doc))
    start = time.perf_counter()
    _, message = _load_or_refusal(path)
    assert message.startswith("many.json: $.")
    assert time.perf_counter() - start < 10.0


ENCODINGS = [
    ("utf-16", "not UTF-8 text (byte 0xff at offset 0)"),
    ("utf-16-le", "not valid JSON: Expecting property name enclosed in double quotes (line 1, column 2)"),  # '{' then NUL: valid UTF-8
    ("utf-16-be", "not valid JSON: Expecting value (line 1, column 1)"),
    ("utf-32", "not UTF-8 text (byte 0xff at offset 0)"),
    ("utf-32-le", "not valid JSON: Expecting property name enclosed in double quotes (line 1, column 2)"),
]


@pytest.mark.parametrize("encoding, message", ENCODINGS)
def test_other_encodings_are_refused_naming_the_byte(tmp_path, encoding, message):
    text = EXAMPLES[0].read_text(encoding="utf-8")
    path = write(tmp_path, "enc.json", text.encode(encoding))
    _, refusal = _load_or_refusal(path)
    assert refusal == f"enc.json: $: {message}"


def test_latin1_is_refused_and_a_utf8_bom_accepted(tmp_path):
    doc = example_documents()[0]
    doc["name"] = "Usine à jetons"
    text = json.dumps(doc, ensure_ascii=False)
    _, refusal = _load_or_refusal(write(tmp_path, "latin.json", text.encode("latin-1")))
    offset = text.encode("latin-1").index(b"\xe0")
    assert refusal == f"latin.json: $: not UTF-8 text (byte 0xe0 at offset {offset})"
    scenario, _ = _load_or_refusal(write(tmp_path, "bom.json", b"\xef\xbb\xbf" + text.encode("utf-8")))
    assert scenario is not None and scenario.name == "Usine à jetons"


@pytest.mark.parametrize("content, message", [
    (b"", "$: not valid JSON: Expecting value (line 1, column 1)"),
    (b"   \n\t ", "$: not valid JSON: Expecting value (line 2, column 3)"),
    (b"\xef\xbb\xbf", "$: not valid JSON: Expecting value (line 1, column 1)"),
    (b"null", "$: must be a JSON object (a scenario), got null"),
    (b"[]", "$: must be a JSON object (a scenario), got array"),
    (b"1e999", "$: must be a JSON object (a scenario), got 1e999"),
    (b"{}", f"$.format_version: is required (this version of factory-app reads format {CURRENT_VERSION})"),
    (b"[" * 100_000 + b"]" * 100_000, "$: not a scenario: JSON nested too deeply"),
    (b'{"format_version": 1, "name": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "$: not a scenario: JSON nested too deeply"),
    (b'{"format_version": 1, "name": ' + b"[" * 500 + b"]" * 500 + b"}", "$.name: must be a string, got array"),
    (b'{"format_version": 1, "x": ' + b'{"a": ' * 500 + b"1" + b"}" * 500 + b"}", "$.x: unknown field"),
    (b'{"format_version": 1, "site": {"pue": 1e999}}', "$.site.pue: must be a finite number, got 1e999"),
    (b'{"format_version": 1, "site": {"pue": -0.0}}', "$.site.pue: must be between 1 and 3, got -0"),
    (b'{"format_version": 1, "format_version": 1}', "$.format_version: is given twice"),
])
def test_empty_scalar_and_nested_files(tmp_path, content, message):
    _, refusal = _load_or_refusal(write(tmp_path, "f.json", content))
    assert refusal.startswith(f"f.json: {message}")


# -- versions --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("version, message", [
    (CURRENT_VERSION + 1, f"written by a newer version of factory-app (format {CURRENT_VERSION + 1}); this version reads up to {CURRENT_VERSION}"),
    (10**30, f"written by a newer version of factory-app (format {10**30}); this version reads up to {CURRENT_VERSION}"),
    (0, f"format 0 is not known; this version reads formats 1 to {CURRENT_VERSION}"),
    (-1, f"format -1 is not known; this version reads formats 1 to {CURRENT_VERSION}"),
    (1.0, "must be a whole number, got 1.0"),
    ("1", 'must be a whole number, got "1"'),
    (True, "must be a whole number, got true"),
    (None, "must be a whole number, got null"),
])
def test_format_versions_this_app_cannot_read_are_refused(tmp_path, version, message):
    doc = example_documents()[0]
    doc["format_version"] = version
    doc["fleets"][0]["colour"] = "a field a newer version might add"
    path = write(tmp_path, "v.json", json_text(doc))
    before = path.read_bytes()
    _, refusal = _load_or_refusal(path)
    assert refusal == f"v.json: $.format_version: {message}"  # not the unknown field: nothing else was read
    assert path.read_bytes() == before

