"""Benchmarks of the lineage and timeline model against bare baselines of the same run.

    python benchmarks/bench_model.py           # full sizes (a few minutes)
    python benchmarks/bench_model.py --quick   # small sizes, a smoke check (under a minute)
    python benchmarks/bench_model.py --keep DIR  # generate into DIR and keep it

The stores are generated deterministically under a temporary directory. Each figure is
printed with a ratio against a baseline measured in the same run:

1. the forest of a store of many small segments (about 50 entries each), against the bare
   floor of listing the directory, opening each file and reading its first line;
2. the first full load (``Timeline.load``: read, parse, models, turns, checkpoints) of one
   long segment, against bare ``orjson.loads`` of every line;
3. ``Timeline.state_at`` for random turns after that load, against a full
   ``collect_state`` over the same prefix;
4. the peak memory of the first load (measured in a fresh subprocess), against the file size;
5. the first load of a segment of the current format version, in a session directory,
   against a segment of the reference version of the same size.
"""

from __future__ import annotations

import argparse
import base64
import gc
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from segview.lineage import Lineage
from segview.store import (
    AssistantItem,
    Extension,
    FlowSegment,
    FormatVersion,
    FsStore,
    ImageAttachment,
    Invoke,
    LlmUsage,
    LogEntry,
    LoggedItem,
    MessageItem,
    PausedTurnAbandoned,
    PromptProvenance,
    ReasoningItem,
    RequestConfig,
    RunCompleted,
    SegmentOrigin,
    SegmentStart,
    SystemInterrupt,
    SystemItemEntry,
    SystemNotification,
    SystemTaskReminder,
    SystemWorkerEvent,
    TextPart,
    TextSegment,
    ToolCallItem,
    ToolResultEntry,
    ToolResultItem,
    TurnEnd,
    UserInput,
    UserInputExtension,
    WorkerTurnEnded,
    collect_state,
    encode_entry,
)
from segview.store.codec import parse_json_marked
from segview.store.tolerant import decode_tolerant
from segview.timeline import Timeline, gc_paused

BASE_TS = 1_730_000_000_000
CONFIG = RequestConfig(max_tokens=8192, temperature=0.7, stop_sequences=[], reasoning="high")


@dataclass(frozen=True)
class Sizes:
    segments: int
    entries_per_segment: int
    turns: int
    bytes_per_turn: int
    state_samples: int
    replay_samples: int
    repeats: int


FULL = Sizes(10_000, 50, 10_000, 10_000, 200, 20, 3)
QUICK = Sizes(1_000, 50, 1_000, 10_000, 50, 10, 2)


# --- deterministic content -------------------------------------------------------------------

_CORPUS_WORDS = """
the a segment log turn fork replay state history tool call result agent model token cache
parse line entry store file path value error test build config run user system assistant
reasoning summary offset index commit branch merge review patch diff code function return
class module import async await lock queue buffer stream read write
"""
WORDS = tuple(_CORPUS_WORDS.split())


class Text:
    """A fixed pseudo-random corpus; ``take(n)`` returns the next ``n`` characters of it."""

    def __init__(self, seed: int, size: int = 1 << 20) -> None:
        rng = random.Random(seed)
        parts: list[str] = []
        total = 0
        while total < size:
            word = rng.choice(WORDS)
            sep = "\n" if rng.random() < 0.08 else " "
            parts.append(word + sep)
            total += len(word) + 1
        self.corpus = "".join(parts)
        self.pos = 0
        self.rng = rng

    def take(self, n: int) -> str:
        if self.pos + n > len(self.corpus):
            self.pos = self.rng.randrange(0, 4096)
        out = self.corpus[self.pos : self.pos + n]
        self.pos += n
        return out


def sid(kind: int, n: int) -> str:
    """A lower-case hyphenated v7-shaped id, ordered by ``n``."""
    return f"0193{kind:04x}-{(n >> 16) & 0xFFFF:04x}-7{n & 0xFFF:03x}-8000-{n:012x}"


