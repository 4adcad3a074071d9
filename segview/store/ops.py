"""Write operations of ``session-store`` (FORMAT.md sections 6 and 9).

Every function takes the store and writes through it. ``ts`` defaults to the current time in
milliseconds and new ids are fresh UUID v7; both can be given explicitly (deterministic demo
stores, tests). New segments are created exclusively: an existing file is never replaced.

The operations that derive a segment from another one (``fork_at``,
``create_compacted_segment``, ``ensure_head_or_fork``) write what the source's version
expects: at the current version the ``segment_start`` carries the source's ``session_id``
right after ``ts`` (the new file goes into the source's own directory: the store), and the
automatic fork records ``forked_from``; at the reference version neither.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from .fs_store import SEGMENT_ID_RE, FsStore
from .model import (
    AssistantItem,
    ConfigChanged,
    Extension,
    FormatVersion,
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
    session_id: str | None = None,
    forked_from: SegmentOrigin | None = None,
    compacted_from: SegmentOrigin | None = None,
) -> SegmentStart:
    return SegmentStart(
        ts=now_ms() if ts is None else ts,
        session_id=session_id,
        system_prompt=state.system_prompt,
        config=state.config,
        history=list(state.history),
        forked_from=forked_from,
        compacted_from=compacted_from,
    )


def _derived_segment(
    store: FsStore,
    state: RestoredState,
    origin: SegmentOrigin,
    how: Literal["fork", "compaction"],
    *,
    current: bool,
    ts: int | None,
    segment_id: str | None,
    mode: int | None = None,
) -> str:
    """Write a new segment (``segment_id``, else a fresh id) holding one ``segment_start``
    from ``state`` that records ``origin`` as ``forked_from`` or ``compacted_from``; at the
    ``current`` version it carries the source's session (``_session_of``). Its id."""
    session_id = _session_of(store, state, origin.segment_id) if current else None
    start = _segment_start(
        state,
        ts,
        session_id=session_id,
        forked_from=origin if how == "fork" else None,
        compacted_from=origin if how == "compaction" else None,
    )
    new_id = segment_id or new_segment_id()
    store.create_segment(new_id, [start], mode=mode)
    return new_id


def _session_of(store: FsStore, state: RestoredState, source_id: str) -> str:
    """The session a current-version segment derived from ``source_id`` belongs to: the one
    ``state`` carries (replayed from the source), else the one the source's ``segment_start``
    names, else the session directory's name."""
    if state.session_id is not None:
        return state.session_id
    if store.exists(source_id):
        entry, _problem = store.read_first_entry(source_id)
        if isinstance(entry, SegmentStart) and entry.session_id is not None:
            return entry.session_id
    name = store.root.name.lower()
    if SEGMENT_ID_RE.fullmatch(name):
        return name
    raise ValueError(
        f"no session id for a current-version segment in {store.root}: neither the state nor "
        f"{source_id} names one, and the directory is not a session directory"
    )


def _version_for(
    store: FsStore, state: RestoredState, source_id: str, version: FormatVersion
) -> FormatVersion:
    """The version a segment derived from ``source_id`` is written in: ``version`` unless
    ``AUTO``; else the version a replay decided for ``state``; else the source's."""
    if version is not FormatVersion.AUTO:
        return version
    if state.format_version is not FormatVersion.AUTO:
        return state.format_version
    if state.session_id is not None:
        return FormatVersion.CURRENT
    if store.exists(source_id):
        return store.resolve_version(source_id)
    if store.layout_version is not FormatVersion.AUTO:
        return store.layout_version
    return FormatVersion.REFERENCE


def create_segment_with_id(
    store: FsStore,
    segment_id: str,
    state: RestoredState,
    *,
    ts: int | None = None,
    session_id: str | None = None,
) -> str:
    """A new segment ``segment_id`` holding one ``segment_start`` from ``state``, no origin.

    ``session_id`` is written when given (the current version requires one; a new
    conversation there is a new session, whose directory the caller chooses).
    """
    store.create_segment(segment_id, [_segment_start(state, ts, session_id=session_id)])
    return segment_id


def create_segment(
    store: FsStore,
    state: RestoredState,
    *,
    ts: int | None = None,
    segment_id: str | None = None,
    session_id: str | None = None,
) -> str:
    """A new segment (fresh id) holding one ``segment_start`` from ``state``, no origin."""
    return create_segment_with_id(
        store, segment_id or new_segment_id(), state, ts=ts, session_id=session_id
    )


