"""Properties of the strict JSON parser's fast path (orjson) against the exact slow path."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from segview.store.codec import parse_json
from segview.store.codec.parse import _DupDict, _slow_parse, parse_json_text

keys = st.text(alphabet=st.sampled_from('ab:"\\\u2028é😀x'), min_size=0, max_size=4)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**64 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(alphabet=st.sampled_from('a:"\\\n\u0001\u2028é😀{}[],'), max_size=6),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=4)),
    max_leaves=20,
)


def has_dup(obj: Any) -> bool:
    if isinstance(obj, _DupDict):
        return True
    if isinstance(obj, dict):
        return any(has_dup(v) for v in obj.values())
    if isinstance(obj, list):
        return any(has_dup(v) for v in obj)
    return False


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(keys, values, max_size=5))
def test_fast_path_equals_exact_parse_without_duplicates(obj: dict[str, Any]) -> None:
    line = json.dumps(obj, ensure_ascii=bool(len(obj) % 2)).encode()
    parsed = parse_json(line)
    assert parsed == obj == _slow_parse(line)
    assert not has_dup(parsed)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(keys, values, min_size=1, max_size=5), st.data())
def test_an_injected_duplicate_key_is_always_seen(obj: dict[str, Any], data: st.DataObject) -> None:
    key = data.draw(st.sampled_from(sorted(obj)))
    extra = data.draw(values)
    text = json.dumps(obj, ensure_ascii=data.draw(st.booleans()))
    dup = json.dumps(key) + ":" + json.dumps(extra)
    line = ("{" + dup + "," + text[1:]).encode()
    assert has_dup(parse_json(line))


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(keys, values, min_size=1, max_size=5), st.data())
def test_the_text_path_reads_every_line_as_parse_json(
    obj: dict[str, Any], data: st.DataObject
) -> None:
    text = json.dumps(obj, ensure_ascii=data.draw(st.booleans()))
    if data.draw(st.booleans()):  # a duplicate key
        key = data.draw(st.sampled_from(sorted(obj)))
        text = "{" + json.dumps(key) + ":" + json.dumps(data.draw(values)) + "," + text[1:]
    parsed = parse_json(text.encode())
    from_text = parse_json_text(text + "\n")
    assert from_text == parsed and has_dup(from_text) == has_dup(parsed)
