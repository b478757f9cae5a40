"""A small, deterministic Nelder-Mead minimiser (numpy only), for the calibration fit.

The engine must not depend on scipy; the fit has seven parameters per family, which
Nelder-Mead handles well, and its determinism makes the calibration command reproducible.
"""

from __future__ import annotations

from typing import Callable

import numpy as np


def nelder_mead(
    f: Callable[[np.ndarray], float],
    x0: np.ndarray,
    step: float = 0.1,
    iterations: int = 500,
    tolerance: float = 1e-7,
) -> np.ndarray:
    """Minimise ``f`` from ``x0`` with the standard reflection/expansion/contraction/shrink rules."""
    n = len(x0)
    simplex = np.vstack([x0] + [x0 + step * np.eye(n)[i] for i in range(n)])
    values = np.array([f(x) for x in simplex])
    for _ in range(iterations):
        order = np.argsort(values)
        simplex, values = simplex[order], values[order]
        if abs(values[-1] - values[0]) < tolerance:
            break
        centroid = simplex[:-1].mean(axis=0)
        worst = simplex[-1]
        reflected = centroid + (centroid - worst)
        fr = f(reflected)
        if fr < values[0]:
            expanded = centroid + 2.0 * (centroid - worst)
            fe = f(expanded)
            simplex[-1], values[-1] = (expanded, fe) if fe < fr else (reflected, fr)
        elif fr < values[-2]:
            simplex[-1], values[-1] = reflected, fr
        else:
            inside = fr >= values[-1]
            contracted = centroid + 0.5 * ((worst if inside else reflected) - centroid)
            fc = f(contracted)
            if fc < min(fr, values[-1]):
                simplex[-1], values[-1] = contracted, fc
            else:
                best = simplex[0]
                simplex = best + 0.5 * (simplex - best)
                values = np.array([values[0]] + [f(x) for x in simplex[1:]])
    return simplex[int(np.argmin(values))]
