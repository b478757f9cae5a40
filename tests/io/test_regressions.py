"""Regression tests of the bugs the reliability work found (docs/reliability.md lists them)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from factory_app.cli import main
from factory_app.serving.catalog import default_catalog
from factory_app.factory.evaluation import evaluate_factory
from factory_app.io.atomic import write_bytes_atomic
from factory_app.io.messages import one_line
from factory_app.io.scenario_file import ScenarioFileError, load_scenario, save_scenario
from factory_app.scenario.model import Assignment, Fleet, Scenario, Site, Workload, validate_scenario
from reliability_helpers import EXAMPLES, example_documents, json_text, write

pytestmark = pytest.mark.reliability  # property and attack tests (docs/reliability.md)

# -- 1. refusals quoting the file were not always one line --------------------------------------------


@pytest.mark.parametrize("patch, expected", [
    (lambda d: d.update({"a\nb": 1}), "m.json: $.a\\nb: unknown field"),
    (lambda d: d.update({"k" * 20_000: 1}), "m.json: $.kkkk"),
    (lambda d: d["fleets"][0].update(platform="h200\r\nrm -rf"), "m.json: $.fleets[0].platform: unknown platform 'h200\\r\\nrm -rf'"),
    (lambda d: d["fleets"][0].update(sizing="po\u2028wer"), "m.json: $.fleets[0].sizing: must be one of power, count, got 'po\\u2028wer'"),
    (lambda d: d["assignments"][0].update(fleet="x" * 100_000), "m.json: $.assignments[0].fleet: no fleet with id 'xxxx"),
])
def test_refusals_quoting_the_file_stay_one_short_line(tmp_path, patch, expected):
    """A key or id holding a line break was quoted as is (two lines on stderr), and a
    20,000-character key made a 20,000-character message."""
    doc = example_documents()[0]
    patch(doc)
    with pytest.raises(ScenarioFileError) as info:
        load_scenario(write(tmp_path, "m.json", json_text(doc)))
    message = str(info.value)
    assert message.startswith(expected) and "\n" not in message and len(message) <= 1100


def test_command_line_errors_quoting_arguments_stay_one_line(capsys):
    for argv in (["predict", "--platform", "h1\n00", "--gpus", "8", "--model", "llama-3.1-8b", "--isl", "1", "--osl", "1"],
                 ["predict", "--platform", "h100", "--gpus", "8\n1", "--model", "llama-3.1-8b", "--isl", "1", "--osl", "1"],
                 ["sweep", "x.json", "--vary", "a\nb=1:2:3", "--csv", "o.csv"]):
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse refusals
            code = exc.code
        err = capsys.readouterr().err
        assert code == 2 and err.count("\n") == 1 and err.endswith("\n"), repr(err)


def test_one_line_escapes_controls_and_cuts():
    assert one_line("a\nb\r\tc\x00d\u2028e") == "a\\nb\\r\\tc\\u0000d\\u2028e"
    assert one_line("x" * 1000, 10) == "x" * 9 + "…"
    assert one_line("ok: é 💥") == "ok: é 💥"


# -- 2. reading a named pipe waited for ever; a device was read to the size limit ------------------------


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_named_pipe_is_refused_without_waiting(tmp_path):
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    start = time.perf_counter()
    with pytest.raises(ScenarioFileError) as info:
        load_scenario(fifo)
    assert str(info.value) == "pipe.json: $: cannot read: not a regular file (a folder, a device or a pipe)"
    assert time.perf_counter() - start < 1.0


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_validate_on_a_named_pipe_exits_2_at_once(tmp_path):
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    out = subprocess.run([sys.executable, "-m", "factory_app", "validate", str(fifo)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and out.stderr == "pipe.json: $: cannot read: not a regular file (a folder, a device or a pipe)\n"


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_devices_and_folders_are_refused_without_reading(tmp_path):
    for path in (Path("/dev/zero"), tmp_path):
        start = time.perf_counter()
        with pytest.raises(ScenarioFileError, match=r": \$: cannot read: not a regular file \(a folder, a device or a pipe\)$"):
            load_scenario(path)
        assert time.perf_counter() - start < 1.0


# -- 3. a CSV written onto a device, a pipe or a symlink replaced it with a regular file -----------------


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_csv_onto_a_named_pipe_is_written_into_it(tmp_path):
    """``--csv /dev/stdout`` or a named pipe: the rename of an atomic write swapped the pipe (or, as
    root, /dev/null itself) for a regular file."""
    fifo = tmp_path / "out.csv"
    os.mkfifo(fifo)
    reader = subprocess.Popen(["cat", str(fifo)], stdout=subprocess.PIPE)
    out = subprocess.run([sys.executable, "-m", "factory_app", "evaluate", str(EXAMPLES[0]), "--csv", str(fifo)],
                         capture_output=True, text=True, timeout=120)
    data, _ = reader.communicate(timeout=60)
    assert out.returncode == 0 and data.startswith(b"row_type,scenario_name,")
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)  # still a pipe


@pytest.mark.skipif(not Path("/proc/self/fd/1").exists(), reason="needs /proc (Linux)")
def test_csv_to_a_link_to_standard_output_goes_to_standard_output(tmp_path):
    """What ``--csv /dev/stdout`` does, through a link of our own: were the fix undone, the
    rename would replace this link in a temporary folder, not /dev/stdout of the machine."""
    link = tmp_path / "stdout"
    link.symlink_to("/proc/self/fd/1")
    out = subprocess.run([sys.executable, "-m", "factory_app", "evaluate", str(EXAMPLES[0]), "--csv", str(link)],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and "row_type,scenario_name," in out.stdout and out.stderr == ""
    assert link.is_symlink()


def test_atomic_writes_go_through_symbolic_links(tmp_path):
    """As QSaveFile does in the app: the link stays a link and its target gets the new content."""
    target = tmp_path / "real.json"
    save_scenario(load_scenario(EXAMPLES[0]), target)
    link = tmp_path / "link.json"
    link.symlink_to(target)
    changed = replace(load_scenario(EXAMPLES[0]), name="through the link")
    save_scenario(changed, link)
    assert link.is_symlink() and load_scenario(target).name == "through the link"
    write_bytes_atomic(link, b"x")
    assert link.is_symlink() and target.read_bytes() == b"x"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.json", "real.json"]


# -- 4. a fleet with no accelerators was always said to lack "power for one scale-up domain" -----------


@pytest.mark.parametrize("fleets, why", [
    ((Fleet(id="h", platform="mi355x", sizing="count", accelerators=7),), "its count of 7 is less than one purchase unit (8 accelerators)"),
    ((Fleet(id="h", platform="tpu-v7", power_share=1e-9),), "its share of the power is less than one purchase unit (4 accelerators)"),
    ((Fleet(id="p", platform="h200", power_share=1.0), Fleet(id="h", platform="gb200", sizing="count", accelerators=720)),
     "the power left by the power-sized fleets is less than one purchase unit (72 accelerators)"),
])
def test_why_a_fleet_has_no_accelerators(fleets, why):
    """Rounding is to purchase units (a TPU host is 4 chips, not a 9,216-chip pod), and a count
    fleet is emptied by its count or by the power left, not by 'its power'."""
    s = Scenario(site=Site(facility_power_mw=10.0), fleets=fleets, workloads=(Workload(id="chat", model="llama-3.3-70b"),),
                 assignments=(Assignment("h", "chat", 1.0),))
    validate_scenario(s, default_catalog())
    r = evaluate_factory(s)
    assert r.operating_point("h", "chat").reason == f"the fleet has no accelerators ({why})"
    assert r.fleet("h").accelerators == 0


# -- 7. predict answered "feasible" with no replica placed -------------------------------------------------


def test_a_layout_whose_prefill_pool_does_not_fit_is_not_chosen():
    """Found by the thorough profile: 8 x B200 serving DeepSeek-R1 with 4,000-token prompts under a
    100 ms TTFT limit chose a disaggregated layout needing 69 prefill GPUs per replica: 0 replicas,
    'feasible' with 0 tokens/s. Points that place no replica are now never chosen."""
    from factory_app.serving.predict import ServiceLevel, predict

    p = predict("b200", 8, "deepseek-r1", "fp8", 4000, 1, ServiceLevel(max_ttft_ms=100.0))
    assert not p.feasible and p.output_tokens_per_s == 0
    assert p.reason.startswith("no layout of 8 x b200 meets TTFT p99 <= 100 ms (best reachable: ")
    s = Scenario(site=Site(facility_power_mw=10.0), fleets=(Fleet(id="b", platform="b200", sizing="count", accelerators=8),),
                 workloads=(Workload(id="r1", model="deepseek-r1", precision="fp8", isl=4000, osl=1, max_ttft_ms=100.0),),
                 assignments=(Assignment("b", "r1", 1.0),))
    op = evaluate_factory(s).operating_point("b", "r1")
    assert not op.feasible and op.reason == p.reason and op.output_capacity_tokens_per_s == 0
    relaxed = predict("b200", 8, "deepseek-r1", "fp8", 4000, 1, ServiceLevel(max_ttft_ms=2000.0))
    assert relaxed.feasible and relaxed.layout.replicas >= 1 and relaxed.output_tokens_per_s > 0
