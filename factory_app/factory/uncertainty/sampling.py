"""Sampling uncertain inputs: distributions by their inverse CDF, Latin hypercube samples, and
rank correlation by the Iman–Conover method. numpy only (``numpy.random.Generator``).

A distribution is stated the way planners state a range: ``low``, ``mode`` and ``high``.

- ``uniform``: every value in [low, high] equally likely (``mode`` is ignored, kept for display).
- ``triangular``: the triangle on [low, high] peaking at ``mode``.
- ``lognormal``: for multiplicative quantities (prices, speed-ups, throughput error): ``mode`` is
  the median and ``low``/``high`` the 5th and 95th percentiles; sigma is fitted to their ratio
  (``ln(high / low) / (2 x 1.6449)``), so a range that is not symmetric in logs is made so about
  the median's geometric centre. All three must be positive.

Latin hypercube: each of ``n`` samples falls in its own 1/n stratum of every input's probability
scale, so the marginals are matched far better than by plain random draws of the same size
(the Kolmogorov–Smirnov distance is at most 1/n). Iman–Conover then reorders each column so the
rank correlation of the inputs approaches a target matrix, without changing any marginal.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

KINDS = ("triangular", "uniform", "lognormal")
#: z of the 95th percentile of the standard normal distribution
Z95 = 1.6448536269514722


class DistributionError(ValueError):
    """A range that does not describe a distribution; ``str()`` is one line naming what is wrong."""


@dataclass(frozen=True, slots=True)
class Distribution:
    """A range on one input: ``kind`` (triangular, uniform or lognormal), ``low`` <= ``mode`` <= ``high``."""

    kind: str
    low: float
    mode: float
    high: float

    def check(self, where: str = "range") -> None:
        """Raise :class:`DistributionError` for a range that is not one (names ``where``)."""
        values = (self.low, self.mode, self.high)
        if self.kind not in KINDS:
            raise DistributionError(f"{where}: distribution must be one of {', '.join(KINDS)}, got {self.kind!r}")
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in values):
            raise DistributionError(f"{where}: low, mode and high must be finite numbers")
        if self.low > self.high:
            raise DistributionError(f"{where}: low ({self.low:g}) is above high ({self.high:g})")
        if not self.low <= self.mode <= self.high:
            raise DistributionError(f"{where}: mode ({self.mode:g}) must lie between low ({self.low:g}) and high ({self.high:g})")
        if self.kind == "lognormal" and self.low <= 0:
            raise DistributionError(f"{where}: a lognormal range must be positive, got low {self.low:g}")

    @property
    def is_point(self) -> bool:
        return self.low == self.high

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """Values at probabilities ``u`` (the inverse CDF), vectorised."""
        u = np.asarray(u, dtype=float)
        lo, mode, hi = float(self.low), float(self.mode), float(self.high)
        if hi == lo:
            return np.full(u.shape, lo)
        if self.kind == "uniform":
            return lo + u * (hi - lo)
        if self.kind == "triangular":
            split = (mode - lo) / (hi - lo)
            left = lo + np.sqrt(u * (hi - lo) * (mode - lo))
            right = hi - np.sqrt((1.0 - u) * (hi - lo) * (hi - mode))
            return np.where(u < split, left, right)
        mu, sigma = self.log_parameters()
        return np.exp(mu + sigma * normal_ppf(u))

    def log_parameters(self) -> tuple[float, float]:
        """(mu, sigma) of a lognormal range: median ``mode``, 5th-95th percentiles ``low``-``high``."""
        sigma = math.log(self.high / self.low) / (2.0 * Z95)
        return math.log(self.mode), sigma

    def mean(self) -> float:
        lo, mode, hi = self.low, self.mode, self.high
        if self.kind == "uniform":
            return (lo + hi) / 2.0
        if self.kind == "triangular":
            return (lo + mode + hi) / 3.0
        mu, sigma = self.log_parameters()
        return math.exp(mu + sigma * sigma / 2.0)


# -- the standard normal's inverse CDF (numpy has none) ------------------------------------------

# Wichura, "Algorithm AS 241: The percentage points of the normal distribution", Applied
# Statistics 37 (1988) 477-484: PPND16, accurate to about 1 part in 10^16.
_A = (3.387132872796366608, 133.14166789178437745, 1971.5909503065514427, 13731.693765509461125,
      45921.953931549871457, 67265.770927008700853, 33430.575583588128105, 2509.0809287301226727)
_B = (1.0, 42.313330701600911252, 687.1870074920579083, 5394.1960214247511077,
      21213.794301586595867, 39307.89580009271061, 28729.085735721942674, 5226.495278852545925)
_C = (1.42343711074968357734, 4.6303378461565452959, 5.7694972214606914055, 3.64784832476320460504,
      1.27045825245236838258, 0.24178072517745061177, 0.0227238449892691845833, 7.7454501427834140764e-4)
_D = (1.0, 2.05319162663775882187, 1.6763848301838038494, 0.68976733498510000455,
      0.14810397642748007459, 0.0151986665636164571966, 5.475938084995344946e-4, 1.05075007164441684324e-9)
_E = (6.6579046435011037772, 5.4637849111641143699, 1.7848265399172913358, 0.29656057182850489123,
      0.026532189526576123093, 0.0012426609473880784386, 2.71155556874348757815e-5, 2.01033439929228813265e-7)
_F = (1.0, 0.59983220655588793769, 0.13692988092273580531, 0.0148753612908506148525,
      7.868691311456132591e-4, 1.8463183175100546818e-5, 1.4215117583164458887e-7, 2.04426310338993978564e-15)


def _poly(coefficients: tuple[float, ...], x: np.ndarray) -> np.ndarray:
    out = np.zeros_like(x)
    for c in reversed(coefficients):
        out = out * x + c
    return out


def normal_ppf(u: np.ndarray) -> np.ndarray:
    """Inverse CDF of the standard normal distribution for ``0 < u < 1`` (AS 241), vectorised."""
    u = np.asarray(u, dtype=float)
    q = u - 0.5
    out = np.empty_like(u)
    central = np.abs(q) <= 0.425
    r = 0.180625 - q[central] ** 2
    out[central] = q[central] * _poly(_A, r) / _poly(_B, r)
    tail = ~central
    r = np.sqrt(-np.log(np.minimum(u[tail], 1.0 - u[tail])))
    near = r <= 5.0
    value = np.where(near, _poly(_C, r - 1.6) / _poly(_D, r - 1.6), _poly(_E, r - 5.0) / _poly(_F, r - 5.0))
    out[tail] = np.where(q[tail] < 0, -value, value)
    return out


# -- Latin hypercube and rank correlation -----------------------------------------------------------


def latin_hypercube(n: int, k: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` x ``k`` probabilities: in every column each stratum ``[i/n, (i+1)/n)`` holds exactly
    one sample (at a random place in it), in a random order."""
    strata = np.argsort(rng.random((n, k)), axis=0)  # a random permutation per column
    return (strata + rng.random((n, k))) / n


