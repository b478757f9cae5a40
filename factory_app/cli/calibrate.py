"""``factory-app calibrate``: fit the engine's factors, score them in sample and leave one system
out, and write the factors, the error bands and the calibration report."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from factory_app.cli.common import CliError, dump_json, number
from factory_app.io.calibration_report import calibration_markdown
from factory_app.resources import resource_path, resource_root
from factory_app.serving.calibration_bands import band_coverage, bands_document
from factory_app.serving.calibration import apply_fit, fit_all, load_points, score
from factory_app.serving.calibration_holdout import leave_one_system_out
from factory_app.serving.calibration_documents import efficiency_document, inherited_families, inputs_digest, summary
from factory_app.serving.catalog import load_catalog

#: Targets (issue 13): in sample median <= 8%, none beyond 35%; leave-one-system-out median
#: <= 15%, none beyond 2x.
MEDIAN_TARGET = 0.08
WORST_TARGET = 0.35
HOLDOUT_MEDIAN_TARGET = 0.15


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "calibrate",
        help="fit the engine's efficiency factors to published measurements",
        description=(
            "Fit each platform family's factors, the latency tail and the power model to resources/calibration, "
            "write them to resources/catalog/efficiency.json, the error bands to resources/calibration/bands.json "
            "and the per-point errors (in sample and leave-one-system-out) to docs/calibration.md. "
            "With --check, only score the current factors in sample."
        ),
    )
    p.add_argument("--iterations", type=number(10, 5000, integer=True), default=400, metavar="N",
                   help="Nelder-Mead iterations per family (10 to 5000, default 400)")
    p.add_argument("--check", action="store_true", help="score the catalogue's current factors; exit 1 if the in-sample targets are missed")
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
    points = load_points(catalog=catalog)
    eff_path = resource_path("catalog", "efficiency.json")
    if args.check:
        rows = score(points, catalog)
    else:
        fit = fit_all(catalog, points, args.iterations)
        digest = inputs_digest()
        doc = efficiency_document(fit, inherited_families(eff_path), digest, args.iterations)
        fitted = apply_fit(catalog, fit.families, fit.tail, fit.power, fit.software, provenance=doc["provenance"])
        rows = score(points, fitted)
        holdouts = leave_one_system_out(catalog, points, fit, args.iterations)
        coverage = band_coverage(rows, holdouts, fitted)
        _atomic_write(eff_path, dump_json(doc) + "\n")
        bands_path = resource_path("calibration", "bands.json")
        _atomic_write(bands_path, dump_json(bands_document(rows, holdouts, fitted, digest)) + "\n")
        report = args.report or resource_root().parent / "docs" / "calibration.md"
        _atomic_write(report, calibration_markdown(rows, holdouts, coverage, fit, fitted, digest, "factory-app calibrate"))
        sys.stdout.write(f"wrote {eff_path}, {bands_path} and {report}\n")
        held = [r for h in holdouts for r in h.rows]
        hs = summary(held)
        sys.stdout.write(
            f"leave one system out, {hs['points']} points: median |error| {hs['median_abs_error'] * 100:.1f}%, "
            f"worst {hs['worst_error'] * 100:+.1f}% ({hs['worst_point']}), {hs['beyond_2x']} beyond 2x; "
            f"band coverage {coverage['hold_out'][0]} of {coverage['hold_out'][1]}\n"
        )
    s = summary(rows)
    sys.stdout.write(
        f"{s['points']} points: median |error| {s['median_abs_error'] * 100:.1f}%, worst {s['worst_error'] * 100:+.1f}% "
        f"({s['worst_point']}), {s['within_15']} within 15%, {s['beyond_35']} beyond 35%\n"
    )
    if s["median_abs_error"] > MEDIAN_TARGET or s["beyond_35"] or s["infeasible"]:
        raise CliError(f"calibration misses its targets (median <= {MEDIAN_TARGET:.0%}, none beyond {WORST_TARGET:.0%})", 1)
    return 0


__all__ = ["run", "add_parser"]
