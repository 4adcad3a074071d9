"""The scaling table: every command from small to huge stores, each against its floor.

    python benchmarks/bench_scaling.py                  # 1k / 10k / 50k segments, 10 / 100 / 400 MB
    python benchmarks/bench_scaling.py --quick          # 300 / 1k / 3k segments, 5 / 10 / 30 MB
    python benchmarks/bench_scaling.py --layout runtime # one layout only
    python benchmarks/bench_scaling.py --keep DIR       # generate into DIR (reused when present)
    python benchmarks/bench_scaling.py --json runs.json # the figures, for --tables
    python benchmarks/bench_scaling.py --tables runs.json  # print the tables of a run again
    python benchmarks/bench_scaling.py --app            # also the app on every store (headless)
    python benchmarks/bench_scaling.py --app-only --layout flat  # the app alone

For two layouts — ``flat`` (the reference version's flat store) and ``runtime`` (a data
directory of the current version: session directories, worker aggregates, trace files,
entries in the current shapes; see ``scale_stores.py``) — and three sizes of each, it runs
every command as a whole process (``bench_scale.run``: wall time, CPU time, peak resident
memory of the child) against the floors of ``bench_scale.py``, measured on the same files
just before:

* a store: ``tree``, ``tree --json``, ``ls``, ``check`` with no index (``cold``: it writes
  the index) and with the index that run wrote (``warm``); ``tree`` and ``tree --json``
  also with the index warm but one file changed since (``warm, 1 file changed``: its
  modification time set forward before each run, as an append would, so the output kept
  from the last run cannot be printed again); ``search STORE WORD`` for a word
  in 1 % of the segments and for a word in nearly every item (search reads no index).
  Floors: the first line of every file (for warm runs), every byte of every file (cold runs
  and the rare word), ``orjson`` of every line of every file (the common word);
* one segment: ``show --turn N --json`` (N: the middle turn), ``show`` and ``cat``, cold and
  warm. Floors: every byte of the file, ``orjson`` of every line of it (every command).

The files are in the page cache when they are measured (the floors read them first): cold
means without an index, not from the disk. Each figure is the best of ``--repeats`` runs
(one run when it takes over 5 s). Ratios and growth use CPU time (user + system of the
process): on a machine that other work shares, wall time varies with the load, CPU time
much less; on an idle machine the two are nearly equal (each command is one thread). The
growth column compares the middle and the largest size: a command grows linearly when its
time grows as much as the data (the number of segments for a warm run, the bytes otherwise).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shutil
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import scale_stores
from bench_scale import (
    FLOOR_BYTES,
    FLOOR_FIRST_LINES,
    FLOOR_PARSE,
    FLOOR_PARSE_FILE,
    PY,
    Run,
    Segview,
    floor,
    fmt,
    run,
    turns_of,
)

FULL_COUNTS = (1_000, 10_000, 50_000)
FULL_SIZES = (10, 100, 400)  # MB
QUICK_COUNTS = (300, 1_000, 3_000)
QUICK_SIZES = (5, 10, 30)
LAYOUTS = ("flat", "runtime")
WORSE_THAN_LINEAR = 1.15  # growth beyond the data's by this factor is reported
CHANGED = "warm, 1 file changed"

# the app's floor: every segment's details read in one process, no index, no UI
FLOOR_DETAILS = """
import sys
from segview.lineage import Lineage
lineage = Lineage.open(sys.argv[1], track_rewrites=False)
for _depth, node in lineage.walk():
    lineage.load_details(node)
"""
APP_FIGURES = (
    ("first_paint", "first tree rows drawn"),
    ("rows_filled", "every row's details in"),
    ("checked", "every file looked at again"),
    ("segment_shown", "largest segment shown"),
    ("key_latency_p50", "key latency p50 while loading"),
    ("key_latency_p95", "key latency p95 while loading"),
    ("key_latency_max", "key latency max while loading"),
    ("idle_cpu", "idle CPU once loaded"),
    ("quit", "q to the end of the process"),
)

FLOOR_FILE_BYTES = """
import sys
buf = bytearray(1 << 20)
with open(sys.argv[1], 'rb', buffering=0) as f:
    while f.readinto(buf):
        pass
