"""A small dense simplex solver for ``max c.x subject to A x <= b, x >= 0`` with ``b >= 0``.

The factory optimiser's presolved programmes have a dozen rows or so (one per demand cap and
shared resource) and up to a few thousand columns, so a textbook tableau in numpy solves them
exactly in milliseconds (15 ms for the 3,000-fleet benchmark factory). ``b >= 0`` makes the origin feasible (no
phase one). Bland's rule (lowest index enters and leaves) cannot cycle, so the loop ends. Rows
and columns are scaled to unit largest coefficient first: the programmes mix watts (1e8),
tokens/s (1e9) and dollars, which would otherwise swamp the pivot tolerances.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_TOL = 1e-9


class LinearProgramError(ValueError):
    """The programme is malformed or unbounded."""


@dataclass(frozen=True, slots=True)
class LinearSolution:
    x: np.ndarray
    objective: float
    iterations: int


def _scale(c: np.ndarray, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Equilibrate rows then columns; returns scaled (c, A, b) and the column factors k with
    x = k * x_scaled."""
    row = np.abs(a).max(axis=1, initial=0.0)
    row[row == 0] = 1.0
    a = a / row[:, None]
    b = b / row
    col = np.abs(a).max(axis=0, initial=0.0)
    k = np.where(col > 0, 1.0 / np.where(col > 0, col, 1.0), 1.0)
    return c * k, a * k[None, :], b, k


def maximise(c: np.ndarray, a: np.ndarray, b: np.ndarray, max_iterations: int = 10_000) -> LinearSolution:
    """Solve ``max c.x, A x <= b, x >= 0`` exactly (to floating-point tolerance).

    A variable with a positive objective and no constraint on it makes the programme unbounded:
    :class:`LinearProgramError`. So does a negative ``b``.
    """
    c = np.asarray(c, dtype=float)
    a = np.asarray(a, dtype=float).reshape(-1, len(c))
    b = np.asarray(b, dtype=float)
    m, n = a.shape
    if len(b) != m or np.any(b < 0) or not (np.all(np.isfinite(a)) and np.all(np.isfinite(b)) and np.all(np.isfinite(c))):
        raise LinearProgramError("need finite c, A, b with b >= 0")
    cs, as_, bs, k = _scale(c, a, b)
    scale_obj = float(np.abs(cs).max(initial=0.0)) or 1.0
    # tableau: m constraint rows [A | I | b], then the objective row [-c | 0 | 0]
    t = np.zeros((m + 1, n + m + 1))
    t[:m, :n] = as_
    t[:m, n : n + m] = np.eye(m)
    t[:m, -1] = bs
    t[m, :n] = -cs / scale_obj
    basis = list(range(n, n + m))
    for iteration in range(max_iterations):
        entering = next((j for j in range(n + m) if t[m, j] < -_TOL), None)
        if entering is None:
            x = np.zeros(n + m)
            x[basis] = t[:m, -1]
            xs = np.maximum(x[:n], 0.0) * k
            return LinearSolution(xs, float(c @ xs), iteration)
        column = t[:m, entering]
        rows = np.nonzero(column > _TOL)[0]
        if len(rows) == 0:
            raise LinearProgramError("the linear programme is unbounded")
        ratios = t[rows, -1] / column[rows]
        best = ratios.min()
        ties = rows[ratios <= best + _TOL * max(1.0, abs(best))]
        leave = min(ties, key=lambda r: basis[r])  # Bland: lowest basis index leaves
        t[leave] /= t[leave, entering]
        others = np.arange(m + 1) != leave
        t[others] -= np.outer(t[others, entering], t[leave])
        basis[leave] = entering
    raise LinearProgramError(f"no optimum after {max_iterations} pivots")


__all__ = ["LinearProgramError", "LinearSolution", "maximise"]
