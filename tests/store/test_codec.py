"""The codec against FORMAT.md sections 2 and 2b, line by line (expected text from the spec)."""

from __future__ import annotations

import math

import pytest

from segview.store import (
    DecodeError,
    Extension,
    FormatVersion,
    ReasoningItem,
    RequestConfig,
    SegmentOrigin,
    SegmentStart,
    TextSegment,
    ToolResultEntry,
    ToolResultItem,
    TurnEnd,
    UnknownSegment,
    UserInput,
    decode_entry,
    encode_entry,
    format_f32,
    format_f64,
)
from segview.store.codec import encode_model


def config_line(temperature: str) -> bytes:
    return (
        '{"kind":"config_changed","ts":1,"config":{"max_tokens":null,"temperature":'
        + temperature
        + ',"top_p":null,"top_k":null,"stop_sequences":[],"reasoning":null}}'
    ).encode()


# --- floats ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "printed"),
    [
        ("0.95", "0.95"),
        ("0.7", "0.7"),
        ("1", "1.0"),
        ("1.0", "1.0"),
        ("0.000025", "0.000025"),
        ("0.000001", "0.000001"),
        ("1e-7", "1e-7"),
        ("30000000000", "30000000000.0"),
        ("1000000000000", "1000000000000.0"),
        ("1e13", "1e+13"),
        ("1.5e38", "1.5e+38"),
        ("1.1920929e-7", "1.1920929e-7"),
        ("0.123456789", "0.12345679"),
        ("-0.0", "-0.0"),
        ("0", "0.0"),
        ("1e39", "null"),
        ("-1e39", "null"),
        ("3.4028235e38", "3.4028235e+38"),
        ("1.1754944e-38", "1.1754944e-38"),
        ("1e-45", "1e-45"),
        ("16777217", "16777216.0"),
    ],
)
def test_f32_fields_round_to_f32_and_print_shortest(written: str, printed: str) -> None:
    entry = decode_entry(config_line(written))
    assert encode_entry(entry) == config_line(printed)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.1, "0.1"),
        (100.0, "100.0"),
        (1e15, "1000000000000000.0"),
        (1e16, "1e+16"),
        (0.00001, "0.00001"),
        (1e-6, "1e-6"),
        (1.5e-7, "1.5e-7"),
        (5e-324, "5e-324"),
        (1.7976931348623157e308, "1.7976931348623157e+308"),
        (-0.0, "-0.0"),
        (float("nan"), "null"),
        (float("inf"), "null"),
        (123456789.125, "123456789.125"),
    ],
)
def test_f64_printing(value: float, text: str) -> None:
    assert format_f64(value) == text


def test_f32_printing_rounds_python_floats_first() -> None:
    assert format_f32(0.949999988079071) == "0.95"
    assert format_f32(math.inf) == "null"


def test_payload_numbers_follow_serde_value_rules() -> None:
    line = (
        b'{"kind":"extension","ts":1,"domain":"d","payload":'
        b'{"big":18446744073709551616,"e":2e3,"negzero":-0,"max":18446744073709551615,'
        b'"min":-9223372036854775808,"under":-9223372036854775809}}'
    )
    entry = decode_entry(line)
    assert encode_entry(entry) == (
        b'{"kind":"extension","ts":1,"domain":"d","payload":'
        b'{"big":1.8446744073709552e+19,"e":2000.0,"max":18446744073709551615,'
        b'"min":-9223372036854775808,"negzero":-0.0,"under":-9.223372036854776e+18}}'
    )


def test_payload_keys_are_written_in_code_point_order() -> None:
    # UTF-16 order would put the astral character (a surrogate pair, 0xD83D...) before U+FF61.
    line = '{"kind":"extension","ts":1,"domain":"d","payload":{"\U0001f600":1,"\uff61":2,"b":{"z":1,"a":2},"a":3}}'
    out = encode_entry(decode_entry(line.encode()))
    assert out.decode() == (
        '{"kind":"extension","ts":1,"domain":"d","payload":{"a":3,"b":{"a":2,"z":1},"\uff61":2,"\U0001f600":1}}'
    )


