"""Uncertainty on a scenario's inputs: ranges, their distributions and rank correlations.

The ``uncertainty`` block of a scenario file. An *input* is named by a path: ``site.FIELD``,
``fleets.ID.FIELD``, ``workloads.ID.FIELD`` (a field the field table lets carry a range: one
only the money uses, ``FieldSpec.fixed`` empty) or ``throughput.FAMILY`` (a multiplier of the
tokens/s of every operating point of a platform family: the engine's error, 1 as stated). A
range is ``low``/``high`` with an optional ``mode`` (null: the input's value in the scenario, the
range widening to include it) and a distribution: ``triangular`` or ``uniform`` on [low, high],
or ``lognormal`` with median ``mode`` and 5th/95th percentiles ``low``/``high``.

With ``defaults`` on, every input with a sourced default range (``FieldSpec.spread``; the
throughput of each platform family the scenario uses) has one unless the block states its own.
The rules a range must follow are stated here once (:func:`range_problem`,
:func:`correlation_problem`); the sampler (``factory.uncertainty.sampling``) applies the same.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from factory_app.scenario.fields import FLEET_FIELDS, SITE_FIELDS, WORKLOAD_FIELDS, FieldSpec, ValidationError, label_of
from factory_app.serving.catalog import Catalog
from factory_app.serving.catalog import family_label  # the catalogue names its families

DISTRIBUTIONS = ("triangular", "uniform", "lognormal")
THROUGHPUT = "throughput"
#: Samples of a Monte Carlo analysis: the default, and the allowed range.
DEFAULT_SAMPLES = 10_000
MIN_SAMPLES = 100
MAX_SAMPLES = 100_000
DEFAULT_SEED = 1
MAX_SEED = 2**32 - 1
#: Bounds of a throughput multiplier's range (the engine's error is tens of percent, not tenfold).
THROUGHPUT_LIMITS = (0.05, 5.0)
_TABLES = {"site": SITE_FIELDS, "fleets": FLEET_FIELDS, "workloads": WORKLOAD_FIELDS}


@dataclass(frozen=True, slots=True)
class UncertainRange:
    """A range on one input (see the module docstring)."""

    input: str
    distribution: str = "triangular"
    low: float = 0.0
    high: float = 0.0
    mode: float | None = None


@dataclass(frozen=True, slots=True)
class Correlation:
    """A rank correlation between two inputs that carry ranges (-1 to 1)."""

    a: str
    b: str
    rho: float


@dataclass(frozen=True, slots=True)
class Uncertainty:
    """The uncertainty block: ranges, correlations, and how the Monte Carlo analysis runs."""

    defaults: bool = True
    samples: int = DEFAULT_SAMPLES
    seed: int = DEFAULT_SEED
    ranges: tuple[UncertainRange, ...] = ()
    correlations: tuple[Correlation, ...] = ()

    def range_of(self, path: str) -> UncertainRange | None:
        return next((r for r in self.ranges if r.input == path), None)

    def with_range(self, path: str, value: UncertainRange | None) -> "Uncertainty":
        """The block with the range of ``path`` set in place (appended if new), or removed (``None``)."""
        if value is None:
            return replace(self, ranges=tuple(r for r in self.ranges if r.input != path))
        new = replace(value, input=path)
        if self.range_of(path) is None:
            return replace(self, ranges=self.ranges + (new,))
        return replace(self, ranges=tuple(new if r.input == path else r for r in self.ranges))

    def without_item(self, kind: str, item_id: str) -> "Uncertainty":
        """The block without the ranges and correlations of a fleet or workload (``kind`` fleets
        or workloads) that is being removed."""
        gone = lambda path: path.startswith(f"{kind}.{item_id}.") and "." not in path[len(kind) + len(item_id) + 2:]  # noqa: E731
        return replace(self, ranges=tuple(r for r in self.ranges if not gone(r.input)),
                       correlations=tuple(c for c in self.correlations if not (gone(c.a) or gone(c.b))))


@dataclass(frozen=True, slots=True)
class Target:
    """What an input path names: ``kind`` site, fleets, workloads or throughput; the item's id
    (the family for throughput); the field (empty for throughput) and its spec."""

    kind: str
    item_id: str
    field: str
    spec: FieldSpec | None


def parse_input(path: Any) -> Target:
    """The target of an input path, or :class:`ValueError` saying what a path looks like."""
    shape = "site.FIELD, fleets.ID.FIELD, workloads.ID.FIELD or throughput.FAMILY"
    if not isinstance(path, str) or "." not in path:
        raise ValueError(f"an input is named {shape}, got {str(path)[:60]!r}")
    kind, rest = path.split(".", 1)
    if kind == THROUGHPUT:
        return Target(kind, rest, "", None)
    if kind == "site":
        item_id, field = "site", rest
    elif kind in ("fleets", "workloads") and "." in rest:
        item_id, field = rest.rsplit(".", 1)
    else:
        raise ValueError(f"an input is named {shape}, got {path[:60]!r}")
    spec = _TABLES[kind].get(field)
    if spec is None:
        raise ValueError(f"'{field[:40]}' is not a number of a {'site' if kind == 'site' else kind[:-1]}")
    return Target(kind, item_id, field, spec)


def input_path(kind: str, item_id: str | None, field: str) -> str:
    """The input path of a field of the site, a fleet or a workload (item kinds as the edits name them)."""
    if kind == "site":
        return f"site.{field}"
    return f"{kind}s.{item_id}.{field}"


def input_label(scenario, path: str) -> str:
    """What a person calls an input: 'Cost of capital (WACC)', 'GB300 fleet: price per
    accelerator', 'Throughput of blackwell platforms' (charts, refusals, CSV headers use this)."""
    try:
        t = parse_input(path)
    except ValueError:
        return path
    if t.kind == THROUGHPUT:
        return f"{family_label(t.item_id)} throughput"
    label = label_of(t.kind.rstrip("s") if t.kind != "site" else "site", t.field)
    if t.kind == "site":
        return label
    items = scenario.fleets if t.kind == "fleets" else scenario.workloads
    item = next((x for x in items if x.id == t.item_id), None)
    name = (item.name or getattr(item, "platform", "") or getattr(item, "model", "")) if item else t.item_id
    return f"{name}: {label[0].lower()}{label[1:]}"


