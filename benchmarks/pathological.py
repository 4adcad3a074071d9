"""Time and peak memory of the command line on pathological stores, each in a fresh process.

    python benchmarks/pathological.py                  # the segview of this checkout
    python benchmarks/pathological.py --code DIR       # another checkout (DIR holds segview/)
    python benchmarks/pathological.py --timeout 20 --json figures.json

Each case is a store written under a temporary directory: a FIFO named like a segment, a
segment that is a symlink to ``/dev/zero`` or ``/dev/urandom``, a segment of a million bad
lines (2 MB), a 100 MB last line without a newline (written sparsely), a ``ts`` of u64 max,
and tool-call arguments nested 300 deep. Every command runs as ``python -c 'segview.cli.main'``
in its own process with a time limit (a command still running then counts as a hang and is
killed) and an address-space limit (so that reading a device until ``MemoryError`` cannot take
the machine's memory). Printed per command: the outcome (``ok``, ``problems`` for exit status
1, ``usage``, ``traceback``, ``hang``), the wall time and the peak resident set (``ru_maxrss``
of that process, as ``/usr/bin/time -v`` reports it).
"""

from __future__ import annotations

import argparse
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

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from segview.store import (  # noqa: E402
    FsStore,
    MessageItem,
    RequestConfig,
    RestoredState,
    TextPart,
    TextSegment,
    ToolCallItem,
    create_segment,
    save_delta,
    save_turn_end,
    save_user_input,
)
from segview.store.model import U64_MAX  # noqa: E402

TS = 1_750_000_000_000
GOOD = "0190c000-0000-7000-8000-000000000001"
BAD = "0190c000-0000-7000-8000-0000000000ba"
MEMORY_LIMIT = 4 << 30  # address space of each command
FILE = "BAD.jsonl"  # in a command: the path of the bad segment's file, given as STORE


def _good_segment(store: FsStore, segment_id: str, *, ts: int = TS, arguments: str = "{}") -> None:
    state = RestoredState(
        system_prompt="be brief", config=RequestConfig(max_tokens=512, stop_sequences=[])
    )
    create_segment(store, state, ts=ts, segment_id=segment_id)
    save_user_input(store, segment_id, [TextSegment(content="hello")], ts=TS + 1)
    save_delta(
        store,
        segment_id,
        [
            ToolCallItem(call_id="c1", name="read", arguments=arguments),
            MessageItem(role="assistant", content=[TextPart(text="hi")]),
        ],
        ts=TS + 2,
    )
    save_turn_end(store, segment_id, 1, ts=TS + 3)


def fifo(root: Path) -> None:
    _good_segment(FsStore(root), GOOD)
    os.mkfifo(root / f"{BAD}.jsonl")


def dev_zero(root: Path) -> None:
    _good_segment(FsStore(root), GOOD)
    (root / f"{BAD}.jsonl").symlink_to("/dev/zero")


def dev_urandom(root: Path) -> None:
    _good_segment(FsStore(root), GOOD)
    (root / f"{BAD}.jsonl").symlink_to("/dev/urandom")


def million_bad_lines(root: Path) -> None:
    store = FsStore(root)
    _good_segment(store, GOOD)
    _good_segment(store, BAD)
    with open(store.path_for(BAD), "ab") as f:
        f.write(b"x\n" * 1_000_000)


def line_100mb(root: Path) -> None:
    store = FsStore(root)
    _good_segment(store, GOOD)
    _good_segment(store, BAD)
    path = store.path_for(BAD)
    with open(path, "r+b") as f:  # a sparse tail of zero bytes: no newline, no disk space
        f.truncate(path.stat().st_size + 100 * 1024 * 1024)


def ts_u64_max(root: Path) -> None:
    store = FsStore(root)
    _good_segment(store, GOOD)
    _good_segment(store, BAD, ts=U64_MAX)


def deep_arguments(root: Path) -> None:
    store = FsStore(root)
    _good_segment(store, GOOD)
    _good_segment(store, BAD, arguments="[" * 300 + "]" * 300)


@dataclass(frozen=True)
class Case:
    name: str
    build: Callable[[Path], None]
    commands: tuple[tuple[str, ...], ...]


