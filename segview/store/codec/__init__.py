"""Decode one log line to a model, and encode a model to one line, as serde_json does.

Decoding is strict per version: ``validate_entry`` / ``decode_entry`` accept exactly the lines
the Rust reader of the reference or of the current version accepts (FORMAT.md sections 2b and
9), and ``validate_any`` accepts the union of every version for browsing, keeping what no
known version has (unknown keys and kinds) and naming it. orjson does the parsing; a cheap
check sends the rare lines orjson would read differently from serde_json (duplicate keys,
``-0``) through an exact slow path built on the standard library's parser.

Encoding gives serde_json's bytes: fields in declaration order with ``kind`` first, skipped
fields omitted, floats printed as serde_json 1.0.149 prints them (shortest digits, f32
precision for ``temperature`` / ``top_p``), and free-form JSON objects with sorted keys. By
default nothing read is dropped: unknown keys follow the known fields in their original
order, and unknown kinds are written back as read. With ``runtime=<version>`` the output is
what that version's runtime writes back instead (unknown keys dropped, an unknown user-input
segment as ``{"kind":"unknown"}``, the fields the version lacks left out).

The package: ``parse`` (strict JSON parsing, ``DecodeError``), ``decode`` (entries),
``encode`` (serde_json's bytes) and ``floats`` (float printing).
"""

from __future__ import annotations

from .decode import (
    decode_entry,
    decode_usual,
    line_version,
    newer_things,
    validate_any,
    validate_entry,
)
from .encode import describe_config, encode_entry, encode_json_value, encode_model, to_wire
from .floats import format_f32, format_f64
from .parse import (
    MAX_DEPTH,
    NEWER_VERSION,
    DecodeError,
    UnknownKindError,
    check_parsed,
    one_line,
    parse_json,
    parse_json_marked,
    parse_json_text,
)

__all__ = [
    "MAX_DEPTH",
    "NEWER_VERSION",
    "DecodeError",
    "UnknownKindError",
    "check_parsed",
    "decode_entry",
    "decode_usual",
    "encode_entry",
    "encode_json_value",
    "encode_model",
    "format_f32",
    "format_f64",
    "describe_config",
    "parse_json",
    "parse_json_marked",
    "parse_json_text",
    "line_version",
    "newer_things",
    "one_line",
    "to_wire",
    "validate_any",
    "validate_entry",
]
