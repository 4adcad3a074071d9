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
"""

from __future__ import annotations

import json
import math
import re
import struct
from collections.abc import Iterator
from decimal import Decimal
from fractions import Fraction
from typing import Any, cast

import orjson
from pydantic import BaseModel, ValidationError

from .model import (
    CURRENT_KINDS,
    CURRENT_SYSTEM_ITEMS,
    ENTRY_CLASSES,
    FAST_VALIDATORS,
    LENIENT_VALIDATORS,
    REFERENCE_KINDS,
    REFERENCE_SYSTEM_ITEMS,
    U64_MAX,
    FormatVersion,
    Invoke,
    LogEntry,
    RequestConfig,
    SegmentStart,
    StoreModel,
    SystemItemEntry,
    SystemItems,
    SystemWorkflow,
    UnknownSegment,
    UnknownVariant,
    f32,
)

__all__ = [
    "NEWER_VERSION",
    "DecodeError",
    "UnknownKindError",
    "decode_entry",
    "encode_entry",
    "encode_json_value",
    "encode_model",
    "format_f32",
    "format_f64",
    "describe_config",
    "parse_json",
    "parse_json_marked",
    "line_version",
    "newer_things",
    "to_wire",
    "validate_any",
    "validate_entry",
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


# --- float printing --------------------------------------------------------------------------


def _decimal_parts(text: str) -> tuple[str, int]:
    """Digits (no leading/trailing zeros) and exponent such that value = 0.d1d2... * 10**exp."""
    _sign, digits, exponent = Decimal(text).as_tuple()
    assert isinstance(exponent, int)
    ds = "".join(map(str, digits)).lstrip("0")
    stripped = ds.rstrip("0")
    exponent += len(ds) - len(stripped)
    return stripped, exponent + len(stripped)


def _layout(negative: bool, digits: str, point: int, lo: int, hi: int) -> str:
    """serde_json's layout of shortest digits ``0.digits * 10**point``."""
    e10 = point - 1  # decimal exponent of the first significant digit
    sign = "-" if negative else ""
    if lo <= e10 <= hi:
        if point <= 0:
            return f"{sign}0.{'0' * -point}{digits}"
        if point >= len(digits):
            return f"{sign}{digits}{'0' * (point - len(digits))}.0"
        return f"{sign}{digits[:point]}.{digits[point:]}"
    mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
    return f"{sign}{mantissa}e{'+' if e10 > 0 else ''}{e10}"


def format_f64(value: float) -> str:
    """Print an f64 as serde_json 1.0.149 does (``null`` for non-finite values)."""
    if not math.isfinite(value):
        return "null"
    if value == 0.0:
        return "-0.0" if math.copysign(1.0, value) < 0 else "0.0"
    digits, point = _decimal_parts(repr(abs(value)))  # repr is the shortest round-trip
    return _layout(value < 0, digits, point, -5, 15)


def _f32_bits(x: float) -> int:
    return int(struct.unpack("<I", struct.pack("<f", x))[0])


def _f32_from_bits(bits: int) -> float:
    return float(struct.unpack("<f", struct.pack("<I", bits))[0])


def _shortest_f32_digits(x: float) -> tuple[str, int]:
    """Shortest decimal digits that read back (as f32) to the positive finite f32 ``x``.

    Candidates are checked exactly (with fractions) against the half-gaps to the
    neighbouring f32 values, which differ below a power of two; ties go to the even value.
    """
    fx = Fraction(x)
    bits = _f32_bits(x)
    gap_below = fx - Fraction(_f32_from_bits(bits - 1) if bits > 0 else 0.0)
    above = bits + 1
    gap_above = gap_below if above >= 0x7F800000 else Fraction(_f32_from_bits(above)) - fx
    even = bits & 1 == 0
    for precision in range(1, 10):
        mant_text, exp_text = f"{x:.{precision - 1}e}".split("e")
        mantissa = int(mant_text.replace(".", ""))
        exp10 = int(exp_text) - (precision - 1)
        best: tuple[Fraction, int] | None = None
        for cand in (mantissa - 1, mantissa, mantissa + 1):
            if cand <= 0:
                continue
            diff = Fraction(cand) * Fraction(10) ** exp10 - fx
            limit = (gap_above if diff > 0 else gap_below) / 2
            ok = abs(diff) < limit or (abs(diff) == limit and even)
            if ok and (best is None or abs(diff) < best[0]):
                best = (abs(diff), cand)
        if best is not None:
            digits = str(best[1])
            stripped = digits.rstrip("0")
            exponent = exp10 + (len(digits) - len(stripped))
            return stripped, exponent + len(stripped)
    raise AssertionError("nine significant digits always identify an f32")


