"""What the store core reports while it reads (a payload it skipped, ...): a warning on the
``logging`` logger it names, ``logging`` being imported with the first one, so that a command
with nothing to report never loads it (3 ms of a command's start-up).

``on_first`` holds what runs once, just before the first report: the command line installs
its stderr handler there. ``listeners`` are given each report's text as well (from whichever
thread reports it): the app shows them.
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["listeners", "on_first", "warning"]

on_first: list[Callable[[], None]] = []

listeners: list[Callable[[str], None]] = []


def warning(logger: str, message: str, *args: object) -> None:
    """``logging.getLogger(logger).warning(message, *args)``, after ``on_first``; each of
    ``listeners`` is given the text too."""
    while on_first:
        on_first.pop(0)()
    for listener in list(listeners):
        listener(message % args)
    import logging

    logging.getLogger(logger).warning(message, *args)
