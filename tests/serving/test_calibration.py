"""The committed efficiency factors meet the calibration targets, and the fit is reproducible."""

from __future__ import annotations

import json

import numpy as np

from factory_app.serving.calibration import fit_family, inputs_digest, load_points, score, summary
from factory_app.serving.catalog import default_catalog
from factory_app.resources import resource_path


def committed_software_factors():
    return json.loads(resource_path("catalog", "efficiency.json").read_text())["software_speed_factors"]


def test_committed_factors_meet_the_targets():
    rows = score(load_points(), default_catalog(), committed_software_factors())
    s = summary(rows)
    assert s["points"] == 55 and s["infeasible"] == 0
    assert s["median_abs_error"] <= 0.15
    assert s["beyond_40"] == 0


def test_committed_factors_were_fitted_on_the_committed_measurements():
    data = json.loads(resource_path("catalog", "efficiency.json").read_text())
    assert data["inputs_sha256"] == inputs_digest()
    assert inputs_digest() in resource_path("..", "docs", "calibration.md").read_text()


def test_the_fit_is_deterministic_and_improves_on_its_start():
    cat = default_catalog()
    pts = [p for p in load_points() if p.platform == "mi300x"]
    a, _ = fit_family(cat, "cdna3", pts, iterations=40)
    b, _ = fit_family(cat, "cdna3", pts, iterations=40)
    assert a == b


def test_uncalibrated_families_say_so():
    cat = default_catalog()
    for pid in ("a100", "tpu-v6e", "mi355x", "rubin"):
        eff = cat.efficiency_for(cat.platform(pid))
        assert not eff.calibrated and "not calibrated" in eff.provenance
    assert cat.efficiency_for(cat.platform("h100")).calibrated
    assert np.isfinite(cat.efficiency_for(cat.platform("b200")).mem_efficiency)