_F32_CACHE: dict[float, str] = {}


def format_f32(value: float) -> str:
    """Print a 32-bit float as serde_json 1.0.149 does: shortest f32 digits, f32 layout."""
    value = f32(value)
    cached = _F32_CACHE.get(value) if value != 0.0 else None
    if cached is not None:
        return cached
    if not math.isfinite(value):
        text = "null"
    elif value == 0.0:
        text = "-0.0" if math.copysign(1.0, value) < 0 else "0.0"
    else:
        digits, point = _shortest_f32_digits(abs(value))
        text = _layout(value < 0, digits, point, -6, 12)
    if len(_F32_CACHE) < 4096:
        _F32_CACHE[value] = text
    return text


# --- encoding --------------------------------------------------------------------------------


def encode_json_value(value: Any, *, sort_keys: bool = True) -> Any:
    """A free-form JSON value (``serde_json::Value``) as orjson input with serde's printing.

    Objects come out with sorted keys, as serde_json's ``Value`` writes them; with
    ``sort_keys=False`` in the order read (how unknown keys are written back).
    """
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        if I64_MIN <= value <= U64_MAX:
            return value
        return orjson.Fragment(format_f64(float(value)))
    if isinstance(value, float):
        return orjson.Fragment(format_f64(value))
    if isinstance(value, dict):
        keys = sorted(value) if sort_keys else value
        return {k: encode_json_value(value[k], sort_keys=sort_keys) for k in keys}
    if isinstance(value, (list, tuple)):
        return [encode_json_value(v, sort_keys=sort_keys) for v in value]
    if isinstance(value, BaseModel):
        return to_wire(value)
    raise TypeError(f"not a JSON value: {type(value).__name__}")


def _wire_field(value: Any, runtime: FormatVersion | None) -> Any:
    if isinstance(value, StoreModel):
        return to_wire(value, runtime)
    if isinstance(value, list):
        return [_wire_field(v, runtime) for v in value]
    return value


_UNKNOWN_WIRE = {"kind": "unknown"}


def to_wire(model: BaseModel, runtime: FormatVersion | None = None) -> dict[str, Any]:
    """The model as orjson input, in serde's field order and with serde's omissions.

    By default unknown keys follow the known fields in their original order and unknown
    kinds are written as read. With ``runtime`` (``REFERENCE`` or ``CURRENT``): what that
    version's runtime writes back for what it read (see the module docstring).
    """
    cls = type(model)
    if runtime is not None:
        if runtime is FormatVersion.AUTO:
            raise ValueError("runtime encoding needs a version (reference or current)")
        unknown_in: frozenset[FormatVersion] | None = getattr(cls, "_unknown_in", None)
        if unknown_in is not None and runtime in unknown_in:
            return dict(_UNKNOWN_WIRE)
    if isinstance(model, UnknownVariant):
        return {"kind": model.kind, **_extras_wire(model.extras)}
    omit: frozenset[str] = getattr(cls, "_omit_when_empty", frozenset())
    f32_fields: frozenset[str] = getattr(cls, "_f32_fields", frozenset())
    json_fields: frozenset[str] = getattr(cls, "_json_fields", frozenset())
    versions: dict[str, frozenset[FormatVersion]] = getattr(cls, "_versions", {})
    out: dict[str, Any] = {}
    for name in cls.model_fields:
        if runtime is not None and name in versions and runtime not in versions[name]:
            continue
        value = getattr(model, name)
        if name in omit and (value is None or value is False or value == []):
            continue
        if name in f32_fields:
            out[name] = None if value is None else orjson.Fragment(format_f32(value))
        elif name in json_fields:
            out[name] = encode_json_value(value)
        else:
            out[name] = _wire_field(value, runtime)
    if runtime is None and model.__pydantic_extra__:
        out.update(_extras_wire(model.__pydantic_extra__))
    return out


