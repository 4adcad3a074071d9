"""Pausing the cyclic garbage collector while many long-lived objects are built."""

from __future__ import annotations

import gc
from _thread import allocate_lock  # (``threading.Lock``, without importing threading)
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

__all__ = [
    "YOUNG_THRESHOLD",
    "built_to_last",
    "fewer_young_collections",
    "gc_paused",
    "oldest_generation_paused",
]


def _nothing() -> None:
    pass


def _counted(
    begin: Callable[[], Callable[[], None]],
) -> Callable[[], AbstractContextManager[None]]:
    """A context manager that runs ``begin`` as the first of its nested or concurrent uses
    starts, and what ``begin`` returned as the last one ends."""
    lock = allocate_lock()
    uses = 0
    end: Callable[[], None] = _nothing

    @contextmanager
    def pause() -> Iterator[None]:
        nonlocal uses, end
        with lock:
            if uses == 0:
                end = begin()
            uses += 1
        try:
            yield
        finally:
            with lock:
                uses -= 1
                if uses == 0:
                    end()

    return pause


def _disable_collector() -> Callable[[], None]:
    was_enabled = gc.isenabled()
    gc.disable()
    return gc.enable if was_enabled else _nothing


def _set_threshold(generation: int, value: int) -> Callable[[], None]:
    """Set the collection threshold of one generation; returns what sets it back (leaving
    the other generations' thresholds as they are then)."""
    before = gc.get_threshold()[generation]

    def put(threshold: int) -> None:
        thresholds = list(gc.get_threshold())
        thresholds[generation] = threshold
        gc.set_threshold(*thresholds)

    put(value)
    return lambda: put(before)


_OLDEST_NEVER = 1 << 30  # collections of the middle generation before the oldest is walked


def _leave_the_oldest_generation() -> Callable[[], None]:
    return _set_threshold(2, _OLDEST_NEVER)


gc_paused = _counted(_disable_collector)
gc_paused.__doc__ = """Pause the cyclic garbage collector while building many long-lived objects.

Loading a large log creates millions of objects that all survive; each collection of the
oldest generation walks all of them again, which more than doubles the load time. Reference
counting still frees everything meanwhile. Nested and concurrent pauses are counted: the
collector is enabled again (if it was enabled) when the last one ends.
"""

oldest_generation_paused = _counted(_leave_the_oldest_generation)
oldest_generation_paused.__doc__ = """Leave the oldest generation alone while long-lived
objects pile up for a long time.

While the app reads a large store's details, each collection of the oldest generation walks
everything read so far, and one came every fraction of a second (at 50,000 segments: 250 of
them, 45 s of a 106 s fill). Unlike ``gc_paused``, the young generations are still
collected: the cyclic garbage the app makes as it draws and handles keys meanwhile is freed
as before. Nested and concurrent pauses are counted.
"""


@contextmanager
def built_to_last() -> Iterator[None]:
    """Build objects that will live a long time with the collector paused, then move them (and
    everything else alive now) out of the collector's reach before it resumes.

    Without this, the first collection after ``gc_paused`` ends is a young one over every
    object built meanwhile (a 100 MB log: millions of them, about a second with the
    interpreter lock held, so the app's other threads wait), and the collections of the older
    generations walk them again later. Frozen objects are still freed by reference counting
    when nothing refers to them any more; only cycles among them are no longer collected.
    Nothing is frozen when the body raises.
    """
    with gc_paused():
        yield
        gc.freeze()


YOUNG_THRESHOLD = 20_000  # allocations between two collections of the youngest generation


def fewer_young_collections() -> Callable[[], None]:
    """Collect the youngest generation every ``YOUNG_THRESHOLD`` allocations (Python's
    default: 700); returns what restores the threshold there was.

    A young collection walks every young object and what it refers to. In the app, a step
    makes the history it shows: a new list referring to every item of the conversation (at
    400 MB, 204,000). Drawing the step allocates enough for a dozen young collections at the
    default threshold, and each walked that list again: 17 ms of a 30 ms step. At 20,000, a
    step has about one; cyclic garbage waits a little longer to be freed.
    """
    return _set_threshold(0, max(gc.get_threshold()[0], YOUNG_THRESHOLD))