# --- strings ---------------------------------------------------------------------------------


def test_string_escaping_matches_serde() -> None:
    text = "".join(chr(c) for c in range(0x20)) + '"\\/\x7f\u0085\u2028\u2029é\U0001f600'
    entry = TurnEnd(ts=1, turn_count=1)
    assert entry  # a real entry type is used below
    seg = UserInput(ts=1, segments=[TextSegment(content=text)])
    expected_escape = (
        "\\u0000\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007\\b\\t\\n\\u000b\\f\\r"
        "\\u000e\\u000f\\u0010\\u0011\\u0012\\u0013\\u0014\\u0015\\u0016\\u0017\\u0018\\u0019"
        '\\u001a\\u001b\\u001c\\u001d\\u001e\\u001f\\"\\\\/\x7f\u0085\u2028\u2029é\U0001f600'
    )
    assert encode_entry(seg).decode() == (
        '{"kind":"user_input","ts":1,"segments":[{"kind":"text","content":"'
        + expected_escape
        + '"}]}'
    )
    assert decode_entry(encode_entry(seg)) == seg


# --- omitted fields and nulls ----------------------------------------------------------------


def test_omitted_fields() -> None:
    result = ToolResultEntry(ts=5, item=ToolResultItem(call_id="c", summary="s"))
    assert encode_entry(result) == (
        b'{"kind":"tool_result","ts":5,"item":{"kind":"tool_result","call_id":"c","summary":"s"}}'
    )
    with_all = ToolResultItem(call_id="c", summary="s", content="x", is_error=True)
    assert encode_model(with_all) == (
        b'{"kind":"tool_result","call_id":"c","summary":"s","content":"x","is_error":true}'
    )
    assert encode_model(ReasoningItem(text="t")) == b'{"kind":"reasoning","text":"t"}'
    start = SegmentStart(ts=1, config=RequestConfig(stop_sequences=[]), history=[])
    assert encode_entry(start) == (
        b'{"kind":"segment_start","ts":1,"system_prompt":null,"config":{"max_tokens":null,'
        b'"temperature":null,"top_p":null,"top_k":null,"stop_sequences":[],"reasoning":null},'
        b'"history":[]}'
    )


def test_keys_in_any_order_unknown_keys_kept_absent_optionals_null() -> None:
    line = (
        b'{"history":[],"extra":{"x":1,"a":[2.5,-0]},"config":{"stop_sequences":["a"],'
        b'"future":true},"ts":7,"kind":"segment_start","z":null}'
    )
    entry = decode_entry(line)
    assert isinstance(entry, SegmentStart)
    assert entry.system_prompt is None and entry.config.reasoning is None
    assert entry.extras == {"extra": {"x": 1, "a": [2.5, -0.0]}, "z": None}
    assert entry.config.extras == {"future": True}
    # by default nothing is lost: unknown keys follow the known fields, in the order read
    assert encode_entry(entry) == (
        b'{"kind":"segment_start","ts":7,"system_prompt":null,"config":{"max_tokens":null,'
        b'"temperature":null,"top_p":null,"top_k":null,"stop_sequences":["a"],"reasoning":null,'
        b'"future":true},"history":[],"extra":{"x":1,"a":[2.5,-0.0]},"z":null}'
    )
    # what the runtime writes back (serde ignores unknown keys), at either version
    for version in (FormatVersion.REFERENCE, FormatVersion.CURRENT):
        assert encode_entry(entry, runtime=version) == (
            b'{"kind":"segment_start","ts":7,"system_prompt":null,"config":{"max_tokens":null,'
            b'"temperature":null,"top_p":null,"top_k":null,"stop_sequences":["a"],'
            b'"reasoning":null},"history":[]}'
        )


