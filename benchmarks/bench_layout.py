"""Listing figures: ``segview tree`` and ``segview ls`` on the demo store and on a generated
store of session directories, each against a bare floor measured in the same run.

    python benchmarks/bench_layout.py            # 2,000 segments in 200 session directories
    python benchmarks/bench_layout.py --quick    # 200 segments in 20 session directories
    python benchmarks/bench_layout.py --keep DIR # generate into DIR and keep it

Three stores are generated deterministically: the demo store, a runtime data directory
(``sessions/{session_id}/{segment_id}.jsonl``, some segments forked from others in the same
session) and the same segments in one flat directory. The commands run in this process with
their output discarded; each figure is the best of a few runs. The floor is what any listing
has to do: walk the directories and read every file's bytes (``ls`` and ``tree`` both read
every segment in full, for its turn count and title). The scanner alone (``scan``: which
files are segments, in which session, in what order) is measured against walking the
directories and ``stat``-ing every ``.jsonl`` file.

Only the public command line is used (``segview.cli.main``), so the same script measures an
older checkout too: ``PYTHONPATH=/path/to/checkout python benchmarks/bench_layout.py``.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from segview.cli import main as cli_main
from segview.store import (
    AssistantItem,
    MessageItem,
    RequestConfig,
    SegmentOrigin,
    SegmentStart,
    TextPart,
    TextSegment,
    TurnEnd,
    UserInput,
    encode_entry,
)

BASE_TS = 1_730_000_000_000
CONFIG = RequestConfig(max_tokens=4096, stop_sequences=[])


def sid(kind: int, n: int) -> str:
    """A lower-case hyphenated v7-shaped id, ordered by ``n``."""
    return f"0194{kind:04x}-{(n >> 16) & 0xFFFF:04x}-7{n & 0xFFF:03x}-8000-{n:012x}"


def segment_lines(session: str, n: int, origin: str | None) -> bytes:
    """A segment of 6 turns (19 lines): start, then input, answer and turn_end per turn."""
    ts = BASE_TS + n * 10_000
    start = SegmentStart(
        ts=ts,
        session_id=session,
        system_prompt="You are a careful assistant.",
        config=CONFIG,
        history=[],
        forked_from=SegmentOrigin(segment_id=origin, at_turn_index=2) if origin else None,
    )
    lines = [encode_entry(start)]
    for turn in range(1, 7):
        t = ts + turn * 100
        question = f"question {turn} of segment {n}: " + "please look at the build " * 8
        answer = f"answer {turn}: " + "the build is green again after the fix " * 12
        lines.append(encode_entry(UserInput(ts=t, segments=[TextSegment(content=question)])))
        reply = MessageItem(role="assistant", content=[TextPart(text=answer)])
        lines.append(encode_entry(AssistantItem(ts=t + 1, item=reply)))
        lines.append(encode_entry(TurnEnd(ts=t + 2, turn_count=turn)))
    return b"".join(line + b"\n" for line in lines)


def make_stores(root: Path, sessions: int, per_session: int) -> tuple[Path, Path]:
    """A data directory of session directories, and the same segments in one flat directory."""
    data = root / "data"
    flat = root / "flat"
    flat.mkdir(parents=True)
    n = 0
    for s in range(sessions):
        session = sid(1, s)
        directory = data / "sessions" / session
        directory.mkdir(parents=True)
        first = None
        for k in range(per_session):
            segment = sid(2, n)
            # every third segment is a fork of the session's first one
            origin = first if (k % 3 == 2 and first is not None) else None
            body = segment_lines(session, n, origin)
            (directory / f"{segment}.jsonl").write_bytes(body)
            (flat / f"{segment}.jsonl").write_bytes(body)
            first = first or segment
            n += 1
    return data, flat


def make_demo(root: Path) -> Path:
    from segview.samples import write_demo_store

    demo = root / "demo"
    demo.mkdir()
    write_demo_store(demo)
    return demo


def floor(root: Path) -> None:
    """Walk every directory under ``root`` and read every ``.jsonl`` file's bytes."""
    stack = [root]
    while stack:
        directory = stack.pop()
        with os.scandir(directory) as it:
            for entry in it:
                if entry.is_dir():
                    stack.append(Path(entry.path))
                elif entry.name.endswith(".jsonl"):
                    with open(entry.path, "rb") as f:
                        f.read()


def list_floor(root: Path) -> None:
    """Walk every directory under ``root`` and ``stat`` every ``.jsonl`` file (no reads)."""
    stack = [root]
    while stack:
        directory = stack.pop()
        with os.scandir(directory) as it:
            for entry in it:
                if entry.is_dir():
                    stack.append(Path(entry.path))
                elif entry.name.endswith(".jsonl"):
                    entry.stat()


def run_cli(*args: str) -> Callable[[], None]:
    def run() -> None:
        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
            code = cli_main(list(args))
        if code not in (0, 1):
            raise SystemExit(f"segview {' '.join(args)} exited {code}")

    return run


def best_of(repeats: int, func: Callable[[], None]) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - start)
    return best


def rows(args: tuple[str, ...]) -> int:
    """How many segments the command reports (lines of ``ls``, minus its header)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        cli_main(list(args))
    lines = out.getvalue().splitlines()
    return max(0, len(lines) - 1) if lines and lines[0].startswith("SEGMENT") else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of the size")
    parser.add_argument("--keep", type=Path, help="generate into this directory and keep it")
    parser.add_argument("--repeats", type=int, default=5)
    ns = parser.parse_args(argv)
    sessions = 20 if ns.quick else 200
    root = ns.keep or Path(tempfile.mkdtemp(prefix="segview-bench-layout-"))
    root.mkdir(parents=True, exist_ok=True)
    try:
        data, flat = make_stores(root, sessions, 10)
        demo = make_demo(root)
        stores = [
            ("demo store (flat)", demo),
            (f"{sessions * 10} segments, session directories", data / "sessions"),
            (f"{sessions * 10} segments, runtime data directory", data),
            (f"{sessions * 10} segments, flat", flat),
        ]
        print(f"segview from {Path(sys.modules['segview'].__file__ or '').parent}")
        print(f"{'store':44} {'command':5} {'time':>9} {'floor':>9} {'ratio':>6} {'listed':>6}")
        try:
            from segview.store.layout import scan_store
        except ImportError:  # a checkout from before the store scanner
            scan_store = None  # type: ignore[assignment]
        for label, path in stores:
            if scan_store is not None:
                base = best_of(ns.repeats, lambda p=path: list_floor(p))  # type: ignore[misc]
                took = best_of(ns.repeats, lambda p=path: scan_store(p))  # type: ignore[misc]
                listed = len(scan_store(path).segments)
                print(
                    f"{label:44} {'scan':5} {took * 1000:7.1f}ms {base * 1000:7.1f}ms "
                    f"{took / base:5.1f}× {listed:>6}"
                )
            base = best_of(ns.repeats, lambda p=path: floor(p))  # type: ignore[misc]
            for command in ("tree", "ls"):
                args = (command, str(path))
                took = best_of(ns.repeats, run_cli(*args))
                listed = rows(("ls", str(path))) if command == "ls" else ""
                print(
                    f"{label:44} {command:5} {took * 1000:7.1f}ms {base * 1000:7.1f}ms "
                    f"{took / base:5.1f}× {listed!s:>6}"
                )
    finally:
        if ns.keep is None:
            shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
