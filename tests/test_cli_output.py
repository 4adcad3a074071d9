"""What the command line prints from a log or a directory listing reaches the terminal only as
text: no control sequence (ESC, C1, bidirectional controls) on stdout or stderr from any
command, file names on one line, JSON that decodes to the log's own values; and the text
helpers behind it hold for any value the format allows."""

from __future__ import annotations

import json
import os
from pathlib import Path

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segview.cli import main
from segview.store import FsStore
from segview.text import format_ts, one_line, pretty_json, safe, safe_json
from tests.hostile import ESCAPES, LOOKALIKES, SENTINEL, write_hostile_store
from tests.reliability.fuzz import UNSAFE

Capture = pytest.CaptureFixture[str]
CaptureBytes = pytest.CaptureFixture[bytes]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    corpus = write_hostile_store(tmp_path_factory.mktemp("hostile") / "store", big_bytes=50_000)
    return corpus.root, corpus.segments


def run(capsysbinary: CaptureBytes, *argv: str | Path) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsysbinary.readouterr()
    text_out, text_err = out.decode("utf-8"), err.decode("utf-8")
    found = UNSAFE.search(text_out) or UNSAFE.search(text_err)
    assert found is None, (argv, found)
    return code, text_out, text_err


def test_no_command_sends_a_control_character_from_the_hostile_store(
    hostile: tuple[Path, list[str]], capsysbinary: CaptureBytes
) -> None:
    root, segments = hostile
    for argv in (("ls",), ("tree",), ("check",)):
        for fmt in ((), ("--json",)):
            code, out, _err = run(capsysbinary, argv[0], root, *fmt)
            assert code in (0, 1) and SENTINEL in out
    for sid in segments:
        for argv in (("show", root, sid), ("show", root, sid, "--json"), ("cat", root, sid)):
            code, out, _err = run(capsysbinary, *argv)
            assert code in (0, 1) and out


def test_show_writes_escapes_of_what_a_log_would_send_to_the_terminal(
    hostile: tuple[Path, list[str]], capsysbinary: CaptureBytes
) -> None:
    root, segments = hostile
    escapes = segments[2]  # the segment of the ESCAPES values
    code, out, _err = run(capsysbinary, "show", root, escapes)
    assert code == 0
    # the system prompt that would rename the terminal and write the clipboard
    assert "system \\x1b[2J\\x1b[Hh0st1le\\x1b[31mred" in out
    for shown in (
        "\\x1b]52;c;cHduZWQ=\\x07h0st1le",  # OSC 52, the clipboard
        "\\x1b]0;TITLE\\x07h0st1le",  # OSC 0, the title
        "\\x1b]8;;https://evil.example\\x1b\\h0st1le",  # OSC 8, a hyperlink
        "\\u009b31mh0st1le\\u009d0;t\\u009c\\u0085",  # C1 controls
        "bell\\x07back\\x08del\\x7fh0st1le\nCR\\x0dcr",  # CRLF reads as a line end
    ):
        assert shown in out, shown
    lookalikes = segments[3]
    code, out, _err = run(capsysbinary, "show", root, lookalikes)
    assert "\\u202eh0st1le txet desrever\\u202c" in out and "line\\u2028separator" in out
    # a tool name or call id cannot start a line of its own
    heads = [line for line in out.splitlines() if line.startswith("── tool call")]
    assert heads and all(line.count("──") == 1 for line in heads)


def test_json_output_escapes_c1_and_bidirectional_controls_and_keeps_the_values(
    hostile: tuple[Path, list[str]], capsysbinary: CaptureBytes
) -> None:
    root, segments = hostile
    code, out, _err = run(capsysbinary, "show", root, segments[3], "--json")
    assert "\\u202e" in out and "\u202e" not in out
    state = json.loads(out)
    assert state["system_prompt"] == f"system {LOOKALIKES[0]}"  # the log's own value
    code, out, _err = run(capsysbinary, "show", root, segments[2], "--json")
    assert json.loads(out)["system_prompt"] == f"system {ESCAPES[0]}"
    # cat: every line is still the entry's JSON, decoding to what the file holds
    path = FsStore(root).path_for(segments[3])
    code, out, _err = run(capsysbinary, "cat", root, segments[3])
    assert code == 0 and [json.loads(line) for line in out.splitlines()] == [
        json.loads(line) for line in path.read_bytes().splitlines()
    ]