def test_uuids_in_any_accepted_form_are_written_lower_case_hyphenated() -> None:
    canonical = "0190a1b2-3c4d-7e5f-8a6b-9c0d1e2f3a4b"
    for form in (
        canonical.upper(),
        canonical.replace("-", ""),
        "{" + canonical + "}",
        "urn:uuid:" + canonical,
    ):
        origin = SegmentOrigin.model_validate({"segment_id": form, "at_turn_index": 2})
        assert origin.segment_id == canonical
    with pytest.raises(ValueError):
        SegmentOrigin.model_validate(
            {"segment_id": "0190a1b23-c4d-7e5f-8a6b-9c0d1e2f3a4b", "at_turn_index": 2}
        )


# --- what the Rust reader rejects (section 2b) -----------------------------------------------

TURN = '{"kind":"turn_end","ts":1,"turn_count":1}'


@pytest.mark.parametrize(
    "line",
    [
        pytest.param('{"kind":"turn_end","ts":1,"ts":2,"turn_count":1}', id="duplicate-struct-key"),
        pytest.param(
            '{"kind":"turn_end","kind":"turn_end","ts":1,"turn_count":1}', id="duplicate-tag"
        ),
        pytest.param(
            '{"kind":"assistant_item","ts":1,"item":{"kind":"tool_call","call_id":"a","call_id":"b","name":"n","arguments":""}}',
            id="duplicate-nested-key",
        ),
        pytest.param(
            '{"kind":"turn_end","ts":1,"turn_count":1,"x":"\\ud800"}', id="lone-surrogate"
        ),
        pytest.param(TURN + "x", id="trailing-characters"),
        pytest.param(TURN + TURN, id="two-objects"),
        pytest.param("[1,2]", id="array"),
        pytest.param('"text"', id="string"),
        pytest.param('{"kind":"Turn_End","ts":1,"turn_count":1}', id="wrong-case-kind"),
        pytest.param('{"kind":"bogus","ts":1}', id="unknown-kind"),
        pytest.param('{"kind":"paused_turn_abandoned","ts":1}', id="later-kind-strict"),
        pytest.param('{"ts":1,"turn_count":1}', id="missing-kind"),
        pytest.param(
            '{"kind":"user_input","ts":1,"segments":[{"content":"x"}]}', id="segment-without-kind"
        ),
        pytest.param('{"kind":"turn_end","ts":3001.0,"turn_count":1}', id="float-for-integer"),
        pytest.param('{"kind":"turn_end","ts":-0,"turn_count":1}', id="negative-zero-integer"),
        pytest.param('{"kind":"turn_end","ts":-1,"turn_count":1}', id="negative-u64"),
        pytest.param(
            '{"kind":"turn_end","ts":18446744073709551616,"turn_count":1}', id="u64-overflow"
        ),
        pytest.param('{"kind":"turn_end","ts":"1","turn_count":1}', id="string-for-integer"),
        pytest.param(
            '{"kind":"run_completed","ts":1,"interrupted":1,"result":"finished"}', id="int-for-bool"
        ),
        pytest.param(
            '{"kind":"run_completed","ts":1,"interrupted":false,"result":"done"}',
            id="unknown-result",
        ),
        pytest.param(
            '{"kind":"config_changed","ts":1,"config":{"reasoning":2147483648,"stop_sequences":[]}}',
            id="budget-beyond-i32",
        ),
        pytest.param(
            '{"kind":"config_changed","ts":1,"config":{"max_tokens":1}}', id="stop-sequences-absent"
        ),
        pytest.param('{"kind":"turn_end","ts":NaN,"turn_count":1}', id="nan"),
        pytest.param(
            '{"kind":"config_changed","ts":1,"config":{"temperature":1e400,"stop_sequences":[]}}',
            id="f64-overflow",
        ),
        pytest.param("\u00a0" + TURN, id="nbsp-before-object"),
        pytest.param(TURN + "\u00a0", id="nbsp-after-object"),
        pytest.param("\u001c", id="file-separator-is-not-whitespace"),
        pytest.param(
            '{"kind":"turn_end","ts":1,"turn_count":1,"s":"a\tb"}', id="raw-control-in-string"
        ),
        pytest.param("[" * 127 + "]" * 127, id="recursion-limit"),
    ],
)
def test_strict_decoder_rejects(line: str) -> None:
    with pytest.raises(DecodeError):
        decode_entry(line.encode())


