"""Warnings of the store core as ``segview: warning: …`` lines on stderr (subcommands only)."""

from __future__ import annotations

import logging
import sys


class StderrLines(logging.Handler):
    """``segview: warning: …`` on one line of whatever ``sys.stderr`` is at the time, with
    anything from a log escaped."""

    def emit(self, record: logging.LogRecord) -> None:
        from segview.text import one_line

        try:
            line = f"segview: {record.levelname.lower()}: {one_line(record.getMessage(), 300)}"
            sys.stderr.write(line + "\n")
        except Exception:  # a warning must never break a command
            self.handleError(record)
