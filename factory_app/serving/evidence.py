"""Evidence on every prediction: an error band from the calibration residuals of comparable
points, and the published measurement nearest to the question.

The band comes from ``resources/calibration/bands.json``, written by ``factory-app calibrate``:
for each group of comparable calibration points (platform family x dense/MoE x service kind:
maximum throughput, latency-limited, fixed concurrency) the 10th and 90th percentiles of the
log residuals log(predicted / measured), never narrower than the group's median absolute
residual on either side; groups with fewer than ``MIN_GROUP`` points fall back to the family,
then to every point, and a group of fewer than twice that takes the union with the next coarser
group (four points say little about their spread: H200 DeepSeek-R1 rested on two Mixtral and
two gpt-oss runs and got x0.82-x1.06, narrower than Blackwell's nine DeepSeek-R1 runs). A platform without measurements of its own gets the band of the
leave-one-system-out residuals (the error on hardware the fit has not seen): of systems whose
family kept other points when the family is calibrated, of the others when it is not. The band then widens by
``date_sigma_per_year`` for every year between the software month answered for and the
family's nearest measured month. The range is ``[pred * exp(-high), pred * exp(-low)]``.

Measurement ids and values live only in ``resources/calibration``; this module reads them at run
time to cite the nearest one, and the engine's physics never sees them.
"""

from __future__ import annotations

import json
import math
from dataclasses import replace
from functools import lru_cache
from typing import Any

from factory_app.resources import resource_path
from factory_app.serving.catalog import Catalog, Model, Platform
from factory_app.serving.software import parse_month

#: Fewest points a group needs to set its own band.
MIN_GROUP = 4


def service_kind(service_level: str) -> str:
    """'offline' (maximum throughput), 'latency' (p99 limits or a speed floor) or 'closed'."""
    if "in flight" in service_level:
        return "closed"
    if service_level == "maximum throughput" or not service_level:
        return "offline"
    return "latency"


def model_class(model: Model) -> str:
    return "moe" if model.is_moe else "dense"


@lru_cache(maxsize=1)
def _bands() -> dict[str, Any]:
    path = resource_path("calibration", "bands.json")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


@lru_cache(maxsize=1)
def _measurements() -> list[dict[str, Any]]:
    """Every scored calibration point with its published value and source."""
    folder = resource_path("calibration")
    sources: dict[str, dict[str, Any]] = {}
    for name in ("measurements.json", "measurements-2026.json"):
        try:
            for m in json.loads((folder / name).read_text(encoding="utf-8"))["points"]:
                sources[m["id"]] = m
        except (OSError, ValueError, KeyError):
            continue
    try:
        specs = json.loads((folder / "points.json").read_text(encoding="utf-8"))["points"]
    except (OSError, ValueError, KeyError):
        return []
    out = []
    for s in specs:
        m = sources.get(s["id"], {})
        out.append({**s, "source": m.get("source", ""), "scenario": m.get("scenario", ""), "system": m.get("system", "")})
    return out


def measured_platforms() -> set[str]:
    """Platforms with calibration measurements of their own."""
    return {m["platform"] for m in _measurements()}


def band_for(family: str, cls: str, kind: str, calibrated: bool, platform_measured: bool = True) -> tuple[float, float, str]:
    """(low, high) log-residual quantiles for a prediction, and which group they came from.

    A platform with measurements of its own gets its group's in-sample band; a platform without,
    in a calibrated family, the band of leave-one-system-out residuals of systems whose family
    kept other points ("unseen_system"); a family without measurements, those of systems whose
    family had none ("unseen_family")."""
    data = _bands()
    groups = data.get("groups", {})
    if not calibrated and "unseen_family" in data:
        b = data["unseen_family"]
        return float(b["low"]), float(b["high"]), "leave-one-system-out residuals (family not calibrated)"
    if not platform_measured and "unseen_system" in data:
        b = data["unseen_system"]
        return float(b["low"]), float(b["high"]), "leave-one-system-out residuals (platform not measured)"
    picked = pick_band(groups, family, cls, kind)
    if picked is not None:
        b, key = picked
        return float(b["low"]), float(b["high"]), key
    return -0.3, 0.3, "no calibration bands found: +-30% assumed"


