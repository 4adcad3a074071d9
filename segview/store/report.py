"""What the store core reports while it reads (a payload it skipped, ...): a warning on the
``logging`` logger it names, ``logging`` being imported with the first one, so that a command
with nothing to report never loads it (3 ms of a command's start-up).

``on_first`` holds what runs once, just before the first report: the command line installs
its stderr handler there.
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["on_first", "warning"]

on_first: list[Callable[[], None]] = []


def warning(logger: str, message: str, *args: object) -> None:
    """``logging.getLogger(logger).warning(message, *args)``, after ``on_first``."""
    while on_first:
        on_first.pop(0)()
    import logging

    logging.getLogger(logger).warning(message, *args)