def create_compacted_segment(
    store: FsStore,
    state: RestoredState,
    source_id: str,
    source_turn_count: int,
    *,
    ts: int | None = None,
    segment_id: str | None = None,
    version: FormatVersion = FormatVersion.AUTO,
) -> str:
    """A new segment seeded with the (summarised) ``state``, ``compacted_from`` the source.

    At the current version (``AUTO``: the version of ``state``, else of the source) it
    carries the source's session (``state.session_id``, else the one the source names, else
    the directory's).
    """
    origin = SegmentOrigin(segment_id=source_id, at_turn_index=source_turn_count)
    current = _version_for(store, state, source_id, version) is FormatVersion.CURRENT
    return _derived_segment(
        store, state, origin, "compaction", current=current, ts=ts, segment_id=segment_id
    )


fork = create_segment
"""The Rust crate's ``fork``: a new segment holding ``state`` with **no** origin (the same
function as ``create_segment``)."""


@dataclass(frozen=True, slots=True)
class ForkCut:
    """Where ``fork_at`` cuts a source log: ``entries_kept`` leading entries are replayed."""

    entries_kept: int
    turn_end_found: bool


def find_fork_cut(
    entries: list[Any], at_turn_index: int, version: FormatVersion = FormatVersion.REFERENCE
) -> ForkCut:
    """The cut of ``fork_at``: after the ``turn_end`` whose ``turn_count`` is the index.

    Index 0 keeps only the leading ``segment_start`` entries (the cut is before the first
    other entry); ``turn_end_found`` is then always true at the reference version, and at the
    current version true only when such an entry exists. With no such ``turn_end`` the whole
    log is kept.
    """
    if at_turn_index == 0:
        for i, entry in enumerate(entries):
            if not isinstance(entry, SegmentStart):
                return ForkCut(i, True)
        return ForkCut(len(entries), version is not FormatVersion.CURRENT)
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
    version: FormatVersion = FormatVersion.AUTO,
) -> str:
    """Branch ``source_id`` after its turn ``at_turn_index``; returns the new segment id.

    The source is read strictly by the rules of ``version`` (``AUTO``: the store's hint, else
    the source's first line), as the Rust crate of that version does, except that an
    unterminated last line is left out as a write in progress; with ``entries`` given (the
    app passes the tolerant reader's entries of a damaged source) it is not read. The new
    file holds one ``segment_start`` with the replayed prefix and ``forked_from {source_id,
    at_turn_index}``; at the current version also the source's ``session_id``. It has the
    source file's permission bits (a fork of a private log stays private). The source is
    never touched.
    """
    if entries is None:
        source_entries, version = store.read_strict(source_id, version=version, committed_only=True)
    else:
        source_entries = entries
        if version is FormatVersion.AUTO:
            version = store.layout_version
        if version is FormatVersion.AUTO:
            version = collect_state(source_entries[:1]).version
    cut = find_fork_cut(source_entries, at_turn_index, version)
    state = collect_state(source_entries[: cut.entries_kept], version)
    origin = SegmentOrigin(segment_id=source_id, at_turn_index=at_turn_index)
    current = version is FormatVersion.CURRENT
    mode = store.file_mode(source_id)
    return _derived_segment(
        store, state, origin, "fork", current=current, ts=ts, segment_id=segment_id, mode=mode
    )


def restore(
    store: FsStore, segment_id: str, version: FormatVersion = FormatVersion.AUTO
) -> RestoredState:
    """``collect_state(read_all(segment_id))``, both by the rules of ``version``."""
    entries, version = store.read_strict(segment_id, version=version)
    return collect_state(entries, version)


def ensure_head_or_fork(
    store: FsStore,
    segment_id: str,
    entries_written: int,
    state: RestoredState,
    *,
    ts: int | None = None,
    new_id: str | None = None,
    version: FormatVersion = FormatVersion.AUTO,
) -> tuple[str, int]:
    """Keep writing to ``segment_id`` only if no other writer extended it.

    Returns ``(segment_id, entries_written)`` to continue with: unchanged when the store's
    entry count (by the rules of the segment's version) equals the writer's tally; otherwise
    a new segment holding the writer's in-memory ``state``, with a tally of 1. At the
    reference version it has no origin; at the current version it records ``forked_from
    {segment_id, state.turn_count}`` (the writer's turn count) and the session.
    """
    version = _version_for(store, state, segment_id, version)
    if store.read_entry_count(segment_id, version=version) == entries_written:
        return segment_id, entries_written
    if version is not FormatVersion.CURRENT:
        return create_segment(store, state, ts=ts, segment_id=new_id), 1
    origin = SegmentOrigin(segment_id=segment_id, at_turn_index=state.turn_count)
    return _derived_segment(store, state, origin, "fork", current=True, ts=ts, segment_id=new_id), 1


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
