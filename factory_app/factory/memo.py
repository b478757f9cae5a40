"""A bounded, thread-safe memo of engine answers, keyed per catalogue.

The app re-evaluates the whole factory on every edit, but most fleet x workload pairs have not
changed: their operating points and chart curves are remembered here. The catalogue is part of
the key by identity and held by the entry, so an id is never reused for another catalogue while
an entry names it. The app may evaluate in a worker thread while the UI thread draws, hence the
lock.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Callable, Generic, Hashable, TypeVar

V = TypeVar("V")


class CatalogMemo(Generic[V]):
    """Least-recently-used memo of at most ``size`` values computed from a catalogue."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[tuple, tuple[object, V]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, catalog: object, key: Hashable, compute: Callable[[], V]) -> V:
        """The value remembered for (``catalog``, ``key``), computing it (outside the lock) if
        it is not there; the least recently used entry goes when the memo is full."""
        full_key = (id(catalog), key)
        with self._lock:
            hit = self._entries.get(full_key)
            if hit is not None and hit[0] is catalog:
                self._entries.move_to_end(full_key)
                return hit[1]
        value = compute()
        with self._lock:
            self._entries[full_key] = (catalog, value)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return value

    def clear(self) -> None:
        """Forget everything (benchmarks measure cold work with this)."""
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


__all__ = ["CatalogMemo"]