# -- the rules --------------------------------------------------------------------------------------


def range_problem(distribution: Any, low: Any, mode: Any, high: Any) -> str | None:
    """What is wrong with a range, in words, or ``None``. ``mode`` may be ``None`` (not checked)."""
    if distribution not in DISTRIBUTIONS:
        return f"distribution must be one of {', '.join(DISTRIBUTIONS)}, got {str(distribution)[:30]!r}"
    values = (low, high) if mode is None else (low, mode, high)
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in values):
        return "low, mode and high must be finite numbers"
    if low > high:
        return f"low ({low:g}) is above high ({high:g})"
    if mode is not None and not low <= mode <= high:
        return f"mode ({mode:g}) must lie between low ({low:g}) and high ({high:g})"
    if distribution == "lognormal" and low <= 0:
        return f"a lognormal range must be positive, got low {low:g}"
    return None


def correlation_problem(matrix: np.ndarray, names: list[str] | None = None) -> str | None:
    """What is wrong with a rank-correlation matrix, or ``None``: square, symmetric, ones on the
    diagonal, entries in [-1, 1], positive definite (so a Cholesky factor exists)."""
    m = np.asarray(matrix, dtype=float)
    if m.ndim != 2 or m.shape[0] != m.shape[1]:
        return "the matrix must be square"
    if not np.all(np.isfinite(m)):
        return "every entry must be a finite number"
    bad = np.argwhere(np.abs(m) > 1.0)
    if bad.size:
        i, j = bad[0]
        who = f"{names[i]} and {names[j]}" if names else f"entry ({i}, {j})"
        return f"correlation of {who} must be between -1 and 1, got {m[i, j]:g}"
    if not np.allclose(m, m.T) or not np.allclose(np.diag(m), 1.0):
        return "the matrix must be symmetric with ones on the diagonal"
    try:
        np.linalg.cholesky(m)
    except np.linalg.LinAlgError:
        who = f" ({', '.join(names)})" if names else ""
        return f"the correlations contradict each other{who}: the matrix is not positive definite"
    return None


