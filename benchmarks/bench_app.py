"""The app itself on large segments: open, step, jump, quit, memory (headless, Pilot).

    python benchmarks/bench_app.py            # 10, 100 and 400 MB, and a 20 MB single line
    python benchmarks/bench_app.py --quick    # 1, 10 and 40 MB, and a 2 MB single line
    python benchmarks/bench_app.py --keep DIR --json figures.json

Segments are generated deterministically with segview's writers (the turns of
``bench_model.py``: input, reasoning, a tool call and its result, an answer, usage,
``turn_end``, about 10 KB a turn), plus one segment holding a tool result of 20 MB on one line.
Each case runs in a fresh process: the app in a 160x50 headless terminal (``run_test``), and,
for the floors, the same process steps without the app. Every figure is printed with its floor,
measured in the same run:

- open: from starting the app to the last turn drawn, against ``Timeline.load`` of the same file
  in the same kind of process;
- step (``[`` / ``]``) and jump (``g`` N ``enter``, ``home``, ``end``) latency, p50 and p95:
  from the key to the last screen update it caused, against a key that changes nothing (the
  cost of delivering a key and drawing nothing);
- the longest stall of the event loop while loading and stepping (a 5 ms ticker);
- quit while loading: from ``q`` to the app gone and every worker thread ended;
- peak memory (resident, ``VmHWM``) with the segment open, minus the process before the app
  started, against the file size; and the open segment's own: that minus the same for the
  app on a one-turn segment (its screens and widgets), measured once in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench_model, beside this script

from bench_model import BASE_TS, CONFIG, Text, encode_entry, sid, turn_entries
from screen_updates import Screen, Timing

from segview.store import (
    AssistantItem,
    MessageItem,
    SegmentStart,
    TextPart,
    TextSegment,
    ToolCallItem,
    ToolResultEntry,
    ToolResultItem,
    TurnEnd,
    UserInput,
)

SIZE = (160, 50)
BYTES_PER_TURN = 10_000


@dataclass(frozen=True)
class Case:
    name: str
    turns: int  # 0: the single-line case
    line_bytes: int = 0


FULL = (
    Case("10 MB / 1k turns", 1_000),
    Case("100 MB / 10k turns", 10_000),
    Case("400 MB / 40k turns", 40_000),
    Case("20 MB single line", 0, 20_000_000),
)
QUICK = (
    Case("1 MB / 100 turns", 100),
    Case("10 MB / 1k turns", 1_000),
    Case("40 MB / 4k turns", 4_000),
    Case("2 MB single line", 0, 2_000_000),
)


# --- segments --------------------------------------------------------------------------------


# the first line of every generated segment
START_LINE = (
    encode_entry(
        SegmentStart(ts=BASE_TS, system_prompt="You are careful.", config=CONFIG, history=[])
    )
    + b"\n"
)


def make_turns(root: Path, turns: int) -> str:
    """A segment of ``turns`` turns of about 10 KB each (``bench_model.turn_entries``)."""
    root.mkdir(parents=True, exist_ok=True)
    segment_id = sid(5, turns)
    text = Text(3)
    with open(root / f"{segment_id}.jsonl", "wb") as f:
        f.write(START_LINE)
        for t in range(1, turns + 1):
            entries = turn_entries(text, t, BASE_TS + t * 100, BYTES_PER_TURN)
            f.write(b"".join(encode_entry(e) + b"\n" for e in entries))
    return segment_id


def make_single_line(root: Path, size: int) -> str:
    """Ten short turns, the sixth holding a tool result of ``size`` characters on one line."""
    root.mkdir(parents=True, exist_ok=True)
    segment_id = sid(6, size)
    text = Text(7)
    with open(root / f"{segment_id}.jsonl", "wb") as f:
        f.write(START_LINE)
        for t in range(1, 11):
            entries: list[Any] = list(turn_entries(text, t, BASE_TS + t * 100, 2_000))
            if t == 6:
                big = (text.take(1 << 20).replace("\n", " ") * (size // (1 << 20) + 1))[:size]
                call = ToolCallItem(call_id="big", name="cat", arguments='{"path":"app.log"}')
                result = ToolResultItem(call_id="big", summary="one long line", content=big)
                ts = BASE_TS + t * 100
                entries = [
                    UserInput(ts=ts, segments=[TextSegment(content="show the log")]),
                    AssistantItem(ts=ts + 1, item=call),
                    ToolResultEntry(ts=ts + 2, item=result),
                    AssistantItem(
                        ts=ts + 3,
                        item=MessageItem(role="assistant", content=[TextPart(text="done")]),
                    ),
                    TurnEnd(ts=ts + 4, turn_count=t),
                ]
            f.write(b"".join(encode_entry(e) + b"\n" for e in entries))
    return segment_id


def make_case(work: Path, case: Case) -> tuple[Path, str]:
    root = work / case.name.split()[0].replace(".", "_") / ("line" if not case.turns else "turns")
    if case.turns:
        segment_id = sid(5, case.turns)
        if not (root / f"{segment_id}.jsonl").exists():
            make_turns(root, case.turns)
    else:
        segment_id = sid(6, case.line_bytes)
        if not (root / f"{segment_id}.jsonl").exists():
            make_single_line(root, case.line_bytes)
    return root, segment_id


ALONE = Case("one turn", 1)
"""A one-turn segment (10 KB): what the app holds whatever it shows."""


# --- measuring inside one process ------------------------------------------------------------


def rss(key: str = "VmRSS") -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    raise KeyError(key)


def reset_peak() -> None:
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


class LagProbe:
    """A 5 ms ticker on the event loop: the longest time it was late (the app was stalled)."""

    def __init__(self) -> None:
        self.worst = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            t0 = time.perf_counter()
            await asyncio.sleep(0.005)
            self.worst = max(self.worst, time.perf_counter() - t0 - 0.005)

    def start(self) -> None:
        self.worst = 0.0
        self._task = asyncio.get_running_loop().create_task(self._run())

    def stop(self) -> float:
        if self._task is not None:
            self._task.cancel()
        return self.worst


def send_keys(app: Any, *keys: str) -> None:
    """Send keys as a terminal would in one read: all at once, no pause between them."""
    from textual import events

    for key in keys:
        char = key if len(key) == 1 else None
        if key == "enter":
            char = "\r"
        event = events.Key(key, char)
        event.set_sender(app)
        app._driver.send_message(event)


async def app_probe(root: Path, segment_id: str, steps: int) -> dict[str, Any]:
    from segview.app import SegviewApp

    gc.collect()
    before = rss()
    reset_peak()
    app = SegviewApp(root, select=segment_id, now=0, watch=False)
    lag = LagProbe()
    out: dict[str, Any] = {"rss_before": before}
    t0 = time.perf_counter()
    async with app.run_test(size=SIZE) as pilot:
        screen = Screen(app)
        lag.start()
        deadline = time.perf_counter() + 600
        while app.main.loaded_segment != segment_id:
            if time.perf_counter() > deadline:
                raise TimeoutError("never loaded")
            await asyncio.sleep(0.01)
        loaded = time.perf_counter()
        out["open_s"] = (loaded - t0) + (await screen.quiet(loaded)).drawn
        out["open_lag_s"] = lag.stop()
        await app.workers.wait_for_complete()
        await screen.quiet(time.perf_counter())
        cursor = app.main.cursor
        counts = [t.turn_count for t in cursor.timeline.turns]
        out["turns"] = len(counts)
        out["items"] = len(cursor.state.history) if cursor.state is not None else 0

        async def timed(*keys: str, expect: Callable[[], bool] | None = None) -> Timing:
            start = time.perf_counter()
            send_keys(app, *keys)
            took = await screen.quiet(start)
            if expect is not None and not expect():
                raise AssertionError(f"{keys} did not do what it should")
            return took

        async def jump(turn: int) -> Timing:
            """``g``, the turn typed into the dialog, then timed from ``enter``."""
            from textual.widgets import Input

            send_keys(app, "g")
            while not (app.screen is not app.main and app.screen.query(Input)):
                await asyncio.sleep(0.005)
            await screen.quiet(time.perf_counter())
            send_keys(app, *str(turn))
            await screen.quiet(time.perf_counter())
            return await timed("enter", expect=lambda: app.main.turn_count == turn)

        async def burst(keys: list[str]) -> list[Timing]:
            return [await timed(k) for k in keys]

        def pairs(timings: list[Timing]) -> list[tuple[float, float]]:
            return [(t.drawn, t.settled) for t in timings]

        # the floor: a key that redraws one line (the replay speed in the turn bar)
        out["floor"] = pairs([await timed("minus" if k % 2 else "plus") for k in range(steps)])
        lag.start()
        back = await burst(["left_square_bracket"] * steps)
        fwd = await burst(["right_square_bracket"] * steps)
        out["step at the last turn"] = pairs(back + fwd)
        middle = counts[len(counts) // 2]
        jumps = {"g to the middle": await jump(middle)}
        out["step in the middle"] = pairs(
            await burst(["left_square_bracket", "right_square_bracket"] * (steps // 2))
        )
        jumps["g from the middle to the last turn"] = await jump(counts[-1])
        small = counts[min(4, len(counts) - 1)]
        jumps["g to turn 5"] = await jump(small)
        out["step at turn 5"] = pairs(
            await burst(["right_square_bracket", "left_square_bracket"] * (steps // 2))
        )
        jumps["home"] = await timed("home", expect=lambda: app.main.turn_count == 0)
        jumps["end"] = await timed("end", expect=lambda: app.main.turn_count == counts[-1])
        out["jumps"] = {name: (t.drawn, t.settled) for name, t in jumps.items()}
        out["step_lag_s"] = lag.stop()
        out["rss_peak"] = rss("VmHWM")
        out["rss_open"] = rss()
        await pilot.press("q")
    return out


async def quit_probe(root: Path, segment_id: str) -> dict[str, Any]:
    """Press q while the segment loads: the time until the app and its workers are gone."""
    from segview.app import SegviewApp

    app = SegviewApp(root, select=segment_id, now=0, watch=False)
    async with app.run_test(size=SIZE) as pilot:
        while app.main.pane.load_progress is None:
            await asyncio.sleep(0.005)
        t0 = time.perf_counter()
        await pilot.press("q")
        while app.is_running:
            await asyncio.sleep(0.005)
    exited = time.perf_counter() - t0
    # what ``asyncio.run`` does after ``App.run``: wait for the threads of the workers
    await asyncio.get_running_loop().shutdown_default_executor()
    return {"quit_s": time.perf_counter() - t0, "quit_app_s": exited}


def floor_probe(root: Path, segment_id: str) -> dict[str, Any]:
    from segview.store import FsStore
    from segview.timeline import Timeline

    gc.collect()
    before = rss()
    reset_peak()
    t0 = time.perf_counter()
    timeline = Timeline.load(FsStore(root), segment_id)
    took = time.perf_counter() - t0
    return {
        "load_s": took,
        "rss_peak": rss("VmHWM"),
        "rss_before": before,
        "entries": len(timeline.entries),
    }


def trace_probe(root: Path, segment_id: str, top: int) -> dict[str, Any]:
    """Where the memory of the open segment goes: tracemalloc by line, the app at its last
    turn (slow: every allocation is traced)."""
    import tracemalloc

    from segview.app import SegviewApp

    async def run() -> list[str]:
        app = SegviewApp(root, select=segment_id, now=0, watch=False)
        async with app.run_test(size=SIZE) as pilot:
            while app.main.loaded_segment != segment_id:
                await asyncio.sleep(0.05)
            await app.workers.wait_for_complete()
            await pilot.pause(0.5)
            snapshot = tracemalloc.take_snapshot()
            _current, peak = tracemalloc.get_traced_memory()
            stats = snapshot.statistics("lineno")
            total = sum(s.size for s in stats)
            lines = [f"peak {peak / 1e6:.1f} MB, retained {total / 1e6:.1f} MB"]
            lines += [f"{s.size / 1e6:8.1f} MB  {s.traceback}" for s in stats[:top]]
            await pilot.press("q")
            return lines

    tracemalloc.start()
    return {"trace": asyncio.run(run())}


def probe_main(args: list[str]) -> int:
    kind, root, segment_id, steps = args[0], Path(args[1]), args[2], int(args[3])
    if kind == "app":
        result = asyncio.run(app_probe(root, segment_id, steps))
    elif kind == "quit":
        result = asyncio.run(quit_probe(root, segment_id))
    elif kind == "trace":
        result = trace_probe(root, segment_id, steps)
    else:
        result = floor_probe(root, segment_id)
    print("RESULT " + json.dumps(result))
    return 0


def run_probe(kind: str, root: Path, segment_id: str, steps: int = 20) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, __file__, "--probe", kind, str(root), segment_id, str(steps)],
        capture_output=True,
        text=True,
        timeout=3600,
    )
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            result: dict[str, Any] = json.loads(line[len("RESULT ") :])
            return result
    raise RuntimeError(f"probe {kind} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}")


# --- reporting -------------------------------------------------------------------------------


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 10 else f"{seconds:.1f} s"


def mb(n: float) -> str:
    return f"{n / 1e6:.0f} MB"


@contextmanager
def workdir(keep: str | None) -> Iterator[Path]:
    if keep:
        path = Path(keep)
        path.mkdir(parents=True, exist_ok=True)
        yield path
    else:
        with tempfile.TemporaryDirectory(prefix="segview-bench-app-") as tmp:
            yield Path(tmp)


def report(
    case: Case,
    size: int,
    floor: dict[str, Any],
    app: dict[str, Any],
    quit: dict[str, Any],
    alone: int,
) -> list[str]:
    lines = [
        f"{case.name}: {size / 1e6:.1f} MB, {app['turns']} turns, "
        f"{app['items']} items at the last turn"
    ]
    lines.append(
        f"  open (launch to the last turn drawn): {ms(app['open_s'])}; floor Timeline.load "
        f"{ms(floor['load_s'])}; ratio {app['open_s'] / floor['load_s']:.2f}x; "
        f"longest stall while loading {ms(app['open_lag_s'])}"
    )
    base = app["floor"]
    lines.append(
        f"  floor, a key redrawing one line of the turn bar: drawn p50 "
        f"{ms(pct([d for d, _ in base], 0.5))}, settled p50 {ms(pct([s for _, s in base], 0.5))}"
    )
    for label in ("step at the last turn", "step in the middle", "step at turn 5"):
        drawn = [d for d, _ in app[label]]
        settled = [s for _, s in app[label]]
        lines.append(
            f"  {label}: drawn p50 {ms(pct(drawn, 0.5))}, p95 {ms(pct(drawn, 0.95))} "
            f"(goal p95 <= 50 ms); settled p95 {ms(pct(settled, 0.95))}"
        )
    jumps = ", ".join(f"{name} {ms(d)} ({ms(s)})" for name, (d, s) in app["jumps"].items())
    lines.append(f"  jumps, drawn (settled): {jumps} (goal <= 150 ms)")
    lines.append(f"  longest stall of the event loop while stepping: {ms(app['step_lag_s'])}")
    held = app["rss_peak"] - app["rss_before"]
    lines.append(
        f"  peak memory: {mb(app['rss_peak'])} resident, {mb(held)} over the process before "
        f"the app ({held / size:.2f}x the file); the segment's own, over the app on one turn "
        f"({mb(alone)}): {mb(held - alone)}, {(held - alone) / size:.2f}x (goal <= 2.5x); "
        f"floor Timeline.load alone {mb(floor['rss_peak'] - floor['rss_before'])} "
        f"({(floor['rss_peak'] - floor['rss_before']) / size:.2f}x)"
    )
    lines.append(
        f"  q while loading: app gone in {ms(quit['quit_app_s'])}, every worker thread ended "
        f"in {ms(quit['quit_s'])} (goal <= 500 ms)"
    )
    return lines


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--probe"]:
        return probe_main(argv[1:])
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes (a smoke check)")
    parser.add_argument("--keep", metavar="DIR", help="generate into DIR and keep it")
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    parser.add_argument("--only", metavar="N", type=int, action="append", help="run case N only")
    parser.add_argument("--steps", type=int, default=20, help="steps timed per place")
    parser.add_argument("--trace", action="store_true", help="tracemalloc by line instead")
    ns = parser.parse_args(argv)
    cases = QUICK if ns.quick else FULL
    results: dict[str, Any] = {"mode": "quick" if ns.quick else "full"}
    with workdir(ns.keep) as work:
        print(f"segview app benchmarks ({results['mode']}), data in {work}", flush=True)
        alone = 0
        if not ns.trace:
            root, segment_id = make_case(work, ALONE)
            baseline = run_probe("app", root, segment_id, ns.steps)
            alone = baseline["rss_peak"] - baseline["rss_before"]
            results[ALONE.name] = {"app": baseline}
            print(
                f"  the app on a one-turn segment: {mb(alone)} over the process before", flush=True
            )
        for n, case in enumerate(cases):
            if ns.only and n not in ns.only:
                continue
            t0 = time.perf_counter()
            root, segment_id = make_case(work, case)
            size = os.path.getsize(root / f"{segment_id}.jsonl")
            print(f"  {case.name}: generated in {ms(time.perf_counter() - t0)}", flush=True)
            if ns.trace:
                print("\n".join(run_probe("trace", root, segment_id, 25)["trace"]), flush=True)
                continue
            floor = run_probe("floor", root, segment_id)
            app = run_probe("app", root, segment_id, ns.steps)
            quit = run_probe("quit", root, segment_id)
            results[case.name] = {"bytes": size, "floor": floor, "app": app, "quit": quit}
            print("\n".join(report(case, size, floor, app, quit, alone)), flush=True)
    if ns.json:
        Path(ns.json).write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
