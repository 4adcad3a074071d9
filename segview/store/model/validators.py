"""The codec's validators: a fast one that accepts only what is fully known, a lenient
one that keeps unknown keys and kinds."""

from __future__ import annotations

from typing import Any

from pydantic_core import SchemaValidator

from .base import (
    _TAGGERS,
    StoreModel,
)
from .entries import ENTRY_CLASSES, UsageRecord
from .items import MessageItem
from .system import PodScopeSnapshot

# --- the validators of the codec -------------------------------------------------------------


def _derived_schema(node: Any, *, lenient: bool, share: bool) -> Any:
    """A copy of a core schema for decoding lines (see ``FAST_VALIDATORS``).

    Sharing: each model made is given the one shared copy of its set of given fields
    (``StoreModel._share_fields_set``). Fast: unknown keys forbidden everywhere, and each union with an unknown fallback tagged
    by ``kind`` in pydantic-core itself (known tags only: no Python call per item). Lenient:
    unknown keys kept everywhere, and unknown kinds tagged ``unknown``.
    """
    if isinstance(node, list):
        return [_derived_schema(v, lenient=lenient, share=share) for v in node]
    if not isinstance(node, dict):
        return node
    tagger = node.get("discriminator")
    if node.get("type") == "tagged-union" and callable(tagger) and tagger in _TAGGERS:
        known, lenient_tagger = _TAGGERS[tagger]
        if lenient:
            node = {**node, "discriminator": lenient_tagger}
        else:
            choices = {k: v for k, v in node["choices"].items() if k in known}
            node = {**node, "discriminator": "kind", "choices": choices}
    if share and node.get("type") == "model":
        node = {**node, "post_init": "_share_fields_set"}
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "extra_fields_behavior":
            out[key] = "allow" if lenient else "forbid"
        elif key == "discriminator":
            out[key] = value
        else:
            out[key] = _derived_schema(value, lenient=lenient, share=share)
    return out


def _all_models() -> list[type[StoreModel]]:
    found: list[type[StoreModel]] = []
    stack: list[type[StoreModel]] = [StoreModel]
    while stack:
        cls = stack.pop()
        found.append(cls)
        stack.extend(cls.__subclasses__())
    return found


def _build_validators(
    roots: list[type[StoreModel]], *, lenient: bool, share: bool = False
) -> dict[type, SchemaValidator]:
    """One validator per root class from a derived schema; it builds the same classes.

    pydantic-core reuses a class's own validator for a model schema whose class is complete,
    which would ignore the derived schema; the classes are marked incomplete while the
    validators are built, then marked complete again.
    """
    models = [m for m in _all_models() if m.__dict__.get("__pydantic_complete__")]
    for m in models:
        m.__pydantic_complete__ = False
    try:
        return {
            cls: SchemaValidator(
                _derived_schema(cls.__pydantic_core_schema__, lenient=lenient, share=share)
            )
            for cls in roots
        }
    finally:
        for m in models:
            m.__pydantic_complete__ = True


_DECODED: list[type[StoreModel]] = [*ENTRY_CLASSES.values(), PodScopeSnapshot]

FAST_VALIDATORS: dict[type, SchemaValidator] = _build_validators(_DECODED, lenient=False)
"""Per entry class (and ``PodScopeSnapshot``): accept only what every key and kind of which
is known (the common line, validated without any Python call); anything else fails."""

LENIENT_VALIDATORS: dict[type, SchemaValidator] = _build_validators(_DECODED, lenient=True)
"""Per entry class (and ``PodScopeSnapshot``): keep unknown keys and unknown kinds."""

SHARING_FAST_VALIDATORS: dict[type, SchemaValidator] = _build_validators(
    _DECODED, lenient=False, share=True
)
"""``FAST_VALIDATORS`` whose models share their sets of given fields (a third of a
microsecond more a model, 216 bytes or more less): for entries kept long, as a timeline's."""

SHARING_LENIENT_VALIDATORS: dict[type, SchemaValidator] = _build_validators(
    _DECODED, lenient=True, share=True
)
"""``LENIENT_VALIDATORS`` whose models share their sets of given fields (as above)."""

SHARING_BUILDERS: dict[type, SchemaValidator] = _build_validators(
    [MessageItem, UsageRecord], lenient=False, share=True
)
"""Validators of the models the replay makes (a user's message, a usage record) whose
models share their sets of given fields: a timeline keeps them."""


# --- how deep a valid line can nest -----------------------------------------------------------

_LEAVES = frozenset({"str", "int", "float", "bool", "literal", "none", "bytes", "enum"})
_WRAPPERS = frozenset({"nullable", "default", "function-after", "function-before"})


def _depth_bound(node: Any, defs: dict[str, Any], seen: frozenset[str]) -> int | None:
    """The deepest JSON nesting a value valid for the core schema ``node`` can have (an
    object or array: 1), or None when it has no bound: free JSON (``any``), a recursive
    definition, keys kept unknown, or a kind of schema this does not know."""
    if not isinstance(node, dict):
        return None
    kind = node.get("type")
    if kind in _LEAVES:
        return 0
    if kind in _WRAPPERS or kind == "model-field":
        return _depth_bound(node.get("schema"), defs, seen)
    if kind == "model":  # unknown keys must be forbidden: they may hold any JSON
        forbidden = node.get("config", {}).get("extra_fields_behavior") == "forbid"
        return _depth_bound(node.get("schema"), defs, seen) if forbidden else None
    if kind == "definitions":
        inner = {**defs, **{d["ref"]: d for d in node["definitions"]}}
        return _depth_bound(node["schema"], inner, seen)
    if kind == "definition-ref":
        ref = node["schema_ref"]
        if ref in seen or ref not in defs:
            return None
        return _depth_bound(defs[ref], defs, seen | {ref})
    parts: list[Any]
    if kind == "model-fields":
        if node.get("extra_behavior", "forbid") != "forbid":
            return None
        parts = [field["schema"] for field in node["fields"].values()]
    elif kind == "list":
        parts = [node.get("items_schema")]
    elif kind == "dict":
        parts = [node.get("keys_schema", {"type": "str"}), node.get("values_schema")]
    elif kind == "tagged-union":
        return _deepest([_depth_bound(c, defs, seen) for c in node["choices"].values()])
    elif kind == "union":
        choices = [c[0] if isinstance(c, tuple) else c for c in node["choices"]]
        return _deepest([_depth_bound(c, defs, seen) for c in choices])
    else:
        return None
    deepest = _deepest([_depth_bound(part, defs, seen) for part in parts])
    return None if deepest is None else 1 + deepest


def _deepest(bounds: list[int | None]) -> int | None:
    known = [bound for bound in bounds if bound is not None]
    return max(known, default=0) if len(known) == len(bounds) else None


FAST_DEPTH_BOUNDS: dict[type, int | None] = {
    cls: _depth_bound(
        _derived_schema(cls.__pydantic_core_schema__, lenient=False, share=False), {}, frozenset()
    )
    for cls in ENTRY_CLASSES.values()
}
"""Per entry class: the deepest a line its fast validator accepts can nest, or None (free
JSON in it, as an extension's payload): a line valid for it nests no deeper than that."""