def item_of(scenario, target: Target):
    """The site, fleet or workload a target names, or ``None``."""
    if target.kind == "site":
        return scenario.site
    items = scenario.fleets if target.kind == "fleets" else scenario.workloads if target.kind == "workloads" else ()
    return next((x for x in items if x.id == target.item_id), None)


def families_of(scenario, catalog: Catalog) -> tuple[str, ...]:
    """Platform families of the scenario's fleets and of the platforms they are refreshed to."""
    out: list[str] = []
    for f in scenario.fleets:
        for pid in (f.platform, f.refresh_platform):
            p = catalog.platforms.get(pid) if pid else None
            if p is not None and p.family not in out:
                out.append(p.family)
    return tuple(out)


def default_inputs(scenario, catalog: Catalog) -> tuple[str, ...]:
    """Inputs with a sourced default range in this scenario: fields with a ``spread`` (a
    workload's default utilisation only where it states no demand) and the throughput of every
    platform family it uses."""
    out = [f"site.{name}" for name, spec in SITE_FIELDS.items() if spec.spread]
    for f in scenario.fleets:
        out += [f"fleets.{f.id}.{name}" for name, spec in FLEET_FIELDS.items() if spec.spread]
    for w in scenario.workloads:
        out += [f"workloads.{w.id}.{name}" for name, spec in WORKLOAD_FIELDS.items()
                if spec.spread and not (name == "default_utilisation" and w.demand_tokens_per_s is not None)]
    out += [f"{THROUGHPUT}.{family}" for family in families_of(scenario, catalog)]
    return tuple(out)


def ranged_inputs(scenario, catalog: Catalog) -> tuple[str, ...]:
    """Every input that carries a range: the block's own, then the defaults it does not override."""
    u = scenario.uncertainty
    own = [r.input for r in u.ranges]
    return tuple(own + [p for p in (default_inputs(scenario, catalog) if u.defaults else ()) if p not in own])


def spread_range(spec: FieldSpec, value: float) -> tuple[float, float, float]:
    """(low, mode, high) of a field's default range around its value: relative spreads scale with
    it, absolute ones widen to include it; clipped to the field's valid range."""
    s = spec.spread
    low, high = (s.low * value, s.high * value) if s.relative else (min(s.low, value), max(s.high, value))
    low, high = max(low, spec.minimum), min(high, spec.maximum)
    return low, min(max(value, low), high), high


# -- validation -------------------------------------------------------------------------------------


