"""Parse human-friendly durations such as ``1h30m`` or ``250ms``."""

from __future__ import annotations

import re

UNITS = {
    "h": 3600.0,
    "m": 60.0,
    "s": 1.0,
    "ms": 0.001,
}

_TOKEN = re.compile(r"(\d+(?:\.\d+)?)(h|m|s|ms)")


def parse_duration(text: str) -> float:
    """Return the number of seconds in ``text``, e.g. ``"1h30m"`` -> ``5400.0``."""
    total = 0.0
    for number, unit in _TOKEN.findall(text):
        total += float(number) * UNITS[unit]
    return total
