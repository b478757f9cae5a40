"""``factory-app calibrate``: fit the efficiency factors and write the calibration report."""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

from factory_app.cli.common import CliError, dump_json
from factory_app.serving.calibration import (
    FitResult,
    efficiency_document,
    fit_all,
    inherited_families,
    inputs_digest,
    load_points,
    score,
    summary,
)
from factory_app.serving.catalog import Efficiency, load_catalog
from factory_app.io.calibration_report import calibration_markdown
from factory_app.resources import resource_path, resource_root

MEDIAN_TARGET = 0.15
WORST_TARGET = 0.40


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "calibrate",
        help="fit the engine's efficiency factors to published measurements",
        description=(
            "Fit each platform family's efficiency factors to resources/calibration, write them to "
            "resources/catalog/efficiency.json and the per-point errors to docs/calibration.md. "
            "With --check, only score the current factors."
        ),
    )
    p.add_argument("--iterations", type=int, default=600, help="Nelder-Mead iterations per family (default 600)")
    p.add_argument("--check", action="store_true", help="score the catalogue's current factors; exit 1 if the targets are missed")
    p.add_argument("--report", type=Path, default=None, help="where to write the report (default docs/calibration.md)")
    p.set_defaults(run=run)


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def run(args: argparse.Namespace) -> int:
    catalog = load_catalog()
    points = load_points()
    eff_path = resource_path("catalog", "efficiency.json")
    if args.check:
        current = json.loads(eff_path.read_text(encoding="utf-8"))
        rows = score(points, catalog, current.get("software_speed_factors", {}))
    else:
        fit = fit_all(catalog, points, args.iterations)
        digest = inputs_digest()
        doc = efficiency_document(fit, inherited_families(eff_path), digest, args.iterations)
        _atomic_write(eff_path, dump_json(doc) + "\n")
        table = dict(catalog.efficiency)
        table.update({k: replace(v, provenance=doc["provenance"]) for k, v in fit.families.items()})
        catalog = replace(catalog, efficiency=table)
        rows = score(points, catalog, fit.software)
        report = args.report or resource_root().parent / "docs" / "calibration.md"
        _atomic_write(report, calibration_markdown(rows, fit, digest, "factory-app calibrate"))
        sys.stdout.write(f"wrote {eff_path} and {report}\n")
    s = summary(rows)
    sys.stdout.write(
        f"{s['points']} points: median |error| {s['median_abs_error'] * 100:.1f}%, worst {s['worst_error'] * 100:+.1f}% "
        f"({s['worst_point']}), {s['within_15']} within 15%, {s['beyond_40']} beyond 40%\n"
    )
    if s["median_abs_error"] > MEDIAN_TARGET or s["beyond_40"] or s["infeasible"]:
        raise CliError(f"calibration misses its targets (median <= {MEDIAN_TARGET:.0%}, none beyond {WORST_TARGET:.0%})", 1)
    return 0


__all__ = ["run", "add_parser"]
