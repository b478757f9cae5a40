"""How sure are we: a tornado and a Monte Carlo analysis of a scenario's headline figures.

Both run the factory's money over many samples at once (:func:`factory_app.factory.money.run_money`)
on its structure built once: no engine call per sample, and the same formulas as
``evaluate_factory`` (which is the one-sample case).

- **Tornado.** Every uncertain input alone at the low and the high end of its range, the others at
  their scenario values: ``2 x inputs + 1`` samples in one pass. A bar per input and figure, its
  *swing* ``|figure(high) - figure(low)|``; bars sorted by swing.
- **Monte Carlo.** ``samples`` Latin hypercube samples of every input (seeded: the same seed gives
  the same numbers), rank-correlated by Iman-Conover where the scenario says so, run in chunks
  (progress reported, cancellable between chunks); P10/P50/P90 and the mean of every headline
  total, the probability that NPV < 0, and the cumulative discounted cash flow's percentiles year
  by year (the fan chart).

A total that does not exist in a sample (no IRR; a discounted payback that never comes) counts as
the worst value in the percentiles (IRR -inf, payback +inf: a percentile that lands there is
``None``, "never") and is left out of the mean.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable

import numpy as np

from factory_app.factory.evaluation import optimise_factory
from factory_app.factory.metrics import HEADLINES, METRICS
from factory_app.factory.money import run_money
from factory_app.factory.numbers import Numbers
from factory_app.factory.structure import Structure, build_structure
from factory_app.factory.uncertainty.inputs import UncertainInput, apply, uncertain_inputs
from factory_app.factory.uncertainty.sampling import sample
from factory_app.scenario.model import Scenario
from factory_app.scenario.uncertainty import correlation_matrix
from factory_app.serving.catalog import Catalog

#: The figures the tornado is drawn for (item 2 of issue 15), NPV first.
TORNADO_FIGURES = ("npv_usd", "revenue_usd_per_watt_year", "cost_usd_per_million_tokens", "tokens_per_s_per_mw")
#: Totals summarised by the Monte Carlo analysis: the headline figures.
SUMMARY_KEYS = HEADLINES
#: Percentiles of the fan chart, year by year.
FAN_PERCENTILES = (10, 25, 50, 75, 90)
#: Samples run at once: larger chunks take more memory than they save time.
CHUNK = 2000
#: Totals for which a missing value (None in a result) is the worst: +inf (payback never) or -inf (no IRR).
MISSING_AS = {"payback_years": np.inf, "discounted_payback_years": np.inf, "irr": -np.inf}


class Cancelled(Exception):
    """The analysis was cancelled (an edit made it stale, or the user pressed Cancel)."""


@dataclass(frozen=True, slots=True)
class Bar:
    """One input's bar of a tornado: the input at ``low`` and ``high`` gives the figure
    ``low_value`` and ``high_value``; ``swing`` is their distance."""

    input: str
    label: str
    unit: str
    low: float
    high: float
    low_value: float | None
    high_value: float | None
    swing: float


@dataclass(frozen=True, slots=True)
class Tornado:
    figure: str
    base_value: float | None
    bars: tuple[Bar, ...]  # largest swing first


@dataclass(frozen=True, slots=True)
class MonteCarlo:
    """The samples of every input (samples x inputs) and every total (key -> samples), the
    cumulative discounted cash flow of every sample (samples x years) and its percentiles."""

    seed: int
    values: np.ndarray
    totals: dict[str, np.ndarray]
    cumulative: np.ndarray
    fan: np.ndarray  # FAN_PERCENTILES x years

    @property
    def samples(self) -> int:
        return self.values.shape[0]

    def percentiles(self, key: str) -> dict[str, float | None]:
        """P10, P50, P90 and the mean of a total (see the module docstring for missing values)."""
        return summary(self.totals[key], key)

    @property
    def probability_npv_negative(self) -> float:
        return float(np.mean(self.totals["npv_usd"] < 0.0))


@dataclass(frozen=True, slots=True)
class Analysis:
    """What a scenario's uncertainty analysis found."""

    inputs: tuple[UncertainInput, ...]
    base: dict[str, float | None]  # the totals of the scenario as stated
    base_cumulative: np.ndarray  # its cumulative discounted cash flow, years 0..horizon
    tornadoes: dict[str, Tornado]
    monte_carlo: MonteCarlo | None


def summary(values: np.ndarray, key: str) -> dict[str, float | None]:
    """P10, P50, P90 (missing values as the worst) and the mean (of the values that exist)."""
    v = np.asarray(values, dtype=float)
    exists = ~np.isnan(v)
    worst = np.where(exists, v, MISSING_AS.get(key, np.nan))
    with np.errstate(invalid="ignore"):  # between two missing values (inf - inf): the missing value itself
        p = np.percentile(worst, (10, 50, 90), method="linear") if len(v) else np.full(3, np.nan)
    p = np.where(np.isnan(p) & (len(v) > 0), MISSING_AS.get(key, np.nan), p)
    finite = lambda x: float(x) if np.isfinite(x) else None  # noqa: E731 - "never" or "none"
    return {"p10": finite(p[0]), "p50": finite(p[1]), "p90": finite(p[2]),
            "mean": finite(v[exists].mean()) if exists.any() else None}