def _extras_wire(extras: dict[str, Any]) -> dict[str, Any]:
    return {k: encode_json_value(v, sort_keys=False) for k, v in extras.items()}


def encode_model(model: BaseModel, *, runtime: FormatVersion | None = None) -> bytes:
    """One model as compact JSON, byte-identical to serde_json's ``to_string``."""
    return orjson.dumps(to_wire(model, runtime))


def encode_entry(entry: LogEntry, *, runtime: FormatVersion | None = None) -> bytes:
    """One log entry as its line, without the trailing newline (see ``to_wire``)."""
    return orjson.dumps(to_wire(entry, runtime))


def describe_config(config: RequestConfig) -> list[tuple[str, str]]:
    """The settings of a config that are set, as ``(name, text)`` for people to read.

    ``temperature`` / ``top_p`` are printed as serde prints them (``0.2``, not the widened
    ``0.20000000298023224``); ``stop_sequences`` is left out.
    """
    out: list[tuple[str, str]] = []
    for name in ("max_tokens", "temperature", "top_p", "top_k", "reasoning"):
        value = getattr(config, name)
        if value is None:
            continue
        out.append((name, format_f32(value) if name in config._f32_fields else str(value)))
    return out


# --- strict JSON parsing ---------------------------------------------------------------------

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
    try:
        obj = json.loads(
            line.decode("utf-8"),
            object_pairs_hook=_pairs_hook,
            parse_int=_parse_int,
            parse_float=_parse_float,
            parse_constant=_reject_constant,
        )
    except json.JSONDecodeError as exc:
        raise DecodeError(f"not valid JSON: {exc.msg} at column {exc.colno}") from None
    except RecursionError:
        raise DecodeError("recursion limit exceeded") from None
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
    if line.count(b"{") + line.count(b"[") <= MAX_DEPTH and orjson.dumps(obj) == line:
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


# --- entry decoding --------------------------------------------------------------------------


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"boolean `{str(value).lower()}`"
    if isinstance(value, (int, float)):
        return f"number {value!r}"
    if isinstance(value, str):
        return f"string {value!r}"
    if isinstance(value, list):
        return "sequence"
    return "map"


