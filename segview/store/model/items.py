"""Content parts, attachments and logged (history) items."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, ClassVar, Literal

from pydantic import (
    AfterValidator,
    Field,
    Tag,
)

from .base import (
    _UNKNOWN,
    CURRENT,
    FormatVersion,
    StoreModel,
    UnknownVariant,
    _discriminator,
)

# --- content parts, attachments and logged items (llm-engine) -------------------------------


class TextPart(StoreModel):
    kind: Literal["text"] = "text"
    text: str


class RefusalPart(StoreModel):
    kind: Literal["refusal"] = "refusal"
    refusal: str


ContentPart = Annotated[TextPart | RefusalPart, Field(discriminator="kind")]
Role = Literal["user", "assistant", "system"]


def standard_base64(value: str) -> str:
    """Check ``value`` is standard, padded, canonical base64 (Rust ``base64`` 0.22 STANDARD)."""
    try:
        decoded = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("invalid base64 (standard alphabet, padded)") from None
    if base64.b64encode(decoded).decode("ascii") != value:
        raise ValueError("invalid base64: non-canonical padding or trailing bits")
    return value


class ImageAttachment(StoreModel):
    """An image attached to a tool result (current version); ``data`` is base64 text."""

    kind: Literal["image"] = "image"
    mime_type: str
    data: Annotated[str, AfterValidator(standard_base64)]

    @property
    def size(self) -> int:
        """The number of bytes ``data`` decodes to."""
        return len(self.data) * 3 // 4 - self.data[-2:].count("=")


class UnknownAttachment(UnknownVariant):
    """An attachment kind no known version has."""

    _what = "attachment"


Attachment = Annotated[
    Annotated[ImageAttachment, Tag("image")] | Annotated[UnknownAttachment, Tag(_UNKNOWN)],
    _discriminator("an attachment", (ImageAttachment,), UnknownAttachment),
]


class MessageItem(StoreModel):
    kind: Literal["message"] = "message"
    role: Role
    content: list[ContentPart]

    def text(self) -> str:
        """The text of the message: its text and refusal parts joined by newlines."""
        return "\n".join(p.text if isinstance(p, TextPart) else p.refusal for p in self.content)


class ToolCallItem(StoreModel):
    kind: Literal["tool_call"] = "tool_call"
    call_id: str
    name: str
    arguments: str


class ToolResultItem(StoreModel):
    _omit_when_empty = frozenset({"content", "attachments", "is_error"})
    _versions: ClassVar[dict[str, frozenset[FormatVersion]]] = {"attachments": frozenset({CURRENT})}

    kind: Literal["tool_result"] = "tool_result"
    call_id: str
    summary: str
    content: str | None = None
    # mutable defaults through a factory: pydantic deep-copies a plain `[]` default per model
    attachments: list[Attachment] = Field(default_factory=list)  # current version
    is_error: bool = False


class ReasoningItem(StoreModel):
    _omit_when_empty = frozenset({"summary", "encrypted_content", "signature"})

    kind: Literal["reasoning"] = "reasoning"
    text: str
    summary: list[str] = Field(default_factory=list)
    encrypted_content: str | None = None
    signature: str | None = None


class UnknownLoggedItem(UnknownVariant):
    """A history item kind no known version has (kept in the history as it was read)."""

    _what = "history item"


LoggedItem = Annotated[
    Annotated[MessageItem, Tag("message")]
    | Annotated[ToolCallItem, Tag("tool_call")]
    | Annotated[ToolResultItem, Tag("tool_result")]
    | Annotated[ReasoningItem, Tag("reasoning")]
    | Annotated[UnknownLoggedItem, Tag(_UNKNOWN)],
    _discriminator(
        "a history item",
        (MessageItem, ToolCallItem, ToolResultItem, ReasoningItem),
        UnknownLoggedItem,
    ),
]
"""A conversation history item, as the model saw it."""
