"""Smoke test of the built bundle: start ``dist/factory-app/factory-app`` offscreen and use it.

    python packaging/smoke_test.py [--bundle dist/factory-app] [--timeout 180]

Standard library only, so it runs with any Python 3.11+ and proves nothing comes from a venv: the
bundle runs with a scrubbed environment (no PYTHONPATH/PYTHONHOME/VIRTUAL_ENV, a temporary HOME
and XDG folders, ``QT_QPA_PLATFORM=offscreen``) on the example scenario *inside the bundle*:

1. ``--version``                              prints the version in the bundle's VERSION file
2. ``evaluate FILE --json``                   totals present, finite, output tokens/s > 0
3. ``evaluate FILE --csv OUT.csv``            header columns, a total row, app_version
4. ``export FILE --chart frontier --out OUT.png --size 1280x720``   PNG signature, IHDR 1280x720
5. ``export FILE --chart frontier --out OUT.svg``                   well-formed SVG about the frontier
6. ``export FILE --deck OUT.pptx --workbook OUT.xlsx``   a zip with slides and native chart parts; a
                                             workbook with the Totals sheet and defined names
7. ``render FILE --png shot.png``             the whole window offscreen (the UI imports and draws);
                                             Qt must load the svg icon engine from the bundle
8. ``factory-app`` on an X display            Linux with ``xvfb-run`` only (skipped otherwise): the GUI
                                             as a user starts it, on the bundle's xcb plugin, until the
                                             window is shown (``FACTORY_APP_EXIT_AFTER_SHOW=1``)

Any non-zero exit, a "Traceback", "ModuleNotFoundError" or "ImportError" on stderr, a Qt plugin
that fails to load, a timeout or a missing file fails the test (exit 1) with a one-line reason.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = "iso-power-hopper-vs-gb200.json"
FORBIDDEN_IN_STDERR = (
    "Traceback", "ModuleNotFoundError", "ImportError", "Could not load the Qt platform plugin",
    "Failed to execute script", "internal error",
)
TOTAL_KEYS = ("facility_power_mw", "accelerators", "output_tokens_per_s", "revenue_usd_per_year",
              "cost_usd_per_year", "profit_usd_per_year", "joules_per_token")
CSV_COLUMNS = ("row_type", "scenario_name", "fleet_id", "workload_id", "output_tokens_per_s",
               "revenue_usd_per_year", "cost_usd_per_year", "app_version")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class SmokeFailure(Exception):
    """One check that did not hold; the message says which."""


def executable(bundle: Path) -> Path:
    exe = bundle / ("factory-app.exe" if os.name == "nt" else "factory-app")
    if not exe.is_file():
        raise SmokeFailure(f"no executable {exe}: build it with `make package`")
    if os.name != "nt" and not os.access(exe, os.X_OK):
        raise SmokeFailure(f"{exe} is not executable")
    return exe


def bundled_example(bundle: Path) -> Path:
    """The example scenario as shipped in the bundle (proves resources/ was collected)."""
    found = sorted(bundle.glob(f"**/resources/examples/{EXAMPLE}"))
    if not found:
        raise SmokeFailure(f"resources/examples/{EXAMPLE} is missing from {bundle}")
    resources = found[0].parent.parent
    for needed in ("catalog/models.json", "catalog/platforms.json", "icons/factory-app.svg"):
        if not (resources / needed).is_file():
            raise SmokeFailure(f"{needed} is missing from the bundle's resources ({resources})")
    return found[0]


def clean_env(home: Path) -> dict[str, str]:
    """The caller's environment without anything Python or app specific, Qt offscreen, a fresh HOME."""
    drop = ("PYTHON", "VIRTUAL_ENV", "CONDA", "FACTORY_APP_", "QT_", "XDG_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    for sub in ("config", "data", "cache", "runtime"):
        (home / sub).mkdir(mode=0o700, parents=True, exist_ok=True)
    env.update(
        HOME=str(home), USERPROFILE=str(home), XDG_CONFIG_HOME=str(home / "config"),
        XDG_DATA_HOME=str(home / "data"), XDG_CACHE_HOME=str(home / "cache"),
        XDG_RUNTIME_DIR=str(home / "runtime"), QT_QPA_PLATFORM="offscreen", PYTHONNOUSERSITE="1",
    )
    return env


class Runner:
    """Runs the bundle's executable and keeps a timing per step."""

    def __init__(self, exe: Path, env: dict[str, str], cwd: Path, timeout: float) -> None:
        self.exe, self.env, self.cwd, self.timeout = exe, env, cwd, timeout
        self.timings: list[tuple[str, float]] = []

    def run(self, label: str, *args: str, extra_env: dict[str, str] | None = None,
            prefix: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
        start = time.perf_counter()
        try:
            proc = subprocess.run(
                [*prefix, str(self.exe), *args], cwd=self.cwd, env={**self.env, **(extra_env or {})},
                stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=self.timeout,
            )
        except subprocess.TimeoutExpired:
            raise SmokeFailure(f"{label}: no answer within {self.timeout:.0f} s") from None
        elapsed = time.perf_counter() - start
        self.timings.append((label, elapsed))
        for word in FORBIDDEN_IN_STDERR:
            if word in proc.stderr:
                raise SmokeFailure(f"{label}: '{word}' on stderr:\n{proc.stderr.strip()[-3000:]}")
        if proc.returncode != 0:
            raise SmokeFailure(f"{label}: exit code {proc.returncode}\nstdout: {proc.stdout.strip()[-1500:]}\n"
                               f"stderr: {proc.stderr.strip()[-1500:]}")
        return proc


def existing(path: Path, label: str, min_bytes: int = 1) -> bytes:
    if not path.is_file():
        raise SmokeFailure(f"{label}: {path.name} was not written")
    data = path.read_bytes()
    if len(data) < min_bytes:
        raise SmokeFailure(f"{label}: {path.name} has {len(data)} bytes, expected at least {min_bytes}")
    return data


def check_version(r: Runner, bundle: Path) -> str:
    out = r.run("--version", "--version").stdout.strip()
    if not out.startswith("factory-app "):
        raise SmokeFailure(f"--version: unexpected output {out!r}")
    version = out.split()[-1]
    version_file = bundle / "VERSION"
    if version_file.is_file() and version_file.read_text(encoding="utf-8").strip() != version:
        raise SmokeFailure(f"--version says {version}, VERSION file says {version_file.read_text().strip()}")
    return version


def check_json(r: Runner, example: Path) -> dict:
    out = r.run("evaluate --json", "evaluate", str(example), "--json").stdout
    try:
        totals = json.loads(out)["totals"]
    except (ValueError, KeyError, TypeError) as exc:
        raise SmokeFailure(f"evaluate --json: not a results object ({exc}): {out[:300]!r}") from None
    for key in TOTAL_KEYS:
        value = totals.get(key)
        if not isinstance(value, (int, float)) or not math.isfinite(value):
            raise SmokeFailure(f"evaluate --json: totals.{key} is {value!r}, expected a finite number")
    if totals["output_tokens_per_s"] <= 0:
        raise SmokeFailure(f"evaluate --json: output_tokens_per_s is {totals['output_tokens_per_s']}, expected > 0")
    return totals


def check_csv(r: Runner, example: Path, out_dir: Path, version: str, totals: dict) -> int:
    out = out_dir / "results.csv"
    r.run("evaluate --csv", "evaluate", str(example), "--csv", str(out))
    existing(out, "evaluate --csv")
    with out.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
        header = list(rows[0].keys()) if rows else []
    missing = [c for c in CSV_COLUMNS if c not in header]
    if missing:
        raise SmokeFailure(f"evaluate --csv: header lacks {missing}")
    total = [row for row in rows if row["row_type"] == "total"]
    if len(rows) < 2 or len(total) != 1:
        raise SmokeFailure(f"evaluate --csv: {len(rows)} rows with {len(total)} total rows, expected one total and more")
    if total[0]["app_version"] != version:
        raise SmokeFailure(f"evaluate --csv: app_version {total[0]['app_version']!r}, the bundle is {version}")
    if not math.isclose(float(total[0]["output_tokens_per_s"]), totals["output_tokens_per_s"], rel_tol=1e-9):
        raise SmokeFailure("evaluate --csv: total output_tokens_per_s differs from evaluate --json")
    return len(rows)


def check_png_chart(r: Runner, example: Path, out_dir: Path) -> int:
    out = out_dir / "frontier.png"
    r.run("export png", "export", str(example), "--chart", "frontier", "--out", str(out), "--size", "1280x720")
    data = existing(out, "export png", min_bytes=10_000)  # a blank 1280x720 PNG is ~4 kB
    if not data.startswith(PNG_SIGNATURE) or data[12:16] != b"IHDR":
        raise SmokeFailure("export png: not a PNG file")
    width, height = struct.unpack(">II", data[16:24])
    if (width, height) != (1280, 720):
        raise SmokeFailure(f"export png: {width}x{height}, expected 1280x720")
    return len(data)


def check_svg_chart(r: Runner, example: Path, out_dir: Path) -> int:
    out = out_dir / "frontier.svg"
    r.run("export svg", "export", str(example), "--chart", "frontier", "--out", str(out))
    data = existing(out, "export svg", min_bytes=1_000)
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise SmokeFailure(f"export svg: not well-formed XML ({exc})") from None
    if not root.tag.endswith("svg"):
        raise SmokeFailure(f"export svg: root element is {root.tag}, expected svg")
    if b"frontier" not in data.lower():
        raise SmokeFailure("export svg: the word 'frontier' is nowhere in the chart")
    return len(data)


def check_office(r: Runner, example: Path, out_dir: Path) -> tuple[int, int]:
    """The deck and the workbook: zip files whose parts say they are what they claim to be."""
    import zipfile

    deck, book = out_dir / "deck.pptx", out_dir / "book.xlsx"
    r.run("export deck+xlsx", "export", str(example), "--deck", str(deck), "--workbook", str(book))
    sizes = []
    for path, must in ((deck, ("ppt/presentation.xml", "ppt/slides/slide5.xml", "ppt/charts/chart1.xml")),
                       (book, ("xl/workbook.xml", "xl/worksheets/sheet1.xml"))):
        data = existing(path, f"export {path.suffix}", min_bytes=5_000)
        try:
            with zipfile.ZipFile(path) as z:
                names = set(z.namelist())
                workbook_xml = z.read("xl/workbook.xml").decode("utf-8") if path == book else ""
        except zipfile.BadZipFile:
            raise SmokeFailure(f"export {path.suffix}: not a zip file") from None
        missing = [m for m in must if m not in names]
        if missing:
            raise SmokeFailure(f"export {path.suffix}: missing {', '.join(missing)}")
        if path == book and not all(k in workbook_xml for k in ('name="Totals"', 'name="npv_usd"', 'name="electricity_usd_per_kwh"')):
            raise SmokeFailure("export .xlsx: no Totals sheet or defined names")
        sizes.append(len(data))
    return sizes[0], sizes[1]


def check_render(r: Runner, example: Path, out_dir: Path) -> int:
    out = out_dir / "shot.png"
    proc = r.run("render window", "render", str(example), "--png", str(out), extra_env={"QT_DEBUG_PLUGINS": "1"})
    data = existing(out, "render window", min_bytes=20_000)
    if not data.startswith(PNG_SIGNATURE):
        raise SmokeFailure("render window: not a PNG file")
    loaded = [line for line in proc.stderr.splitlines() if "loaded library" in line and "unloaded" not in line]
    for plugin in ("qoffscreen", "qsvgicon"):
        if not any(plugin in line for line in loaded):
            raise SmokeFailure(f"render window: Qt did not load the {plugin} plugin from the bundle")
    return len(data)


def check_x_display(r: Runner) -> str:
    """The desktop start on a virtual X server; "skipped" where there is none to be had."""
    xvfb_run = shutil.which("xvfb-run")
    if not sys.platform.startswith("linux") or not xvfb_run or not shutil.which("Xvfb"):
        return "skipped (no xvfb-run)"
    proc = r.run("window on X", extra_env={"QT_QPA_PLATFORM": "xcb", "FACTORY_APP_EXIT_AFTER_SHOW": "1"},
                 prefix=(xvfb_run, "-a", "-s", "-screen 0 1600x1000x24"))
    if "window shown" not in proc.stdout:
        raise SmokeFailure(f"window on X: the app exited without showing its window: {proc.stdout.strip()[-500:]}")
    return proc.stdout.strip().splitlines()[-1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", type=Path, default=ROOT / "dist" / "factory-app", help="the one-folder bundle")
    parser.add_argument("--timeout", type=float, default=180.0, help="seconds allowed for each step")
    args = parser.parse_args(argv)
    bundle = args.bundle.resolve()
    started = time.perf_counter()
    try:
        exe = executable(bundle)
        example = bundled_example(bundle)
        with tempfile.TemporaryDirectory(prefix="factory-app-smoke-") as tmp:
            tmp_path = Path(tmp)
            out_dir = tmp_path / "out"
            out_dir.mkdir()
            runner = Runner(exe, clean_env(tmp_path / "home"), cwd=tmp_path, timeout=args.timeout)
            version = check_version(runner, bundle)
            totals = check_json(runner, example)
            rows = check_csv(runner, example, out_dir, version, totals)
            png = check_png_chart(runner, example, out_dir)
            svg = check_svg_chart(runner, example, out_dir)
            deck, book = check_office(runner, example, out_dir)
            shot = check_render(runner, example, out_dir)
            on_x = check_x_display(runner)
    except SmokeFailure as exc:
        print(f"smoke test FAILED: {exc}", file=sys.stderr)
        return 1
    print(f"smoke test of {bundle} (factory-app {version}) on the bundled {EXAMPLE}")
    for label, seconds in runner.timings:
        print(f"  ok  {label:<16} {seconds:6.2f} s")
    print(f"  output tokens/s {totals['output_tokens_per_s']:,.0f}; CSV {rows} rows; chart PNG {png / 1024:.0f} KiB; "
          f"SVG {svg / 1024:.0f} KiB; deck {deck / 1024:.0f} KiB; workbook {book / 1024:.0f} KiB; window PNG {shot / 1024:.0f} KiB")
    print(f"  on X: {on_x}")
    print(f"smoke test took {time.perf_counter() - started:.1f} s")
    print(f"smoke: {len(runner.timings)} passed, 0 failed")  # the plain closing line CI counts
    return 0


if __name__ == "__main__":
    sys.exit(main())
