"""Every command, random arguments and random files: exit code 0, 1, 2 (or 73, an output that
cannot be written), at most one line on
stderr, never a traceback, JSON output that parses with finite numbers, refusals naming the
file and a JSON path (or the argument). Most run in-process; a few end to end in a subprocess."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context

from factory_app.cli import main
from factory_app.cli.outputs import WRITE_FAILED
from factory_app.serving.catalog import default_catalog
from factory_app.factory.results import TOTAL_KEYS
from factory_app.io.migrations import CURRENT_VERSION
from factory_app.io.scenario_file import load_scenario
from reliability_helpers import EXAMPLES, JSON_VALUES, examples, json_text, mutated_documents, strict_json

pytestmark = pytest.mark.reliability  # property and attack tests (docs/reliability.md)

ROOT = Path(__file__).resolve().parents[2]
CATALOG = default_catalog()
SMALL = min(EXAMPLES, key=lambda p: len(load_scenario(p).assignments))  # the quickest to evaluate


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    """``factory-app ARGV`` in this process: exit code, stdout, stderr."""
    assert argv and argv[0] in {"predict", "catalog", "evaluate", "validate", "sweep", "compare", "export", "render", "calibrate"}
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse: a bad argument (2) or --help (0)
            code = exc.code if isinstance(exc.code, int) else 2
    return code, out.getvalue(), err.getvalue()


def check_outcome(code: int, out: str, err: str, json_out: bool = False, file_name: str | None = None) -> None:
    """The promises every command keeps."""
    assert code in (0, 1, 2, WRITE_FAILED), (code, err)
    assert "Traceback" not in out + err
    if code == WRITE_FAILED:  # an output that cannot be written, said in one line
        assert err.startswith("factory-app: cannot write "), err
    assert err == "" or (err.count("\n") == 1 and err.endswith("\n")), repr(err)
    if json_out and code in (0, 1) and out.strip():
        strict_json(out)
    if code == 2:
        assert err, "a refusal says why"
        if file_name and err.startswith(f"{file_name}: "):
            assert err.startswith(f"{file_name}: $"), err
    if currently_in_test_context():
        event(f"exit {code}")


@contextlib.contextmanager
def folder():
    with tempfile.TemporaryDirectory() as d:
        yield Path(d)


# -- predict and catalog ---------------------------------------------------------------------------------

GOOD_NUMBERS = st.sampled_from(["1", "8", "72", "1000", "1e3", "100"])
BAD_NUMBERS = st.sampled_from(["0", "-1", "1.5", "1e999", "nan", "inf", "-inf", "", "abc", "0x10", "99999999999999999999999",
                               "1_000", " 8", "٨", "8\n", "1e-400", "0.5"])
IDS = st.one_of(st.sampled_from(["", "H100", "h100 ", "x" * 500, "=1+1"]), st.text(max_size=12))
PLATFORM_IDS = st.sampled_from(sorted(CATALOG.platforms))
MODEL_IDS = st.sampled_from(sorted(CATALOG.models))


@st.composite
def predict_argv(draw) -> list[str]:
    """Half the time flags a user could mean (valid ids and numbers, optional limits), half the
    time anything: bad numbers, unknown ids, missing required flags."""
    fuzz = draw(st.booleans())
    numbers = st.one_of(GOOD_NUMBERS, BAD_NUMBERS) if fuzz else GOOD_NUMBERS
    argv = ["predict"]
    for flag, values in (("--platform", st.one_of(PLATFORM_IDS, IDS) if fuzz else PLATFORM_IDS),
                         ("--model", st.one_of(MODEL_IDS, IDS) if fuzz else MODEL_IDS),
                         ("--gpus", numbers), ("--isl", numbers), ("--osl", numbers)):
        if not fuzz or draw(st.sampled_from([True] * 9 + [False])):  # required flags, sometimes left out
            argv += [flag, draw(values)]
    for flag in ("--ttft-ms", "--tpot-ms", "--min-tps-user", "--concurrency", "--tp", "--ep", "--draft-tokens", "--acceptance"):
        if draw(st.sampled_from([False, False, False, True])):
            value = draw(numbers)
            argv += [flag, "0.5" if flag == "--acceptance" and not fuzz else value]
    if draw(st.booleans()):
        argv += ["--precision", draw(st.sampled_from(["bf16", "fp8", "fp4", "int8"] + (["fp16", ""] if fuzz else [])))]
    if draw(st.booleans()):
        argv += ["--kv-precision", draw(st.sampled_from(["bf16", "fp8"] + (["fp4"] if fuzz else [])))]
    if draw(st.sampled_from([True, True, False])):
        argv.append("--json")
    return argv


@settings(max_examples=examples(300))
@given(predict_argv())
def test_predict_with_random_flags(argv):
    check_outcome(*run_cli(argv), json_out="--json" in argv)


@settings(max_examples=examples(150))
@given(platform=st.sampled_from(sorted(CATALOG.platforms)), model=st.sampled_from(sorted(CATALOG.models)),
       precision=st.sampled_from(["bf16", "fp8", "fp4", "int8"]), gpus=st.sampled_from(["1", "8", "72", "1000", "1000000"]),
       isl=st.sampled_from(["1", "1000", "10000000"]), osl=st.sampled_from(["1", "1000", "10000000"]))
def test_predict_on_valid_flags_answers_in_json(platform, model, precision, gpus, isl, osl):
    argv = ["predict", "--platform", platform, "--model", model, "--precision", precision, "--gpus", gpus, "--isl", isl, "--osl", osl, "--json"]
    code, out, err = run_cli(argv)
    check_outcome(code, out, err, json_out=True)
    data = strict_json(out)
    assert code == (0 if data["feasible"] else 1) and (data["feasible"] or data["reason"])


@pytest.mark.parametrize("argv", [["catalog"], ["catalog", "--json"], ["catalog", "--bogus"], ["calibrate", "--iterations", "x"]])
def test_catalog_and_calibrate_arguments(argv):
    code, out, err = run_cli(argv)
    check_outcome(code, out, err, json_out="--json" in argv)
    if argv == ["catalog", "--json"]:
        data = strict_json(out)
        assert set(data) >= {"platforms", "models"}


# -- evaluate and validate: random files ---------------------------------------------------------------------

FILES = st.one_of(
    mutated_documents().map(lambda m: json_text(m[0]).encode("utf-8")),
    JSON_VALUES.map(lambda v: json_text(v).encode("utf-8")),
    st.binary(max_size=300),
)


@settings(max_examples=examples(200))
@given(data=FILES, json_flag=st.booleans(), csv_flag=st.booleans(), optimise=st.sampled_from([False, False, True]))
def test_evaluate_random_files(data, json_flag, csv_flag, optimise):
    with folder() as d:
        path = d / "random.json"
        path.write_bytes(data)
        argv = ["evaluate", str(path)] + (["--json"] if json_flag else []) + (["--csv", str(d / "out.csv")] if csv_flag else [])
        argv += ["--optimise"] if optimise else []
        code, out, err = run_cli(argv)
        check_outcome(code, out, err, json_out=json_flag, file_name="random.json")
        assert path.read_bytes() == data  # only read
        if code in (0, 1):
            if json_flag:
                assert set(strict_json(out)["totals"]) == set(TOTAL_KEYS)
            if csv_flag:
                rows = list(csv.DictReader((d / "out.csv").open(encoding="utf-8", newline="")))
                assert rows and rows[0]["row_type"] == "total"
        elif csv_flag:
            assert not (d / "out.csv").exists()  # a refused file writes nothing


@settings(max_examples=examples(200))
@given(data=FILES)
def test_validate_random_files(data):
    with folder() as d:
        path = d / "random.json"
        path.write_bytes(data)
        code, out, err = run_cli(["validate", str(path)])
        check_outcome(code, out, err, file_name="random.json")
        assert code in (0, 2)
        assert (code == 0) == out.startswith("random.json: valid (")
        assert path.read_bytes() == data


# -- sweep: bad axes, paths and values ------------------------------------------------------------------------

PATHS = st.sampled_from([
    "site.electricity_usd_per_kwh", "site.pue", "site.facility_power_mw", "site.name", "site.nope", "fleets[0].power_share",
    "fleets[9].power_share", "fleets[-1].power_share", "fleets.gb200.life_years", "fleets.nope.life_years", "workloads[0].isl",
    "workloads[0].osl", "workloads[0].model", "assignments[0].share", "assignments[99].share", "scenario.name", "", "=", "a.b.c.d",
])
ENDS = st.sampled_from(["0", "0.04", "0.5", "1", "1.2", "2", "3", "100", "-1", "1e308", "1e999", "nan", "inf", "", "x", "1:2"])
STEPS = st.sampled_from(["1", "2", "3", "0", "-1", "1.5", "x", "", "1000001", "99999999999999999999"])


#: Axes a user could mean: a field, two ends inside its range, a few steps.
GOOD_AXES = st.sampled_from([
    ("site.electricity_usd_per_kwh", "0", "0.2"), ("site.pue", "1", "3"), ("site.facility_power_mw", "0", "1000"),
    ("site.non_accelerator_share", "0", "0.9"), ("workloads[0].isl", "1", "100000"), ("workloads[0].price_out_usd_per_mtok", "0", "50"),
    ("workloads[0].demand_cap_tokens_per_s", "0", "1e12"), ("assignments[0].share", "0", "1"), ("fleets[0].life_years", "1", "15"),
])


@st.composite
def vary(draw) -> str:
    kind = draw(st.sampled_from(["good", "good", "good", "mixed", "mixed", "text"]))
    if kind == "text":
        return draw(st.text(max_size=30))
    if kind == "good":
        path, lo, hi = draw(GOOD_AXES)
        return f"{path}={draw(st.sampled_from([lo, hi]))}:{draw(st.sampled_from([lo, hi]))}:{draw(st.sampled_from(['1', '2', '3']))}"
    return f"{draw(PATHS)}={draw(ENDS)}:{draw(ENDS)}:{draw(STEPS)}"


@settings(max_examples=examples(200))
@given(axes=st.lists(vary(), min_size=1, max_size=3), example=st.sampled_from(EXAMPLES))
def test_sweep_with_random_axes(axes, example):
    with folder() as d:
        src = d / "s.json"
        shutil.copy(example, src)
        out_csv = d / "sweep.csv"
        argv = ["sweep", str(src), "--csv", str(out_csv)]
        for a in axes:
            argv += ["--vary", a]
        code, out, err = run_cli(argv)
        check_outcome(code, out, err, file_name="s.json")
        assert code in (0, 2)
        if code == 0:
            rows = list(csv.reader(out_csv.open(encoding="utf-8", newline="")))
            assert rows[0][-len(TOTAL_KEYS):] == list(TOTAL_KEYS) and len(rows) > 1
            for row in rows[1:]:
                assert all(_finite_cell(c) for c in row)
        else:
            assert not out_csv.exists() and err.startswith(("factory-app", "s.json: $"))


def _finite_cell(text: str) -> bool:
    try:
        value = float(text)
    except ValueError:
        return True
    return value == value and abs(value) != float("inf")


def test_a_sweep_over_the_point_limit_is_refused_before_evaluating(tmp_path):
    code, out, err = run_cli(["sweep", str(SMALL), "--csv", str(tmp_path / "o.csv"),
                              "--vary", "site.pue=1:2:1001", "--vary", "site.electricity_usd_per_kwh=0:1:1000"])
    assert code == 2 and err == "factory-app: --vary site.pue: the sweep has 1,001,000 points; at most 100,000\n"


# -- compare ---------------------------------------------------------------------------------------------------


@settings(max_examples=examples(60))
@given(files=st.one_of(st.lists(st.sampled_from(EXAMPLES).map(lambda p: p.read_bytes()), min_size=2, max_size=4),
                        st.lists(st.one_of(st.sampled_from(EXAMPLES).map(lambda p: p.read_bytes()), FILES), min_size=0, max_size=5)),
       baseline=st.sampled_from([None, 0, 1, "other"]))
def test_compare_random_files(files, baseline):
    with folder() as d:
        paths = []
        for i, data in enumerate(files):
            p = d / f"c{i}.json"
            p.write_bytes(data)
            paths.append(str(p))
        argv = ["compare", *paths, "--csv", str(d / "cmp.csv")]
        if baseline == "other":
            argv += ["--baseline", str(d / "other.json")]
        elif baseline is not None and baseline < len(paths):
            argv += ["--baseline", paths[baseline]]
        code, out, err = run_cli(argv)
        check_outcome(code, out, err)
        if code == 0:
            rows = list(csv.DictReader((d / "cmp.csv").open(encoding="utf-8", newline="")))
            assert all(_finite_cell(r["value"]) and _finite_cell(r["difference"]) for r in rows)


# -- export and render (Qt offscreen): a few cases --------------------------------------------------------------


@pytest.mark.parametrize("args, code", [
    (["--chart", "frontier", "--out", "{d}/f.png"], 0),
    (["--chart", "power", "--out", "{d}/p.svg", "--size", "640x360"], 0),
    (["--chart", "revenue", "--out", "{d}/r.pdf"], 0),
    (["--chart", "frontier", "--out", "{d}/f.gif"], 2),
    (["--chart", "pie", "--out", "{d}/f.png"], 2),
    (["--chart", "frontier", "--out", "{d}/nowhere/f.png"], WRITE_FAILED),
    (["--chart", "frontier", "--out", "{d}/f.png", "--size", "1e9x2"], 2),
])
def test_export_arguments(tmp_path, args, code):
    got, out, err = run_cli(["export", str(SMALL), *[a.format(d=tmp_path) for a in args]])
    check_outcome(got, out, err)
    assert got == code, err


@pytest.mark.parametrize("content", [b"", b"{}", b"\xff", json.dumps({"format_version": CURRENT_VERSION + 1}).encode()])
def test_export_and_render_refuse_bad_files_in_one_line(tmp_path, content):
    bad = tmp_path / "bad.json"
    bad.write_bytes(content)
    for argv in (["export", str(bad), "--chart", "frontier", "--out", str(tmp_path / "x.png")],
                 ["render", str(bad), "--png", str(tmp_path / "x.png")]):
        code, out, err = run_cli(argv)
        check_outcome(code, out, err)
        assert code == 2 and err.startswith("bad.json: $") or err.startswith("factory-app: bad.json: $"), err
        assert not (tmp_path / "x.png").exists()


# -- newer versions -------------------------------------------------------------------------------------------


def test_a_newer_file_is_refused_by_validate_and_evaluate(tmp_path):
    doc = json.loads(SMALL.read_text(encoding="utf-8"))
    doc["format_version"] = CURRENT_VERSION + 1
    path = tmp_path / "future.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    expected = (f"future.json: $.format_version: written by a newer version of factory-app (format {CURRENT_VERSION + 1}); "
                f"this version reads up to {CURRENT_VERSION}\n")
    for argv in (["validate", str(path)], ["evaluate", str(path), "--json"], ["evaluate", str(path), "--csv", str(tmp_path / "o.csv")],
                 ["sweep", str(path), "--vary", "site.pue=1:2:2", "--csv", str(tmp_path / "o.csv")]):
        code, out, err = run_cli(argv)
        assert (code, out, err) == (2, "", expected), argv
    assert not (tmp_path / "o.csv").exists()


# -- end to end: the installed entry point, in a subprocess, with a timeout -------------------------------------

E2E = [
    ["predict", "--platform", "gb200", "--gpus", "1000000", "--model", "deepseek-r1", "--isl", "10000000", "--osl", "1", "--json"],
    ["predict", "--platform", "h100", "--gpus", "nan", "--model", "llama-3.1-8b", "--isl", "1", "--osl", "1"],
    ["catalog", "--json"],
    ["evaluate", "{bad}", "--json"],
    ["evaluate", "{big}", "--json"],
    ["validate", "{deep}"],
    ["sweep", "{ok}", "--vary", "site.pue=1:1e999:3", "--csv", "{d}/o.csv"],
    ["compare", "{ok}", "{bad}", "--csv", "{d}/c.csv"],
    ["render", "{bad}", "--png", "{d}/w.png"],
    ["nonsense"],
]


@pytest.mark.parametrize("argv", E2E, ids=[" ".join(a[:2]) for a in E2E])
def test_end_to_end_no_traceback_no_hang(tmp_path, argv):
    (tmp_path / "bad.json").write_bytes(b'{"format_version": 1, "site": {"pue": NaN}}')
    (tmp_path / "deep.json").write_bytes(b"[" * 200_000)
    with open(tmp_path / "big.json", "wb") as fh:
        fh.truncate(30 * 1024 * 1024)
    shutil.copy(SMALL, tmp_path / "ok.json")
    names = {k: str(tmp_path / f"{k}.json") for k in ("bad", "big", "deep", "ok")}
    args = [a.format(d=tmp_path, **names) for a in argv]
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    out = subprocess.run([sys.executable, "-m", "factory_app", *args], capture_output=True, text=True, timeout=180, env=env, cwd=ROOT)
    check_outcome(out.returncode, out.stdout, out.stderr, json_out="--json" in args)
