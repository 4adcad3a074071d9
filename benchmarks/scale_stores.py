"""Big stores for the scale benchmarks, written quickly with segview's own writers.

Every line is encoded once by ``encode_entry`` into a template turn (a few sizes, a few
texts); a segment is its ``segment_start`` (encoded for that segment: its origin, its seed
history, its session) followed by template turns whose timestamps and turn counts are
substituted as bytes, so gigabytes are written at disk speed and every line is still
exactly what the writer gives for those values.

Layouts:

* ``flat``: the reference layout, ``{root}/{segment_id}.jsonl``, entries of the reference
  version;
* ``sessions``: ``{root}/{session_id}/{segment_id}.jsonl``, the same entries with
  ``session_id`` in their ``segment_start``;
* ``runtime``: a data directory of the current runtime version: ``sessions/{session_id}/``
  with a trace file beside each segment, one session in ten as a worker aggregate
  (``runtime/workers/{worker_id}/session/segments/``, with ``session.json`` and
  ``metadata.json``), and entries in the current version's shapes
  (``bench_model.current_turn_entries``: ``worker_event`` triggers, ``flow`` input with
  extensions, image attachments, the system items only that version has, abandoned paused
  turns).

One segment in a hundred has ``RARE_WORD`` in its system prompt (what a search that few
segments match finds); ``COMMON_WORD`` is in nearly every item of every segment.

    store = make_store(root, segments=10_000, seed=1)           # a flat store
    store = make_store(root, segments=10_000, layout="runtime")  # a runtime data directory
    path = make_long_segment(root, megabytes=100)                # one 100 MB segment
    path = make_long_segment(root, megabytes=100, layout="runtime")  # in a session directory
"""

from __future__ import annotations

import math
import random
import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_model import CONFIG, Text, current_turn_entries, history_of, turn_entries

from segview.store import SegmentOrigin, SegmentStart, encode_entry

TS_MARK = b"7777777"  # the first seven digits of a template's timestamps (ms / 10**6)
TURN_MARK = b"888888888"  # a template's turn count (and call id)
# current-version templates: one mark each, whose residues choose the turn's variant in
# current_turn_entries (mod 280: worker_event trigger, flow input, attachment, which system
# item, paused turn)
CURRENT_MARKS = tuple(888_888_840 + r for r in (0, 10, 20, 30, 7, 5, 4, 1))
SYSTEM_PROMPT = "You are a careful coding agent."
RARE_WORD = "flaky"
RARE_PROMPT = SYSTEM_PROMPT + " Watch for flaky tests."
COMMON_WORD = "commit"
LAYOUTS = ("flat", "sessions", "runtime")
BASE_PREFIX = 1_730_000  # the timestamps' first seven digits: October 2024
MIN_SIZE = 5_000
MAX_SIZE = 20_000_000
MEDIAN = 38_000
SIGMA = 1.1
TAIL = 0.007  # this share of segments is log-uniform between 1 MB and MAX_SIZE


@dataclass(frozen=True)
class StoreInfo:
    root: Path
    segments: int
    total_bytes: int
    largest: int
    layout: str
    path: Path  # what to hand to a command (the data directory for ``runtime``)


Template = tuple[bytes, bytes]  # a turn's lines, and the mark its turn count is written as


def _templates(seed: int, current: bool = False) -> dict[int, list[Template]]:
    """Template turns of about 1.5, 4 and 10 KB (eight texts each), of the reference
    version or, with ``current``, of the current one."""
    text = Text(seed)
    out: dict[int, list[Template]] = {}
    ts = int(TS_MARK) * 10**6
    for size in (1_500, 4_000, 10_000):
        pool: list[Template] = []
        for k in range(8):
            mark = CURRENT_MARKS[k] if current else int(TURN_MARK)
            make = current_turn_entries if current else turn_entries
            lines = b"".join(encode_entry(e) + b"\n" for e in make(text, mark, ts, size))
            pool.append((lines, b"%d" % mark))
        out[size] = pool
    return out


def _turns(templates: list[Template], first_prefix: int, count: int) -> bytes:
    return _renumber(templates, first_prefix, 0, count)


def segment_id(kind: int, n: int) -> str:
    """A lower-case hyphenated v7-shaped id, ordered by ``n``."""
    return f"0195{kind:04x}-{(n >> 16) & 0xFFFF:04x}-7{n & 0xFFF:03x}-8000-{n:012x}"


def session_id(n: int) -> str:
    return f"0195ffff-{(n >> 16) & 0xFFFF:04x}-7{n & 0xFFF:03x}-8000-{n:012x}"


def worker_id(n: int) -> str:
    return f"0195eeee-{(n >> 16) & 0xFFFF:04x}-7{n & 0xFFF:03x}-8000-{n:012x}"


def session_json(session: str) -> bytes:
    """``session/session.json`` as the runtime writes it (pretty-printed, newline at the end)."""
    return b'{\n  "schema_version": 1,\n  "session_id": "%s"\n}\n' % session.encode()


def trace_lines(ts: int) -> bytes:
    """A small trace file (the runtime writes one beside a segment; segview never reads it)."""
    return (
        b'{"ts":%d,"turn":1,"kind":"lifecycle","event":"turn_started"}\n'
        b'{"ts":%d,"turn":1,"llm_call":1,"kind":"stream_event","event":"done"}\n' % (ts, ts + 5)
    )


