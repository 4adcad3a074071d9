"""Pausing the cyclic garbage collector while many long-lived objects are built."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["gc_paused", "oldest_generation_paused"]

_gc_lock = threading.Lock()
_gc_pauses = 0
_gc_was_enabled = False


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many long-lived objects.

    Loading a large log creates millions of objects that all survive; each collection of
    the oldest generation walks all of them again, which more than doubles the load time.
    Reference counting still frees everything meanwhile. Nested and concurrent pauses are
    counted: the collector is enabled again (if it was enabled) when the last one ends.
    """
    global _gc_pauses, _gc_was_enabled
    with _gc_lock:
        if _gc_pauses == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_pauses += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pauses -= 1
            if _gc_pauses == 0 and _gc_was_enabled:
                gc.enable()


_OLDEST_NEVER = 1 << 30  # collections of the middle generation before the oldest is walked
_oldest_lock = threading.Lock()
_oldest_pauses = 0
_oldest_threshold = 10


@contextmanager
def oldest_generation_paused() -> Iterator[None]:
    """Leave the oldest generation alone while long-lived objects pile up for a long time.

    While the app reads a large store's details, each collection of the oldest generation
    walks everything read so far, and one came every fraction of a second (at 50,000
    segments: 250 of them, 45 s of a 106 s fill). Unlike ``gc_paused``, the young
    generations are still collected: the cyclic garbage the app makes as it draws and
    handles keys meanwhile is freed as before. Nested and concurrent pauses are counted.
    """
    global _oldest_pauses, _oldest_threshold
    with _oldest_lock:
        if _oldest_pauses == 0:
            young, middle, _oldest_threshold = gc.get_threshold()
            gc.set_threshold(young, middle, _OLDEST_NEVER)
        _oldest_pauses += 1
    try:
        yield
    finally:
        with _oldest_lock:
            _oldest_pauses -= 1
            if _oldest_pauses == 0:
                young, middle, _oldest = gc.get_threshold()
                gc.set_threshold(young, middle, _oldest_threshold)
