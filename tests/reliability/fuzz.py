"""A fuzzer for the command line: mutated golden and hostile logs, every subcommand, in-process.

``base_stores(root)`` writes the stores every case starts from (copies of the golden stores of
both format versions and the hostile store of ``tests/hostile.py``). ``run_case(bases, work,
seed)`` copies one of them, damages a few lines of a few segments as a crash, an editor or a
hostile writer would (``MUTATIONS``: truncations, byte flips, huge values, deep nesting, huge
and out-of-range ``ts``, control, C1 and bidirectional characters in every string, unknown
kinds, blank and repeated lines, hostile file names), runs one command through
``segview.cli.main`` with stdout and stderr captured as a terminal would receive them (UTF-8,
strict), and returns what a case must never show:

- an exception out of ``main`` (a traceback) or an exit status other than 0, 1 and 2;
- a control character on stdout or stderr (C0 but line feed and tab, DEL, C1, bidirectional
  controls, line separators, lone surrogates) or output that is not UTF-8;
- a file of the store that changed (only a fork may add its new segment);
- a command still running after ``timeout`` seconds (a hang).

``tests/reliability/test_fuzz_cli.py`` runs a few hundred cases; ``benchmarks/fuzz_cli.py``
runs any number and prints the counts.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import random
import re
import shutil
import sys
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar

import orjson

from segview.cli import main
from tests.conftest import GOLDEN_STORES
from tests.hostile import ESCAPES, write_hostile_store

GOLDEN_HEAD_STORES = Path(__file__).resolve().parents[1] / "golden_head" / "stores"

# What must never reach a terminal from segview's output.
UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029"
    "\ud800-\udfff]"
)
OutcomeT = TypeVar("OutcomeT", bound="Failing")
SEGMENT_NAME = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.jsonl")

HOSTILE_CHARS = [
    "\x1b",
    "\x1b]52;c;cHduZWQ=\x07",
    "\x1b]0;TITLE\x07",
    "\x1b[2J",
    "\x07",
    "\x08",
    "\x00",
    "\r",
    "\x7f",
    "\x85",
    "\x9b",
    "\x9d",
    "\u202e",
    "\u2066",
    "\u200f",
    "\u2028",
    "\u200b",
    "\ufeff",
    "\n",
    "\t",
    "[/bold]",
    "[@click=app.quit]",
    "```",
    "](javascript:alert(1))",
    "&#x1b;",
]
BIG_TS = [
    2**64 - 1,
    2**64,
    2**63,
    253_402_300_800_000,  # the first millisecond of year 10000
    10**20,
    -1,
    -(2**63) - 1,
    1.5e300,
    0,
]


@dataclass
class Outcome:
    """What one case did; ``failures`` is empty when it did nothing it must not."""

    seed: int
    argv: list[str]
    mutations: list[str]
    exit_code: int | None = None
    seconds: float = 0.0
    failures: list[str] = field(default_factory=list)

    def describe(self) -> str:
        return (
            f"seed {self.seed}: segview {' '.join(self.argv)} after {self.mutations}: "
            f"{'; '.join(self.failures)}"
        )


# --- base stores ------------------------------------------------------------------------------


def base_stores(root: Path) -> list[Path]:
    """The stores cases start from, written under ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    bases: list[Path] = []
    for source in sorted(GOLDEN_STORES.iterdir()):
        bases.append(Path(shutil.copytree(source, root / f"golden-{source.name}")))
    if GOLDEN_HEAD_STORES.is_dir():
        for source in sorted(GOLDEN_HEAD_STORES.iterdir()):
            bases.append(Path(shutil.copytree(source, root / f"head-{source.name}")))
    hostile = write_hostile_store(root / "hostile", big_bytes=20_000)
    bases.append(hostile.root)
    return bases


# --- mutations --------------------------------------------------------------------------------


