"""An uncertainty analysis as ``factory-app uncertainty --json`` prints it and ``--csv`` writes it.

JSON keys (stable; docs/cli.md): ``percentiles`` {total key: {p10, p50, p90, mean}} of every
headline total, ``probability_npv_negative``, ``tornado`` [{input, low, high, low_value,
high_value, swing}] of one figure sorted by swing, ``samples``, ``seed``. A value that does not
exist (an IRR no rate gives, a payback that never comes) is ``null``. Numbers are written in
full precision and the same seed gives the same bytes.

CSV: one row per Monte Carlo sample: ``sample``, each input's value (its path as the column),
then every total (empty where it does not exist). A deck (``export --deck``) gets the tornado
and the fan chart as native charts (:func:`deck_uncertainty`).
"""

from __future__ import annotations

import math
from typing import Any

from factory_app.factory.results import TOTAL_KEYS
from factory_app.factory.uncertainty.analysis import FAN_PERCENTILES, SUMMARY_KEYS, Analysis


def analysis_to_json(analysis: Analysis, figure: str = "npv_usd") -> dict[str, Any]:
    """The ``--json`` object (``figure``: the tornado's total, NPV unless asked otherwise)."""
    mc = analysis.monte_carlo
    bars = analysis.tornadoes[figure].bars
    return {
        "percentiles": {key: mc.percentiles(key) for key in SUMMARY_KEYS},
        "probability_npv_negative": mc.probability_npv_negative,
        "tornado": [{"input": b.input, "low": b.low, "high": b.high, "low_value": b.low_value, "high_value": b.high_value,
                     "swing": b.swing} for b in bars],
        "samples": mc.samples,
        "seed": mc.seed,
    }


def deck_uncertainty(analysis: Analysis, figure: str = "npv_usd", bars: int = 12):
    """What the PowerPoint deck's tornado and fan-chart slides draw (:class:`factory_app.io.deck.Uncertainty`):
    the ``bars`` inputs that move ``figure`` most, each labelled with its range, and the P10-P90
    of the cumulative discounted cash flow year by year."""
    from factory_app.io import number_format as fmt
    from factory_app.io.deck import Uncertainty  # the deck's library (python-pptx) only when a deck is written

    t = analysis.tornadoes[figure]
    base = t.base_value or 0.0
    rows = tuple((f"{b.label} ({fmt.input_value(b.unit, b.low)}–{fmt.input_value(b.unit, b.high)})",
                  base if b.low_value is None else b.low_value, base if b.high_value is None else b.high_value) for b in t.bars[:bars])
    mc = analysis.monte_carlo
    fan = {} if mc is None else {f"P{q}": tuple(float(v) for v in mc.fan[i]) for i, q in enumerate(FAN_PERCENTILES)}
    years = () if mc is None else tuple(range(mc.fan.shape[1]))
    return Uncertainty(figure, base, rows, years, fan)


def sample_columns(analysis: Analysis) -> list[str]:
    return ["sample", *(inp.path for inp in analysis.inputs), *TOTAL_KEYS]


def sample_rows(analysis: Analysis):
    """One row per sample: its number, the inputs' values, every total (None where missing)."""
    mc = analysis.monte_carlo
    totals = [mc.totals[k].tolist() for k in TOTAL_KEYS]
    values = mc.values.tolist()
    for i in range(mc.samples):
        yield [i, *values[i], *(None if math.isnan(t[i]) else t[i] for t in totals)]


__all__ = ["analysis_to_json", "deck_uncertainty", "sample_columns", "sample_rows"]