"""


@dataclass(frozen=True)
class Subject:
    """What is measured: a store or one segment, of one layout and size."""

    layout: str
    group: str  # "store" or "segment"
    size: str  # "10k", "100 MB"
    segments: int
    bytes: int


@dataclass
class Row:
    layout: str
    group: str
    size: str
    segments: int
    bytes: int
    what: str  # the command, or "floor: ..."
    mode: str  # "cold", "warm", "" (search, floors)
    seconds: float
    cpu: float
    rss_mb: float
    exit: int
    floor: str = ""
    floor_cpu: float | None = None
    floor_seconds: float | None = None

    @property
    def ratio(self) -> float | None:
        if not self.floor_cpu:
            return None
        return self.cpu / self.floor_cpu


class Runner:
    def __init__(
        self, sv: Segview, repeats: int, *, app: bool = False, app_only: bool = False
    ) -> None:
        self.sv = sv
        self.repeats = repeats
        self.rows: list[Row] = []
        self.app = app or app_only
        self.app_only = app_only
        self.app_rows: list[dict[str, Any]] = []

    def add(
        self, subject: Subject, what: str, mode: str, got: Run, against: tuple[str, Run] | None
    ) -> None:
        name, ref = against if against is not None else ("", None)
        row = Row(
            **asdict(subject),
            what=what,
            mode=mode,
            seconds=round(got.seconds, 4),
            cpu=round(got.cpu, 4),
            rss_mb=round(got.rss / 1e6, 1),
            exit=got.code,
            floor=name,
            floor_cpu=round(ref.cpu, 4) if ref is not None else None,
            floor_seconds=round(ref.seconds, 4) if ref is not None else None,
        )
        self.rows.append(row)
        ratio = f"{row.ratio:6.1f}× {name}" if row.ratio is not None else ""
        label = f"{what}{', ' + mode if mode else ''}"
        print(
            f"  {row.size:>7} {label:34} cpu {fmt(got.cpu):>9}  wall {fmt(got.seconds):>9}"
            f"  {got.rss / 1e6:6.0f} MB  exit {got.code}  {ratio}",
            flush=True,
        )

    def store(self, layout: str, root: Path, info: scale_stores.StoreInfo, label: str) -> None:
        sv, s = self.sv, str(root)
        base = Subject(layout, "store", label, info.segments, info.total_bytes)
        if self.app_only:
            self.app_store(base, root)
            return
        first = floor(FLOOR_FIRST_LINES, s, repeats=self.repeats)
        every = floor(FLOOR_BYTES, s, repeats=self.repeats)
        parse = floor(FLOOR_PARSE, s, repeats=2)
        self.add(base, "floor: first lines", "", first, None)
        self.add(base, "floor: every byte", "", every, None)
        self.add(base, "floor: orjson every line", "", parse, None)
        for args in (["tree", s], ["tree", s, "--json"], ["ls", s], ["check", s]):
            name = " ".join(a for a in args if a != s)
            self.add(base, name, "cold", sv.cold(*args), ("bytes", every))
            self.add(base, name, "warm", sv.warm(*args), ("first lines", first))
            if args[0] == "tree":
                got = self.one_file_changed(info, args)
                self.add(base, name, CHANGED, got, ("first lines", first))
        for word, name, against in (
            (scale_stores.RARE_WORD, "search, 1 % of segments", ("bytes", every)),
            (scale_stores.COMMON_WORD, "search, every segment", ("orjson", parse)),
        ):
            got = run([PY, "-m", "segview", "search", s, word], sv.env, repeats=self.repeats)
            self.add(base, name, "", got, against)
        if self.app:
            self.app_store(base, root)

    def one_file_changed(self, info: scale_stores.StoreInfo, args: list[str]) -> Run:
        """``args`` run with the index warm, after one file's modification time was set
        forward (a file the agent appended to), before each run."""
        segments = (p for p in info.root.rglob("*.jsonl") if not p.name.endswith(".trace.jsonl"))
        path = min(segments, key=lambda p: abs(p.stat().st_size - 40_000))  # a median one
        best: Run | None = None
        for _ in range(self.repeats):
            st = path.stat()
            os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
            got = run([PY, "-m", "segview", *args], self.sv.env, repeats=1)
            best = got if best is None else best.best(got)
        assert best is not None
        return best

    def app_store(self, base: Subject, root: Path) -> None:
        """The app on the store, headless (``app_probe.py``), cold and warm, against every
        segment's details read in one process (``FLOOR_DETAILS``)."""
        from app_probe import probe

        details = floor(FLOOR_DETAILS, str(root), repeats=1)
        print(
            f"  {base.size:>7} floor: details in process  wall {fmt(details.seconds):>9}",
            flush=True,
        )
        for mode, warm in (("cold", False), ("warm", True)):
            figures = probe(root, self.sv.cache, warm=warm)
            row = {**asdict(base), "mode": mode, "floor_details_s": details.seconds, **figures}
            self.app_rows.append(row)
            shown = ", ".join(
                f"{name} {figures[key]}" for key, name in APP_FIGURES if key in figures
            )
            print(f"  {base.size:>7} app, {mode}: {shown}", flush=True)

    def segment(self, layout: str, path: Path, label: str) -> None:
        sv, p = self.sv, str(path)
        size = path.stat().st_size
        base = Subject(layout, "segment", label, 1, size)
        every = floor(FLOOR_FILE_BYTES, p, repeats=self.repeats)
        parse = floor(FLOOR_PARSE_FILE, p, repeats=self.repeats)
        self.add(base, "floor: every byte", "", every, None)
        self.add(base, "floor: orjson every line", "", parse, None)
        turn = str(turns_of(path) // 2)
        for args, name in (
            (["show", p, "--turn", turn, "--json"], "show --turn N --json"),
            (["show", p], "show"),
            (["cat", p], "cat"),
        ):
            self.add(base, name, "cold", sv.cold(*args), ("orjson", parse))
            self.add(base, name, "warm", sv.warm(*args), ("orjson", parse))


def count_label(n: int) -> str:
    return f"{n // 1000}k" if n % 1000 == 0 else f"{n:,}"


def ensure_store(root: Path, segments: int, layout: str) -> scale_stores.StoreInfo:
    """The store (generated unless ``root`` holds it from an earlier run with ``--keep``)."""
    marker = root / ".info.json"
    if marker.exists():
        info = json.loads(marker.read_text())
        return scale_stores.StoreInfo(
            root, info["segments"], info["total_bytes"], info["largest"], layout, root
        )
    shutil.rmtree(root, ignore_errors=True)
    t0 = time.perf_counter()
    info = scale_stores.make_store(root, segments, layout=layout)
    print(
        f"generated {segments:,} segments ({layout}), {info.total_bytes / 1e6:,.0f} MB, "
        f"largest {info.largest / 1e6:.1f} MB, in {time.perf_counter() - t0:.1f} s",
        flush=True,
    )
    marker.write_text(
        json.dumps({"segments": segments, "total_bytes": info.total_bytes, "largest": info.largest})
    )
    return info


def ensure_segment(root: Path, megabytes: int, layout: str) -> Path:
    found = [p for p in root.rglob("*.jsonl") if not p.name.endswith(".trace.jsonl")]
    if found:
        return found[0]
    t0 = time.perf_counter()
    path = scale_stores.make_long_segment(root, megabytes, layout=layout)
    print(f"generated a {megabytes} MB segment ({layout}) in {time.perf_counter() - t0:.1f} s")
    return path


def measure(ns: argparse.Namespace, work: Path) -> tuple[list[Row], list[dict[str, Any]]]:
    runner = Runner(
        Segview(work / "cache", ns.repeats), ns.repeats, app=ns.app, app_only=ns.app_only
    )
    if not runner.sv.has_index:
        raise SystemExit("this checkout of segview has no index (--no-index): nothing to compare")
    counts = QUICK_COUNTS if ns.quick else FULL_COUNTS
    sizes = QUICK_SIZES if ns.quick else FULL_SIZES
    for layout in ns.layout:
        print(f"{layout}: stores", flush=True)
        for n in counts:
            root = work / f"{layout}-{n}"
            info = ensure_store(root, n, layout)
            runner.store(layout, info.path, info, count_label(n))
            if ns.keep is None:  # the largest take gigabytes
                shutil.rmtree(root, ignore_errors=True)
        if ns.app_only:
            continue
        print(f"{layout}: one segment", flush=True)
        for mb in sizes:
            root = work / f"{layout}-long-{mb}"
            runner.segment(layout, ensure_segment(root, mb, layout), f"{mb} MB")
            if ns.keep is None:
                shutil.rmtree(root, ignore_errors=True)
        shutil.rmtree(runner.sv.cache, ignore_errors=True)
    return runner.rows, runner.app_rows


# --- the tables ---------------------------------------------------------------------------


def seconds(s: float) -> str:
    if s < 1:
        return f"{s * 1000:.0f} ms"
    return f"{s:.2f} s" if s < 10 else f"{s:.1f} s"


def cell(row: Row) -> str:
    text = f"{seconds(row.cpu)} ({seconds(row.seconds)}), {row.rss_mb:,.0f} MB"
    if row.ratio is not None:
        text += f", **{row.ratio:.1f}×**"
    if row.exit != 0:
        text += f" (exit {row.exit})"
    return text


def growth(small: Row, large: Row) -> tuple[str, float]:
    """How much the CPU time grew from ``small`` to ``large``, against the data."""
    by_count = large.mode in ("warm", CHANGED) or large.what == "floor: first lines"
    if by_count and large.group == "store":
        data = large.segments / small.segments
    else:
        data = large.bytes / small.bytes
    grew = large.cpu / small.cpu
    k = math.log(grew) / math.log(data) if data > 1 and grew > 0 else float("nan")
    return f"×{grew:.1f} (data ×{data:.1f}; k = {k:.2f})", grew / data


def tables(rows: list[Row]) -> str:
    """Markdown: per layout and group, a row per command and mode, a column per size."""
    out: list[str] = []
    for layout in dict.fromkeys(r.layout for r in rows):
        for group in ("store", "segment"):
            mine = [r for r in rows if r.layout == layout and r.group == group]
            if not mine:
                continue
            sizes = list(dict.fromkeys(r.size for r in mine))
            first_of = {r.size: r for r in mine}
            heading = " | ".join(
                f"{s} ({first_of[s].bytes / 1e6:,.0f} MB)" if group == "store" else s for s in sizes
            )
            out.append(f"\n{layout}, {'stores' if group == 'store' else 'one segment'}\n")
            out.append(f"| command | mode | {heading} | growth {sizes[-2]} → {sizes[-1]} |")
            out.append("|---|---|" + "---|" * len(sizes) + "---|")
            keys = list(dict.fromkeys((r.what, r.mode) for r in mine))
            for what, mode in keys:
                by_size = {r.size: r for r in mine if (r.what, r.mode) == (what, mode)}
                cells = [cell(by_size[s]) if s in by_size else "" for s in sizes]
                grown = ""
                if sizes[-2] in by_size and sizes[-1] in by_size:
                    text, excess = growth(by_size[sizes[-2]], by_size[sizes[-1]])
                    grown = text + (
                        " — **worse than linear**" if excess > WORSE_THAN_LINEAR else ""
                    )
                name = f"`{what}`" if not what.startswith("floor") else what
                out.append(f"| {name} | {mode} | {' | '.join(cells)} | {grown} |")
    return "\n".join(out)


def app_tables(app_rows: list[dict[str, Any]]) -> str:
    """Markdown: per layout, a row per figure and mode, a column per store size."""
    out: list[str] = []
    for layout in dict.fromkeys(r["layout"] for r in app_rows):
        mine = [r for r in app_rows if r["layout"] == layout]
        sizes = list(dict.fromkeys(r["size"] for r in mine))
        out.append(f"\n{layout}, the app (seconds from the start of the process)\n")
        out.append("| | mode | " + " | ".join(sizes) + " |")
        out.append("|---|---|" + "---|" * len(sizes))
        floor_row = {r["size"]: r["floor_details_s"] for r in mine}
        out.append(
            "| floor: every segment's details in one process | | "
            + " | ".join(seconds(floor_row[s]) for s in sizes)
            + " |"
        )
        for key, name in APP_FIGURES:
            for mode in ("cold", "warm"):
                by_size = {r["size"]: r for r in mine if r["mode"] == mode}
                cells = []
                for size in sizes:
                    value = by_size.get(size, {}).get(key)
                    if value is None:
                        cells.append("not reached" if key == "rows_filled" else "")
                    elif key == "idle_cpu":
                        cells.append(f"{value * 100:.1f} %")
                    elif key == "rows_filled":
                        ratio = value / floor_row[size] if floor_row[size] else 0
                        cells.append(f"{seconds(value)} (**{ratio:.1f}×** the floor)")
                    else:
                        cells.append(seconds(value))
                out.append(f"| {name} | {mode} | " + " | ".join(cells) + " |")
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="300 / 1k / 3k, 5 / 10 / 30 MB")
    parser.add_argument(
        "--layout", action="append", choices=LAYOUTS, help="only this layout (repeatable)"
    )
    parser.add_argument("--keep", type=Path, help="generate into this directory and keep it")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", type=Path, help="write the figures here")
    parser.add_argument("--app", action="store_true", help="the app on every store too")
    parser.add_argument("--app-only", action="store_true", help="the app on every store only")
    parser.add_argument("--tables", type=Path, help="print the tables of a --json file, and stop")
    ns = parser.parse_args()
    if ns.tables:
        data = json.loads(ns.tables.read_text())
        print(tables([Row(**r) for r in data["rows"]]))
        print(app_tables(data.get("app", [])))
        return 0
    ns.layout = ns.layout or list(LAYOUTS)
    work = ns.keep or Path(tempfile.mkdtemp(prefix="segview-scaling-"))
    work.mkdir(parents=True, exist_ok=True)
    print(
        f"python {platform.python_version()}, {os.cpu_count()} cores, "
        f"load {os.getloadavg()[0]:.1f}; work directory {work}",
        flush=True,
    )
    t0 = time.perf_counter()
    try:
        rows, app_rows = measure(ns, work)
    finally:
        if ns.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    print(f"measured in {(time.perf_counter() - t0) / 60:.1f} min")
    print(tables(rows))
    print(app_tables(app_rows))
    worse = [
        (small, large)
        for layout in ns.layout
        for small, large in pairs(rows, layout)
        if growth(small, large)[1] > WORSE_THAN_LINEAR
    ]
    for small, large in worse:
        print(
            f"worse than linear: {large.layout} {large.what} {large.mode}: "
            f"{growth(small, large)[0]}"
        )
    if ns.json:
        meta = {"python": platform.python_version(), "cores": os.cpu_count()}
        ns.json.write_text(
            json.dumps({"meta": meta, "rows": [asdict(r) for r in rows], "app": app_rows}, indent=1)
        )
    return 0


def pairs(rows: list[Row], layout: str) -> list[tuple[Row, Row]]:
    """(middle size, largest size) of every command and mode of a layout."""
    out = []
    for group in ("store", "segment"):
        mine = [r for r in rows if r.layout == layout and r.group == group]
        sizes = list(dict.fromkeys(r.size for r in mine))
        if len(sizes) < 2:
            continue
        for what, mode in dict.fromkeys((r.what, r.mode) for r in mine):
            by_size = {r.size: r for r in mine if (r.what, r.mode) == (what, mode)}
            if sizes[-2] in by_size and sizes[-1] in by_size:
                out.append((by_size[sizes[-2]], by_size[sizes[-1]]))
    return out


if __name__ == "__main__":
    sys.exit(main())
