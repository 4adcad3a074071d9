"""``reading 1,200/10,000 segments…`` on stderr while a command reads a large store.

Shown only on a terminal, only for a large store (``MIN_SEGMENTS`` segments or ``MIN_BYTES``
bytes), and only once the work has taken ``DELAY`` seconds: a store the index answers for is
done before it would show. The line is cleared when the work ends. It is written to the
stream itself, never into what a command keeps of its output (``kept``).
"""

from __future__ import annotations

import sys
import time
from types import TracebackType
from typing import TextIO

__all__ = ["DELAY", "MIN_BYTES", "MIN_SEGMENTS", "Progress", "is_tty"]

MIN_SEGMENTS = 500
MIN_BYTES = 64 << 20
DELAY = 0.3  # seconds of work before the line first shows
INTERVAL = 0.1  # seconds between two updates of it


def is_tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class Progress:
    """``VERB done/total segments…`` on ``stream`` (default: stderr), as a context manager
    that clears it at the end."""

    def __init__(
        self, verb: str, total: int, total_bytes: int, stream: TextIO | None = None
    ) -> None:
        self.verb = verb
        self.total = total
        self.stream = sys.stderr if stream is None else stream
        self.enabled = is_tty(self.stream) and (total >= MIN_SEGMENTS or total_bytes >= MIN_BYTES)
        self.shown = False
        self.start = self.last = time.monotonic()
        self.delay = DELAY

    def update(self, done: int) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self.start < self.delay or (now - self.last < INTERVAL and done < self.total):
            return
        self.last = now
        self.shown = True
        self.stream.write(f"\r{self.verb} {done:,}/{self.total:,} segments…")
        self.stream.flush()

    def clear(self) -> None:
        if self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.shown = False

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.clear()
