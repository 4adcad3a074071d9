"""Text helpers shared by the command line and the app (no Textual, no Rich).

Text from a log is data: it may hold terminal escapes (ESC, CSI, OSC 52 clipboard writes, C1
controls), bidirectional overrides that reorder what is drawn, and zero-width characters that
make one title look like another. Everything that prints or draws log text passes it through
``safe`` (multi-line text) or ``one_line`` (a table cell, a tree row, a title) first; both show
such characters as visible escapes (``\\x1b``, ``\\u202e``) instead of handing them to the
terminal. Timestamps, JSON and sizes are formatted here too, for any value the format allows.

JSON output (``--json``, ``segview cat``) goes through ``safe_json``: JSON encoders escape C0
controls in strings but write C1 controls, bidirectional controls and line separators as
they are; ``safe_json`` writes those as ``\\u`` escapes too, so the output is still JSON that
decodes to the same values, and holds no character a terminal would act on.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datetime import datetime

__all__ = [
    "SHORT_ID_MIN",
    "format_age",
    "format_clock",
    "format_duration",
    "format_tokens",
    "format_ts",
    "one_line",
    "plural",
    "pretty_json",
    "safe",
    "safe_json",
    "short_ids",
    "unique_prefix_lengths",
]

SHORT_ID_MIN = 7

# C0 controls but tab and line feed, DEL, the C1 controls: a terminal acts on them (ESC and
# CSI start escape sequences), so they are shown as escapes.
_CONTROLS = {c: f"\\x{c:02x}" for c in (*range(0x00, 0x09), *range(0x0B, 0x20), 0x7F)}
_CONTROLS.update({c: f"\\u{c:04x}" for c in range(0x80, 0xA0)})
# Bidirectional embeddings, overrides, isolates and marks reorder the text drawn around them
# ("Trojan Source"); they are never drawn as themselves.
_BIDI = (0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A))
_CONTROLS.update({c: f"\\u{c:04x}" for c in _BIDI})
# Line and paragraph separators: some terminals break the line, others draw nothing.
_CONTROLS.update({0x2028: "\\u2028", 0x2029: "\\u2029"})
# Lone surrogates: a file name that is not valid UTF-8 holds them (``os.fsdecode``); they
# cannot be encoded for the terminal at all.
_CONTROLS.update({c: f"\\u{c:04x}" for c in range(0xD800, 0xE000)})
# In one-line text (titles, names, ids) invisible characters are shown too, so that one row
# cannot imitate another; in running text they are left alone (emoji sequences need U+200D).
_INVISIBLE = {
    c: f"\\u{c:04x}"
    for c in (0x00AD, 0x180E, *range(0x200B, 0x200E), *range(0x2060, 0x2065), 0xFEFF)
}
_ONE_LINE = {**_CONTROLS, **_INVISIBLE}
_UNSAFE_CHARS = frozenset(chr(c) for c in _CONTROLS)
_UNSAFE_ONE_LINE = frozenset(chr(c) for c in _ONE_LINE)


def safe(text: str) -> str:
    """Multi-line text from a log, safe to print or draw: control characters, bidirectional
    controls and line separators are shown as escapes (``\\x1b``, ``\\u202e``); line feeds and
    tabs are kept, and a CRLF line end reads as a plain line end."""
    if text.isascii():
        if text.isprintable():
            return text
    elif _UNSAFE_CHARS.isdisjoint(text):
        return text
    return text.replace("\r\n", "\n").translate(_CONTROLS)


def one_line(text: str, width: int | None = None) -> str:
    """Text folded onto one line (runs of whitespace become one space) with every control,
    bidirectional or invisible character shown as an escape; cut to ``width`` with ``…``."""
    if width is not None and len(text) > 4 * width + 64:
        text = text[: 4 * width + 64]  # folding never needs more than this of a huge text
    folded = " ".join(text.split())
    if not _UNSAFE_ONE_LINE.isdisjoint(folded):
        folded = folded.translate(_ONE_LINE)
    if width is not None and len(folded) > width:
        return folded[: max(0, width - 1)] + "…"
    return folded


# What ``safe_json`` escapes, as UTF-8: DEL, the C1 controls, the bidirectional controls and
# the line separators (none of them is a JSON escape of its own; each lead byte is unique).
_JSON_UNSAFE = re.compile(
    rb"\x7f|\xc2[\x80-\x9f]|\xd8\x9c|\xe2\x80[\x8e\x8f\xa8-\xae]|\xe2\x81[\xa6-\xa9]"
)


def _json_escape(match: re.Match[bytes]) -> bytes:
    return b"\\u%04x" % ord(match.group().decode())


def safe_json(data: bytes) -> bytes:
    """JSON text (UTF-8) with DEL, C1, bidirectional controls and U+2028/U+2029 written as
    ``\\u`` escapes: the same JSON values, nothing a terminal acts on. (These characters can
    only occur inside strings of valid JSON, where an escape means the same character.)"""
    if data.isascii():
        return data if b"\x7f" not in data else data.replace(b"\x7f", b"\\u007f")
    return _JSON_UNSAFE.sub(_json_escape, data)


def plural(n: int, word: str, many: str | None = None) -> str:
    """``1 turn``, ``2 turns``, ``0 turns`` (``many`` for irregular plurals)."""
    return f"{n:,} {word if n == 1 else (many or word + 's')}"


def _datetime(ts: int) -> datetime | None:
    from datetime import UTC, datetime  # (when a time is shown: not at every start)

    try:
        return datetime.fromtimestamp(ts / 1000, UTC)
    except (OverflowError, OSError, ValueError):
        return None  # beyond year 9999 (ts is any u64 in the format)


def format_ts(ts: int | None, *, zone: bool = True) -> str:
    """A log timestamp (ms since the epoch) as UTC date and time; a value no calendar date
    holds (after year 9999) as the raw number."""
    if ts is None:
        return "-"
    when = _datetime(ts)
    if when is None:
        return f"ts {ts}"
    return when.strftime("%Y-%m-%d %H:%M:%S UTC" if zone else "%Y-%m-%d %H:%M:%S")


def format_clock(ts: int | None) -> str:
    """The time of day (UTC) of a log timestamp; the raw number when it has no date."""
    if ts is None:
        return "-"
    when = _datetime(ts)
    return when.strftime("%H:%M:%S") if when is not None else f"ts {ts}"


def format_duration(ms: int | None) -> str:
    """``850 ms``, ``12.4 s``, ``3 min 05 s``, ``2 h 10 min``, ``3 d 4 h``."""
    if ms is None:
        return "-"
    if ms < 1000:
        return f"{ms} ms"
    seconds = ms / 1000
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, sec = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {sec:02d} s"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes:02d} min"
    days, hours = divmod(hours, 24)
    return f"{days:,} d {hours} h"


def format_age(ms: int | None) -> str:
    """A compact age: ``40s``, ``12m``, ``5h``, ``3d``, ``7w``, ``2y``."""
    if ms is None:
        return "?"
    s = max(0, ms // 1000)
    for unit, size in (("y", 365 * 86400), ("w", 7 * 86400), ("d", 86400), ("h", 3600), ("m", 60)):
        if s >= size:
            return f"{s // size}{unit}"
    return f"{s}s"


def format_tokens(n: int) -> str:
    """``950``, ``12.3k``, ``4.1M``."""
    if n >= 1_000_000:
        return f"{n / 1_000_000:.1f}M"
    if n >= 1000:
        return f"{n / 1000:.1f}k"
    return str(n)


def pretty_json(text: str) -> str:
    """JSON text (tool-call arguments) indented by two spaces; the text as given when it is not
    valid JSON or nests deeper than the pretty-printer goes."""
    import orjson

    try:
        return orjson.dumps(orjson.loads(text), option=orjson.OPT_INDENT_2).decode()
    except (orjson.JSONDecodeError, orjson.JSONEncodeError):
        return text


def short_ids(ids: Iterable[str], minimum: int = SHORT_ID_MIN) -> dict[str, str]:
    """The shortest unique prefix of each id (at least ``minimum`` characters)."""
    return {sid: sid[:n] for sid, n in unique_prefix_lengths(ids, minimum).items()}


def unique_prefix_lengths(ids: Iterable[str], minimum: int = SHORT_ID_MIN) -> dict[str, int]:
    """For each distinct id, the length of its shortest prefix that no other id shares (at
    least ``minimum``, at most the id's length)."""
    ordered = sorted(set(ids))
    # the common prefix of each id and the next, by halving (string slices compare in C; ids
    # of one store share long prefixes, a UUIDv7's time)
    shared = [-1] * (len(ordered) + 1)  # -1: no neighbour on that side
    for i in range(len(ordered) - 1):
        a, b = ordered[i], ordered[i + 1]
        low, high = 0, min(len(a), len(b))
        while low < high:
            mid = (low + high + 1) // 2
            if a[:mid] == b[:mid]:
                low = mid
            else:
                high = mid - 1
        shared[i + 1] = low
    return {
        sid: min(max(minimum, shared[i] + 1, shared[i + 1] + 1), len(sid))
        for i, sid in enumerate(ordered)
    }
