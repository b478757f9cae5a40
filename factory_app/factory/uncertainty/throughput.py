"""How sure the engine is of its tokens/s: one lognormal multiplier per platform family.

Every operating point of a family's fleets (and of the successors they are refreshed to) is
multiplied by the same sampled factor, so fleets of one family move together: the engine's
error is mostly in its fitted efficiency factors, which a family shares.

Where the band comes from, in order:

1. **The engine's own band.** Predictions carry ``output_tokens_per_s_range`` (issue 13: the
   10th and 90th percentiles of the calibration residuals of comparable points; a capacity's
   ``output_tokens_per_s_low``/``_high``), so the
   family's band is the capacity-weighted mean of its points' log bounds, widened from 10-90%
   to the 5-95% a lognormal range states (x 1.6449 / 1.2816); its median is their centre, so a
   band that says the engine reads high moves the median down.
2. **Where no operating point carries a band** (none of the family's points is feasible), the
   root-mean-square log error of the family's measurements in the first calibration report (55
   points: Hopper 0.106 over 34 points, Blackwell 0.104 over 17); a calibrated family with fewer than 10 points (CDNA3: 4) takes the pooled 0.101;
   a family that borrows another's factors (Ampere, CDNA4, TPU, Rubin: "not calibrated") twice
   the pooled figure, 0.20, an assumption. The range is median 1 with 5th/95th percentiles
   ``exp(-+1.6449 sigma)``: Hopper x0.84-x1.19, not calibrated x0.72-x1.39.

:func:`throughput_range` is the one place a family's band is read.
"""

from __future__ import annotations

import math

import numpy as np

from factory_app.factory.structure import Structure

#: RMS of log(predicted / measured) per calibrated family with 10 or more points (docs/calibration.md)
FAMILY_SIGMA = {"hopper": 0.106, "blackwell": 0.104}
#: RMS over all 55 calibration points
POOLED_SIGMA = 0.101
#: How much wider a family without measurements of its own is (an assumption)
UNCALIBRATED_FACTOR = 2.0
Z95, Z90 = 1.6448536269514722, 1.2815515655446004


def throughput_range(structure: Structure, family: str) -> tuple[float, float, float, str]:
    """(low, median, high, source) of a family's throughput multiplier: 5th percentile, median,
    95th percentile and where they come from."""
    band = _engine_band(structure, family)
    if band is not None:
        centre, half = band
        half *= Z95 / Z90
        return math.exp(centre - half), math.exp(centre), math.exp(centre + half), \
            "the engine's error band (10th-90th percentile of comparable calibration points), widened to 5th-95th"
    sigma, why = _default_sigma(structure, family)
    return math.exp(-Z95 * sigma), 1.0, math.exp(Z95 * sigma), why


def _engine_band(structure: Structure, family: str) -> tuple[float, float] | None:
    """(centre, half width) in logs of the engine's bands over the family's points, weighted by
    capacity; None when no prediction carries a band."""
    lows, highs, weights = [], [], []
    catalog = structure.catalog
    for c in structure.capacities.values():
        p = catalog.platforms.get(structure.scenario.fleets[structure.fleet_index[c.fleet_id]].platform)
        lo, hi = c.output_tokens_per_s_low, c.output_tokens_per_s_high
        if p is None or p.family != family or not c.feasible or c.output_tokens_per_s <= 0 or not 0 < lo <= hi:
            continue
        lows.append(math.log(lo / c.output_tokens_per_s))
        highs.append(math.log(hi / c.output_tokens_per_s))
        weights.append(c.output_tokens_per_s)
    if not weights:
        return None
    lo, hi = float(np.average(lows, weights=weights)), float(np.average(highs, weights=weights))
    return (lo + hi) / 2.0, (hi - lo) / 2.0


def _default_sigma(structure: Structure, family: str) -> tuple[float, str]:
    platform = next((p for p in structure.catalog.platforms.values() if p.family == family), None)
    calibrated = platform is not None and structure.catalog.efficiency_for(platform).calibrated
    if not calibrated:
        return UNCALIBRATED_FACTOR * POOLED_SIGMA, (f"not calibrated: twice the pooled calibration error ({POOLED_SIGMA:.3f} in logs, "
                                                    "of the first calibration, docs/calibration.md), an assumption where no operating point carries a band")
    if family in FAMILY_SIGMA:
        return FAMILY_SIGMA[family], f"the family's calibration error ({FAMILY_SIGMA[family]:.3f} in logs, docs/calibration.md)"
    return POOLED_SIGMA, f"the pooled calibration error ({POOLED_SIGMA:.3f} in logs over the first calibration's 55 points)"


__all__ = ["FAMILY_SIGMA", "POOLED_SIGMA", "UNCALIBRATED_FACTOR", "throughput_range"]
