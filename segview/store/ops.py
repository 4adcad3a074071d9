"""Write operations of ``session-store`` (FORMAT.md section 6).

Every function takes the store and writes through it. ``ts`` defaults to the current time in
milliseconds and new ids are fresh UUID v7; both can be given explicitly (deterministic demo
stores, tests). New segments are created exclusively: an existing file is never replaced.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .fs_store import FsStore
from .model import (
    AssistantItem,
    ConfigChanged,
    Extension,
    LlmUsage,
    LogEntry,
    LoggedItem,
    MessageItem,
    PodScopeSnapshot,
    RequestConfig,
    RunCompleted,
    RunErrored,
    SegmentOrigin,
    SegmentStart,
    SystemItem,
    SystemItemEntry,
    ToolResultEntry,
    ToolResultItem,
    TurnEnd,
    UserInput,
    UserSegment,
    WorkerResult,
)
from .replay import POD_SCOPE_DOMAIN, RestoredState, collect_state

__all__ = [
    "ForkCut",
    "append_entry",
    "append_system_item",
    "classify_history_item",
    "create_compacted_segment",
    "create_segment",
    "create_segment_with_id",
    "ensure_head_or_fork",
    "find_fork_cut",
    "fork",
    "fork_at",
    "new_segment_id",
    "now_ms",
    "restore",
    "save_config_changed",
    "save_delta",
    "save_extension",
    "save_pod_scope",
    "save_run_completed",
    "save_run_errored",
    "save_turn_end",
    "save_usage",
    "save_user_input",
]


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def new_segment_id() -> str:
    """A fresh UUID v7 (RFC 9562) in lower-case hyphenated form."""
    try:
        from uuid import uuid7  # type: ignore[attr-defined]  # Python 3.14+
    except ImportError:
        from uuid6 import uuid7
    return str(uuid7())


def _segment_start(
    state: RestoredState,
    ts: int | None,
    *,
    forked_from: SegmentOrigin | None = None,
    compacted_from: SegmentOrigin | None = None,
) -> SegmentStart:
    return SegmentStart(
        ts=now_ms() if ts is None else ts,
        system_prompt=state.system_prompt,
        config=state.config,
        history=list(state.history),
        forked_from=forked_from,
        compacted_from=compacted_from,
    )


def create_segment_with_id(
    store: FsStore, segment_id: str, state: RestoredState, *, ts: int | None = None
) -> str:
    """A new segment ``segment_id`` holding one ``segment_start`` from ``state``, no origin."""
    store.create_segment(segment_id, [_segment_start(state, ts)])
    return segment_id


def create_segment(
    store: FsStore, state: RestoredState, *, ts: int | None = None, segment_id: str | None = None
) -> str:
    """A new segment (fresh id) holding one ``segment_start`` from ``state``, no origin."""
    return create_segment_with_id(store, segment_id or new_segment_id(), state, ts=ts)


def create_compacted_segment(
    store: FsStore,
    state: RestoredState,
    source_id: str,
    source_turn_count: int,
    *,
    ts: int | None = None,
    segment_id: str | None = None,
) -> str:
    """A new segment seeded with the (summarised) ``state``, ``compacted_from`` the source."""
    new_id = segment_id or new_segment_id()
    origin = SegmentOrigin(segment_id=source_id, at_turn_index=source_turn_count)
    store.create_segment(new_id, [_segment_start(state, ts, compacted_from=origin)])
    return new_id


def fork(
    store: FsStore, state: RestoredState, *, ts: int | None = None, segment_id: str | None = None
) -> str:
    """A new segment holding ``state`` with **no** origin (as in the reference version)."""
    return create_segment(store, state, ts=ts, segment_id=segment_id)


@dataclass(frozen=True, slots=True)
class ForkCut:
    """Where ``fork_at`` cuts a source log: ``entries_kept`` leading entries are replayed."""

    entries_kept: int
    turn_end_found: bool


def find_fork_cut(entries: list[Any], at_turn_index: int) -> ForkCut:
    """The cut of ``fork_at``: after the ``turn_end`` whose ``turn_count`` is the index.

    Index 0 keeps only the leading ``segment_start`` entries. With no such ``turn_end``
    the whole log is kept.
    """
    if at_turn_index == 0:
        for i, entry in enumerate(entries):
            if not isinstance(entry, SegmentStart):
                return ForkCut(i, True)
        return ForkCut(len(entries), True)
    for i, entry in enumerate(entries):
        if isinstance(entry, TurnEnd) and entry.turn_count == at_turn_index:
            return ForkCut(i + 1, True)
    return ForkCut(len(entries), False)


def fork_at(
    store: FsStore,
    source_id: str,
    at_turn_index: int,
    *,
    ts: int | None = None,
    segment_id: str | None = None,
    entries: list[LogEntry] | None = None,
) -> str:
    """Branch ``source_id`` after its turn ``at_turn_index``; returns the new segment id.

    The source is read strictly (as the Rust crate does) unless ``entries`` are given (the
    app passes the tolerant reader's entries of a damaged source). The new file holds one
    ``segment_start`` with the replayed prefix and ``forked_from {source_id, at_turn_index}``.
    """
    source_entries = store.read_all(source_id) if entries is None else entries
    cut = find_fork_cut(source_entries, at_turn_index)
    state = collect_state(source_entries[: cut.entries_kept])
    origin = SegmentOrigin(segment_id=source_id, at_turn_index=at_turn_index)
    new_id = segment_id or new_segment_id()
    store.create_segment(new_id, [_segment_start(state, ts, forked_from=origin)])
    return new_id


def restore(store: FsStore, segment_id: str) -> RestoredState:
    """``collect_state(read_all(segment_id))``."""
    return collect_state(store.read_all(segment_id))


def ensure_head_or_fork(
    store: FsStore,
    segment_id: str,
    entries_written: int,
    state: RestoredState,
    *,
    ts: int | None = None,
    new_id: str | None = None,
) -> tuple[str, int]:
    """Keep writing to ``segment_id`` only if no other writer extended it.

    Returns ``(segment_id, entries_written)`` to continue with: unchanged when the store's
    entry count equals the writer's tally; otherwise a new segment (no origin in this
    version) holding the writer's in-memory ``state``, with a tally of 1.
    """
    if store.read_entry_count(segment_id) == entries_written:
        return segment_id, entries_written
    return create_segment(store, state, ts=ts, segment_id=new_id), 1


def append_entry(store: FsStore, segment_id: str, entry: LogEntry) -> None:
    store.append(segment_id, entry)


def _ts(ts: int | None) -> int:
    return now_ms() if ts is None else ts


def save_user_input(
    store: FsStore, segment_id: str, segments: list[UserSegment], *, ts: int | None = None
) -> None:
    store.append(segment_id, UserInput(ts=_ts(ts), segments=list(segments)))


def classify_history_item(item: LoggedItem, *, ts: int) -> LogEntry | None:
    """The entry ``save_delta`` writes for one history item (None for user messages)."""
    if isinstance(item, MessageItem) and item.role == "user":
        return None
    if isinstance(item, ToolResultItem):
        return ToolResultEntry(ts=ts, item=item)
    return AssistantItem(ts=ts, item=item)


def save_delta(
    store: FsStore, segment_id: str, new_items: Iterable[LoggedItem], *, ts: int | None = None
) -> int:
    """Log new history items, one entry each; user messages are skipped. Returns entries written."""
    written = 0
    for item in new_items:
        entry = classify_history_item(item, ts=_ts(ts))
        if entry is not None:
            store.append(segment_id, entry)
            written += 1
    return written


def append_system_item(
    store: FsStore, segment_id: str, item: SystemItem, *, ts: int | None = None
) -> None:
    store.append(segment_id, SystemItemEntry(ts=_ts(ts), item=item))


def save_turn_end(
    store: FsStore, segment_id: str, turn_count: int, *, ts: int | None = None
) -> None:
    store.append(segment_id, TurnEnd(ts=_ts(ts), turn_count=turn_count))


def save_run_completed(
    store: FsStore,
    segment_id: str,
    result: WorkerResult,
    interrupted: bool,
    *,
    ts: int | None = None,
) -> None:
    store.append(segment_id, RunCompleted(ts=_ts(ts), interrupted=interrupted, result=result))


def save_run_errored(
    store: FsStore, segment_id: str, message: str, interrupted: bool, *, ts: int | None = None
) -> None:
    store.append(segment_id, RunErrored(ts=_ts(ts), interrupted=interrupted, message=message))


def save_usage(
    store: FsStore,
    segment_id: str,
    history_len: int,
    input_total_tokens: int,
    cache_read_tokens: int,
    cache_write_tokens: int,
    output_tokens: int,
    *,
    ts: int | None = None,
) -> None:
    store.append(
        segment_id,
        LlmUsage(
            ts=_ts(ts),
            history_len=history_len,
            input_total_tokens=input_total_tokens,
            cache_read_tokens=cache_read_tokens,
            cache_write_tokens=cache_write_tokens,
            output_tokens=output_tokens,
        ),
    )


def save_extension(
    store: FsStore, segment_id: str, domain: str, payload: Any, *, ts: int | None = None
) -> None:
    store.append(segment_id, Extension(ts=_ts(ts), domain=domain, payload=payload))


def save_pod_scope(
    store: FsStore, segment_id: str, snapshot: PodScopeSnapshot, *, ts: int | None = None
) -> None:
    payload = snapshot.model_dump(mode="json")
    save_extension(store, segment_id, POD_SCOPE_DOMAIN, payload, ts=ts)


def save_config_changed(
    store: FsStore, segment_id: str, config: RequestConfig, *, ts: int | None = None
) -> None:
    store.append(segment_id, ConfigChanged(ts=_ts(ts), config=config))