def turn_entries(text: Text, turn: int, ts: int, size: int) -> list[LogEntry]:
    """One realistic turn of roughly ``size`` bytes: input, reasoning, a tool, an answer."""
    call_id = f"call_{turn}"
    out: list[LogEntry] = [
        Invoke(ts=ts, trigger="user_send"),
        UserInput(ts=ts + 1, segments=[TextSegment(content=text.take(size // 30))]),
        AssistantItem(
            ts=ts + 2, item=ReasoningItem(text=text.take(size // 10), summary=[text.take(60)])
        ),
        AssistantItem(
            ts=ts + 3,
            item=ToolCallItem(
                call_id=call_id,
                name="read_file",
                arguments=orjson.dumps({"path": f"src/mod_{turn % 97}.py"}).decode(),
            ),
        ),
        ToolResultEntry(
            ts=ts + 4,
            item=ToolResultItem(
                call_id=call_id, summary=f"read {size // 40} lines", content=text.take(size // 2)
            ),
        ),
        AssistantItem(
            ts=ts + 5,
            item=MessageItem(role="assistant", content=[TextPart(text=text.take(size // 4))]),
        ),
        LlmUsage(
            ts=ts + 6,
            history_len=turn * 5,
            input_total_tokens=1000 + 50 * turn,
            cache_read_tokens=900 + 40 * turn,
            cache_write_tokens=100,
            output_tokens=300,
        ),
    ]
    if turn % 10 == 0:
        note = SystemNotification(message="ci", body=text.take(200))
        out.append(SystemItemEntry(ts=ts + 7, item=note))
    if turn % 25 == 0:
        out.append(Extension(ts=ts + 8, domain="memory.extract", payload={"through": turn}))
    out.append(TurnEnd(ts=ts + 9, turn_count=turn))
    out.append(RunCompleted(ts=ts + 10, interrupted=False, result="finished"))
    return out


SESSION = "01930000-0000-7000-8000-00000000beef"
PROVENANCE = PromptProvenance(
    workspace_id="ws-1",
    config_revision=7,
    source_digest="sha256:0a1b2c3d",
    projection_digest="sha256:4e5f6a7b",
    logical_name="notify_wrapper",
)
IMAGE = base64.b64encode(bytes(range(256)) * 2).decode("ascii")  # 512 bytes, 684 in base64


def current_turn_entries(text: Text, turn: int, ts: int, size: int) -> list[LogEntry]:
    """``turn_entries`` in the current version's shapes, entry for entry: a worker_event
    trigger, flow input with extensions, image attachments, and the system items only that
    version has (worker_event, task_reminder, interrupt) with prompt provenance in place of
    the notifications; a paused turn abandoned every 20 turns."""
    out: list[LogEntry] = []
    for entry in turn_entries(text, turn, ts, size):
        if isinstance(entry, Invoke) and turn % 7 == 0:
            entry = Invoke(ts=entry.ts, trigger="worker_event")
        elif isinstance(entry, UserInput) and turn % 5 == 0:
            entry = UserInput(
                ts=entry.ts,
                segments=[*entry.segments, FlowSegment(selector="coder/implement")],
                extensions=[
                    UserInputExtension(domain="flow.runtime.v1", payload={"revision": turn})
                ],
            )
        elif isinstance(entry, ToolResultEntry) and turn % 4 == 0:
            result = entry.item
            assert isinstance(result, ToolResultItem)
            attachment = ImageAttachment(mime_type="image/png", data=IMAGE)
            item = result.model_copy(update={"attachments": [attachment]})
            entry = ToolResultEntry(ts=entry.ts, item=item)
        elif isinstance(entry, SystemItemEntry) and isinstance(entry.item, SystemNotification):
            body = entry.item.body
            entry = SystemItemEntry(
                ts=entry.ts,
                item=[
                    entry.item.model_copy(update={"prompt_provenance": PROVENANCE}),
                    SystemWorkerEvent(
                        event=WorkerTurnEnded(worker_name="child"),
                        body=body,
                        prompt_provenance=PROVENANCE,
                    ),
                    SystemTaskReminder(body=body, prompt_provenance=PROVENANCE),
                    SystemInterrupt(body=body),
                ][turn // 10 % 4],
            )
        elif isinstance(entry, RunCompleted) and turn % 20 == 0:
            out.append(RunCompleted(ts=entry.ts, interrupted=True, result="paused"))
            entry = PausedTurnAbandoned(ts=entry.ts + 1)
        out.append(entry)
    return out


def make_version_pair(root: Path, sizes: Sizes) -> tuple[FsStore, str, FsStore, str]:
    """A current-version segment in a session directory, and a reference-version segment of
    the same size (turns are added until it is at least as large)."""
    current_root = root / "sessions" / SESSION
    reference_root = root / "flat"
    current_root.mkdir(parents=True, exist_ok=True)
    reference_root.mkdir(parents=True, exist_ok=True)
    current_id, reference_id = sid(3, 1), sid(3, 2)
    with open(current_root / f"{current_id}.jsonl", "wb") as f:
        start = SegmentStart(
            ts=BASE_TS,
            session_id=SESSION,
            system_prompt="You are careful.",
            config=CONFIG,
            history=[],
        )
        f.write(encode_entry(start) + b"\n")
        text = Text(5)
        for t in range(1, sizes.turns + 1):
            for e in current_turn_entries(text, t, BASE_TS + t * 100, sizes.bytes_per_turn):
                f.write(encode_entry(e) + b"\n")
        target = f.tell()
    with open(reference_root / f"{reference_id}.jsonl", "wb") as f:
        start = SegmentStart(
            ts=BASE_TS, system_prompt="You are careful.", config=CONFIG, history=[]
        )
        f.write(encode_entry(start) + b"\n")
        text = Text(5)
        t = 0
        while f.tell() < target:
            t += 1
            for e in turn_entries(text, t, BASE_TS + t * 100, sizes.bytes_per_turn):
                f.write(encode_entry(e) + b"\n")
    current = FsStore(current_root, version_hint=FormatVersion.CURRENT)
    return current, current_id, FsStore(reference_root), reference_id


def write_file(path: Path, entries: list[LogEntry]) -> None:
    path.write_bytes(b"".join(encode_entry(e) + b"\n" for e in entries))


def history_of(text: Text, items: int) -> list[LoggedItem]:
    out: list[LoggedItem] = []
    for i in range(items):
        role = "user" if i % 2 == 0 else "assistant"
        out.append(MessageItem(role=role, content=[TextPart(text=text.take(120))]))
    return out


def make_forest_store(root: Path, sizes: Sizes) -> int:
    """``segments`` files: roots, forks (seeded with history) and compactions, ~50 entries."""
    text = Text(1)
    rng = random.Random(2)
    bodies: list[bytes] = []
    per_turn = 11
    turns = max(1, (sizes.entries_per_segment - 1) // per_turn)
    for b in range(16):  # a few shared bodies: the content is not what is measured
        entries: list[LogEntry] = []
        for t in range(1, turns + 1):
            entries.extend(turn_entries(text, t, BASE_TS + b * 1000 + t * 20, 600))
        bodies.append(b"".join(encode_entry(e) + b"\n" for e in entries))
    root.mkdir(parents=True, exist_ok=True)
    ids = [sid(1, n) for n in range(sizes.segments)]
    seed_history = history_of(text, 12)
    total = 0
    for n, segment_id in enumerate(ids):
        roll = rng.random()
        forked = compacted = None
        history: list[LoggedItem] = []
        if n > 10 and roll < 0.3:
            forked = SegmentOrigin(
                segment_id=ids[rng.randrange(n)], at_turn_index=rng.randint(0, 4)
            )
            history = seed_history
        elif n > 10 and roll < 0.4:
            compacted = SegmentOrigin(segment_id=ids[rng.randrange(n)], at_turn_index=4)
            history = seed_history[:2]
        start = SegmentStart(
            ts=BASE_TS + n * 60_000,
            system_prompt="You are a careful coding agent.",
            config=CONFIG,
            history=history,
            forked_from=forked,
            compacted_from=compacted,
        )
        data = encode_entry(start) + b"\n" + bodies[n % len(bodies)]
        (root / f"{segment_id}.jsonl").write_bytes(data)
        total += len(data)
    return total


def make_long_segment(root: Path, sizes: Sizes) -> tuple[str, int]:
    """One segment of ``turns`` turns, about ``turns * bytes_per_turn`` bytes."""
    root.mkdir(parents=True, exist_ok=True)
    segment_id = sid(2, 1)
    text = Text(3)
    with open(root / f"{segment_id}.jsonl", "wb") as f:
        start = SegmentStart(
            ts=BASE_TS, system_prompt="You are a careful coding agent.", config=CONFIG, history=[]
        )
        f.write(encode_entry(start) + b"\n")
        for t in range(1, sizes.turns + 1):
            lines = [
                encode_entry(e)
                for e in turn_entries(text, t, BASE_TS + t * 100, sizes.bytes_per_turn)
            ]
            f.write(b"\n".join(lines) + b"\n")
    return segment_id, (root / f"{segment_id}.jsonl").stat().st_size


# --- measuring -------------------------------------------------------------------------------


def best_of(
    repeats: int, func: Callable[[], Any], setup: Callable[[], None] | None = None
) -> float:
    """The shortest of ``repeats`` timed calls (``setup`` runs untimed before each)."""
    times = []
    for _ in range(repeats):
        if setup is not None:
            setup()
        gc.collect()
        t0 = time.perf_counter()
        func()
        times.append(time.perf_counter() - t0)
    return min(times)


def floor_first_lines(root: Path) -> None:
    """The bare floor of a forest: list the directory, open each file, read its first line."""
    base = os.fspath(root) + os.sep
    for name in os.listdir(root):
        with open(base + name, "rb") as f:
            f.readline()


def decode_first_lines(lines: list[bytes]) -> None:
    """Decoding first lines already in memory (parse, exactness checks, models)."""
    for line in lines:
        decode_tolerant(line)


def bare_parse(path: Path) -> None:
    loads = orjson.loads
    with open(path, "rb") as f:
        for line in f:
            loads(line)


def checked_parse(path: Path) -> None:
    """orjson plus the exact reader's checks (canonical form, duplicate keys, depth)."""
    with open(path, "rb") as f:
        for line in f:
            parse_json_marked(line[:-1])


def decode_all(path: Path) -> None:
    """Parse, check and validate every line into models, keeping nothing."""
    with open(path, "rb") as f:
        for line in f:
            decode_tolerant(line[:-1])


def read_kept(store: FsStore, segment_id: str) -> None:
    """The tolerant reader (entries, line numbers and offsets kept), collector paused."""
    with gc_paused():
        store.read_tolerant(segment_id)


def fmt_s(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 10 else f"{seconds:.1f} s"


def fmt_mb(n: float) -> str:
    return f"{n / 1e6:.1f} MB"


MEMORY_PROBE = """
import gc, sys, tracemalloc
from segview.store import FsStore
from segview.store.codec import parse_json_marked
from segview.store.tolerant import decode_tolerant
from segview.timeline import Timeline, gc_paused
root, segment_id = sys.argv[1], sys.argv[2]
store = FsStore(root)
gc.collect()
tracemalloc.start()
t = Timeline.load(store, segment_id)
current, peak = tracemalloc.get_traced_memory()
print(peak, current, len(t.entries))
"""

# Resident memory, without tracemalloc's own overhead: the peak (VmHWM, reset through
# /proc/self/clear_refs) during the load, minus the resident size before it. Linux only.
RSS_PROBE = """
import gc, sys
from segview.store import FsStore
from segview.store.codec import parse_json_marked
from segview.store.tolerant import decode_tolerant
from segview.timeline import Timeline, gc_paused

def status(key):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    raise KeyError(key)

root, segment_id = sys.argv[1], sys.argv[2]
store = FsStore(root)
gc.collect()
before = status("VmRSS")
with open("/proc/self/clear_refs", "w") as f:
    f.write("5")
t = Timeline.load(store, segment_id)
print(status("VmHWM") - before, status("VmRSS") - before, len(t.entries))
"""


def run_probe(code: str, root: Path, segment_id: str) -> list[int]:
    out = subprocess.run(
        [sys.executable, "-c", code, str(root), segment_id],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return [int(x) for x in out.split()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (a smoke check)")
    parser.add_argument("--keep", metavar="DIR", help="generate into DIR and keep it")
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    ns = parser.parse_args(argv)
    sizes = QUICK if ns.quick else FULL
    work = Path(ns.keep) if ns.keep else Path(tempfile.mkdtemp(prefix="segview-bench-"))
    results: dict[str, Any] = {"mode": "quick" if ns.quick else "full"}
    try:
        print(f"segview model benchmarks ({results['mode']}), data in {work}", flush=True)

        # 1. forest -----------------------------------------------------------------------
        forest_root = work / "forest"
        if not forest_root.exists():
            t0 = time.perf_counter()
            total = make_forest_store(forest_root, sizes)
            print(
                f"  generated {sizes.segments} segments ({fmt_mb(total)}) in {fmt_s(time.perf_counter() - t0)}"
            )
        floor_first_lines(forest_root)  # warm the page cache for both measurements
        floor = best_of(sizes.repeats, lambda: floor_first_lines(forest_root))
        firsts = []
        for name in os.listdir(forest_root):
            with open(forest_root / name, "rb") as f:
                firsts.append(f.readline().rstrip(b"\n"))
        decode = best_of(sizes.repeats, lambda: decode_first_lines(firsts))
        build = best_of(sizes.repeats, lambda: Lineage.open(forest_root))
        lineage = Lineage.open(forest_root)
        linked = sum(1 for n in lineage.nodes.values() if n.parent is not None)
        avg_first = sum(map(len, firsts)) / max(1, len(firsts))
        firsts.clear()
        results["forest"] = {
            "segments": len(lineage.nodes),
            "build_s": build,
            "floor_s": floor,
            "decode_first_lines_s": decode,
        }
        print(
            f"1. forest of {len(lineage.nodes)} segments ({linked} forks/compactions, first "
            f"lines {avg_first:.0f} bytes on average): {fmt_s(build)}; floor (list + open + "
            f"first line) {fmt_s(floor)}; ratio {build / floor:.2f}x (goal <= 2x)\n"
            f"   of which decoding the first lines into models alone: {fmt_s(decode)} "
            f"({decode / floor:.2f}x the floor)",
            flush=True,
        )

        # 2. first load -------------------------------------------------------------------
        long_root = work / "long"
        segment_id = sid(2, 1)
        path = long_root / f"{segment_id}.jsonl"
        if not path.exists():
            t0 = time.perf_counter()
            make_long_segment(long_root, sizes)
            print(f"  generated the long segment in {fmt_s(time.perf_counter() - t0)}")
        size = path.stat().st_size
        store = FsStore(long_root)
        bare_parse(path)
        bare = best_of(sizes.repeats, lambda: bare_parse(path))
        checked = best_of(sizes.repeats, lambda: checked_parse(path))
        decoded = best_of(sizes.repeats, lambda: decode_all(path))
        kept = best_of(sizes.repeats, lambda: read_kept(store, segment_id))
        timeline: Timeline | None = None

        def release() -> None:
            nonlocal timeline
            timeline = None

        def load() -> None:
            nonlocal timeline
            timeline = Timeline.load(store, segment_id)

        first = best_of(sizes.repeats, load, setup=release)
        assert timeline is not None
        results["load"] = {
            "bytes": size,
            "entries": len(timeline.entries),
            "turns": len(timeline.turns),
            "load_s": first,
            "bare_s": bare,
            "checked_parse_s": checked,
            "decode_s": decoded,
            "read_tolerant_s": kept,
        }
        print(
            f"2. first load of {len(timeline.turns)} turns, {len(timeline.entries)} entries, "
            f"{fmt_mb(size)}: {fmt_s(first)}; bare orjson.loads of every line {fmt_s(bare)}; "
            f"ratio {first / bare:.2f}x (goal <= 3x)\n"
            f"   steps: + exact-reader checks {fmt_s(checked)} ({checked / bare:.2f}x); "
            f"+ validation into models {fmt_s(decoded)} ({decoded / bare:.2f}x); "
            f"+ entries kept (read_tolerant) {fmt_s(kept)} ({kept / bare:.2f}x); "
            f"+ replay, turns, checkpoints, deferred collection = the load",
            flush=True,
        )

        # 3. state_at ---------------------------------------------------------------------
        rng = random.Random(4)
        counts = [t.turn_count for t in timeline.turns]
        picks = rng.sample(counts, min(sizes.state_samples, len(counts)))
        times = []
        for count in picks:
            t0 = time.perf_counter()
            timeline.state_at(count)
            times.append(time.perf_counter() - t0)
        times.sort()
        median = statistics.median(times)
        p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
        replays = []
        for count in picks[: sizes.replay_samples]:
            turn = timeline.turn_by_count(count)
            assert turn is not None
            prefix = timeline.entries[: turn.end_entry + 1]
            t0 = time.perf_counter()
            collect_state(prefix)
            replays.append(time.perf_counter() - t0)
        replay = statistics.median(replays)
        results["state_at"] = {
            "samples": len(picks),
            "median_s": median,
            "p95_s": p95,
            "replay_median_s": replay,
        }
        print(
            f"3. state_at for {len(picks)} random turns: median {median * 1000:.2f} ms, "
            f"p95 {p95 * 1000:.2f} ms; full collect_state over the prefix (median of "
            f"{len(replays)}) {replay * 1000:.1f} ms; median {replay / median:.0f}x faster "
            f"(goal: median < 5 ms)",
            flush=True,
        )
        del timeline, lineage
        gc.collect()

        # 4. memory -----------------------------------------------------------------------
        peak, current, _n = run_probe(MEMORY_PROBE, long_root, segment_id)
        results["memory"] = {
            "bytes": size,
            "tracemalloc_peak": peak,
            "tracemalloc_retained": current,
        }
        line = (
            f"4. memory of the first load of {fmt_mb(size)}: peak {fmt_mb(peak)} "
            f"({peak / size:.2f}x the file; goal < 4x), retained {fmt_mb(current)} "
            f"({current / size:.2f}x) (tracemalloc)"
        )
        try:
            rss_peak, rss_kept, _n = run_probe(RSS_PROBE, long_root, segment_id)
        except (subprocess.CalledProcessError, ValueError):
            pass  # not Linux, or /proc/self/clear_refs not writable
        else:
            results["memory"].update(rss_peak=rss_peak, rss_retained=rss_kept)
            line += (
                f"; resident set: peak +{fmt_mb(rss_peak)} ({rss_peak / size:.2f}x), "
                f"retained +{fmt_mb(rss_kept)} ({rss_kept / size:.2f}x)"
            )
        print(line, flush=True)

        # 5. versions ---------------------------------------------------------------------
        current, current_id, reference, reference_id = make_version_pair(work / "versions", sizes)
        loaded: list[Timeline] = []

        def load_segment(store: FsStore, segment_id: str) -> None:
            loaded.append(Timeline.load(store, segment_id))

        # alternate the two, so that drift on the machine falls on both alike
        rounds = [
            (
                best_of(1, lambda: load_segment(reference, reference_id), setup=loaded.clear),
                best_of(1, lambda: load_segment(current, current_id), setup=loaded.clear),
            )
            for _ in range(sizes.repeats * 3)
        ]
        ref_s = min(r for r, _c in rounds)
        cur_s = min(c for _r, c in rounds)
        cur_tl = Timeline.load(current, current_id)
        ref_tl = Timeline.load(reference, reference_id)
        assert cur_tl.problems == [] == ref_tl.problems
        assert cur_tl._read.format_version is FormatVersion.CURRENT
        assert ref_tl._read.format_version is FormatVersion.REFERENCE
        cur_size = current.file_size(current_id)
        ref_size = reference.file_size(reference_id)
        results["versions"] = {
            "current_bytes": cur_size,
            "current_entries": len(cur_tl.entries),
            "current_load_s": cur_s,
            "reference_bytes": ref_size,
            "reference_entries": len(ref_tl.entries),
            "reference_load_s": ref_s,
        }
        print(
            f"5. first load of a current-version segment ({fmt_mb(cur_size)}, "
            f"{len(cur_tl.entries)} entries, in a session directory): {fmt_s(cur_s)}; "
            f"a reference-version segment of the same size ({fmt_mb(ref_size)}, "
            f"{len(ref_tl.entries)} entries): {fmt_s(ref_s)}; ratio {cur_s / ref_s:.2f}x "
            f"(goal <= 1.10x)",
            flush=True,
        )
        del cur_tl, ref_tl
        loaded.clear()
        if ns.json:
            Path(ns.json).write_text(json.dumps(results, indent=2) + "\n")
    finally:
        if not ns.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
