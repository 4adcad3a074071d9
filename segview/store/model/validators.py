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