def _whole(value: Any, low: int, high: int, path: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValidationError(path, f"must be a whole number from {low:,} to {high:,}, got {str(value)[:30]}")


def validate_uncertainty(scenario, catalog: Catalog, path: str = "$.uncertainty") -> None:
    """Raise :class:`ValidationError` naming the first range or correlation that is not one."""
    u = scenario.uncertainty
    if not isinstance(u.defaults, bool):
        raise ValidationError(f"{path}.defaults", "must be true or false")
    _whole(u.samples, MIN_SAMPLES, MAX_SAMPLES, f"{path}.samples")
    _whole(u.seed, 0, MAX_SEED, f"{path}.seed")
    seen: set[str] = set()
    for i, r in enumerate(u.ranges):
        check_range(scenario, catalog, r, f"{path}.ranges[{i}]")
        if r.input in seen:
            raise ValidationError(f"{path}.ranges[{i}].input", f"{r.input} has two ranges")
        seen.add(r.input)
    _check_correlations(scenario, catalog, f"{path}.correlations")


def check_range(scenario, catalog: Catalog, r: UncertainRange, where: str) -> None:
    """Refuse a range on an unknown input, on a field that cannot carry one, or that is not a
    range of its field's values (``where`` is its JSON path)."""
    try:
        t = parse_input(r.input)
    except ValueError as exc:
        raise ValidationError(f"{where}.input", str(exc)) from None
    if t.kind == THROUGHPUT:
        families = sorted({p.family for p in catalog.platforms.values()})
        if t.item_id not in families:
            raise ValidationError(f"{where}.input", f"unknown platform family '{t.item_id[:40]}'; known: {', '.join(families)}")
    else:
        item = item_of(scenario, t)
        if item is None:
            raise ValidationError(f"{where}.input", f"no {t.kind[:-1]} with id '{t.item_id[:64]}'")
        if t.spec.fixed:
            raise ValidationError(f"{where}.input", f"{r.input} ({t.spec.label}) cannot carry an uncertainty range: {t.spec.fixed}")
        if r.mode is None and getattr(item, t.field) is None and t.field != "price_usd":
            raise ValidationError(f"{where}.mode", f"{r.input}: give the range a mode (the field is empty: {t.spec.help.rsplit('Empty = ', 1)[-1].rstrip('.')})")
    problem = range_problem(r.distribution, r.low, r.mode, r.high)
    if problem:
        raise ValidationError(where, f"{r.input}: {problem}")
    for name in ("low", "mode", "high"):
        value = getattr(r, name)
        if value is None:
            continue
        if t.spec is None:
            lo, hi = THROUGHPUT_LIMITS
            if not lo <= value <= hi:
                raise ValidationError(f"{where}.{name}", f"{r.input}: a throughput multiplier must be between {lo:g} and {hi:g}, got {value:g}")
            continue
        try:
            t.spec.check(value, f"{where}.{name}")
        except ValidationError as exc:
            raise ValidationError(exc.path, f"{r.input}: {name} {exc.message}") from None


def _check_correlations(scenario, catalog: Catalog, path: str) -> None:
    u = scenario.uncertainty
    if not u.correlations:
        return
    ranged = set(ranged_inputs(scenario, catalog))
    names: list[str] = []
    pairs: dict[frozenset, int] = {}
    for i, c in enumerate(u.correlations):
        where = f"{path}[{i}]"
        for side in (c.a, c.b):
            if side not in ranged:
                raise ValidationError(where, f"{str(side)[:80]} carries no range to correlate (give it a range first)")
        if c.a == c.b:
            raise ValidationError(where, f"{c.a} cannot be correlated with itself")
        if isinstance(c.rho, bool) or not isinstance(c.rho, (int, float)) or not math.isfinite(c.rho) or not -1.0 <= c.rho <= 1.0:
            raise ValidationError(f"{where}.rho", f"correlation of {c.a} and {c.b} must be between -1 and 1, got {c.rho}")
        if frozenset((c.a, c.b)) in pairs:
            raise ValidationError(where, f"{c.a} and {c.b} are correlated twice")
        pairs[frozenset((c.a, c.b))] = i
        names += [x for x in (c.a, c.b) if x not in names]
    problem = correlation_problem(correlation_matrix(u.correlations, names), names)
    if problem:
        raise ValidationError(path, problem)


def correlation_matrix(correlations: tuple[Correlation, ...], names: list[str]) -> np.ndarray:
    """The rank-correlation matrix of ``names`` (identity where no correlation is stated)."""
    m = np.eye(len(names))
    index = {n: i for i, n in enumerate(names)}
    for c in correlations:
        if c.a in index and c.b in index:
            m[index[c.a], index[c.b]] = m[index[c.b], index[c.a]] = c.rho
    return m


__all__ = [
    "Correlation", "DEFAULT_SAMPLES", "check_range", "correlation_matrix", "validate_uncertainty", "DEFAULT_SEED", "DISTRIBUTIONS", "MAX_SAMPLES", "MAX_SEED", "MIN_SAMPLES", "THROUGHPUT",
    "THROUGHPUT_LIMITS", "Target", "UncertainRange", "Uncertainty", "correlation_problem", "default_inputs", "families_of",
    "input_label", "input_path", "item_of", "parse_input", "range_problem", "ranged_inputs", "spread_range",
]