def pick_band(groups: dict[str, dict[str, float]], family: str, cls: str, kind: str) -> tuple[dict[str, float], str] | None:
    """The band of the narrowest group of comparable points with ``MIN_GROUP`` points or more
    (family x dense/MoE x service kind, then coarser), and its name; a group with fewer than
    twice that takes the union with the next coarser group. None when no group qualifies."""
    keys = (f"{family}|{cls}|{kind}", f"{family}|{cls}|*", f"{family}|*|*", "*|*|*")
    found = [(k, groups[k]) for k in keys if groups.get(k) and groups[k].get("n", 0) >= MIN_GROUP]
    if not found:
        return None
    key, band = found[0]
    if band["n"] < 2 * MIN_GROUP and len(found) > 1:
        wider, parent = found[1]
        band = {"n": band["n"], "low": min(band["low"], parent["low"]), "high": max(band["high"], parent["high"])}
        key = f"{key}, few points: widened to {wider}"
    return band, key


def _family_dates(catalog: Catalog, family: str) -> list[float]:
    return [parse_month(m["date"]) for m in _measurements()
            if m.get("date") and m["platform"] in catalog.platforms and catalog.platforms[m["platform"]].family == family]


def nearest_measurement(catalog: Catalog, platform: Platform, model: Model, gpus: int, isl: float, osl: float,
                        kind: str, date: str, precision: str = "", power_cap_w: float | None = None) -> dict[str, Any] | None:
    """The published measurement most like the question: same platform, model and service kind
    first, then the same weight precision and power cap, then closest traffic shape, GPU count
    and software month."""
    best, best_d = None, math.inf
    when = parse_month(date) if date else None
    for m in _measurements():
        p = catalog.platforms.get(m["platform"])
        dist = 3.0 * (m["platform"] != platform.id) + 1.5 * (p is None or p.family != platform.family)
        dist += 3.0 * (m["model"] != model.id)
        svc = m.get("service", {})
        m_kind = "closed" if "concurrency" in svc else ("latency" if svc else "offline")
        dist += 1.0 * (m_kind != kind)
        dist += 1.0 * bool(precision and m["precision"] != precision) + 1.0 * ((m.get("power_cap_w") or None) != (power_cap_w or None))
        dist += 0.5 * abs(math.log(isl / m["isl"])) + 0.5 * abs(math.log(osl / m["osl"]))
        dist += 0.3 * abs(math.log(gpus / m["gpus"]))
        if when is not None and m.get("date"):
            dist += 0.5 * abs(when - parse_month(m["date"]))
        if dist < best_d:
            best, best_d = m, dist
    if best is None:
        return None
    return {
        "id": best["id"],
        "source": best["source"],
        "date": best.get("date", ""),
        "value": best["measured"],
        "metric": best["metric"],
        "platform": best["platform"],
        "gpus": best["gpus"],
        "model": best["model"],
        "isl": best["isl"],
        "osl": best["osl"],
        "service_level": best.get("scenario", ""),
    }


def error_band(catalog: Catalog, platform: Platform, model: Model, service_level: str, date: str,
               calibrated: bool) -> tuple[float, float, str]:
    """(low, high) log-residual band of a prediction, widened for distance in software date."""
    low, high, group = band_for(platform.family, model_class(model), service_kind(service_level), calibrated,
                                platform.id in measured_platforms())
    dates = _family_dates(catalog, platform.family)
    if date and dates:
        years = min(abs(parse_month(date) - d) for d in dates)
        sigma = float(_bands().get("date_sigma_per_year", 0.1)) * years
        low, high = low - sigma, high + sigma
    return low, high, group


def attach_evidence(pred, catalog: Catalog, platform: Platform, model: Model):
    """The prediction with ``output_tokens_per_s_range`` and ``nearest_measurement`` filled in."""
    low, high, _ = error_band(catalog, platform, model, pred.service_level, pred.calibrated_for, pred.calibrated)
    value = pred.output_tokens_per_s
    rng = (value * math.exp(-high), value * math.exp(-low))
    near = nearest_measurement(catalog, platform, model, pred.gpus, pred.isl, pred.osl,
                               service_kind(pred.service_level), pred.calibrated_for, pred.precision, pred.power_cap_w)
    return replace(pred, output_tokens_per_s_range=rng, nearest_measurement=near)


def clear_cache() -> None:
    """Forget the bands and measurements read (after a recalibration)."""
    _bands.cache_clear()
    _measurements.cache_clear()
