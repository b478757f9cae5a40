"""Autosave files: written and read by the same guarded code as scenario files."""

from __future__ import annotations

import json
import os
import time

import pytest

from factory_app.io.autosave import autosave_original, read_autosave, write_autosave
from factory_app.io.scenario_file import ScenarioFileError, load_scenario
from reliability_helpers import EXAMPLES


def test_an_autosave_round_trips_and_names_its_original_by_absolute_path(tmp_path, monkeypatch):
    scenario = load_scenario(EXAMPLES[0])
    (tmp_path / "gui").mkdir()
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "session-1-1.json"
    write_autosave(path, scenario, "gui/../gui/a.json")
    saved = read_autosave(path)
    assert saved.scenario == scenario
    assert saved.original == str(tmp_path / "gui" / "a.json")
    assert autosave_original(path) == saved.original
    assert json.loads(path.read_text(encoding="utf-8"))["format"] == "factory_app.autosave"


def test_an_autosave_of_an_older_session_without_a_format_key_is_read(tmp_path):
    scenario = load_scenario(EXAMPLES[0])
    path = tmp_path / "session-1-1.json"
    write_autosave(path, scenario, None)
    doc = json.loads(path.read_text(encoding="utf-8"))
    del doc["format"]
    path.write_text(json.dumps(doc), encoding="utf-8")
    assert read_autosave(path).scenario == scenario and read_autosave(path).original == ""


@pytest.mark.parametrize("content, where", [
    ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ('{"original": 5, "scenario": {}}', "$.original"),
    ('{"original": "", "scenario": {"format_version": 99}}', "$.scenario.format_version"),
    ('{"original": "", "scen', "not valid JSON"),
    ('{"original": "", "extra": 1}', "$.extra"),
])
def test_a_damaged_autosave_is_refused_with_one_line(tmp_path, content, where):
    path = tmp_path / "session-1-1.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ScenarioFileError) as info:
        read_autosave(path)
    assert where in str(info.value) and "\n" not in str(info.value)
    assert autosave_original(path) == ""


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_named_pipe_in_the_autosave_folder_is_refused_at_once(tmp_path):
    fifo = tmp_path / "session-1-1.json"
    os.mkfifo(fifo)
    start = time.perf_counter()
    assert autosave_original(fifo) == ""
    with pytest.raises(ScenarioFileError, match="not a regular file"):
        read_autosave(fifo)
    assert time.perf_counter() - start < 2.0
