"""Queueing under random (Poisson) arrivals: how long a request waits for a batch slot.

A replica with continuous batching is an M/M/c queue: ``c`` slots (the most requests its KV cache
holds), each busy for one request's whole generation. Service contracts and MLPerf state latency
limits at the 99th percentile, so a served system must run below saturation: the wait grows
without bound as the mean number in flight approaches ``c``. We use the Halfin-Whitt
approximation of the Erlang-C waiting probability, which is closed-form and vectorises:

``P(wait) ~ 1 / (1 + beta * Phi(beta) / phi(beta))``, ``beta = (c - a) / sqrt(a)``

for offered load ``a`` (mean requests in flight), and the wait, given one, is exponential with
rate ``(c - a) * mu``.
"""

from __future__ import annotations

import math

import numpy as np

#: 99th-percentile point of a standard normal.
Z99 = 2.3263478740408408
_SQRT2 = math.sqrt(2.0)
_SQRT_2PI = math.sqrt(2.0 * math.pi)


def _erf(x: np.ndarray, positive: bool = False) -> np.ndarray:
    """Error function (Abramowitz and Stegun 7.1.26; absolute error below 1.5e-7). With
    ``positive`` the caller promises ``x > 0`` (or NaN), where the sign is 1 and is skipped."""
    if not positive:
        sign = np.sign(x)
        x = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * x)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    value = 1.0 - poly * np.exp(-x * x)
    return value if positive else sign * value


def normal_cdf(x: np.ndarray, positive: bool = False) -> np.ndarray:
    """Standard normal CDF; ``positive``: the caller promises ``x > 0`` (or NaN)."""
    return 0.5 * (1.0 + _erf(np.asarray(x, dtype=float) / _SQRT2, positive))


def normal_pdf(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    return np.exp(-0.5 * x * x) / _SQRT_2PI


def wait_probability(servers: np.ndarray, offered_load: np.ndarray) -> np.ndarray:
    """Probability that an arriving request finds every slot busy (1 when load >= slots)."""
    with np.errstate(over="ignore"):
        return _wait_probability(servers, offered_load)


def _wait_probability(servers: np.ndarray, offered_load: np.ndarray) -> np.ndarray:
    """:func:`wait_probability` without its floating-point error state (the caller sets it)."""
    a = np.maximum(np.asarray(offered_load, dtype=float), 1e-12)
    beta = (np.asarray(servers, dtype=float) - a) / np.sqrt(a)
    safe = np.maximum(beta, 1e-12)
    # beta * Phi / phi overflows harmlessly to inf for large beta, giving P -> 0
    ratio = safe * normal_cdf(safe, positive=True) / np.maximum(normal_pdf(safe), 1e-300)
    return np.where(beta > 0, 1.0 / (1.0 + ratio), 1.0)


def queue_wait_s(servers, offered_load, service_time_s, quantile: float | None = 0.99) -> np.ndarray:
    """Wait before a slot frees (seconds): the given quantile, or the mean when ``quantile`` is None.

    ``service_time_s`` is how long a request holds its slot. Infinite where the load reaches
    the number of slots (an unstable queue); callers treat that as failing any latency limit.
    """
    c = np.asarray(servers, dtype=float)
    a = np.asarray(offered_load, dtype=float)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        p_wait = _wait_probability(c, a)
        spare = c - a
        stable = spare > 0
        rate = np.where(stable, spare / service_time_s, 0.0)
        if quantile is None:
            wait = p_wait / rate
        else:
            tail = 1.0 - quantile
            wait = np.log(np.maximum(p_wait / tail, 1.0)) / rate
    wait = np.where(stable, wait, np.inf)
    return np.where(np.isnan(wait), 0.0, wait)


def busy_slots_quantile(mean_in_flight: np.ndarray, slots: np.ndarray) -> np.ndarray:
    """99th percentile of requests in flight: Poisson spread about the mean, capped at the slots."""
    m = np.asarray(mean_in_flight, dtype=float)
    return np.minimum(m + Z99 * np.sqrt(m), slots)
