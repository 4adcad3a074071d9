"""Strict JSON parsing of one line as serde_json reads it (``parse_json``,
``parse_json_marked``): orjson does the parsing, and a cheap check sends the rare lines
orjson would read differently (duplicate keys, ``-0``, nesting deeper than ``MAX_DEPTH``)
through an exact slow path on the standard library's parser. ``DecodeError`` says why a line
is rejected, on one line (``one_line``).
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

import orjson

from ..model import U64_MAX

__all__ = [
    "NEWER_VERSION",
    "DecodeError",
    "UnknownKindError",
    "parse_json",
    "check_parsed",
    "is_canonical",
    "parse_json_marked",
    "parse_json_text",
    "MAX_DEPTH",
    "one_line",
]


I64_MIN = -(2**63)


MAX_DEPTH = 127  # serde_json's recursion limit (128) allows 127 nested arrays/objects


class DecodeError(ValueError):
    """A line that the Rust reader would reject; the message says why (on one line)."""

    def __init__(self, message: str) -> None:
        super().__init__(one_line(message))


class UnknownKindError(DecodeError):
    """An object whose entry ``kind`` no known version has (``kind`` holds it)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        super().__init__(f"unknown variant `{kind}`")


NEWER_VERSION = "written by a newer runtime version"


"""How the notes about unknown keys and kinds end: kept as read, never lost."""


_CONTROL_CHARS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def one_line(text: str, limit: int = 300) -> str:
    """``text`` safe to print as one line: control characters (line breaks, terminal
    escapes) written as escapes, and the middle of an overlong text cut out."""
    text = _CONTROL_CHARS.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)
    if len(text) > limit:
        text = f"{text[: limit * 2 // 3]}…{text[-(limit // 3) :]}"
    return text


_NEG_ZERO = re.compile(rb"-0(?![0-9.eE])")


class _DupDict(dict[str, Any]):
    """A JSON object that had duplicate keys (last one kept, as serde_json::Value does)."""

    __slots__ = ("dups",)

    def __init__(self, pairs: list[tuple[str, Any]]) -> None:
        super().__init__()
        self.dups: set[str] = set()
        for k, v in pairs:
            if k in self:
                self.dups.add(k)
            self[k] = v


def _pairs_hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    d = _DupDict(pairs)
    return d if d.dups else dict(d)


def _parse_int(text: str) -> int | float:
    if text == "-0":
        return -0.0
    value = int(text)
    if value > U64_MAX or value < I64_MIN:
        return float(text)
    return value


def _parse_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise DecodeError("number out of range")
    return value


def _reject_constant(text: str) -> Any:
    raise DecodeError(f"expected value, found {text}")


def _walk(obj: Any) -> int:
    """Count object pairs plus ':' in every string; check depth and lone surrogates."""
    count = 0
    stack: list[tuple[Any, int]] = [(obj, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            if depth > MAX_DEPTH:
                raise DecodeError("recursion limit exceeded")
            count += len(value)
            for k, v in value.items():
                count += k.count(":")
                if isinstance(v, str):
                    count += v.count(":")
                elif isinstance(v, (dict, list)):
                    stack.append((v, depth + 1))
        elif isinstance(value, list):
            if depth > MAX_DEPTH:
                raise DecodeError("recursion limit exceeded")
            for v in value:
                if isinstance(v, str):
                    count += v.count(":")
                elif isinstance(v, (dict, list)):
                    stack.append((v, depth + 1))
        elif isinstance(value, str):
            count += value.count(":")
    return count


def _check_strings(obj: Any) -> None:
    """Reject lone surrogates (the standard library's parser lets them through)."""
    stack = [obj]
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise DecodeError("lone leading surrogate in hex escape") from None
        elif isinstance(value, dict):
            stack.extend(value.keys())
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)


def _slow_parse(line: bytes) -> Any:
    return parse_json_text(line.decode("utf-8"))


def parse_json_text(text: str) -> Any:
    """``parse_json`` of a line already decoded from UTF-8, by the exact path alone (the
    standard library's parser; objects that had duplicate keys are ``_DupDict``).

    It holds the text and what it parses into, no more: orjson also holds a copy of its
    input while it parses, a third copy of a line made of one long string (see
    ``tolerant.read_tolerant``). Slower than orjson for a line of many small values.
    """
    try:
        obj = json.loads(
            text,
            object_pairs_hook=_pairs_hook,
            parse_int=_parse_int,
            parse_float=_parse_float,
            parse_constant=_reject_constant,
        )
    except json.JSONDecodeError as exc:
        raise DecodeError(f"not valid JSON: {exc.msg} at column {exc.colno}") from None
    except RecursionError:
        raise DecodeError("recursion limit exceeded") from None
    if "\\u" in text:  # text decoded from UTF-8 holds a lone surrogate only by an escape
        _check_strings(obj)
    _walk(obj)
    return obj


def parse_json(line: bytes) -> Any:
    """Parse one line as serde_json would (objects that had duplicate keys are ``_DupDict``)."""
    return parse_json_marked(line)[0]


def parse_json_marked(line: bytes) -> tuple[Any, bool]:
    """``parse_json``, and whether the exact parser ran (only then can ``_DupDict`` occur).

    Fast path: a line that orjson writes back byte for byte is canonical — it has no
    duplicate key (orjson keeps one of them, so the bytes would differ), no ``-0`` (written
    back as ``0``), no escaped ``:`` — and with at most ``MAX_DEPTH`` brackets it cannot be
    nested too deeply. orjson reads such a line exactly as serde_json does, with no further
    check. Lines written by serde_json are canonical unless they hold a float that orjson
    prints differently (``1e+13``); those take the checked path below.
    """
    try:
        obj = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        raise DecodeError(_orjson_message(exc)) from None
    return check_parsed(line, obj)


def is_canonical(line: bytes, obj: Any, *, shallow: bool = False) -> bool:
    """Whether orjson writes ``obj`` (what it parsed ``line`` into) back as ``line`` byte for
    byte, with at most ``MAX_DEPTH`` brackets in it (see ``parse_json_marked``). ``shallow``:
    the caller bounds the nesting otherwise, and the brackets are not counted."""
    if not shallow and line.count(b"{") + line.count(b"[") > MAX_DEPTH:
        return False
    try:
        return orjson.dumps(obj) == line
    except orjson.JSONEncodeError:  # nested deeper than orjson writes (255 levels)
        return False


def check_parsed(line: bytes, obj: Any) -> tuple[Any, bool]:
    """``parse_json_marked`` of a line orjson has parsed into ``obj``."""
    if is_canonical(line, obj):
        return obj, False
    if b"-0" in line and _NEG_ZERO.search(line):
        return _slow_parse(line), True
    if isinstance(obj, (dict, list)):
        expected = _walk(obj)
        if line.count(b":") != expected or b"\\u003a" in line or b"\\u003A" in line:
            return _slow_parse(line), True
    return obj, False


def _orjson_message(exc: orjson.JSONDecodeError) -> str:
    msg = str(exc)
    # orjson: "unexpected character: line 1 column 5 (char 4)" -> keep the column only
    m = re.match(r"(.*): line \d+ column (\d+) \(char \d+\)$", msg)
    if m:
        return f"not valid JSON: {m.group(1)} at column {m.group(2)}"
    return f"not valid JSON: {msg}"
