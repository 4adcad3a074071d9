"""What a user runs, on real-sized stores: whole ``segview`` processes against floors measured
in the same run.

    python benchmarks/bench_scale.py              # 10,000 segments and a 100 MB segment
    python benchmarks/bench_scale.py --quick      # 1,000 segments and a 10 MB segment
    python benchmarks/bench_scale.py --keep DIR   # generate into DIR (reused when present)
    PYTHONPATH=/other/checkout python benchmarks/bench_scale.py   # measure another checkout

Each command runs as its own process (``python -m segview ...``, output discarded); its wall
time, CPU time (user + system) and peak resident memory (``wait4``) are the best of a few
runs. The floors are small Python programs run the same way: ``python -c pass`` for
start-up; listing the store and reading the first line of every file (what a forest needs);
reading every byte of every file (what any summary of the files needs); ``orjson``-parsing
every line of every file (what validating every entry needs at least); ``orjson``-parsing one
segment. Trace files (``*.trace.jsonl``, which segview does not read) are left out.

``cold`` runs with an empty index directory (``SEGVIEW_CACHE_DIR``), ``warm`` with the index
the cold run wrote, ``no index`` with ``--no-index``. The stores are generated with
``scale_stores.py`` (segview's own writers) into a temporary directory. ``bench_scaling.py``
runs the same measurements from 1,000 to 50,000 segments and from 10 to 400 MB.

The app figures (``--app``) start the app headless in a process of its own (Textual's test
driver), and print when the first frame is drawn, when the tree has its rows, when the
chosen segment shows its last turn, when every row's details are in, the longest time a key
waited for an answer while that happened, and how long ``q`` takes to end the process.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import scale_stores

REPO = Path(__file__).resolve().parent.parent
PY = sys.executable
# what a user runs has its modules compiled once (a shell that forbids writing them would
# measure the compiler instead)
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)

FLOOR_PASS = "pass"
FLOOR_FIRST_LINES = """
import os, sys
def walk(d):
    with os.scandir(d) as it:
        for e in it:
            if e.is_dir():
                walk(e.path)
            elif e.name.endswith('.jsonl') and not e.name.endswith('.trace.jsonl'):
                with open(e.path, 'rb') as f:
                    f.readline()
walk(sys.argv[1])
"""
FLOOR_BYTES = """
import os, sys
buf = bytearray(1 << 20)
def walk(d):
    with os.scandir(d) as it:
        for e in it:
            if e.is_dir():
                walk(e.path)
            elif e.name.endswith('.jsonl') and not e.name.endswith('.trace.jsonl'):
                with open(e.path, 'rb', buffering=0) as f:
                    while f.readinto(buf):
                        pass
walk(sys.argv[1])
"""
FLOOR_PARSE = """
import os, sys, orjson
loads = orjson.loads
def walk(d):
    with os.scandir(d) as it:
        for e in it:
            if e.is_dir():
                walk(e.path)
            elif e.name.endswith('.jsonl') and not e.name.endswith('.trace.jsonl'):
                with open(e.path, 'rb') as f:
                    for line in f:
                        loads(line)
walk(sys.argv[1])
"""
FLOOR_PARSE_FILE = """
import sys, orjson
loads = orjson.loads
with open(sys.argv[1], 'rb') as f:
    for line in f:
        loads(line)
