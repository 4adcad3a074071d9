"""Damaged stores for the reliability tests.

Every case starts as a valid segment written through the store's own write operations, then
is damaged with plain file I/O, as a crash, an editor or another program would damage it.
``build(name, root)`` writes one case into the store directory ``root`` and returns what each
reader must find there; ``build_all(root)`` writes every case into one store (the ids differ
per case), for the store-wide views (lineage, ``segview check``, the app).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from segview.store import (
    FsStore,
    Invoke,
    LogEntry,
    MessageItem,
    ReasoningItem,
    RequestConfig,
    SegmentOrigin,
    SegmentStart,
    TextPart,
    TextSegment,
    ToolCallItem,
    ToolResultItem,
    append_entry,
    save_delta,
    save_turn_end,
    save_usage,
    save_user_input,
)

CFG = RequestConfig(
    max_tokens=2048, temperature=0.7, top_p=0.95, stop_sequences=["</done>"], reasoning="high"
)
BASE_TS = 1_750_000_000_000
HUGE_BYTES = 20 * 1024 * 1024
VALID_LINES = 12  # lines of the valid segment every case starts from

# 1-based lines of the valid segment
L_START, L_INVOKE, L_INPUT1, L_REASONING, L_CALL, L_RESULT = 1, 2, 3, 4, 5, 6
L_ANSWER1, L_USAGE, L_TURN1, L_INPUT2, L_ANSWER2, L_TURN2 = 7, 8, 9, 10, 11, 12


def msg(role: str, text: str) -> MessageItem:
    return MessageItem(role=role, content=[TextPart(text=text)])  # type: ignore[arg-type]


def segment_id(case_index: int, k: int = 0) -> str:
    return f"0190c000-{case_index:04x}-7000-8{k:03x}-{case_index:012x}"


def write_valid(
    store: FsStore,
    sid: str,
    *,
    ts: int,
    title: str,
    origin: SegmentOrigin | None = None,
    tool_output: str = "3 passed\nnaïve café ☕ 😀",
) -> list[LogEntry]:
    """Two turns written with the write operations; returns the entries as read back."""
    start = SegmentStart(
        ts=ts, system_prompt="You are careful.", config=CFG, history=[], forked_from=origin
    )
    store.create_segment(sid, [start])
    append_entry(store, sid, Invoke(ts=ts + 1, trigger="user_send"))
    save_user_input(store, sid, [TextSegment(content=title)], ts=ts + 2)
    save_delta(
        store,
        sid,
        [
            ReasoningItem(text="look at the tests first", summary=["plan"]),
            ToolCallItem(call_id="c1", name="run_tests", arguments='{"path":"tests"}'),
            ToolResultItem(call_id="c1", summary="ran the tests", content=tool_output),
            msg("assistant", "All tests pass."),
        ],
        ts=ts + 3,
    )
    save_usage(store, sid, 5, 1200, 1000, 200, 80, ts=ts + 4)
    save_turn_end(store, sid, 1, ts=ts + 5)
    save_user_input(store, sid, [TextSegment(content="and the docs?")], ts=ts + 6)
    save_delta(store, sid, [msg("assistant", "Docs build too.")], ts=ts + 7)
    save_turn_end(store, sid, 2, ts=ts + 8)
    entries = store.read_all(sid)
    assert len(entries) == VALID_LINES
    return entries


StrictOutcome = Literal["ok", "corrupt", "io", "not_found"]


@dataclass(frozen=True)
class Strict:
    """What ``FsStore.read_all`` must do: succeed, or raise at ``line`` (1-based)."""

    outcome: StrictOutcome
    line: int | None = None


@dataclass
class Built:
    """One damaged case as written, and what the readers must find in it."""

    case: str
    root: Path
    segment_id: str | None  # the case's listed segment (None: no listed segment)
    good: list[LogEntry | str]  # the entries the tolerant reader keeps (str: an unknown kind)
    line_problems: list[int]  # the lines the tolerant reader reports, in order
    strict: Strict
    planted: set[tuple[str, int | None]]  # (file name, line) of every problem in the case
    files: list[str] = field(default_factory=list)  # directory entries the case created
    listed: bool = True  # the store scanner (and ``list_segments``) lists the segment
    readable: bool = True  # the file can be opened (else even the tolerant reader raises)

    @property
    def path(self) -> Path:
        assert self.segment_id is not None
        return self.root / f"{self.segment_id}.jsonl"

    @property
    def strict_entries(self) -> list[LogEntry]:
        return [e for e in self.good if not isinstance(e, str)]


@dataclass
class Ctx:
    root: Path
    index: int
    name: str

    @property
    def store(self) -> FsStore:
        return FsStore(self.root)

    def sid(self, k: int = 0) -> str:
        return segment_id(self.index, k)

    def file(self, k: int = 0) -> str:
        return f"{self.sid(k)}.jsonl"

    def valid(self, k: int = 0, **kw: object) -> list[LogEntry]:
        ts = BASE_TS + self.index * 1000 + k * 100
        return write_valid(self.store, self.sid(k), ts=ts, title=f"case {self.name}", **kw)  # type: ignore[arg-type]

    def lines(self, k: int = 0) -> list[bytes]:
        data = (self.root / self.file(k)).read_bytes()
        assert data.endswith(b"\n")
        return data[:-1].split(b"\n")

    def rewrite(self, lines: list[bytes], k: int = 0, *, terminated: bool = True) -> None:
        """Replace the file's bytes (a damaged file, as another program leaves it)."""
        data = b"\n".join(lines) + (b"\n" if terminated else b"")
        (self.root / self.file(k)).write_bytes(data)

    def built(
        self,
        good: list[LogEntry | str],
        line_problems: list[int],
        strict: Strict,
        planted: set[tuple[str, int | None]] | None = None,
        *,
        segment: str | None = "",
        files: list[str] | None = None,
        listed: bool = True,
        readable: bool = True,
    ) -> Built:
        sid = self.sid() if segment == "" else segment
        if planted is None:
            planted = {(self.file(), line) for line in line_problems}
        return Built(
            self.name,
            self.root,
            sid,
            good,
            line_problems,
            strict,
            planted,
            files if files is not None else [self.file()],
            listed,
            readable,
        )