@pytest.mark.parametrize(
    "line",
    [
        pytest.param(" \t" + TURN + " \r", id="json-whitespace-around"),
        pytest.param(
            '{"kind":"turn_end","ts":1,"turn_count":1,"x":1,"x":2}', id="duplicate-unknown-key"
        ),
        pytest.param('{"kind":"turn_end","ts":18446744073709551615,"turn_count":1}', id="u64-max"),
        pytest.param(
            '{"kind":"turn_end","ts":1,"turn_count":1,"x":"\\ud83d\\ude00"}', id="surrogate-pair"
        ),
        pytest.param(
            '{"kind":"turn_end","ts":1,"turn_count":1,"x":' + "[" * 125 + "]" * 125 + "}",
            id="deep-but-allowed",
        ),
        pytest.param(
            '{"kind":"turn_end","ts":1,"turn_count":1,"x":"a\\u003ab"}', id="escaped-colon"
        ),
    ],
)
def test_strict_decoder_accepts(line: str) -> None:
    assert isinstance(decode_entry(line.encode()), TurnEnd)


def test_duplicate_keys_inside_payload_keep_the_last() -> None:
    entry = decode_entry(b'{"kind":"extension","ts":1,"domain":"d","payload":{"a":1,"a":2}}')
    assert isinstance(entry, Extension) and entry.payload == {"a": 2}
    with pytest.raises(DecodeError):
        decode_entry(b'{"kind":"extension","ts":1,"domain":"d","domain":"e","payload":{}}')


def test_user_segments_unknown_kind_is_kept_and_the_runtime_writes_it_lossy() -> None:
    line = b'{"kind":"user_input","ts":1,"segments":[{"kind":"image","url":"x"},{"kind":"text","content":"hi"}]}'
    entry = decode_entry(line)
    assert isinstance(entry, UserInput)
    assert isinstance(entry.segments[0], UnknownSegment)
    assert entry.segments[0].raw == {"kind": "image", "url": "x"}
    assert encode_entry(entry) == line
    for version in (FormatVersion.REFERENCE, FormatVersion.CURRENT):
        assert encode_entry(entry, runtime=version) == (
            b'{"kind":"user_input","ts":1,"segments":[{"kind":"unknown"},{"kind":"text","content":"hi"}]}'
        )


def test_reasoning_effort_labels_and_budgets() -> None:
    for value, text in (
        ('"high"', '"high"'),
        ('"HIGH"', '"HIGH"'),
        ("-1", "-1"),
        ("16000", "16000"),
    ):
        line = (
            '{"kind":"config_changed","ts":1,"config":{"stop_sequences":[],"reasoning":'
            + value
            + "}}"
        )
        out = encode_entry(decode_entry(line.encode())).decode()
        assert out.endswith('"reasoning":' + text + "}}")
    with pytest.raises(DecodeError):
        decode_entry(
            b'{"kind":"config_changed","ts":1,"config":{"stop_sequences":[],"reasoning":1.5}}'
        )


def test_later_version_entries_are_readable_when_asked() -> None:
    entry = decode_entry(b'{"kind":"paused_turn_abandoned","ts":4}', allow_later=True)
    assert entry.kind == "paused_turn_abandoned"
    line = (
        b'{"kind":"segment_start","ts":1,"session_id":"0190a1b2-3c4d-7e5f-8a6b-9c0d1e2f3a4b",'
        b'"system_prompt":null,"config":{"max_tokens":null,"temperature":null,"top_p":null,'
        b'"top_k":null,"stop_sequences":[],"reasoning":null},"history":[]}'
    )
    assert encode_entry(decode_entry(line)) == line


# --- the fields given, shared between models of one shape ------------------------------------