def _session_directory(root: Path, layout: str, session_index: int, session: str) -> Path:
    """Where a session's segments go (created on first use)."""
    if layout == "sessions":
        directory = root / session
    elif session_index % 10 == 9:  # a worker aggregate
        worker = root / "runtime" / "workers" / worker_id(session_index)
        directory = worker / "session" / "segments"
        if not directory.exists():
            directory.mkdir(parents=True)
            (worker / "metadata.json").write_text('{"worker_name":"builder"}\n')
            (worker / "session" / "session.json").write_bytes(session_json(session))
    else:
        directory = root / "sessions" / session
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def sizes_for(segments: int, seed: int) -> list[int]:
    """Segment sizes: log-normal around ``MEDIAN`` and a long tail up to ``MAX_SIZE``."""
    rng = random.Random(seed)
    out = []
    for _ in range(segments):
        if rng.random() < TAIL:
            size = math.exp(rng.uniform(math.log(1_000_000), math.log(MAX_SIZE)))
        else:
            size = rng.lognormvariate(math.log(MEDIAN), SIGMA)
        out.append(int(min(MAX_SIZE, max(MIN_SIZE, size))))
    return out


def make_store(
    root: Path,
    segments: int,
    *,
    seed: int = 1,
    layout: str = "flat",
    per_session: int | None = None,
) -> StoreInfo:
    """``segments`` files (60 % roots, 30 % forks with a seed history, 10 % compactions),
    flat, or in session directories of ``per_session`` segments (default: 100 for
    ``sessions``, 20 for ``runtime``) whose forks and compactions stay in their session."""
    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}")
    if per_session is None:
        per_session = 20 if layout == "runtime" else 100
    rng = random.Random(seed)
    templates = _templates(seed, current=layout == "runtime")
    seed_history = history_of(Text(seed + 7), 12)
    sizes = sizes_for(segments, seed)
    root.mkdir(parents=True, exist_ok=True)
    if layout == "runtime":  # what a data directory holds besides logs
        (root / "runs" / "run-1").mkdir(parents=True, exist_ok=True)
        (root / "runs" / "run-1" / "events.json").write_text("{}\n")
        (root / "metadata.json").write_text("{}\n")
    turns_of: list[int] = []
    total = largest = 0
    directory = root
    for n, size in enumerate(sizes):
        sid = segment_id(1, n)
        session = session_id(n // per_session) if layout != "flat" else None
        first = (n // per_session) * per_session if session else 0
        roll = rng.random()
        forked = compacted = None
        history = []
        if n - first > 3 and roll < 0.3:
            parent = rng.randrange(first, n)
            forked = SegmentOrigin(
                segment_id=segment_id(1, parent), at_turn_index=rng.randint(0, turns_of[parent])
            )
            history = seed_history
        elif n - first > 3 and roll < 0.4:
            parent = rng.randrange(first, n)
            compacted = SegmentOrigin(
                segment_id=segment_id(1, parent), at_turn_index=turns_of[parent]
            )
            history = seed_history[:2]
        start = SegmentStart(
            ts=(BASE_PREFIX + n * 10) * 10**6,
            session_id=session,
            system_prompt=RARE_PROMPT if n % 100 == 0 else SYSTEM_PROMPT,
            config=CONFIG,
            history=history,
            forked_from=forked,
            compacted_from=compacted,
        )
        head = encode_entry(start) + b"\n"
        turn_size = 1_500 if size < 20_000 else 4_000 if size < 200_000 else 10_000
        pool = templates[turn_size]
        count = max(1, round((size - len(head)) / len(pool[0][0])))
        data = head + _turns(pool, BASE_PREFIX + n * 10, count)
        turns_of.append(count)
        if session is not None and n % per_session == 0:
            directory = _session_directory(root, layout, n // per_session, session)
        (directory / f"{sid}.jsonl").write_bytes(data)
        if layout == "runtime":
            (directory / f"{sid}.trace.jsonl").write_bytes(trace_lines(start.ts))
        total += len(data)
        largest = max(largest, len(data))
    return StoreInfo(root, segments, total, largest, layout, root)


def make_long_segment(root: Path, megabytes: int, *, seed: int = 3, layout: str = "flat") -> Path:
    """One segment of about ``megabytes`` MB in 10 KB turns (100 MB: 10,000 turns): flat in
    ``root``, or (``runtime``) of the current version in ``root/sessions/{session_id}/``."""
    current = layout == "runtime"
    session = session_id(0xFFFF) if current else None
    directory = root / "sessions" / session if session else root
    directory.mkdir(parents=True, exist_ok=True)
    pool = _templates(seed, current=current)[10_000]
    start = SegmentStart(
        ts=BASE_PREFIX * 10**6,
        session_id=session,
        system_prompt=SYSTEM_PROMPT,
        config=CONFIG,
        history=[],
    )
    path = directory / f"{segment_id(2, megabytes)}.jsonl"
    count = megabytes * 1_000_000 // len(pool[0][0])
    with open(path, "wb") as f:
        f.write(encode_entry(start) + b"\n")
        chunk = 1000
        for first in range(0, count, chunk):
            n = min(chunk, count - first)
            f.write(_renumber(pool, BASE_PREFIX, first, n))
    if current:
        path.with_suffix(".trace.jsonl").write_bytes(trace_lines(start.ts))
    return path


def _renumber(pool: list[Template], prefix: int, first: int, count: int) -> bytes:
    """Turns ``first + 1`` to ``first + count`` from the templates."""
    parts = []
    for t in range(first + 1, first + count + 1):
        tpl, mark = pool[t % len(pool)]
        parts.append(tpl.replace(TS_MARK, b"%07d" % (prefix + t)).replace(mark, b"%d" % t))
    return b"".join(parts)
