"""Entry decoding: a parsed line validated into the model of its ``kind``, strictly by the
rules of one format version (``validate_entry``, ``decode_entry``) or by the union of every
version for browsing (``validate_any``), naming what no known version has
(``newer_things``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, cast

from pydantic import ValidationError

from ..model import (
    CURRENT_KINDS,
    CURRENT_SYSTEM_ITEMS,
    ENTRY_CLASSES,
    FAST_DEPTH_BOUNDS,
    FAST_VALIDATORS,
    LENIENT_VALIDATORS,
    REFERENCE_KINDS,
    REFERENCE_SYSTEM_ITEMS,
    SHARING_FAST_VALIDATORS,
    SHARING_LENIENT_VALIDATORS,
    FormatVersion,
    Invoke,
    LogEntry,
    SegmentStart,
    StoreModel,
    SystemItemEntry,
    SystemItems,
    SystemWorkflow,
    UnknownSegment,
    UnknownVariant,
)
from .parse import (
    MAX_DEPTH,
    DecodeError,
    UnknownKindError,
    _DupDict,
    is_canonical,
    parse_json_marked,
)

__all__ = [
    "decode_entry",
    "decode_usual",
    "line_version",
    "newer_things",
    "validate_any",
    "validate_entry",
]


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
_SHARING_FAST = {
    kind: SHARING_FAST_VALIDATORS[cls].validate_python for kind, cls in ENTRY_CLASSES.items()
}


def _validate(
    cls: type[StoreModel], kind: str, obj: Any, share: bool = False
) -> tuple[StoreModel, bool]:
    """Validate ``obj`` as ``cls``: (model, whether it holds unknown keys or kinds).

    The fast validator rejects anything unknown; only a line it rejects takes the lenient
    validator, which keeps what is unknown and reports real damage. ``share``: the models
    share their sets of given fields (``SHARING_FAST_VALIDATORS``).
    """
    try:
        return (_SHARING_FAST if share else _FAST)[kind](obj), False
    except ValidationError:
        pass
    lenient = SHARING_LENIENT_VALIDATORS if share else LENIENT_VALIDATORS
    try:
        return lenient[cls].validate_python(obj), True
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


_SHALLOW_KINDS = frozenset(
    kind
    for kind, cls in ENTRY_CLASSES.items()
    if (bound := FAST_DEPTH_BOUNDS[cls]) is not None and bound <= MAX_DEPTH
)
"""The kinds of entry whose lines, when valid for the fast validator, cannot nest deeper than
``MAX_DEPTH`` (nothing in them holds free JSON: ``FAST_DEPTH_BOUNDS``)."""


def decode_usual(line: bytes, obj: Any, share: bool = False) -> LogEntry | None:
    """The usual line, in one call: ``obj`` is what orjson parsed ``line`` into; the line is
    canonical (``is_canonical``) and the fast validator of its kind accepts it, nothing
    unknown in it. None for any other line, which is then decoded as any line
    (``check_parsed`` and ``validate_any``: its entry or problem is what they say, as if this
    had not been asked).

    The entry is the one those two make of it. For a kind whose valid lines cannot nest too
    deeply (``_SHALLOW_KINDS``: all but a user input and an extension, which may hold free
    JSON), the line is not scanned for brackets: ``check_parsed`` counts them, and a
    canonical line with more than ``MAX_DEPTH`` of them but valid for such a kind is one it
    passes after walking it (its keys and colons agree, and it nests only as deep as the
    kind allows). ``share``: as for ``validate_any``.
    """
    kind = obj.get("kind") if obj.__class__ is dict else None
    if kind.__class__ is not str:
        return None
    fast = (_SHARING_FAST if share else _FAST).get(kind)
    if fast is None or not is_canonical(line, obj, shallow=kind in _SHALLOW_KINDS):
        return None
    try:
        entry: LogEntry = fast(obj)
    except ValidationError:
        return None
    return entry


def validate_any(
    obj: Any, *, check_duplicates: bool = True, share: bool = False
) -> tuple[LogEntry, tuple[str, ...]]:
    """Turn parsed JSON into a ``LogEntry`` of any version, for browsing.

    Returns the entry and what in it no known version has (``newer_things``: unknown keys,
    unknown kinds of nested objects), all kept. Raises ``UnknownKindError`` for an unknown
    entry kind and ``DecodeError`` for real damage. ``share``: the models share their sets
    of given fields (for entries kept long: ``StoreModel._share_fields_set``).
    """
    kind = obj.get("kind") if obj.__class__ is dict else None
    fast = (_SHARING_FAST if share else _FAST).get(kind) if kind.__class__ is str else None
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
    entry, lenient = _validate(cls, kind, obj, share)
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
