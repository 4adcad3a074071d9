"""UUIDs as text, in a module of their own: the store scanner reads the session id of a
worker aggregate's ``session.json`` without the models (and so without pydantic)."""

from __future__ import annotations

import re

__all__ = ["normalize_uuid"]

# The forms the Rust uuid parser accepts: hyphenated, simple (32 hex), braced, urn.
_UUID_RE = re.compile(
    r"(?:urn:uuid:)?([0-9a-fA-F]{8})-([0-9a-fA-F]{4})-([0-9a-fA-F]{4})-([0-9a-fA-F]{4})-([0-9a-fA-F]{12})"
    r"|\{([0-9a-fA-F]{8})-([0-9a-fA-F]{4})-([0-9a-fA-F]{4})-([0-9a-fA-F]{4})-([0-9a-fA-F]{12})\}"
    r"|([0-9a-fA-F]{32})"
)


def normalize_uuid(value: str) -> str:
    """Parse a UUID in any form the Rust ``uuid`` crate accepts; return it lower-case hyphenated."""
    m = _UUID_RE.fullmatch(value)
    if m is None:
        raise ValueError(f"invalid UUID {value!r}")
    hexdigits = "".join(g for g in m.groups() if g).lower()
    return (
        f"{hexdigits[:8]}-{hexdigits[8:12]}-{hexdigits[12:16]}-{hexdigits[16:20]}-{hexdigits[20:]}"
    )
