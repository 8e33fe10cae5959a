"""Pausing Python's cyclic garbage collector around allocation-heavy work.

Parsing, planning and report building allocate millions of small containers and free them
by reference counting (no cycles); the collector's generation passes over the growing heap
made that work superlinear (a hub's plan 2-3x slower, an 800-router audit 1.4x slower, a
1,000-router plan ~7-9 %). One helper for every place that pauses it.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def no_cyclic_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector; restores the previous state (nesting is safe)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