# --- the cases ---------------------------------------------------------------------------------


def empty(c: Ctx) -> Built:
    c.valid()
    (c.root / c.file()).write_bytes(b"")
    return c.built([], [], Strict("ok"), {(c.file(), None)})


def blank_only(c: Ctx) -> Built:
    c.valid()
    (c.root / c.file()).write_bytes(b"\n   \n\t\r\n\n")
    return c.built([], [], Strict("ok"), {(c.file(), None)})


def truncated_last_line(c: Ctx) -> Built:
    entries = c.valid()
    lines = c.lines()
    lines[-1] = lines[-1][: len(lines[-1]) // 2]
    c.rewrite(lines, terminated=False)
    return c.built(list(entries[:-1]), [L_TURN2], Strict("corrupt", L_TURN2))


def not_json(c: Ctx) -> Built:
    entries = c.valid()
    lines = c.lines()
    lines[L_CALL - 1] = b"this is not JSON {"
    c.rewrite(lines)
    good = [e for i, e in enumerate(entries) if i != L_CALL - 1]
    return c.built(list(good), [L_CALL], Strict("corrupt", L_CALL))


def invalid_utf8(c: Ctx) -> Built:
    entries = c.valid()
    lines = c.lines()
    assert b"ran the tests" in lines[L_RESULT - 1]
    lines[L_RESULT - 1] = lines[L_RESULT - 1].replace(b"ran the tests", b"ran \xff\xfe tests")
    c.rewrite(lines)
    good = [e for i, e in enumerate(entries) if i != L_RESULT - 1]
    return c.built(list(good), [L_RESULT], Strict("io"))


def utf8_bom(c: Ctx) -> Built:
    entries = c.valid()
    path = c.root / c.file()
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    return c.built(list(entries), [L_START], Strict("corrupt", L_START))


def not_an_object(c: Ctx) -> Built:
    entries = c.valid()
    lines = c.lines()
    lines[L_USAGE - 1] = b'["llm_usage",1,2,3]'
    c.rewrite(lines)
    good = [e for i, e in enumerate(entries) if i != L_USAGE - 1]
    return c.built(list(good), [L_USAGE], Strict("corrupt", L_USAGE))


def unknown_kind(c: Ctx) -> Built:
    entries = c.valid()
    lines = c.lines()
    odd = b'{"kind":"future_kind","ts":%d,"data":{"x":[1,2.5]}}' % (BASE_TS + c.index * 1000 + 3)
    lines.insert(L_REASONING - 1, odd)  # becomes line 4; the rest move down by one
    c.rewrite(lines)
    good: list[LogEntry | str] = [*entries[:3], "future_kind", *entries[3:]]
    return c.built(good, [L_REASONING], Strict("corrupt", L_REASONING))


def missing_field(c: Ctx) -> Built:
    entries = c.valid()
    lines = c.lines()
    lines[L_TURN1 - 1] = b'{"kind":"turn_end","ts":%d}' % (BASE_TS + c.index * 1000 + 5)
    c.rewrite(lines)
    good = [e for i, e in enumerate(entries) if i != L_TURN1 - 1]
    return c.built(list(good), [L_TURN1], Strict("corrupt", L_TURN1))


def wrong_type(c: Ctx) -> Built:
    entries = c.valid()
    lines = c.lines()
    assert b'"turn_count":1}' in lines[L_TURN1 - 1]
    lines[L_TURN1 - 1] = lines[L_TURN1 - 1].replace(b'"turn_count":1}', b'"turn_count":"1"}')
    c.rewrite(lines)
    good = [e for i, e in enumerate(entries) if i != L_TURN1 - 1]
    return c.built(list(good), [L_TURN1], Strict("corrupt", L_TURN1))


def first_line_not_start(c: Ctx) -> Built:
    entries = c.valid()
    lines = c.lines()
    c.rewrite(lines[1:])  # the segment_start is gone: the file begins with the invoke
    return c.built(list(entries[1:]), [], Strict("ok"), {(c.file(), 1)})


def start_after_first_line(c: Ctx) -> Built:
    entries = c.valid()
    lines = c.lines()
    lines.insert(L_INPUT2 - 1, lines[0])  # a second segment_start before the second turn
    c.rewrite(lines)
    good: list[LogEntry | str] = [*entries[: L_INPUT2 - 1], entries[0], *entries[L_INPUT2 - 1 :]]
    return c.built(good, [], Strict("ok"), set())


def turn_ends_out_of_order(c: Ctx) -> Built:
    entries = c.valid()
    lines = c.lines()
    # turn 2 is logged before turn 1, and turn 1 is repeated at the end
    lines[L_TURN1 - 1], lines[L_TURN2 - 1] = lines[L_TURN2 - 1], lines[L_TURN1 - 1]
    lines.append(lines[L_TURN2 - 1])
    c.rewrite(lines)
    good: list[LogEntry | str] = list(entries)
    good[L_TURN1 - 1], good[L_TURN2 - 1] = entries[L_TURN2 - 1], entries[L_TURN1 - 1]
    good.append(entries[L_TURN1 - 1])
    return c.built(good, [], Strict("ok"), set())


def huge_line(c: Ctx) -> Built:
    chunk = "test_%06d ... ok — naïve ☕\n"
    output = "".join(chunk % i for i in range(HUGE_BYTES // len(chunk.encode()) + 1))
    entries = c.valid(tool_output=output)
    assert len(c.lines()[L_RESULT - 1]) > HUGE_BYTES
    return c.built(list(entries), [], Strict("ok"), set())


def missing_parent(c: Ctx) -> Built:
    gone = segment_id(c.index, 0xFFF)
    entries = c.valid(origin=SegmentOrigin(segment_id=gone, at_turn_index=1))
    return c.built(list(entries), [], Strict("ok"), {(c.file(), 1)})


def fork_cycle(c: Ctx) -> Built:
    """Two segments, each forked from the other: one problem, at the older one, whose link
    is the one that cannot be true (a segment cannot descend from a newer one)."""
    a, b = c.sid(0), c.sid(1)
    entries = c.valid(0, origin=SegmentOrigin(segment_id=b, at_turn_index=1))
    c.valid(1, origin=SegmentOrigin(segment_id=a, at_turn_index=2))
    return c.built(list(entries), [], Strict("ok"), {(c.file(0), 1)}, files=[c.file(0), c.file(1)])


def non_uuid_names(c: Ctx) -> Built:
    c.valid(0)
    c.valid(1)
    names = [f"notes-{c.index}.jsonl", f"{c.sid(1).upper()}.jsonl"]
    os.rename(c.root / c.file(0), c.root / names[0])
    os.rename(c.root / c.file(1), c.root / names[1])
    return c.built(
        [], [], Strict("ok"), {(n, None) for n in names}, segment=None, files=names, listed=False
    )


def symlinked_file(c: Ctx) -> Built:
    outside = c.root.parent / f"{c.root.name}-outside"
    outside.mkdir(exist_ok=True)
    entries = write_valid(FsStore(outside), c.sid(), ts=BASE_TS + c.index * 1000, title="linked")
    os.symlink(outside / c.file(), c.root / c.file())
    return c.built(list(entries), [], Strict("ok"), set())


def dangling_symlink(c: Ctx) -> Built:
    """A link to nothing: not listed (the scanner reports it), and read directly, not found."""
    os.symlink(c.root.parent / f"gone-{c.index}.jsonl", c.root / c.file())
    return c.built([], [], Strict("not_found"), {(c.file(), None)}, listed=False, readable=False)


def directory_named_jsonl(c: Ctx) -> Built:
    (c.root / c.file()).mkdir()
    return c.built([], [], Strict("io"), {(c.file(), None)}, listed=False, readable=False)


def crash_then_append(c: Ctx) -> Built:
    """A line cut short by a crash, then the next append written right after it."""
    entries = c.valid()
    lines = c.lines()
    lines[L_ANSWER1 - 1] = lines[L_ANSWER1 - 1][:25] + lines[L_USAGE - 1]
    del lines[L_USAGE - 1]
    c.rewrite(lines)
    good = [e for i, e in enumerate(entries) if i not in (L_ANSWER1 - 1, L_USAGE - 1)]
    return c.built(list(good), [L_ANSWER1], Strict("corrupt", L_ANSWER1))


def zero_filled_tail(c: Ctx) -> Built:
    """A crash on a journaling filesystem can leave NUL bytes where the last write was."""
    entries = c.valid()
    path = c.root / c.file()
    path.write_bytes(path.read_bytes() + b"\x00" * 64)
    return c.built(list(entries), [VALID_LINES + 1], Strict("corrupt", VALID_LINES + 1))


CASES: dict[str, Callable[[Ctx], Built]] = {
    f.__name__: f
    for f in (
        empty,
        blank_only,
        truncated_last_line,
        not_json,
        invalid_utf8,
        utf8_bom,
        not_an_object,
        unknown_kind,
        missing_field,
        wrong_type,
        first_line_not_start,
        start_after_first_line,
        turn_ends_out_of_order,
        huge_line,
        missing_parent,
        fork_cycle,
        non_uuid_names,
        symlinked_file,
        dangling_symlink,
        directory_named_jsonl,
        crash_then_append,
        zero_filled_tail,
    )
}
CASE_NAMES = list(CASES)
SEGMENT_CASES = [n for n in CASE_NAMES if n != "non_uuid_names"]  # cases with a segment id


def build(name: str, root: Path) -> Built:
    """Write case ``name`` into the store directory ``root`` (created if missing)."""
    root.mkdir(parents=True, exist_ok=True)
    return CASES[name](Ctx(root, CASE_NAMES.index(name) + 1, name))


def build_all(root: Path, *, skip: tuple[str, ...] = ()) -> dict[str, Built]:
    """Every case (but ``skip``) in one store."""
    return {name: build(name, root) for name in CASE_NAMES if name not in skip}
