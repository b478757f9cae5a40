"""Sampling uncertain inputs: distributions, the normal inverse CDF, Latin hypercube marginals
(a Kolmogorov–Smirnov check on 10,000 samples), Iman–Conover rank correlation, refusals."""

from __future__ import annotations

import math

import numpy as np
import pytest

from factory_app.factory.uncertainty.sampling import (
    Distribution,
    DistributionError,
    check_correlation,
    latin_hypercube,
    normal_ppf,
    sample,
)

N = 10_000


def _normal_cdf(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.vectorize(math.erf)(x / math.sqrt(2.0)))


def _cdf(d: Distribution, x: np.ndarray) -> np.ndarray:
    if d.kind == "uniform":
        return np.clip((x - d.low) / (d.high - d.low), 0, 1)
    if d.kind == "triangular":
        lo, m, hi = d.low, d.mode, d.high
        with np.errstate(divide="ignore", invalid="ignore"):  # a mode at an end: one branch is 0/0, unused
            return np.where(x < m, (x - lo) ** 2 / ((hi - lo) * (m - lo)), 1 - (hi - x) ** 2 / ((hi - lo) * (hi - m)))
    mu, sigma = d.log_parameters()
    return _normal_cdf((np.log(x) - mu) / sigma)


def _ks(values: np.ndarray, d: Distribution) -> float:
    x = np.sort(values)
    f = _cdf(d, x)
    i = np.arange(1, len(x) + 1)
    return float(max(np.max(i / len(x) - f), np.max(f - (i - 1) / len(x))))


@pytest.mark.parametrize("d", [
    Distribution("uniform", 0.05, 0.08, 0.12),
    Distribution("triangular", 0.06, 0.10, 0.16),
    Distribution("triangular", 1.0, 1.0, 2.0),  # mode at an end
    Distribution("lognormal", 0.5, 1.0, 2.5),
])
def test_latin_hypercube_marginals_match_their_distribution(d):
    values = sample([d], N, seed=7)[:, 0]
    # 1.63/sqrt(n) is the 1% critical value for random draws; a Latin hypercube does far better
    assert _ks(values, d) < 1.63 / math.sqrt(N)
    assert _ks(values, d) < 3.0 / N
    if d.kind == "lognormal":
        assert values.min() > 0
    else:
        assert d.low <= values.min() and values.max() <= d.high
    assert abs(values.mean() - d.mean()) < 0.01 * abs(d.mean())


def test_a_plain_random_sample_would_fail_the_tight_check():
    """The 3/n bound above can fail: independent draws of the same size miss it."""
    d = Distribution("uniform", 0.0, 0.5, 1.0)
    assert _ks(np.random.default_rng(1).random(N), d) > 3.0 / N


def test_lognormal_low_and_high_are_the_5th_and_95th_percentiles():
    d = Distribution("lognormal", 0.5, 1.0, 2.0)
    values = np.sort(sample([d], N, seed=3)[:, 0])
    assert values[int(0.05 * N)] == pytest.approx(0.5, rel=0.01)
    assert values[int(0.5 * N)] == pytest.approx(1.0, rel=0.01)
    assert values[int(0.95 * N)] == pytest.approx(2.0, rel=0.01)


def test_the_normal_inverse_cdf_is_accurate_in_the_body_and_the_tails():
    u = np.array([1e-12, 1e-6, 0.01, 0.025, 0.3, 0.5, 0.7, 0.975, 0.999999])
    z = normal_ppf(u)
    assert np.allclose(_normal_cdf(z), u, rtol=1e-9, atol=1e-15)
    assert normal_ppf(np.array([0.975]))[0] == pytest.approx(1.959963984540054, abs=1e-12)


def test_each_stratum_holds_one_sample():
    u = latin_hypercube(100, 3, np.random.default_rng(0))
    for j in range(3):
        assert sorted(np.floor(u[:, j] * 100).astype(int)) == list(range(100))


def test_the_same_seed_gives_the_same_samples_and_another_seed_others():
    ds = [Distribution("triangular", 0, 1, 2), Distribution("uniform", 5, 5, 9)]
    assert np.array_equal(sample(ds, 500, seed=11), sample(ds, 500, seed=11))
    assert not np.array_equal(sample(ds, 500, seed=11), sample(ds, 500, seed=12))


def _rank_corr(a: np.ndarray, b: np.ndarray) -> float:
    ra, rb = np.argsort(np.argsort(a)), np.argsort(np.argsort(b))
    return float(np.corrcoef(ra, rb)[0, 1])


@pytest.mark.parametrize("rho", [-0.7, 0.0, 0.5, 0.9])
def test_iman_conover_gives_the_rank_correlation_asked_and_keeps_the_marginals(rho):
    ds = [Distribution("lognormal", 0.5, 1.0, 2.0), Distribution("triangular", 10, 20, 50), Distribution("uniform", 0, 0, 1)]
    corr = np.array([[1.0, rho, 0.0], [rho, 1.0, 0.0], [0.0, 0.0, 1.0]])
    free, tied = sample(ds, 5000, seed=5), sample(ds, 5000, seed=5, correlation=corr)
    assert _rank_corr(tied[:, 0], tied[:, 1]) == pytest.approx(rho, abs=0.03)
    assert abs(_rank_corr(tied[:, 0], tied[:, 2])) < 0.05
    for j in range(3):
        assert np.array_equal(np.sort(free[:, j]), np.sort(tied[:, j]))  # only the order moved


@pytest.mark.parametrize("d, message", [
    (Distribution("triangular", 2, 1, 1), "low (2) is above high (1)"),
    (Distribution("triangular", 0, 3, 2), "mode (3) must lie between low (0) and high (2)"),
    (Distribution("lognormal", -1, 1, 2), "a lognormal range must be positive"),
    (Distribution("beta", 0, 1, 2), "distribution must be one of triangular, uniform, lognormal"),
    (Distribution("uniform", 0, float("nan"), 1), "must be finite numbers"),
])
def test_a_range_that_is_not_one_is_refused_with_one_line(d, message):
    with pytest.raises(DistributionError) as info:
        d.check("fleets.gb.price_usd")
    assert str(info.value).startswith("fleets.gb.price_usd: ") and message in str(info.value)


@pytest.mark.parametrize("matrix, message", [
    ([[1, 1.2], [1.2, 1]], "must be between -1 and 1"),
    ([[1, 0.5], [0.4, 1]], "symmetric with ones on the diagonal"),
    ([[1, 0.9, -0.9], [0.9, 1, 0.9], [-0.9, 0.9, 1]], "not positive definite"),
])
def test_a_correlation_matrix_that_is_not_one_is_refused(matrix, message):
    with pytest.raises(DistributionError, match=message):
        check_correlation(np.array(matrix, dtype=float))