def check_correlation(matrix: np.ndarray, names: list[str] | None = None) -> np.ndarray:
    """A rank-correlation matrix as floats, or :class:`DistributionError`: square, symmetric, ones
    on the diagonal, entries in [-1, 1], positive definite (so a Cholesky factor exists)."""
    m = np.asarray(matrix, dtype=float)
    if m.ndim != 2 or m.shape[0] != m.shape[1]:
        raise DistributionError("correlation: the matrix must be square")
    if not np.all(np.isfinite(m)):
        raise DistributionError("correlation: every entry must be a finite number")
    bad = np.argwhere(np.abs(m) > 1.0)
    if bad.size:
        i, j = bad[0]
        who = f"{names[i]} and {names[j]}" if names else f"entry ({i}, {j})"
        raise DistributionError(f"correlation of {who} must be between -1 and 1, got {m[i, j]:g}")
    if not np.allclose(m, m.T) or not np.allclose(np.diag(m), 1.0):
        raise DistributionError("correlation: the matrix must be symmetric with ones on the diagonal")
    try:
        np.linalg.cholesky(m)
    except np.linalg.LinAlgError:
        raise DistributionError("correlation: the correlations contradict each other (the matrix is not positive definite)") from None
    return m


def iman_conover(samples: np.ndarray, correlation: np.ndarray, rng: np.random.Generator | None = None) -> np.ndarray:
    """``samples`` (n x k) with each column reordered so the rank correlation of the columns is
    close to ``correlation`` (Iman and Conover, 1982). Marginals are unchanged: only the order of
    each column's values moves."""
    n, k = samples.shape
    target = check_correlation(correlation)
    if k < 2 or np.allclose(target, np.eye(k)):
        return samples
    scores = normal_ppf((np.arange(1, n + 1)) / (n + 1.0))  # van der Waerden scores
    rng = rng or np.random.default_rng(0)
    base = np.column_stack([rng.permutation(scores) for _ in range(k)])
    achieved = np.corrcoef(base, rowvar=False)
    # move the scores' own (small, random) correlation to the target's
    transform = np.linalg.cholesky(target) @ np.linalg.inv(np.linalg.cholesky(achieved))
    wanted = base @ transform.T
    out = np.empty_like(samples)
    for j in range(k):  # k is the number of inputs (tens), not samples: a short loop
        ranks = np.argsort(np.argsort(wanted[:, j]))
        out[:, j] = np.sort(samples[:, j])[ranks]
    return out


def sample(distributions: list[Distribution], n: int, seed: int, correlation: np.ndarray | None = None) -> np.ndarray:
    """``n`` Latin hypercube samples of every distribution (columns in order), rank-correlated when
    ``correlation`` is given. The same seed gives the same samples."""
    rng = np.random.default_rng(seed)
    u = latin_hypercube(n, len(distributions), rng)
    values = np.column_stack([d.ppf(u[:, j]) for j, d in enumerate(distributions)]) if distributions else np.zeros((n, 0))
    if correlation is not None and len(distributions) > 1:
        values = iman_conover(values, correlation, rng)
    return values


__all__ = [
    "KINDS", "Distribution", "DistributionError", "check_correlation", "iman_conover", "latin_hypercube",
    "normal_ppf", "sample",
]
