"""The app on pathological stores: does it open, answer keys and quit, and in what memory?

    python benchmarks/pathological_app.py                 # every case
    python benchmarks/pathological_app.py --only 20mb     # cases whose name contains "20mb"
    python benchmarks/pathological_app.py --timeout 90 --json figures.json

Each case is a store written under a temporary directory (the command line's cases of
``pathological.py`` — a FIFO named like a segment, links to ``/dev/zero`` and ``/dev/urandom``,
a million bad lines, a 100 MB last line, a ``ts`` of u64 max, arguments nested 300 deep — and
the app's own: a 20 MB message on one line, 50,000 items in one turn, a Markdown table of 2,000
columns). The app runs headless (Textual's test driver, 160 x 50) in a process of its own,
with the bad segment chosen at start, an address-space limit of 4 GiB and a time limit (a
process still running then is a hang and is killed). Printed per case:

* ``open``: from the start of the process to the chosen segment shown at its last turn (or
  its failure reported, for a file that is not a segment);
* ``keys``: the slowest and the median of 12 keys (``[``, ``]``, ``home``, ``end``, ``down`` in
  the tree, ``r`` twice), each from the key to the app idle again; the floor is a key that
  changes nothing (``shift+f12``), timed the same way in the same process;
* ``memory``: the peak resident set of the process (``VmHWM``), and what the process held
  before the app started (the interpreter and the imports);
* ``quit``: from ``q`` to the end of the process, seen from outside.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

T0 = time.perf_counter()
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import pathological as cli_cases  # noqa: E402  (the command line's cases, beside this script)

from segview.store import (  # noqa: E402
    FsStore,
    MessageItem,
    RequestConfig,
    RestoredState,
    TextPart,
    TextSegment,
    ToolCallItem,
    ToolResultItem,
    create_segment,
    save_delta,
    save_turn_end,
    save_user_input,
)

BAD = cli_cases.BAD
GOOD = cli_cases.GOOD
TS = cli_cases.TS
MEMORY_LIMIT = 4 << 30
KEYS = ("left_square_bracket", "right_square_bracket", "home", "end", "r", "r")
FLOOR_KEY = "shift+f12"


def _segment_with(store: FsStore, items: list[object], *, turns: int = 1) -> None:
    """BAD: a segment whose every turn adds ``items`` after one user input."""
    state = RestoredState(
        system_prompt="be brief", config=RequestConfig(max_tokens=512, stop_sequences=[])
    )
    create_segment(store, state, ts=TS, segment_id=BAD)
    for turn in range(1, turns + 1):
        save_user_input(store, BAD, [TextSegment(content=f"question {turn}")], ts=TS + turn * 10)
        save_delta(store, BAD, items, ts=TS + turn * 10 + 1)  # type: ignore[arg-type]
        save_turn_end(store, BAD, turn, ts=TS + turn * 10 + 2)


def message_20mb(root: Path) -> None:
    store = FsStore(root)
    cli_cases._good_segment(store, GOOD)
    words = ("lorem ipsum dolor sit amet " * (20 * 1024 * 1024 // 27 + 1))[: 20 * 1024 * 1024]
    text = MessageItem(role="assistant", content=[TextPart(text=words)])
    _segment_with(store, [text], turns=3)


def items_50k(root: Path) -> None:
    store = FsStore(root)
    cli_cases._good_segment(store, GOOD)
    items: list[object] = []
    for n in range(25_000):
        items.append(ToolCallItem(call_id=f"c{n}", name="read", arguments=f'{{"n":{n}}}'))
        items.append(ToolResultItem(call_id=f"c{n}", summary=f"result {n}", content=f"result {n}"))
    _segment_with(store, items)


def markdown_table_2000(root: Path) -> None:
    store = FsStore(root)
    cli_cases._good_segment(store, GOOD)
    header = "| " + " | ".join(f"c{n}" for n in range(2000)) + " |"
    rule = "|" + "---|" * 2000
    rows = ["| " + " | ".join(f"r{r}v{n}" for n in range(2000)) + " |" for r in range(20)]
    text = MessageItem(role="assistant", content=[TextPart(text="\n".join([header, rule, *rows]))])
    _segment_with(store, [text], turns=2)


@dataclass(frozen=True)
class Case:
    name: str
    build: Callable[[Path], None]


CASES = [
    Case("FIFO named <uuid>.jsonl", cli_cases.fifo),
    Case("symlink to /dev/zero", cli_cases.dev_zero),
    Case("symlink to /dev/urandom", cli_cases.dev_urandom),
    Case("1,000,000 bad lines (2 MB)", cli_cases.million_bad_lines),
    Case("100 MB last line, no newline", cli_cases.line_100mb),
    Case("ts = u64 max", cli_cases.ts_u64_max),
    Case("arguments nested 300 deep", cli_cases.deep_arguments),
    Case("20 MB message on one line (3 turns)", message_20mb),
    Case("50,000 items in one turn", items_50k),
    Case("Markdown table of 2,000 columns", markdown_table_2000),
]


# --- the probe: the app in this process ---------------------------------------------------


def _rss(field: str) -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field):
                return int(line.split()[1]) / 1024
    return 0.0


async def _probe(store: Path) -> dict[str, Any]:
    from segview.app import SegviewApp

    before = _rss("VmRSS:")
    app = SegviewApp(store, select=BAD, now=0, watch=False)
    figures: dict[str, Any] = {"rss_before_mb": round(before, 1)}
    async with app.run_test(size=(160, 50)) as pilot:
        main = app.main
        failed = False
        pane_failed = main.pane.failed

        def mark_failed() -> None:
            nonlocal failed
            failed = True
            pane_failed()

        main.pane.failed = mark_failed  # type: ignore[method-assign]
        while time.perf_counter() - T0 < 600:
            if main.loaded_segment is not None or failed:
                break
            await asyncio.sleep(0.01)
        await pilot.pause()
        figures["open_s"] = round(time.perf_counter() - T0, 3)
        figures["opened"] = main.loaded_segment or ("failed" if failed else "none")

        async def timed(key: str) -> float:
            start = time.perf_counter()
            await pilot.press(key)
            await pilot.pause()
            return time.perf_counter() - start

        floor = sorted([await timed(FLOOR_KEY) for _ in range(5)])
        taken: list[float] = []
        for key in KEYS:
            taken.append(await timed(key))
        main.ancestry.focus()
        for _ in range(3):
            taken.append(await timed("down"))
        for key in ("end", "home", "end"):
            taken.append(await timed(key))
        taken.sort()
        figures["key_max_s"] = round(taken[-1], 3)
        figures["key_p50_s"] = round(taken[len(taken) // 2], 3)
        figures["floor_key_p50_s"] = round(floor[len(floor) // 2], 3)
        figures["rss_peak_mb"] = round(_rss("VmHWM:"), 1)
        await pilot.press("q")
    return figures


# --- the runner -----------------------------------------------------------------------------


@dataclass
class Run:
    case: str
    outcome: str  # "ok", "hang", "crash"
    figures: dict[str, Any]
    quit_s: float | None
    seconds: float
    note: str


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def run_case(root: Path, timeout: float) -> Run:
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, __file__, "--probe", str(root)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        cwd=root.parent,
        preexec_fn=_limit_memory,
    )
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        return Run("", "hang", {}, None, time.perf_counter() - started, f"killed at {timeout:g} s")
    ended = time.perf_counter()
    lines = out.decode("utf-8", "replace").strip().splitlines()
    try:
        figures = json.loads(lines[-1])
    except (IndexError, ValueError):
        tail = [ln for ln in err.decode("utf-8", "replace").splitlines() if ln.strip()][-1:]
        return Run("", "crash", {}, None, ended - started, tail[0][:100] if tail else "")
    quit_at = float(figures.pop("quit_at_s"))
    outcome = "ok" if proc.returncode == 0 else f"exit {proc.returncode}"
    return Run("", outcome, figures, ended - started - quit_at, ended - started, "")


def probe_main(store: Path) -> int:
    figures = asyncio.run(_probe(store))
    figures["quit_at_s"] = round(time.perf_counter() - T0, 3)
    print(json.dumps(figures), flush=True)
    return 0


def main() -> int:
    if sys.argv[1:2] == ["--probe"]:
        return probe_main(Path(sys.argv[2]))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds before a hang")
    parser.add_argument("--only", help="run the cases whose name contains this")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    runs: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="segview-pathological-app-") as tmp:
        for n, case in enumerate(CASES):
            if args.only and args.only.lower() not in case.name.lower():
                continue
            root = Path(tmp) / f"case{n}"
            root.mkdir()
            case.build(root)
            size = sum(p.stat().st_size for p in root.iterdir() if p.is_file())
            run = run_case(root, args.timeout)
            run.case = case.name
            runs.append(run)
            f = run.figures
            if run.outcome == "ok":
                print(
                    f"{case.name} ({size / 1e6:.1f} MB of regular files): open "
                    f"{f['open_s']:.2f} s ({f['opened']}); keys max {f['key_max_s'] * 1e3:.0f} "
                    f"ms, p50 {f['key_p50_s'] * 1e3:.0f} ms (floor key p50 "
                    f"{f['floor_key_p50_s'] * 1e3:.0f} ms); peak {f['rss_peak_mb']:.0f} MB "
                    f"({f['rss_before_mb']:.0f} MB before the app); quit "
                    f"{(run.quit_s or 0) * 1e3:.0f} ms",
                    flush=True,
                )
            else:
                print(f"{case.name}: {run.outcome} after {run.seconds:.1f} s {run.note}")
            os.sync()
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in runs], indent=2) + "\n")
    bad = sum(r.outcome != "ok" for r in runs)
    print(f"\n{len(runs)} cases: {bad} crashed or hung")
    return 0


if __name__ == "__main__":
    sys.exit(main())
