"""Typed user-input segments."""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import (
    Discriminator,
    Tag,
)

from .base import (
    _UNKNOWN,
    BOTH,
    CURRENT,
    REFERENCE,
    U32,
    FormatVersion,
    StoreModel,
    UnknownVariant,
    _taggers,
)

# --- user-input segments (protocol) ---------------------------------------------------------


class TextSegment(StoreModel):
    kind: Literal["text"] = "text"
    content: str


class PasteSegment(StoreModel):
    kind: Literal["paste"] = "paste"
    id: U32
    chars: U32
    lines: U32
    content: str


class FileRefSegment(StoreModel):
    kind: Literal["file_ref"] = "file_ref"
    path: str


class KnowledgeRefSegment(StoreModel):
    """Reference version only; the current version reads it as ``unknown``."""

    _unknown_in: ClassVar[frozenset[FormatVersion]] = frozenset({CURRENT})

    kind: Literal["knowledge_ref"] = "knowledge_ref"
    slug: str


class WorkflowInvokeSegment(StoreModel):
    """Reference version only; the current version reads it as ``unknown``."""

    _unknown_in: ClassVar[frozenset[FormatVersion]] = frozenset({CURRENT})

    kind: Literal["workflow_invoke"] = "workflow_invoke"
    slug: str


class FlowSegment(StoreModel):
    """Current version only; the reference version reads it as ``unknown``."""

    _unknown_in: ClassVar[frozenset[FormatVersion]] = frozenset({REFERENCE})

    kind: Literal["flow"] = "flow"
    selector: str


class UnknownSegment(UnknownVariant):
    """A segment kind the version does not know. serde reads every such kind as ``unknown``
    and writes ``{"kind":"unknown"}`` back; segview keeps the kind and fields as read."""

    _unknown_in: ClassVar[frozenset[FormatVersion]] = BOTH
    _what = "user-input segment"

    kind: str = _UNKNOWN


UserSegment = Annotated[
    Annotated[TextSegment, Tag("text")]
    | Annotated[PasteSegment, Tag("paste")]
    | Annotated[FileRefSegment, Tag("file_ref")]
    | Annotated[KnowledgeRefSegment, Tag("knowledge_ref")]
    | Annotated[WorkflowInvokeSegment, Tag("workflow_invoke")]
    | Annotated[FlowSegment, Tag("flow")]
    | Annotated[UnknownSegment, Tag(_UNKNOWN)],
    Discriminator(
        # `unknown` itself is what serde writes for an unknown kind: nothing new in it
        _taggers(
            frozenset(
                {"text", "paste", "file_ref", "knowledge_ref", "workflow_invoke", "flow", _UNKNOWN}
            ),
            UnknownSegment,
        ),
        custom_error_type="missing_tag",
        custom_error_message="missing field `kind` in user-input segment",
    ),
]
"""One typed piece of user input."""
