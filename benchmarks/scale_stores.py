"""Big stores for the scale benchmarks, written quickly with segview's own writers.

Every line is encoded once by ``encode_entry`` into a template turn (a few sizes, a few
texts); a segment is its ``segment_start`` (encoded for that segment: its origin, its seed
history, its session) followed by template turns whose timestamps and turn counts are
substituted as bytes, so gigabytes are written at disk speed and every line is still
exactly what the writer gives for those values.

    store = make_store(root, segments=10_000, seed=1)          # a flat store
    store = make_store(root, segments=10_000, layout="sessions")  # session directories
    path = make_long_segment(root, megabytes=100)               # one 100 MB segment
"""

from __future__ import annotations

import math
import random
import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_model import CONFIG, Text, history_of, turn_entries

from segview.store import SegmentOrigin, SegmentStart, encode_entry

TS_MARK = b"7777777"  # the first seven digits of a template's timestamps (ms / 10**6)
TURN_MARK = b"888888888"  # a template's turn count (and call id)
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


def _templates(seed: int) -> dict[int, list[bytes]]:
    """Template turns of about 1.5, 4 and 10 KB (eight texts each)."""
    text = Text(seed)
    out: dict[int, list[bytes]] = {}
    for size in (1_500, 4_000, 10_000):
        out[size] = [
            b"".join(
                encode_entry(e) + b"\n"
                for e in turn_entries(text, int(TURN_MARK), int(TS_MARK) * 10**6, size)
            )
            for _ in range(8)
        ]
    return out


def _turns(templates: list[bytes], first_prefix: int, count: int) -> bytes:
    return _renumber(templates, first_prefix, 0, count)


def segment_id(kind: int, n: int) -> str:
    """A lower-case hyphenated v7-shaped id, ordered by ``n``."""
    return f"0195{kind:04x}-{(n >> 16) & 0xFFFF:04x}-7{n & 0xFFF:03x}-8000-{n:012x}"


def session_id(n: int) -> str:
    return f"0195ffff-{(n >> 16) & 0xFFFF:04x}-7{n & 0xFFF:03x}-8000-{n:012x}"


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
    root: Path, segments: int, *, seed: int = 1, layout: str = "flat", per_session: int = 100
) -> StoreInfo:
    """``segments`` files (60 % roots, 30 % forks with a seed history, 10 % compactions),
    flat or in session directories of ``per_session`` segments (the current version)."""
    rng = random.Random(seed)
    templates = _templates(seed)
    seed_history = history_of(Text(seed + 7), 12)
    sizes = sizes_for(segments, seed)
    root.mkdir(parents=True, exist_ok=True)
    turns_of: list[int] = []
    total = largest = 0
    for n, size in enumerate(sizes):
        sid = segment_id(1, n)
        session = session_id(n // per_session) if layout == "sessions" else None
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
            system_prompt="You are a careful coding agent.",
            config=CONFIG,
            history=history,
            forked_from=forked,
            compacted_from=compacted,
        )
        head = encode_entry(start) + b"\n"
        turn_size = 1_500 if size < 20_000 else 4_000 if size < 200_000 else 10_000
        pool = templates[turn_size]
        count = max(1, round((size - len(head)) / len(pool[0])))
        data = head + _turns(pool, BASE_PREFIX + n * 10, count)
        turns_of.append(count)
        directory = root / session if session else root
        if session and n % per_session == 0:
            directory.mkdir(exist_ok=True)
        (directory / f"{sid}.jsonl").write_bytes(data)
        total += len(data)
        largest = max(largest, len(data))
    return StoreInfo(root, segments, total, largest, layout)


def make_long_segment(root: Path, megabytes: int, *, seed: int = 3) -> Path:
    """One segment of about ``megabytes`` MB in 10 KB turns (100 MB: 10,000 turns)."""
    root.mkdir(parents=True, exist_ok=True)
    pool = _templates(seed)[10_000]
    start = SegmentStart(
        ts=BASE_PREFIX * 10**6,
        system_prompt="You are a careful coding agent.",
        config=CONFIG,
        history=[],
    )
    path = root / f"{segment_id(2, megabytes)}.jsonl"
    count = megabytes * 1_000_000 // len(pool[0])
    with open(path, "wb") as f:
        f.write(encode_entry(start) + b"\n")
        chunk = 1000
        for first in range(0, count, chunk):
            n = min(chunk, count - first)
            f.write(_renumber(pool, BASE_PREFIX, first, n))
    return path


def _renumber(pool: list[bytes], prefix: int, first: int, count: int) -> bytes:
    """Turns ``first + 1`` to ``first + count`` from the templates."""
    parts = []
    for t in range(first + 1, first + count + 1):
        tpl = pool[t % len(pool)]
        parts.append(tpl.replace(TS_MARK, b"%07d" % (prefix + t)).replace(TURN_MARK, b"%d" % t))
    return b"".join(parts)
