"""The shared base of every model: format versions, 32-bit floats, UUIDs, unknown variants."""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import Annotated, Any, ClassVar, Self, TypeAlias

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
)

from ..ids import normalize_uuid as normalize_uuid  # apart: the scanner needs no pydantic
from ..version import FormatVersion as FormatVersion  # apart: the scanner needs no pydantic

REFERENCE = FormatVersion.REFERENCE
CURRENT = FormatVersion.CURRENT
BOTH = frozenset({REFERENCE, CURRENT})

U64_MAX = 2**64 - 1
U32_MAX = 2**32 - 1

U64 = Annotated[int, Field(ge=0, le=U64_MAX)]
U32 = Annotated[int, Field(ge=0, le=U32_MAX)]
I32 = Annotated[int, Field(ge=-(2**31), le=2**31 - 1)]


def f32(value: float) -> float:
    """Round a float to the nearest 32-bit float, as Rust's ``v as f32`` does.

    Values beyond the f32 range become infinities (the codec writes them as ``null``).
    """
    try:
        return float(struct.unpack("<f", struct.pack("<f", value))[0])
    except OverflowError:
        return float("inf") if value > 0 else float("-inf")


F32 = Annotated[float, AfterValidator(f32)]

Uuid = Annotated[str, AfterValidator(normalize_uuid)]

JsonValue: TypeAlias = Any
"""Any JSON value (``serde_json::Value``): None, bool, int, float, str, list, dict."""


_FIELDS_SETS: dict[frozenset[str], frozenset[str]] = {}
"""Each set of given fields models have had, kept once (see ``StoreModel._share_fields_set``)."""
_LAST_FIELDS_SET: dict[type, frozenset[str]] = {}
"""The set of the last model made of each class (the next one most often has the same)."""
_SLOT = BaseModel.__dict__["__pydantic_fields_set__"]  # the slot itself: no __setattr__
_fields_set, _set_fields_set = _SLOT.__get__, _SLOT.__set__


class StoreModel(BaseModel):
    """Base of every model: strict, frozen, unknown keys rejected (see the module docstring).

    Class attributes the codec reads: ``_omit_when_empty`` names the fields that serde skips
    when they are null, false or empty (``skip_serializing_if``); ``_f32_fields`` the fields
    printed as 32-bit floats; ``_json_fields`` the fields holding free-form JSON (written with
    sorted object keys); ``_versions`` the versions that have a field, for the fields one
    version lacks (what that version's runtime drops when it writes the model back).
    """

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)

    _omit_when_empty: ClassVar[frozenset[str]] = frozenset()
    _f32_fields: ClassVar[frozenset[str]] = frozenset()
    _json_fields: ClassVar[frozenset[str]] = frozenset()
    _versions: ClassVar[dict[str, frozenset[FormatVersion]]] = {}

    def _share_fields_set(self, _context: Any) -> None:
        """Give this model the one frozen copy of its set of given fields.

        pydantic keeps a set of the fields given to each model (``model_fields_set``); a set
        holds at least 216 bytes, and a 100 MB log decodes into some 180,000 models. The
        codec's sharing validators (``validators.sharing``) call this on each model they
        make, so that the models of one shape share a frozenset: 40 MB less for that log,
        for about a third of a microsecond per model (the set of the last model of the class
        is compared, not hashed). Models are frozen, so a set is never added to but in a
        copy (see ``__copy__``).
        """
        fields = _fields_set(self)
        shared = _LAST_FIELDS_SET.get(self.__class__)
        if shared is None or shared != fields:
            frozen = frozenset(fields)
            shared = _LAST_FIELDS_SET[self.__class__] = _FIELDS_SETS.setdefault(frozen, frozen)
        _set_fields_set(self, shared)

    def __copy__(self) -> Self:
        # ``model_copy(update=...)`` adds the updated fields to the copy's set: its own one
        # (a shared set is a frozenset)
        copied = super().__copy__()
        object.__setattr__(copied, "__pydantic_fields_set__", set(self.__pydantic_fields_set__))
        return copied

    def __deepcopy__(self, memo: dict[int, Any] | None = None) -> Self:
        copied = super().__deepcopy__(memo)
        object.__setattr__(copied, "__pydantic_fields_set__", set(self.__pydantic_fields_set__))
        return copied

    @property
    def extras(self) -> dict[str, Any]:
        """Keys this version of segview does not know, as read (in their original order)."""
        return self.__pydantic_extra__ or {}


class UnknownVariant(StoreModel):
    """A tagged object whose ``kind`` no version known here has: kept whole, never dropped.

    Every key but ``kind`` is kept in ``extras`` in its original order; ``raw`` gives the
    object back with ``kind`` first (the order serde writes a tagged object in).
    """

    model_config = ConfigDict(strict=True, extra="allow", frozen=True)

    _what: ClassVar[str] = "object"

    kind: str

    @property
    def raw(self) -> dict[str, Any]:
        return {"kind": self.kind, **self.extras}


_UNKNOWN = "unknown"
Tagger = Callable[[Any], str | None]
_TAGGERS: dict[Tagger, tuple[frozenset[str], Tagger]] = {}
"""Each union discriminator with an ``Unknown*`` fallback: its known tags, its lenient twin."""


def _taggers(known: frozenset[str], unknown: type[UnknownVariant]) -> Tagger:
    """The discriminator of a union with an unknown fallback (its lenient twin registered).

    The strict one maps raw JSON of an unknown kind to no tag (a validation error); the
    lenient one maps it to ``unknown``. Model instances are tagged by their class either way.
    A missing or non-string ``kind`` is an error for both, as for serde.
    """

    def strict(value: Any) -> str | None:
        if isinstance(value, dict):
            kind = value.get("kind")
            return kind if kind.__class__ is str and kind in known else None
        if isinstance(value, unknown):
            return _UNKNOWN
        kind = getattr(value, "kind", None)
        return kind if kind.__class__ is str and kind in known else None

    def lenient(value: Any) -> str | None:
        if isinstance(value, dict):
            kind = value.get("kind")
            if kind.__class__ is not str:
                return None
            return kind if kind in known else _UNKNOWN
        return strict(value)

    _TAGGERS[strict] = (known, lenient)
    return strict


def _discriminator(
    what: str, members: tuple[type[StoreModel], ...], unknown: type[UnknownVariant]
) -> Discriminator:
    """The ``Discriminator`` of a union of ``members`` tagged by ``kind``, with ``unknown``
    (tagged ``unknown``) for the kinds no member has (see ``_taggers``)."""
    known = frozenset(m.model_fields["kind"].default for m in members)
    return Discriminator(
        _taggers(known, unknown),
        custom_error_type="invalid_tag",
        custom_error_message=f"missing or invalid field `kind` in {what}",
    )