def test_models_kept_long_share_their_given_fields_and_copies_get_their_own() -> None:
    import copy

    from segview.store.tolerant import decode_tolerant

    lines = [
        b'{"kind":"tool_result","ts":%d,"item":{"kind":"tool_result","call_id":"c%d","summary":"s"}}'
        % (n, n)
        for n in (1, 2)
    ]
    first, second = (decode_tolerant(line, share=True)[0] for line in lines)
    assert isinstance(first, ToolResultEntry) and isinstance(second, ToolResultEntry)
    # what was given, not the defaults: content and is_error were absent
    assert first.item.model_fields_set == {"kind", "call_id", "summary"}
    assert first.model_fields_set == {"kind", "ts", "item"}
    assert first.item.model_fields_set is second.item.model_fields_set
    assert first.model_fields_set is second.model_fields_set
    with_content, _ = decode_tolerant(
        b'{"kind":"tool_result","ts":3,"item":{"kind":"tool_result","call_id":"c","summary":"s",'
        b'"content":"x","future":1}}',
        share=True,
    )
    assert isinstance(with_content, ToolResultEntry)  # (the lenient path: an unknown key)
    given = {"kind", "call_id", "summary", "content", "future"}
    assert with_content.item.model_fields_set == given
    assert with_content.item.model_fields_set is not first.item.model_fields_set
    # read once only (the forest's first lines, the command line): a set of its own
    once = [decode_entry(line) for line in lines]
    assert once[0].model_fields_set == first.model_fields_set
    assert once[0].model_fields_set is not once[1].model_fields_set
    # a copy with a field updated adds it to a set of its own, never to the shared one
    shared = first.item.model_fields_set
    updated = first.item.model_copy(update={"content": "y"})
    assert updated.content == "y" and updated.model_fields_set == shared | {"content"}
    assert shared == {"kind", "call_id", "summary"} and second.item.model_fields_set == shared
    deep = copy.deepcopy(first)
    assert deep == first and deep.item is not first.item
    assert deep.item.model_fields_set == shared and deep.item.model_fields_set is not shared
    # a model is frozen, so nothing adds to the shared set by assignment
    with pytest.raises(ValueError, match="frozen"):
        first.item.content = "z"  # type: ignore[misc]
    assert shared == {"kind", "call_id", "summary"}
    assert encode_entry(first) == lines[0] and first == once[0]


def test_the_depth_bounds_of_the_fast_validators_hold_for_every_reference_line() -> None:
    from pathlib import Path

    import orjson

    from segview.store.model import ENTRY_CLASSES, FAST_DEPTH_BOUNDS, Extension

    def depth(value: object) -> int:
        if isinstance(value, dict):
            return 1 + max((depth(v) for v in value.values()), default=0)
        if isinstance(value, list):
            return 1 + max((depth(v) for v in value), default=0)
        return 0

    # free JSON (an extension's payload, a user input's extensions): no bound
    assert FAST_DEPTH_BOUNDS[Extension] is None and FAST_DEPTH_BOUNDS[UserInput] is None
    assert {cls for cls, bound in FAST_DEPTH_BOUNDS.items() if bound is None} == {
        Extension,
        UserInput,
    }
    tests = Path(__file__).resolve().parents[1]
    deepest: dict[str, int] = {}
    for path in [
        *tests.glob("golden/stores/*/*.jsonl"),
        *tests.glob("golden_head/stores/*/*.jsonl"),
    ]:
        for line in path.read_bytes().splitlines():
            obj = orjson.loads(line)
            cls = ENTRY_CLASSES.get(obj["kind"])
            if cls is not None and FAST_DEPTH_BOUNDS[cls] is not None:
                bound = FAST_DEPTH_BOUNDS[cls]
                assert bound is not None and depth(obj) <= bound, (obj["kind"], depth(obj))
                deepest[obj["kind"]] = max(deepest.get(obj["kind"], 0), depth(obj))
    # the bounds are reached, not only kept: an assistant item's message part is 4 deep
    assert deepest["assistant_item"] == FAST_DEPTH_BOUNDS[ENTRY_CLASSES["assistant_item"]] == 4
    assert deepest["turn_end"] == 1