def _validation_message(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors(include_url=False)[:3]:
        loc = ".".join(str(p) for p in err["loc"] if not isinstance(p, str) or p[:1] != "_")
        # pydantic puts union tags into the location; keep only real field names/indices
        parts.append(f"{loc}: {err['msg']}" if loc else err["msg"])
    more = len(exc.errors()) - 3
    return "; ".join(parts) + (f" (+{more} more)" if more > 0 else "")


def _check_duplicates(raw: Any, model: Any) -> None:
    """Duplicate keys are errors in struct positions (serde_derive), fine in free-form JSON."""
    stack = [(raw, model)]
    while stack:
        r, m = stack.pop()
        if isinstance(m, StoreModel) and isinstance(r, dict):
            if isinstance(r, _DupDict):
                known = r.dups & set(type(m).model_fields)
                if known:
                    raise DecodeError(f"duplicate field `{sorted(known)[0]}`")
            json_fields: frozenset[str] = getattr(type(m), "_json_fields", frozenset())
            for name in type(m).model_fields:
                if name in json_fields or name not in r:
                    continue
                stack.append((r[name], getattr(m, name)))
        elif isinstance(m, list) and isinstance(r, list):
            stack.extend(zip(r, m, strict=False))


def _has_dups(obj: Any) -> bool:
    stack = [obj]
    while stack:
        v = stack.pop()
        if isinstance(v, _DupDict):
            return True
        if isinstance(v, dict):
            stack.extend(x for x in v.values() if isinstance(x, (dict, list)))
        elif isinstance(v, list):
            stack.extend(x for x in v if isinstance(x, (dict, list)))
    return False


def line_version(obj: Any) -> FormatVersion:
    """The version one parsed line implies on its own: ``CURRENT`` for a ``segment_start``
    with a ``session_id``, else ``REFERENCE`` (FORMAT.md section 9.6)."""
    if (
        isinstance(obj, dict)
        and obj.get("kind") == "segment_start"
        and obj.get("session_id") is not None
    ):
        return FormatVersion.CURRENT
    return FormatVersion.REFERENCE


def _entry_class(obj: Any) -> tuple[type[StoreModel], str]:
    if not isinstance(obj, dict):
        raise DecodeError(f"invalid type: {_type_name(obj)}, expected a log entry object")
    if "kind" not in obj:
        raise DecodeError("missing field `kind`")
    kind = obj["kind"]
    if not isinstance(kind, str):
        raise DecodeError(f"unknown variant `{_type_name(kind)}`")
    cls = ENTRY_CLASSES.get(kind)
    if cls is None:
        raise UnknownKindError(kind)
    if isinstance(obj, _DupDict) and "kind" in obj.dups:
        raise DecodeError("duplicate field `kind`")
    return cls, kind


_FAST = {kind: FAST_VALIDATORS[cls].validate_python for kind, cls in ENTRY_CLASSES.items()}


def _validate(cls: type[StoreModel], kind: str, obj: Any) -> tuple[StoreModel, bool]:
    """Validate ``obj`` as ``cls``: (model, whether it holds unknown keys or kinds).

    The fast validator rejects anything unknown; only a line it rejects takes the lenient
    validator, which keeps what is unknown and reports real damage.
    """
    try:
        return _FAST[kind](obj), False
    except ValidationError:
        pass
    try:
        return LENIENT_VALIDATORS[cls].validate_python(obj), True
    except ValidationError as exc:
        raise DecodeError(f"{kind}: {_validation_message(exc)}") from None


_REFERENCE_KINDS = frozenset(REFERENCE_KINDS)
_CURRENT_KINDS = frozenset(CURRENT_KINDS)


def validate_entry(
    obj: Any,
    *,
    version: FormatVersion = FormatVersion.AUTO,
    check_duplicates: bool = True,
) -> LogEntry:
    """Turn parsed JSON into a ``LogEntry`` as the Rust reader of ``version`` does, or raise
    ``DecodeError``.

    ``AUTO`` takes the version the line implies (``line_version``). Unknown keys are accepted
    (serde ignores them; they are kept); an unknown kind of entry, history item, system item,
    worker event or attachment is an error, as is a shape the version does not have (a legacy
    plural kind, ``pod_event`` or a ``segment_start`` without ``session_id`` at the current
    version; ``paused_turn_abandoned``, ``worker_event`` and the newer system items at the
    reference version). ``check_duplicates`` may be False only for objects that cannot hold
    a ``_DupDict`` (``parse_json_marked`` says so), which spares a walk over the object.
    """
    cls, kind = _entry_class(obj)
    if version is FormatVersion.AUTO:
        version = line_version(obj)
    if kind not in (_CURRENT_KINDS if version is FormatVersion.CURRENT else _REFERENCE_KINDS):
        raise DecodeError(f"unknown variant `{kind}`")
    entry, lenient = _validate(cls, kind, obj)
    if check_duplicates and _has_dups(obj):
        _check_duplicates(obj, entry)
    _check_version(cast(LogEntry, entry), version, lenient)
    return cast(LogEntry, entry)


def validate_any(obj: Any, *, check_duplicates: bool = True) -> tuple[LogEntry, tuple[str, ...]]:
    """Turn parsed JSON into a ``LogEntry`` of any version, for browsing.

    Returns the entry and what in it no known version has (``newer_things``: unknown keys,
    unknown kinds of nested objects), all kept. Raises ``UnknownKindError`` for an unknown
    entry kind and ``DecodeError`` for real damage.
    """
    kind = obj.get("kind") if obj.__class__ is dict else None
    fast = _FAST.get(kind) if kind.__class__ is str else None
    if fast is not None:  # the common line, inlined: a known kind, nothing unknown in it
        try:
            entry = fast(obj)
        except ValidationError:
            pass
        else:
            if check_duplicates and _has_dups(obj):
                _check_duplicates(obj, entry)
            return entry, ()
    cls, kind = _entry_class(obj)
    entry, lenient = _validate(cls, kind, obj)
    if check_duplicates and _has_dups(obj):
        _check_duplicates(obj, entry)
    return cast(LogEntry, entry), tuple(newer_things(entry)) if lenient else ()


def _check_version(entry: LogEntry, version: FormatVersion, lenient: bool) -> None:
    """Raise ``DecodeError`` for a shape of another version (see ``validate_entry``)."""
    current = version is FormatVersion.CURRENT
    if isinstance(entry, SegmentStart):
        if current and entry.session_id is None:
            raise DecodeError("segment_start: missing field `session_id`")
    elif isinstance(entry, Invoke):
        if entry.trigger == ("pod_event" if current else "worker_event"):
            raise DecodeError(f"invoke: trigger: unknown variant `{entry.trigger}`")
    elif isinstance(entry, (SystemItemEntry, SystemItems)):
        items = [entry.item] if isinstance(entry, SystemItemEntry) else entry.items
        known = CURRENT_SYSTEM_ITEMS if current else REFERENCE_SYSTEM_ITEMS
        for item in items:
            if not isinstance(item, UnknownVariant) and item.kind not in known:
                raise DecodeError(f"{entry.kind}: item: unknown variant `{item.kind}`")
            if not current and isinstance(item, SystemWorkflow) and item.body is None:
                raise DecodeError(f"{entry.kind}: item: workflow: missing field `body`")
    if lenient:
        for path, what, name in _unknown_parts(entry):
            # serde reads any segment kind (as `unknown`); other unknown kinds are errors
            if what not in ("field", UnknownSegment._what):
                raise DecodeError(f"{entry.kind}: {path}: unknown variant `{name}`")


def _unknown_parts(model: StoreModel, path: str = "") -> Iterator[tuple[str, str, str]]:
    """``(path, what, name)`` for each unknown key (``what`` is ``field``) and each unknown
    kind (``what`` names the object: ``system item``, ...) inside ``model``."""
    if isinstance(model, UnknownVariant):
        if isinstance(model, UnknownSegment) and model.kind == "unknown":
            # what serde writes for any unknown segment: only keys added to it are unknown
            for key in model.extras:
                yield _join(path, key), "field", key
        else:
            yield path, model._what, model.kind
        return
    for key in model.__pydantic_extra__ or ():
        yield _join(path, key), "field", key
    json_fields: frozenset[str] = getattr(type(model), "_json_fields", frozenset())
    for name in type(model).model_fields:
        if name in json_fields:
            continue
        value = getattr(model, name)
        if isinstance(value, StoreModel):
            yield from _unknown_parts(value, _join(path, name))
        elif isinstance(value, list):
            for i, v in enumerate(value):
                if isinstance(v, StoreModel):
                    yield from _unknown_parts(v, f"{_join(path, name)}[{i}]")


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def newer_things(entry: StoreModel) -> list[str]:
    """What in ``entry`` no known version has, for people: ``unknown field `x```, ..."""
    out = []
    for path, what, name in _unknown_parts(entry):
        if what == "field":
            out.append(f"unknown field `{path}`")
        else:
            out.append(f"unknown {what} kind `{name}`" + (f" at `{path}`" if path else ""))
    return out


def decode_entry(
    line: bytes | str,
    *,
    version: FormatVersion = FormatVersion.AUTO,
    allow_later: bool = False,
) -> LogEntry:
    """Decode one line (without its newline) as the Rust reader of ``version`` does, or raise
    DecodeError. ``AUTO`` takes the version the line implies (``line_version``).

    ``allow_later`` accepts the union of every version instead (``validate_any``), unknown
    nested kinds and keys kept.
    """
    if isinstance(line, str):
        line = line.encode("utf-8", "surrogatepass")
    obj, marked = parse_json_marked(line)
    if allow_later:
        return validate_any(obj, check_duplicates=marked)[0]
    return validate_entry(obj, version=version, check_duplicates=marked)