def analysis_structure(scenario: Scenario, catalog: Catalog) -> Structure:
    """The structure the analysis samples: the scenario's, or with ``optimise`` the split the
    optimiser chooses for the scenario as stated (held while the inputs move)."""
    if scenario.optimise:
        scenario = optimise_factory(scenario, catalog)[0]
    return build_structure(replace(scenario, optimise=False), catalog)


def tornado(structure: Structure, inputs: list[UncertainInput], figures: tuple[str, ...] = TORNADO_FIGURES) -> dict[str, Tornado]:
    """One tornado per figure: every input alone at its low and high end (one pass of 2k+1 samples)."""
    k = len(inputs)
    values = np.array([[inp.base for inp in inputs]] * (2 * k + 1), dtype=float).reshape(2 * k + 1, k)
    for j, inp in enumerate(inputs):
        values[1 + 2 * j, j], values[2 + 2 * j, j] = inp.distribution.low, inp.distribution.high
    totals = run_money(structure, apply(Numbers.of(structure, 2 * k + 1), inputs, values)).totals
    out = {}
    for figure in figures:
        t = totals[figure]
        bars = []
        for j, inp in enumerate(inputs):
            lo, hi = t[1 + 2 * j], t[2 + 2 * j]
            swing = float(abs(hi - lo)) if np.isfinite(lo) and np.isfinite(hi) else 0.0
            bars.append(Bar(inp.path, inp.label, inp.unit, inp.distribution.low, inp.distribution.high, _value(lo), _value(hi), swing))
        bars.sort(key=lambda b: -b.swing)  # stable: equal swings keep the scenario's order
        out[figure] = Tornado(figure, _value(t[0]), tuple(bars))
    return out


def _value(x: float) -> float | None:
    return float(x) if np.isfinite(x) else None


def monte_carlo(structure: Structure, inputs: list[UncertainInput], samples: int, seed: int,
                progress: Callable[[int, int], None] | None = None, cancelled: Callable[[], bool] | None = None,
                chunk: int = CHUNK) -> MonteCarlo:
    """``samples`` Latin hypercube samples of the inputs (rank-correlated as the scenario says),
    run ``chunk`` at a time (the numbers do not depend on it: samples are drawn first, and no
    sample's arithmetic reads another's); raises :class:`Cancelled` when ``cancelled()`` turns
    true between chunks."""
    correlation = _correlation(structure, inputs)
    values = sample([inp.distribution for inp in inputs], samples, seed, correlation)
    totals: dict[str, list[np.ndarray]] = {}
    cumulative: list[np.ndarray] = []
    for start in range(0, samples, chunk):
        if cancelled is not None and cancelled():
            raise Cancelled()
        rows = values[start:start + chunk]
        money = run_money(structure, apply(Numbers.of(structure, len(rows)), inputs, rows))
        for key, v in money.totals.items():
            totals.setdefault(key, []).append(np.array(v, dtype=float))
        cumulative.append(np.array(money.life.columns["cumulative_discounted_usd"]))
        if progress is not None:
            progress(min(start + chunk, samples), samples)
    flows = np.concatenate(cumulative)
    return MonteCarlo(seed, values, {k: np.concatenate(v) for k, v in totals.items()}, flows,
                      np.percentile(flows, FAN_PERCENTILES, axis=0))


def _correlation(structure: Structure, inputs: list[UncertainInput]) -> np.ndarray | None:
    correlations = structure.scenario.uncertainty.correlations
    if not correlations or len(inputs) < 2:
        return None
    return correlation_matrix(correlations, [inp.path for inp in inputs])


def analyse(scenario: Scenario, catalog: Catalog, samples: int | None = None, seed: int | None = None,
            figures: tuple[str, ...] = TORNADO_FIGURES, progress: Callable[[int, int], None] | None = None,
            cancelled: Callable[[], bool] | None = None, monte_carlo_too: bool = True,
            on_tornado: Callable[[Analysis], None] | None = None, chunk: int = CHUNK) -> Analysis:
    """The tornado of ``figures`` and (with ``monte_carlo_too``) the Monte Carlo analysis of a
    scenario; ``samples`` and ``seed`` default to the scenario's uncertainty block.
    ``on_tornado`` receives the analysis without its Monte Carlo as soon as the tornado is done
    (the app shows it while the samples run)."""
    structure = analysis_structure(scenario, catalog)
    inputs = uncertain_inputs(structure)
    base = run_money(structure, Numbers.of(structure))
    first = Analysis(
        inputs=tuple(inputs),
        base={k: _value(v[0]) for k, v in base.totals.items()},
        base_cumulative=np.array(base.life.columns["cumulative_discounted_usd"][0]),
        tornadoes=tornado(structure, inputs, tuple(dict.fromkeys(figures))),
        monte_carlo=None,
    )
    if on_tornado is not None:
        on_tornado(first)
    if not monte_carlo_too:
        return first
    u = scenario.uncertainty
    mc = monte_carlo(structure, inputs, samples or u.samples, u.seed if seed is None else seed, progress, cancelled, chunk)
    return replace(first, monte_carlo=mc)


def figure_label(key: str) -> str:
    """'NPV (USD)': a figure's label with its unit, for titles and axes."""
    m = METRICS[key]
    return f"{m.label} ({m.unit})"


__all__ = [
    "Analysis", "Bar", "CHUNK", "Cancelled", "FAN_PERCENTILES", "MonteCarlo", "SUMMARY_KEYS", "TORNADO_FIGURES", "Tornado",
    "analyse", "analysis_structure", "figure_label", "monte_carlo", "summary", "tornado",
]