def test_check_prints_each_file_name_on_its_own_line(
    tmp_path: Path, capsysbinary: CaptureBytes
) -> None:
    root = tmp_path / "store"
    root.mkdir()
    good = "0190c000-0000-7000-8000-000000000001"
    (root / f"{good}.jsonl").write_bytes(b"not json\n")
    names = [
        f"\x1b]0;TITLE\x07{good}.jsonl",
        f"x\n{good}.jsonl:1: forged line.jsonl",
        f"\u202e{good}.jsonl",
    ]
    for name in names:
        (root / name).write_bytes(b"{}\n")
    (root / os.fsdecode(b"\xff\xfe.jsonl")).write_bytes(b"{}\n")  # not UTF-8
    code, out, err = run(capsysbinary, "check", root)
    lines = out.splitlines()
    assert code == 1 and len(lines) == 5, lines
    assert err == "segview: 1 segment checked: 5 problems in 5 files\n"
    assert sum(line.startswith(f"{root}/") for line in lines) == 5
    assert any("\\x1b]0;TITLE\\x07" in line for line in lines)
    assert any("\\u202e" in line for line in lines)
    assert any("\\udcff\\udcfe.jsonl" in line for line in lines)
    assert not any(line.startswith(f"{good}.jsonl:1: forged") for line in lines)
    code, out, _err = run(capsysbinary, "check", root, "--json")
    paths = [p["path"] for p in json.loads(out)]
    assert f"{root}/\\udcff\\udcfe.jsonl" in paths  # JSON holds no lone surrogate
    assert f"{root}/\x1b]0;TITLE\x07{good}.jsonl" in paths  # decoded: the name itself


# --- the text helpers -------------------------------------------------------------------------


def test_safe_json_escapes_only_what_a_terminal_acts_on() -> None:
    value = {"c1": "\x9b31m\x85", "bidi": "\u202e\u2066\u200f\u061c", "ls": "\u2028\u2029"}
    value |= {"del": "\x7f", "kept": "€ … 😀 é \u200b", "esc": "\x1b[2J"}
    out = safe_json(orjson.dumps(value))
    assert orjson.loads(out) == value
    assert UNSAFE.search(out.decode()) is None
    assert b"\\u009b31m\\u0085" in out and b"\\u202e\\u2066\\u200f\\u061c" in out
    assert "€ … 😀 é \u200b".encode() in out  # everything else untouched
    assert safe_json(b'{"a":"b"}') == b'{"a":"b"}'


@settings(max_examples=300)
@given(st.recursive(st.text(), lambda c: st.lists(c) | st.dictionaries(st.text(), c), max_leaves=8))
def test_safe_json_keeps_any_value_and_holds_nothing_unsafe(value: object) -> None:
    try:
        data = orjson.dumps(value)
    except TypeError:  # a lone surrogate: not JSON
        return
    out = safe_json(data)
    assert orjson.loads(out) == value
    assert UNSAFE.search(out.decode("utf-8")) is None


@given(st.text())
def test_safe_and_one_line_leave_nothing_unsafe(text: str) -> None:
    assert UNSAFE.search(safe(text).replace("\n", "").replace("\t", "")) is None
    folded = one_line(text)
    assert UNSAFE.search(folded) is None and "\n" not in folded and "\t" not in folded


def test_file_names_that_are_not_utf8_are_shown_as_escapes() -> None:
    name = os.fsdecode(b"\xff-\x1b.jsonl")
    assert one_line(name) == "\\udcff-\\x1b.jsonl"
    assert safe(name) == "\\udcff-\\x1b.jsonl"


@given(st.integers(min_value=0, max_value=2**64 - 1))
def test_every_ts_the_format_allows_is_printable(ts: int) -> None:
    text = format_ts(ts)
    assert text == f"ts {ts}" or text.endswith(" UTC")


@pytest.mark.parametrize("depth", [1, 254, 255, 256, 300, 1023, 1024, 5000])
def test_arguments_of_any_depth_are_printable(depth: int) -> None:
    text = "[" * depth + "]" * depth
    shown = pretty_json(text)
    assert shown.replace("\n", "").replace(" ", "") == text


@pytest.mark.parametrize(
    "items",
    [
        [],
        [{}],
        [[]],
        [{"a": 1}],
        [{"a": [1, {"b": "x\ny"}], "c": None}, "text \u202e\x7f", 3.5, [], {}],
        [{"nested": {"deep": [[{"k": "\u0085"}]]}} for _ in range(3)],
    ],
)
def test_a_json_list_written_an_item_at_a_time_is_the_same_bytes(
    items: list[object], capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    from segview.cli.common import print_json, print_json_list

    print_json(items)
    whole = capsysbinary.readouterr().out
    print_json_list(iter(items))
    assert capsysbinary.readouterr().out == whole