CASES = [
    Case(
        "FIFO named <uuid>.jsonl",
        fifo,
        (
            ("ls",),
            ("tree",),
            ("check",),
            ("show", BAD),
            ("cat", BAD),
            ("fork", BAD, "--at-turn", "0"),
            ("show", FILE),
        ),
    ),
    Case("symlink to /dev/zero", dev_zero, (("ls",), ("check",), ("show", BAD), ("show", FILE))),
    Case(
        "symlink to /dev/urandom", dev_urandom, (("ls",), ("check",), ("cat", BAD), ("cat", FILE))
    ),
    Case(
        "1,000,000 bad lines (2 MB)",
        million_bad_lines,
        (("check",), ("ls",), ("tree",), ("show", BAD)),
    ),
    Case(
        "100 MB last line, no newline",
        line_100mb,
        (("check",), ("ls",), ("show", BAD), ("cat", BAD)),
    ),
    Case("ts = u64 max", ts_u64_max, (("ls",), ("tree",), ("check",), ("show", BAD))),
    Case("arguments nested 300 deep", deep_arguments, (("show", BAD), ("show", BAD, "--json"))),
]


@dataclass
class Run:
    case: str
    command: str
    outcome: str
    exit_code: int | None
    seconds: float
    peak_rss_mb: float
    note: str


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def run_command(code: Path, root: Path, argv: tuple[str, ...], timeout: float) -> Run:
    env = {**os.environ, "PYTHONPATH": str(code)}
    if FILE in argv:
        full = [str(root / f"{BAD}.jsonl") if a == FILE else a for a in argv]
    else:
        full = [argv[0], str(root), *argv[1:]]
    script = "import sys; from segview.cli import main; sys.exit(main(sys.argv[1:]))"
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", script, *full],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        env=env,
        cwd=root.parent,  # not the checkout: PYTHONPATH alone decides which segview runs
        preexec_fn=_limit_memory,
    )
    assert proc.stderr is not None
    os.set_blocking(proc.stderr.fileno(), False)
    err = bytearray()
    status: int | None = None
    rusage = None
    while True:
        chunk = proc.stderr.read(1 << 16)
        if chunk:
            err += chunk[: max(0, (1 << 20) - len(err))]
        pid, wait_status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            status, rusage = os.waitstatus_to_exitcode(wait_status), usage
            break
        if time.perf_counter() - started > timeout:
            proc.kill()
            _pid, _status, rusage = os.wait4(proc.pid, 0)
            break
        time.sleep(0.005)
    seconds = time.perf_counter() - started
    proc.returncode = status if status is not None else -9
    tail = err.decode("utf-8", "replace")
    if status is None:
        outcome, note = "hang", f"killed after {timeout:g} s"
    elif "Traceback (most recent call last)" in tail:
        last = [line for line in tail.splitlines() if line.strip()][-1:]
        outcome, note = "traceback", last[0][:90] if last else ""
    else:
        outcome = {0: "ok", 1: "problems", 2: "usage"}.get(status, f"exit {status}")
        lines = [line for line in tail.splitlines() if line.strip()]
        note = lines[-1][:90] if lines else ""
    return Run(
        case="",
        command="segview " + " ".join(f"{BAD[:8]}….jsonl" if a == FILE else a for a in argv),
        outcome=outcome,
        exit_code=status,
        seconds=seconds,
        peak_rss_mb=(rusage.ru_maxrss / 1024) if rusage is not None else 0.0,
        note=note,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--code", type=Path, default=HERE.parent, help="checkout to measure")
    parser.add_argument("--timeout", type=float, default=20.0, help="seconds before a hang")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    runs: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="segview-pathological-") as tmp:
        for n, case in enumerate(CASES):
            root = Path(tmp) / f"case{n}"
            root.mkdir()
            case.build(root)
            print(f"\n{case.name}")
            for argv in case.commands:
                run = run_command(args.code.resolve(), root, argv, args.timeout)
                run.case = case.name
                runs.append(run)
                print(
                    f"  {run.command[:44]:44} {run.outcome:10} {run.seconds:7.2f} s "
                    f"{run.peak_rss_mb:8.1f} MB  {run.note}"
                )
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in runs], indent=2) + "\n")
    bad = sum(r.outcome in ("traceback", "hang") or r.exit_code not in (0, 1, 2) for r in runs)
    print(f"\n{len(runs)} commands: {bad} crashed or hung")
    return 0


if __name__ == "__main__":
    sys.exit(main())
