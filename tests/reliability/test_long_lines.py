"""A line of a MiB or more made of few values (one long string: a big tool result) is parsed
from its text (``tolerant.decode_tolerant_text``), so that no more than two copies of it are
held at once; any other line is parsed by orjson. Both must read every line alike.

With the reader's chunk made small (64 bytes), nearly every line counts as long, so each
line of the reference stores (both versions), the hostile store and a set of damaged lines
is read three ways: with the usual chunk, with the small chunk (long lines parsed from their
text; also as a timeline reads, its models sharing their sets of given fields), and with the
small chunk but the text path turned off; and, with either chunk, without the shortcut of the
usual line (``codec.decode_usual``, which spares the scans for brackets of the kinds that
cannot nest deeply). The entries, their line
numbers and offsets, and the problems must be the same each way.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import segview.store.lines as line_reading
import segview.store.tolerant as tolerant
from segview.store import FormatVersion, TolerantRead
from segview.store.codec import encode_entry
from tests.conftest import GOLDEN_STORES
from tests.hostile import write_hostile_store

GOLDEN_HEAD_STORES = Path(__file__).parent.parent / "golden_head" / "stores"

TS = 1_750_000_000_000
START = (
    b'{"kind":"segment_start","ts":1750000000000,"system_prompt":null,"config":{"max_tokens":'
    b'null,"temperature":null,"top_p":null,"top_k":null,"stop_sequences":[],"reasoning":null},'
    b'"history":[]}'
)
TEXT = "a long tool result: " + "words and more words; " * 8


def result_line(content: str, extra: str = "") -> bytes:
    return (
        '{"kind":"tool_result","ts":1750000000001,"item":{"kind":"tool_result","call_id":"c1",'
        f'"summary":"s","content":"{content}"{extra}}}}}'
    ).encode()


DAMAGED = [
    result_line(TEXT),  # a good line
    result_line(TEXT, ',"is_error":true'),
    result_line(TEXT + "\\ud83d\\ude00 \\u00e9 \\n \\\\u"),  # escapes, a surrogate pair
    result_line(TEXT + "\\ud800"),  # a lone surrogate
    result_line(TEXT + "\\udc00 tail"),
    result_line(TEXT).replace(b"words", b"w\xffrds", 1),  # invalid UTF-8
    result_line(TEXT, ',"call_id":"c2"'),  # a duplicate key
    result_line(TEXT).replace(b'"ts":1750000000001', b'"ts":1,"ts":2'),
    result_line(TEXT, ',"future":{"x":-0,"y":[1,2,{"z":null}]}'),  # an unknown key
    result_line(TEXT, ',"fu\\u003ature":1'),  # an escaped colon in a key
    result_line(TEXT, ',"deep":' + "[" * 130 + "]" * 130),  # nested too deeply
    result_line(TEXT, ',"deep":' + "[" * 120 + "]" * 120),
    result_line(TEXT).replace(b"1750000000001", b"18446744073709551616"),  # ts out of range
    result_line(TEXT).replace(b"1750000000001", b"-0"),
    result_line(TEXT).replace(b"1750000000001", b"NaN"),
    result_line(TEXT).replace(b'"tool_result","ts"', b'"tool_result_v9","ts"'),  # unknown kind
    result_line(TEXT).replace(b'"kind":"tool_result","call_id"', b'"kind":"probe","call_id"'),
    result_line(TEXT).replace(b'"summary":"s",', b""),  # a field missing
    result_line(TEXT)[:-1] + b" }",  # whitespace inside
    result_line(TEXT).replace(b"}}", b"}},"),  # not JSON
    result_line(TEXT) + b"\r",  # CR LF: not the usual line
    b"{" + b'"kind":"system_item","ts":1,"payload":' + b"[1," * 40 + b"1" + b"]" * 40 + b"}",
    # more than 127 brackets in a kind that cannot nest deeply: read, as before
    b'{"kind":"assistant_items","ts":1,"items":['
    + b",".join([b'{"kind":"reasoning","text":"t"}'] * 140)
    + b"]}",
    # nested too deeply where the kind wants a string, or holds free JSON
    result_line(TEXT).replace(
        b'"content":"' + TEXT.encode() + b'"', b'"content":' + b"[" * 130 + b"]" * 130
    ),
    b'{"kind":"extension","ts":1,"domain":"d","payload":' + b"[" * 130 + b"]" * 130 + b"}",
    b'{"kind":"extension","ts":1,"domain":"d","payload":' + b"[" * 127 + b"]" * 127 + b"}",
    # deeper than orjson writes, in a kind that cannot nest deeply
    result_line(TEXT).replace(
        b'"content":"' + TEXT.encode() + b'"', b'"content":' + b"[" * 300 + b"]" * 300
    ),
]


def read(path: Path, share: bool = False) -> TolerantRead:
    with open(path, "rb") as f:
        return tolerant.read_tolerant(f, version=FormatVersion.AUTO, share=share)


def as_compared(read: TolerantRead) -> tuple[object, ...]:
    return (
        [(type(e).__name__, e) for e in read.entries],
        read.lines,
        read.offsets,
        read.problems,
        read.end_offset,
        read.next_line,
        read.format_version,
    )


def files() -> list[Path]:
    return sorted([*GOLDEN_STORES.glob("*/*.jsonl"), *GOLDEN_HEAD_STORES.glob("*/*.jsonl")])


@pytest.fixture
def damaged(tmp_path: Path) -> Path:
    path = tmp_path / "damaged.jsonl"
    path.write_bytes(b"\n".join([START, *DAMAGED, START]) + b"\n")
    return path


def three_ways(path: Path, monkeypatch: pytest.MonkeyPatch) -> int:
    """Read ``path`` the three ways; they must agree. Returns the lines read from text."""
    usual = as_compared(read(path))
    taken: list[int] = []
    by_text = tolerant.decode_tolerant_text

    def counted(text: str, share: bool = False) -> object:
        entry, message = by_text(text, share)
        taken.append(entry is not None)
        return entry, message

    with monkeypatch.context() as m:
        m.setattr(line_reading, "_CHUNK", 64)
        m.setattr(tolerant, "decode_tolerant_text", counted)
        assert as_compared(read(path)) == usual
        from_text = sum(taken)
        assert as_compared(read(path, share=True)) == usual  # (as a timeline reads)
        m.setattr(tolerant, "TEXT_PARSE_MAX_COMMAS", -1)
        count = len(taken)
        assert as_compared(read(path)) == usual
        assert len(taken) == count  # turned off: no line parsed from its text
        # and without the usual line's shortcut (``decode_usual``), with either chunk
        m.setattr(tolerant, "decode_usual", lambda content, obj, share=False: None)
        assert as_compared(read(path)) == usual
        m.setattr(line_reading, "_CHUNK", 1 << 20)
        assert as_compared(read(path)) == usual
    return from_text


@pytest.mark.parametrize("path", files(), ids=lambda p: f"{p.parent.name}/{p.stem[-4:]}")
def test_reference_lines_read_alike_from_text_and_by_orjson(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = [line for line in path.read_bytes().splitlines() if len(line) > 64]
    taken = three_ways(path, monkeypatch)
    assert lines and taken >= 1


def test_damaged_lines_read_alike_from_text_and_by_orjson(
    damaged: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    taken = three_ways(damaged, monkeypatch)
    good = read(damaged)
    # what the text path decoded: the lines that are entries of a known kind but the one
    # ending in CR LF (not a usual line); the rest were read again from their bytes, with
    # the problems and unknown entries of any line
    assert taken == sum(type(e).__name__ != "UnknownEntry" for e in good.entries) - 1
    assert good.problems and any(type(e).__name__ == "UnknownEntry" for e in good.entries)
    assert encode_entry(good.entries[1]) == result_line(TEXT)


def test_hostile_lines_read_alike_from_text_and_by_orjson(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hostile = write_hostile_store(tmp_path / "hostile", big_bytes=20_000)
    paths = sorted(hostile.root.glob("*.jsonl"))
    assert len(paths) == len(hostile.segments)
    assert sum(three_ways(path, monkeypatch) for path in paths) > 0


def test_a_long_line_of_many_values_is_parsed_by_orjson(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def with_values(n: int) -> bytes:
        return result_line(TEXT, ',"future":[' + ",".join("1" * n) + "]")

    commas = with_values(1).count(b",")  # n values add n - 1 commas to these
    most = tolerant.TEXT_PARSE_MAX_COMMAS - commas + 1
    lines = [with_values(most), with_values(most + 1)]
    assert [line.count(b",") for line in lines] == [
        tolerant.TEXT_PARSE_MAX_COMMAS,
        tolerant.TEXT_PARSE_MAX_COMMAS + 1,
    ]
    path = tmp_path / "many.jsonl"
    path.write_bytes(b"\n".join([START, *lines]) + b"\n")
    # the segment_start and the first are parsed from their text, not the second
    assert three_ways(path, monkeypatch) == 2
