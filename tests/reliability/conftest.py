"""Hypothesis profiles of the reliability tests.

- ``ci`` (default): derandomised, so every run (and CI) tries the same cases; no example
  database written into the tree; no deadline (evaluation times vary with the machine).
- ``thorough``: random (new cases every run) and ten times the examples of every property.
  ``HYPOTHESIS_PROFILE=thorough .venv/bin/python -m pytest tests/reliability``

Each property states its own example count through :func:`reliability_helpers.examples`, which
applies the profile's multiplier; docs/reliability.md lists them.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

_COMMON = dict(
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
settings.register_profile("ci", derandomize=True, **_COMMON)
settings.register_profile("thorough", derandomize=False, **_COMMON)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
