"""Stores in every layout the runtime has written, built for tests.

From the current-version reference data (``tests/golden_head``: stores written by the
runtime's own code, with the listing order and entry counts it produced) and with segview's
own writers. Each builder returns what a scanner must find: the segment ids in listing order,
the session of each, and where each file is.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from segview.store import (
    FsStore,
    MessageItem,
    RequestConfig,
    SegmentOrigin,
    SegmentStart,
    TextPart,
    TextSegment,
    save_delta,
    save_turn_end,
    save_user_input,
)

GOLDEN_HEAD = Path(__file__).parent / "golden_head"
HEAD_STORES = GOLDEN_HEAD / "stores"
HEAD_EXPECTED = GOLDEN_HEAD / "expected"

WORKER_ID = "0198c9f0-0000-7000-8000-00000000a001"  # worker ids are UUIDs too


@dataclass(frozen=True)
class HeadSession:
    """One session directory of the reference data, as the runtime listed it."""

    case: str
    session_id: str
    order: list[str]  # list_segments: newest first
    entry_counts: dict[str, int]

    @property
    def directory(self) -> Path:
        return HEAD_STORES / self.case / self.session_id


def head_sessions(case: str) -> list[HeadSession]:
    """The sessions of a reference case in ``list_sessions`` order (newest first)."""
    listed = json.loads((HEAD_EXPECTED / case / "sessions.json").read_text())["list_sessions"]
    out = []
    for session_id in listed:
        listing = json.loads((HEAD_EXPECTED / case / session_id / "list.json").read_text())
        assert listing["session_id"] == session_id
        out.append(HeadSession(case, session_id, listing["order"], listing["entry_counts"]))
    return out


@dataclass
class Built:
    """A store on disk and what listing it must give."""

    path: Path  # what to hand to the scanner or a command
    order: list[str]  # every segment id, in listing order
    sessions: dict[str, str | None]  # segment id -> session id
    files: dict[str, Path]  # segment id -> its file
    entry_counts: dict[str, int] = field(default_factory=dict)


def copy_session(session: HeadSession, dest: Path) -> None:
    """A reference session directory (segments, and the trace beside them)."""
    shutil.copytree(session.directory, dest)


def session_json(session_id: str) -> bytes:
    """``session/session.json`` as the runtime writes it (pretty-printed, newline at the end)."""
    body = json.dumps({"schema_version": 1, "session_id": session_id}, indent=2)
    return (body + "\n").encode()


def add_worker(workers: Path, worker_id: str, session: HeadSession) -> Path:
    """A worker aggregate under ``runtime/workers`` holding ``session``; returns its dir."""
    worker = workers / worker_id
    segments = worker / "session" / "segments"
    segments.parent.mkdir(parents=True)
    shutil.copytree(session.directory, segments)
    (worker / "session" / "session.json").write_bytes(session_json(session.session_id))
    # not logs: the worker's own files, and a temporary file the runtime was writing
    (worker / "metadata.json").write_text('{"worker_name":"builder"}\n')
    (worker / "worker.json").write_text("{}\n")
    (worker / "session" / f".session.json.tmp-4242-{worker_id}").write_text("{")
    return worker


def add_noise(data: Path) -> None:
    """What a runtime data directory holds besides logs (to be ignored quietly)."""
    (data / "workers" / "alice").mkdir(parents=True)
    (data / "workers" / "alice" / "metadata.json").write_text("{}\n")
    (data / "runs" / "run-1").mkdir(parents=True)
    (data / "runs" / "run-1" / "events.json").write_text("{}\n")
    (data / "pods" / "pod-1").mkdir(parents=True)
    (data / "pods" / "pod-1" / "metadata.json").write_text("{}\n")
    (data / "runtime" / "runtime.json").write_text("{}\n")
    (data / "metadata.json").write_text("{}\n")


def build_data_dir(root: Path) -> Built:
    """A runtime data directory: ``head_basic``'s two sessions under ``sessions/`` and
    ``head_compat``'s session in a worker aggregate under ``runtime/workers/``."""
    data = root / "data"
    basic = head_sessions("head_basic")
    (compat,) = head_sessions("head_compat")
    for session in basic:
        copy_session(session, data / "sessions" / session.session_id)
    worker = add_worker(data / "runtime" / "workers", WORKER_ID, compat)
    first = basic[0]
    stem = first.order[0]
    tmp = data / "sessions" / first.session_id / f".{stem}.jsonl.tmp-4242-{WORKER_ID}"
    tmp.write_text("{")  # the runtime's own temporary file, mid-write
    add_noise(data)
    # sessions newest first across sessions/ and the workers: compat's id is the newest
    ordered = sorted([*basic, compat], key=lambda s: s.session_id, reverse=True)
    built = Built(data, [], {}, {})
    for session in ordered:
        directory = (
            worker / "session" / "segments"
            if session is compat
            else data / "sessions" / session.session_id
        )
        for segment_id in session.order:
            built.order.append(segment_id)
            built.sessions[segment_id] = session.session_id
            built.files[segment_id] = directory / f"{segment_id}.jsonl"
        built.entry_counts.update(session.entry_counts)
    return built


def subset(built: Built, path: Path, segment_ids: list[str]) -> Built:
    """What listing ``path`` (a part of ``built``) must give: those ids, in that order."""
    return Built(
        path,
        list(segment_ids),
        {s: built.sessions[s] for s in segment_ids},
        {s: built.files[s] for s in segment_ids},
        {s: built.entry_counts[s] for s in segment_ids},
    )


def session_ids_of(built: Built, session_id: str) -> list[str]:
    return [s for s in built.order if built.sessions[s] == session_id]


# --- stores written by segview's own writers -----------------------------------------------


def start(ts: int, session_id: str | None, origin: SegmentOrigin | None = None) -> SegmentStart:
    return SegmentStart(
        ts=ts,
        session_id=session_id,
        system_prompt="You are helpful.",
        config=RequestConfig(stop_sequences=[]),
        history=[],
        forked_from=origin,
    )


def add_turns(store: FsStore, segment_id: str, turns: int, *, ts: int, text: str) -> None:
    """Append ``turns`` complete turns (user input, answer, turn_end), numbered from 1."""
    for i in range(1, turns + 1):
        save_user_input(store, segment_id, [TextSegment(content=f"{text} {i}")], ts=ts + 10 * i)
        answer = MessageItem(role="assistant", content=[TextPart(text=f"{text} answer {i}")])
        save_delta(store, segment_id, [answer], ts=ts + 10 * i + 1)
        save_turn_end(store, segment_id, i, ts=ts + 10 * i + 2)


def write_segment(
    directory: Path,
    segment_id: str,
    session_id: str | None,
    *,
    ts: int,
    turns: int,
    text: str,
    origin: SegmentOrigin | None = None,
) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    store = FsStore(directory)
    store.create_segment(segment_id, [start(ts, session_id, origin)])
    add_turns(store, segment_id, turns, ts=ts, text=text)
    return store.path_for(segment_id)


def sid(n: int) -> str:
    """A lower-case v7-shaped id whose order follows ``n``."""
    return f"0190e000-{n:04x}-7000-8000-{n:012x}"


def rewrite(path: Path, data: bytes, *, keep_inode: bool = True) -> None:
    """Rewrite a segment as the runtime's ``Store::truncate`` does: a plain overwrite (a
    session directory) or a temporary file renamed over it (a worker aggregate)."""
    if keep_inode:
        with open(path, "r+b") as f:
            f.truncate(0)
            f.write(data)
        return
    tmp = path.with_name(f".{path.name}.tmp-4242-rewrite")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def committed_lines(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines(keepends=True)
