"""What a frontier needs that depends on the deployment and its layouts only, remembered.

A frontier of a dense model on one 8-GPU board has a few hundred points, so numpy's fixed cost
per call, not the arithmetic, sets its time. Everything here is the same whatever the traffic:
the candidate layouts with their constants and KV room, and their expansion to the points of
the frontier's batch grid (each point's layout and constants, tiled over iteration variants and
serving modes). Cached arrays are read-only: callers share them.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from factory_app.serving.layout_costs import LayoutCosts
from factory_app.serving.layouts import LayoutArrays, candidate_layouts
from factory_app.serving.performance import Deployment, costs_for, kv_room

_MISSING = object()
#: (function, id(deployment), argument) -> (deployment, value), least recently used first; the
#: deployment is kept so that its id cannot be reused while the entry lives. Bounded (and so are
#: the lru caches behind it): a 3,000-fleet factory of distinct power caps makes thousands of
#: deployments, and entries that hold every grid point's constants cost memory.
_IDENTITY_CACHE: OrderedDict = OrderedDict()
_IDENTITY_CACHE_SIZE = 512


def by_identity(fn, d: Deployment, arg):
    """``fn(d, arg)`` for an lru-cached ``fn`` of an immutable deployment, looked up by the
    deployment's identity first: hashing a Deployment (dozens of fields) costs microseconds,
    more than a small frontier's arithmetic per layout, and callers pass the same object again."""
    key = (fn, id(d), arg)
    hit = _IDENTITY_CACHE.get(key)
    if hit is not None and hit[0] is d:
        _IDENTITY_CACHE.move_to_end(key)
        return hit[1]
    value = fn(d, arg)
    _IDENTITY_CACHE[key] = (d, value)
    if len(_IDENTITY_CACHE) > _IDENTITY_CACHE_SIZE:
        _IDENTITY_CACHE.popitem(last=False)
    return value


def readonly(a: np.ndarray) -> np.ndarray:
    a.flags.writeable = False
    return a


def tile(a: np.ndarray, m: int) -> np.ndarray:
    """``np.tile`` of a 1-D array (the array itself for ``m == 1``), without its overhead."""
    return a if m == 1 else np.concatenate((a,) * m)


@lru_cache(maxsize=64)
def grid_layout_index(layouts: int, columns: int) -> np.ndarray:
    """Each point's layout number in a grid of ``columns`` batches per layout."""
    return readonly(np.repeat(np.arange(layouts), columns))


class PointCosts:
    """Per-layout constants and each point's layout number, with the constants expanded to the
    points of ``k`` stacked iteration variants, and other values that depend on the deployment
    and the layouts only, remembered. Unpacks as ``(per_layout, inverse)``."""

    __slots__ = ("per_layout", "inverse", "gpus", "_memo")

    def __init__(self, per_layout: LayoutCosts, inverse: np.ndarray, gpus: np.ndarray | None = None) -> None:
        #: ``gpus``: each point's decode GPUs (``tp * dp * pp`` of its layout), when known
        self.per_layout, self.inverse, self.gpus, self._memo = per_layout, inverse, gpus, {}

    def __iter__(self):
        return iter((self.per_layout, self.inverse))

    def tiled(self, k: int) -> LayoutCosts:
        c = self._memo.get(k)
        if c is None:
            c = self._memo[k] = self.per_layout.take(np.tile(self.inverse, k))
        return c

    def memo(self, key, compute):
        """``compute()``, remembered under ``key`` (for values that depend on the deployment and
        the layouts only)."""
        value = self._memo.get(key, _MISSING)
        if value is _MISSING:
            value = self._memo[key] = compute()
        return value

    def modes(self, m: int) -> tuple[np.ndarray, np.ndarray]:
        """Each point's decode GPUs tiled over ``m`` serving modes, and which of those points
        are not of the first mode (``gpus`` must be known)."""
        c = self._memo.get(-m)
        if c is None:
            n = len(self.gpus)
            c = self._memo[-m] = (readonly(tile(self.gpus, m)), readonly(np.arange(m * n) >= n))
        return c


@dataclass(frozen=True, slots=True)
class Expansion:
    """A frontier grid over some layouts, as far as it depends on the layouts: each point's
    layout and constants, and the frontier's layout columns per number of serving modes."""

    sub: LayoutArrays
    costs: PointCosts
    _columns: dict = field(default_factory=dict)

    def columns(self, m: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(tp, dp, ep, pp) of every point, tiled over ``m`` serving modes."""
        c = self._columns.get(m)
        if c is None:
            sub = self.sub
            c = self._columns[m] = tuple(readonly(tile(a, m)) if m > 1 else a for a in (sub.tp, sub.dp, sub.ep, sub.pp))
        return c


class Candidates:
    """Every candidate layout of a deployment (replicas up to some size) with its constants and
    KV room, and the grid expansions over the subsets of them that fit."""

    __slots__ = ("lay", "costs", "room", "_expansions")

    def __init__(self, d: Deployment, max_gpus_per_replica: int) -> None:
        lay = candidate_layouts(d.shape, d.domain, max_gpus_per_replica)
        self.lay = lay
        self.costs = costs_for(d, lay.tp, lay.dp, lay.ep, lay.pp)
        self.room = kv_room(d, lay.tp, lay.dp, lay.ep, lay.pp)
        self._expansions: dict[bytes, Expansion] = {}

    def expansion(self, kept: np.ndarray, columns: int) -> Expansion:
        """The grid of ``columns`` batches per layout over the layouts ``kept`` (indices)."""
        key = kept.tobytes() + columns.to_bytes(4, "little")
        e = self._expansions.get(key)
        if e is None:
            idx = grid_layout_index(len(kept), columns)
            sub = LayoutArrays(*(readonly(getattr(self.lay, f)[kept][idx]) for f in ("tp", "dp", "ep", "pp")))
            e = self._expansions[key] = Expansion(sub, PointCosts(self.costs.take(kept), idx, readonly(sub.gpus)))
        return e


@lru_cache(maxsize=256)
def _candidates(d: Deployment, max_gpus_per_replica: int) -> Candidates:
    return Candidates(d, max_gpus_per_replica)


def candidates(d: Deployment, max_gpus_per_replica: int) -> Candidates:
    """The :class:`Candidates` of ``d`` (remembered)."""
    return by_identity(_candidates, d, max_gpus_per_replica)
