"""Encoding: a model as serde_json's bytes (``encode_entry``, ``encode_model``, ``to_wire``):
fields in declaration order with ``kind`` first, skipped fields omitted, floats as serde
prints them, free-form JSON objects with sorted keys, unknown keys and kinds kept as read
unless ``runtime`` asks for what that version's runtime writes back.
"""

from __future__ import annotations

from typing import Any

import orjson
from pydantic import BaseModel

from ..model import U64_MAX, FormatVersion, LogEntry, RequestConfig, StoreModel, UnknownVariant
from .floats import format_f32, format_f64
from .parse import I64_MIN

__all__ = [
    "encode_entry",
    "encode_json_value",
    "encode_model",
    "describe_config",
    "to_wire",
]


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
