"""Leaving the oldest generation alone while the app reads a store's details: the young
generations are still collected, pauses are counted, and the thresholds come back. Building a
log's objects out of the collector's reach: no collection walks them once the pause ends."""

from __future__ import annotations

import gc
import threading

import pytest

from segview.gcpause import (
    YOUNG_THRESHOLD,
    built_to_last,
    fewer_young_collections,
    oldest_generation_paused,
)


class Cycle:
    def __init__(self) -> None:
        self.me = self


def test_young_cycles_are_still_collected_and_the_oldest_generation_is_not_walked() -> None:
    before = gc.get_threshold()
    full: list[int] = []

    def watch(phase: str, info: dict[str, int]) -> None:
        if phase == "start" and info["generation"] == 2:
            full.append(1)

    gc.callbacks.append(watch)
    try:
        with oldest_generation_paused():
            assert gc.get_threshold()[:2] == before[:2]  # young generations as they were
            gc.collect()  # (an explicit collection still walks everything)
            full.clear()
            young_before = sum(gc.get_stats()[g]["collected"] for g in (0, 1))
            kept = [[] for _ in range(200_000)]  # what a long read keeps
            for _ in range(200_000):
                Cycle()  # garbage that only the cyclic collector frees
            young_after = sum(gc.get_stats()[g]["collected"] for g in (0, 1))
            assert young_after - young_before >= 100_000  # the cycles were freed while young
            assert full == []  # no automatic collection of the oldest generation
            del kept
    finally:
        gc.callbacks.remove(watch)
    assert gc.get_threshold() == before


def test_pauses_are_counted_across_threads_and_an_error_ends_one() -> None:
    before = gc.get_threshold()
    inner_done = threading.Event()
    release = threading.Event()

    def other() -> None:
        with oldest_generation_paused():
            inner_done.set()
            release.wait(10)

    with oldest_generation_paused():
        thread = threading.Thread(target=other)
        thread.start()
        inner_done.wait(10)
    assert gc.get_threshold()[2] != before[2]  # the other thread's pause still holds
    release.set()
    thread.join(10)
    assert gc.get_threshold() == before
    with pytest.raises(RuntimeError), oldest_generation_paused():
        raise RuntimeError
    assert gc.get_threshold() == before


def test_what_was_built_to_last_is_out_of_the_collectors_reach_and_errors_freeze_nothing() -> None:
    assert gc.isenabled()
    frozen_before = gc.get_freeze_count()
    try:
        with pytest.raises(RuntimeError), built_to_last():
            [[] for _ in range(1_000)]
            raise RuntimeError
        assert gc.get_freeze_count() == frozen_before  # an error freezes nothing
        assert gc.isenabled()

        with built_to_last():
            assert not gc.isenabled()
            kept = [[i] for i in range(300_000)]  # a loaded log: many objects, all kept
        assert gc.isenabled()
        # with the collector merely paused, the 300,000 would be counted in the youngest
        # generation, and the next allocation would start a collection walking them all
        assert gc.get_count()[0] < gc.get_threshold()[0]
        assert gc.get_freeze_count() >= frozen_before + 300_000
        for _ in range(50_000):
            Cycle()  # the app goes on making garbage, which is still collected
        assert len(gc.get_objects(generation=0)) < gc.get_threshold()[0]
        assert len(kept) == 300_000
    finally:
        gc.unfreeze()


def test_fewer_young_collections_and_the_threshold_comes_back() -> None:
    before = gc.get_threshold()
    restore = fewer_young_collections()
    try:
        assert gc.get_threshold() == (YOUNG_THRESHOLD, *before[1:])
        young = gc.get_stats()[0]["collections"]
        for _ in range(YOUNG_THRESHOLD * 5):
            Cycle()
        # at Python's default threshold (700) this would have been about 140 collections
        assert gc.get_stats()[0]["collections"] - young <= 6
        with oldest_generation_paused():  # the app's other tuning keeps this one
            assert gc.get_threshold()[0] == YOUNG_THRESHOLD
    finally:
        restore()
    assert gc.get_threshold() == before


def test_a_log_built_to_last_is_freed_when_dropped() -> None:
    """Frozen objects are freed by reference counting only: a cycle among a timeline's
    objects would leak a whole log each time the app opens another segment."""
    from pathlib import Path

    from segview.browse.cursor import SegmentCursor
    from segview.store import FsStore
    from segview.timeline import Timeline

    store_dir = Path(__file__).resolve().parent.parent / "sample_logs"
    largest = max(store_dir.glob("*.jsonl"), key=lambda p: p.stat().st_size)
    store = FsStore(store_dir)
    try:
        counts = []
        for _ in range(3):
            with built_to_last():
                timeline = Timeline.load(store, largest.stem)
                cursor = SegmentCursor(timeline)
                cursor.prepare(None)
            cursor.move(cursor.last_turn_index)
            assert len(timeline.entries) > 1_000
            del timeline, cursor
            counts.append(gc.get_freeze_count())
        assert counts[2] - counts[0] < 100  # a log is thousands of objects
    finally:
        gc.unfreeze()