"""


@dataclass
class Run:
    seconds: float  # wall time
    rss: int  # peak resident set, bytes
    code: int
    cpu: float = 0.0  # user + system time of the process

    def best(self, other: Run) -> Run:
        """The shorter wall time and the shorter CPU time of two runs of the same thing."""
        rss = self.rss if self.cpu <= other.cpu else other.rss
        return Run(
            min(self.seconds, other.seconds),
            rss,
            max(self.code, other.code),
            min(self.cpu, other.cpu),
        )


# Runs a command and prints its wall time, CPU time, peak resident set and exit status. A
# child's ru_maxrss counts what it had mapped before it called exec, that is its parent's
# pages (fork and vfork alike): started from the benchmark (which holds the templates and
# the figures), every command would look as large as the benchmark. Started from this small
# process, the figure is the command's own (or this process's ~10 MB, for smaller ones).
LAUNCHER = """
import os, sys, time
null = os.open(os.devnull, os.O_WRONLY)
t0 = time.perf_counter()
pid = os.posix_spawnp(
    sys.argv[1], sys.argv[1:], os.environ,
    file_actions=[(os.POSIX_SPAWN_DUP2, null, 1), (os.POSIX_SPAWN_DUP2, null, 2)],
)
_pid, status, usage = os.wait4(pid, 0)
seconds = time.perf_counter() - t0
cpu = usage.ru_utime + usage.ru_stime
print(seconds, cpu, usage.ru_maxrss * 1024, os.waitstatus_to_exitcode(status))
"""


def run(
    argv: Sequence[str],
    env: dict[str, str] | None = None,
    repeats: int = 3,
    *,
    whole: bool = False,
) -> Run:
    """The best of ``repeats`` runs of a process (one when a run takes over 5 s, unless
    ``whole``)."""
    best: Run | None = None
    for _ in range(repeats):
        out = subprocess.run(
            [PY, "-c", LAUNCHER, *argv], env=env, capture_output=True, text=True, check=True
        ).stdout.split()
        seconds, cpu, rss, code = float(out[0]), float(out[1]), int(out[2]), int(out[3])
        result = Run(seconds, rss, code, cpu)
        best = result if best is None else best.best(result)
        if seconds > 5 and not whole:
            break
    assert best is not None
    return best


def floor(script: str, *args: str, repeats: int = 3) -> Run:
    """A floor: the best of every one of ``repeats`` runs, however long (the first run of a
    floor that reads every byte may find the files on the disk, not in the page cache)."""
    return run([PY, "-c", script, *args], repeats=repeats, whole=True)


@dataclass
class Table:
    rows: list[dict[str, object]] = field(default_factory=list)

    def add(self, what: str, measured: Run, base: Run | None, base_name: str) -> None:
        ratio = measured.seconds / base.seconds if base is not None else None
        row = {
            "what": what,
            "seconds": round(measured.seconds, 4),
            "rss_mb": round(measured.rss / 1e6, 1),
            "exit": measured.code,
            "floor": base_name,
            "floor_seconds": round(base.seconds, 4) if base is not None else None,
            "ratio": round(ratio, 2) if ratio is not None else None,
        }
        self.rows.append(row)
        shown = f"{ratio:5.2f}×" if ratio is not None else "      "
        base_text = f"{fmt(base.seconds):>9}" if base is not None else " " * 9
        print(
            f"  {what:58} {fmt(measured.seconds):>9} {measured.rss / 1e6:7.0f} MB"
            f"  {base_text} {shown}  {base_name}",
            flush=True,
        )


def fmt(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 10 else f"{seconds:.1f} s"


class Segview:
    """Runs ``python -m segview`` with an index directory of its own."""

    def __init__(self, cache: Path, repeats: int) -> None:
        self.cache = cache
        self.repeats = repeats
        self.env = dict(os.environ, SEGVIEW_CACHE_DIR=str(cache))
        help_text = subprocess.run(
            [PY, "-m", "segview", "tree", "--help"], capture_output=True, text=True, env=self.env
        ).stdout
        self.has_index = "--no-index" in help_text

    def clear(self) -> None:
        shutil.rmtree(self.cache, ignore_errors=True)

    def cold(self, *args: str) -> Run:
        best: Run | None = None
        for _ in range(self.repeats):
            self.clear()
            got = run([PY, "-m", "segview", *args], self.env, repeats=1)
            best = got if best is None else best.best(got)
            if got.seconds > 5:
                break
        assert best is not None
        return best

    def warm(self, *args: str) -> Run:
        run([PY, "-m", "segview", *args], self.env, repeats=1)  # writes the index
        return run([PY, "-m", "segview", *args], self.env, repeats=self.repeats)

    def no_index(self, *args: str) -> Run:
        extra = ["--no-index"] if self.has_index else []
        return run([PY, "-m", "segview", *args, *extra], self.env, repeats=self.repeats)


def bench_store(sv: Segview, table: Table, store: Path, label: str) -> None:
    s = str(store)
    first = floor(FLOOR_FIRST_LINES, s)
    every = floor(FLOOR_BYTES, s)
    parse = floor(FLOOR_PARSE, s, repeats=2)
    print(
        f"  floors: first lines {fmt(first.seconds)}, every byte {fmt(every.seconds)}, "
        f"orjson every line {fmt(parse.seconds)}"
    )
    for args, name in (
        (["tree", s, "--json"], "tree --json"),
        (["tree", s], "tree"),
        (["ls", s], "ls"),
        (["check", s], "check"),
    ):
        if sv.has_index:
            table.add(f"{label}: {name}, warm index", sv.warm(*args), first, "first lines")
            table.add(f"{label}: {name}, cold (writes the index)", sv.cold(*args), every, "bytes")
        table.add(f"{label}: {name}, no index", sv.no_index(*args), parse, "orjson every line")


def bench_segment(sv: Segview, table: Table, path: Path, label: str, turn: int) -> None:
    p = str(path)
    parse = floor(FLOOR_PARSE_FILE, p)
    size = path.stat().st_size
    print(f"  floor: orjson every line {fmt(parse.seconds)}; file {size / 1e6:.0f} MB")
    for args, name in (
        (["show", p, "--turn", str(turn), "--json"], f"show --turn {turn} --json"),
        (["show", p], "show (whole log, text)"),
        (["cat", p], "cat"),
    ):
        if sv.has_index:
            table.add(f"{label}: {name}, warm", sv.warm(*args), parse, "orjson the file")
            table.add(f"{label}: {name}, cold", sv.cold(*args), parse, "orjson the file")
        else:
            table.add(f"{label}: {name}", sv.no_index(*args), parse, "orjson the file")
    peak = max(r["rss_mb"] for r in table.rows if str(r["what"]).startswith(label))
    print(f"  peak memory of these commands: {peak:.0f} MB = {peak * 1e6 / size:.2f}× the file")


def bench_startup(sv: Segview, table: Table, tiny: Path) -> None:
    base = floor(FLOOR_PASS, repeats=7)
    repeats, sv.repeats = sv.repeats, 7
    table.add("segview --help", run([PY, "-m", "segview", "--help"], sv.env, 7), base, "pass")
    table.add("segview tree (demo store, warm)", sv.warm("tree", str(tiny)), base, "pass")
    sv.repeats = repeats


def bench_app(table: Table, store: Path, segment: Path, cache: Path) -> None:
    from app_probe import probe

    for name, root, warm in (
        ("store, cold index", store, False),
        ("store, warm index", store, True),
        ("one segment, warm", segment.parent, True),
    ):
        figures = probe(root, cache, warm=warm)
        print(f"  app on the {name}: " + ", ".join(f"{k} {v}" for k, v in figures.items()))
        table.rows.append({"what": f"app: {name}", **figures})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="1,000 segments, a 10 MB segment")
    parser.add_argument("--app", action="store_true", help="the app figures too")
    parser.add_argument("--startup", action="store_true", help="the start-up figures only")
    parser.add_argument("--keep", type=Path, help="generate into this directory and keep it")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", type=Path, help="write the figures here")
    ns = parser.parse_args()
    work = ns.keep or Path(tempfile.mkdtemp(prefix="segview-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    table = Table()
    sv = Segview(work / "cache", ns.repeats)
    segments, megabytes = (1_000, 10) if ns.quick else (10_000, 100)
    try:
        tiny = work / "demo"
        if not tiny.exists():
            shutil.copytree(REPO / "sample_logs", tiny)
        if ns.startup:
            print("start-up")
            bench_startup(sv, table, tiny)
            return 0
        store = ensure_store(work / f"flat-{segments}", segments, "flat")
        segment = ensure_segment(work / f"long-{megabytes}", megabytes)
        print(
            f"{'':2}{'what':58} {'time':>9} {'memory':>10}  {'floor':>9} ratio"
            f"  (index: {'yes' if sv.has_index else 'no'})"
        )
        print("start-up")
        bench_startup(sv, table, tiny)
        print(f"store of {segments:,} segments")
        bench_store(sv, table, store, f"{segments // 1000}k store")
        print(f"one segment of {megabytes} MB")
        bench_segment(sv, table, segment, f"{megabytes} MB", turns_of(segment) // 2)
        if ns.app:
            print("the app")
            bench_app(table, store, segment, work / "cache")
    finally:
        if ns.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    if ns.json:
        ns.json.write_text(json.dumps(table.rows, indent=2))
    return 0


def turns_of(path: Path) -> int:
    with open(path, "rb") as f:
        return sum(line.startswith(b'{"kind":"turn_end"') for line in f)


def ensure_store(root: Path, segments: int, layout: str) -> Path:
    if not root.exists():
        t0 = time.perf_counter()
        info = scale_stores.make_store(root, segments, layout=layout)
        print(
            f"generated {segments:,} segments ({layout}), {info.total_bytes / 1e6:,.0f} MB, "
            f"largest {info.largest / 1e6:.1f} MB, in {time.perf_counter() - t0:.1f} s"
        )
    return root


def ensure_segment(root: Path, megabytes: int) -> Path:
    if not root.exists():
        t0 = time.perf_counter()
        scale_stores.make_long_segment(root, megabytes)
        print(f"generated a {megabytes} MB segment in {time.perf_counter() - t0:.1f} s")
    return next(root.glob("*.jsonl"))


if __name__ == "__main__":
    sys.exit(main())