def _strings(value: Any, rng: random.Random, edit: Callable[[str], str], depth: int = 0) -> Any:
    """``value`` with ``edit`` applied to every string (keys too, sometimes), down to a depth
    of 64 (deeper values are kept as they are)."""
    if isinstance(value, str):
        return edit(value)
    if depth > 64:
        return value
    if isinstance(value, list):
        return [_strings(v, rng, edit, depth + 1) for v in value]
    if isinstance(value, dict):
        return {
            (edit(k) if rng.random() < 0.1 else k): _strings(v, rng, edit, depth + 1)
            for k, v in value.items()
        }
    return value


def _dump(value: Any) -> bytes:
    try:
        return orjson.dumps(value)
    except TypeError:  # deeper than orjson writes, or an int beyond 64 bits
        import json

        try:
            return json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass")
        except RecursionError:
            return b'{"kind":"too deep to write back"}'


def _leaves(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path]
    if len(path) > 64:
        return out
    if isinstance(value, dict):
        for k, v in value.items():
            out += _leaves(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _leaves(v, (*path, i))
    return out


def _replace(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    value[path[0]] = _replace(value[path[0]], path[1:], new)
    return value


def _json_mutation(name: str) -> Callable[[bytes, random.Random], bytes]:
    def mutate(line: bytes, rng: random.Random) -> bytes:
        try:
            value = orjson.loads(line)
        except orjson.JSONDecodeError:
            return line + b"\x1b]0;TITLE\x07"
        if name == "control characters":
            return _dump(
                _strings(value, rng, lambda s: s + rng.choice(HOSTILE_CHARS) + s[: len(s) // 2])
            )
        if name == "big ts":
            if isinstance(value, dict):
                value["ts"] = rng.choice(BIG_TS)
            return _dump(value)
        target = rng.choice(_leaves(value))
        if name == "huge value":
            new: Any = rng.choice(
                [
                    "x" * rng.choice([10_000, 300_000]),
                    ("line\n" * 20_000),
                    10 ** rng.choice([19, 30, 400]),
                    -(10**19),
                    1e308,
                    "\U0001f600" * 50_000,
                ]
            )
        elif name == "deep nesting":
            depth = rng.choice([64, 127, 128, 255, 300, 1000, 3000])
            new = "[" * depth + "]" * depth
            if rng.random() < 0.5:  # as a value of the entry, not as a string in it
                return _dump(_replace(value, target, None)).replace(b"null", new.encode(), 1)
        else:  # "unknown kind"
            if isinstance(value, dict):
                value["kind"] = rng.choice(["future_kind", ESCAPES[0], "", 3])
            return _dump(value)
        return _dump(_replace(value, target, new))

    return mutate


def _truncate(line: bytes, rng: random.Random) -> bytes:
    return line[: rng.randrange(0, max(1, len(line)))]


def _flip(line: bytes, rng: random.Random) -> bytes:
    data = bytearray(line)
    for _ in range(rng.randint(1, 4)):
        if data:
            i = rng.randrange(len(data))
            data[i] ^= 1 << rng.randrange(8)
    return bytes(data)


def _garbage(line: bytes, rng: random.Random) -> bytes:
    return rng.choice(
        [
            b"",
            b"   \t",
            b"\xff\xfe\x00garbage",
            b"\xef\xbb\xbf" + line,
            line + line,
            "\u2028".encode(),
            ESCAPES[rng.randrange(len(ESCAPES))].encode(),
            b"x" * 300_000,
        ]
    )


LINE_MUTATIONS: dict[str, Callable[[bytes, random.Random], bytes]] = {
    "truncate": _truncate,
    "byte flip": _flip,
    "garbage": _garbage,
    "huge value": _json_mutation("huge value"),
    "deep nesting": _json_mutation("deep nesting"),
    "big ts": _json_mutation("big ts"),
    "control characters": _json_mutation("control characters"),
    "unknown kind": _json_mutation("unknown kind"),
}
FILE_MUTATIONS = ["drop last newline", "hostile file name", "empty file"]
MUTATIONS = [*LINE_MUTATIONS, *FILE_MUTATIONS]


def _segment_files(store: Path) -> list[Path]:
    return sorted(p for p in store.rglob("*.jsonl") if SEGMENT_NAME.fullmatch(p.name))


def mutate_store(store: Path, rng: random.Random) -> list[str]:
    """Damage a few lines of a few segments (plain file I/O); returns what was done."""
    done: list[str] = []
    files = _segment_files(store)
    for path in rng.sample(files, k=min(len(files), rng.randint(1, 3))):
        data = path.read_bytes()
        lines = data.split(b"\n")
        terminated = data.endswith(b"\n")
        if terminated:
            lines.pop()
        for _ in range(rng.randint(1, 3)):
            name = rng.choice(MUTATIONS)
            done.append(name)
            if name in LINE_MUTATIONS and lines:
                i = rng.randrange(len(lines))
                lines[i] = LINE_MUTATIONS[name](lines[i], rng)
            elif name == "drop last newline":
                terminated = False
            elif name == "empty file":
                lines, terminated = [], False
            elif name == "hostile file name":
                odd = rng.choice(["\x1b]0;TITLE\x07", "\nforged: line 1: ok", "\u202e", "\x9b"])
                (path.parent / f"{odd}{path.name}").write_bytes(data)
                with contextlib.suppress(OSError):
                    (path.parent / os.fsdecode(b"\xff\xfe" + path.name.encode())).write_bytes(data)
        path.write_bytes(b"\n".join(lines) + (b"\n" if terminated and lines else b""))
    return done


# --- commands ---------------------------------------------------------------------------------


def choose_argv(store: Path, rng: random.Random) -> list[str]:
    files = _segment_files(store)
    segment: str | None = None
    if files:
        path = rng.choice(files)
        sid = path.name[: -len(".jsonl")]
        segment = rng.choice([sid, sid[:8], sid[: rng.randint(1, 36)], sid.upper()])
        if rng.random() < 0.05:
            segment = rng.choice(["", "\x1b]0;x\x07", "ffffffff", "0"])
    turn = [] if rng.random() < 0.4 else ["--turn", str(rng.choice([0, 1, 2, 3, 7, 2**64]))]
    as_json = ["--json"] if rng.random() < 0.4 else []
    command = rng.choice(["ls", "tree", "check", "show", "show", "cat", "cat", "fork", "search"])
    where = str(store)
    if command in ("ls", "tree", "check"):
        return [command, where, *as_json]
    if command == "search":
        query = rng.choice(["e", "turn", "\x1b", "[/bold]", "(a|b)+", "\u202e", "x" * 40])
        regex = ["--regex"] if rng.random() < 0.3 else []
        return ["search", where, query, *regex, *as_json]
    if segment is None:
        return ["ls", where]
    if command == "show":
        return ["show", where, segment, *turn, *as_json]
    if command == "cat":
        return ["cat", where, segment]
    at = str(rng.choice([0, 1, 2, 3, 9]))
    return ["fork", where, segment, "--at-turn", at, *as_json]


def tree_hashes(root: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    for directory, _dirs, names in os.walk(root):
        for name in names:
            path = os.path.join(directory, name)
            if os.path.islink(path) or not os.path.isfile(path):
                out[path] = "special"
                continue
            with open(path, "rb") as f:
                out[path] = hashlib.sha256(f.read()).hexdigest()
    return out


class _Terminal(io.TextIOWrapper):
    """What a terminal receives: UTF-8, strict (a lone surrogate cannot be written)."""

    def __init__(self) -> None:
        super().__init__(io.BytesIO(), encoding="utf-8", errors="strict", write_through=True)

    def data(self) -> bytes:
        self.flush()
        buffer = self.buffer
        assert isinstance(buffer, io.BytesIO)
        return buffer.getvalue()


def run_cli(argv: list[str], timeout: float) -> tuple[int | None, bytes, bytes, str | None, bool]:
    """``main(argv)`` in a thread with stdout and stderr captured: (exit status, stdout,
    stderr, traceback or None, finished in time)."""
    out, err = _Terminal(), _Terminal()
    result: dict[str, Any] = {}

    def target() -> None:
        try:
            result["code"] = main(argv)
        except BaseException:  # a traceback the user would see
            result["traceback"] = traceback.format_exc()

    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        worker = threading.Thread(target=target, daemon=True)
        worker.start()
        worker.join(timeout)
    finished = not worker.is_alive()
    return result.get("code"), out.data(), err.data(), result.get("traceback"), finished


def check_output(name: str, data: bytes, failures: list[str]) -> None:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        failures.append(f"{name} is not UTF-8 ({exc})")
        return
    found = UNSAFE.search(text)
    if found is not None:
        start = max(0, found.start() - 40)
        failures.append(
            f"control character {found.group()!r} on {name}: {text[start : found.end() + 20]!r}"
        )


def run_case(bases: list[Path], work: Path, seed: int, *, timeout: float = 60.0) -> Outcome:
    """One case in the fresh directory ``work`` (created)."""
    rng = random.Random(seed)
    base = rng.choice(bases)
    store = Path(shutil.copytree(base, work / base.name))
    mutations = mutate_store(store, rng)
    argv = choose_argv(store, rng)
    outcome = Outcome(seed, argv, mutations)
    before = tree_hashes(work)
    started = time.perf_counter()
    code, out, err, tb, finished = run_cli(argv, timeout)
    outcome.seconds = time.perf_counter() - started
    outcome.exit_code = code
    if not finished:
        outcome.failures.append(f"still running after {timeout:g} s")
        return outcome
    if tb is not None:
        outcome.failures.append("traceback: " + tb.strip().splitlines()[-1])
    elif code not in (0, 1, 2):
        outcome.failures.append(f"exit status {code}")
    check_output("stdout", out, outcome.failures)
    check_output("stderr", err, outcome.failures)
    after = tree_hashes(work)
    changed = sorted(p for p in before if after.get(p) != before[p])
    if changed:
        outcome.failures.append(f"changed: {changed}")
    added = sorted(after.keys() - before.keys())
    allowed = argv[0] == "fork" and code == 0 and len(added) == 1
    if added and not (allowed and SEGMENT_NAME.fullmatch(Path(added[0]).name)):
        outcome.failures.append(f"new files: {added}")
    return outcome


class Failing(Protocol):
    """An outcome of a fuzzed case: what failed, and how to say so."""

    failures: list[str]

    def describe(self) -> str: ...


def run_each(
    count: int,
    root: Path,
    run_one: Callable[[list[Path], Path, int], OutcomeT],
    *,
    first_seed: int = 0,
    progress: Callable[[int], None] | None = None,
) -> list[OutcomeT]:
    """``run_one(bases, work, seed)`` for ``count`` seeds from ``first_seed``, each in a work
    directory of its own under ``root`` (removed after it); ``progress(n)`` after each."""
    bases = base_stores(root / "bases")
    outcomes = []
    for n in range(count):
        work = root / f"case-{n}"
        work.mkdir()
        try:
            outcomes.append(run_one(bases, work, first_seed + n))
        finally:
            shutil.rmtree(work, ignore_errors=True)
        if progress is not None:
            progress(n + 1)
    return outcomes


def run_cases(
    count: int, root: Path, *, first_seed: int = 0, timeout: float = 60.0
) -> list[Outcome]:
    return run_each(
        count,
        root,
        lambda bases, work, seed: run_case(bases, work, seed, timeout=timeout),
        first_seed=first_seed,
    )


def describe_failures(outcomes: Sequence[Failing], limit: int = 10) -> str:
    bad = [o for o in outcomes if o.failures]
    return "\n".join(o.describe() for o in bad[:limit]) + (
        f"\n... and {len(bad) - limit} more" if len(bad) > limit else ""
    )


if __name__ == "__main__":  # pragma: no cover - python -m tests.reliability.fuzz SEED
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        seed = int(sys.argv[1]) if len(sys.argv) > 1 else 0
        result = run_cases(1, Path(tmp), first_seed=seed)[0]
        print(result)
