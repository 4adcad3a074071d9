"""ISO 8601 durations such as ``PT1H30M`` or ``P1DT12H``."""

from __future__ import annotations

import math
import re

_NUMBER = r"\d+(?:\.\d+)?"
_ISO = re.compile(
    rf"P(?:(?P<days>{_NUMBER})D)?"
    rf"(?:T(?:(?P<hours>{_NUMBER})H)?(?:(?P<minutes>{_NUMBER})M)?(?:(?P<seconds>{_NUMBER})S)?)?",
    re.IGNORECASE,
)
_FACTORS = {"days": 86400.0, "hours": 3600.0, "minutes": 60.0, "seconds": 1.0}


def parse_iso8601(text: str) -> float:
    """Seconds in an ISO 8601 duration. Years and months are rejected: their length varies."""
    text = text.strip()
    match = _ISO.fullmatch(text)
    if match is None or text.upper().endswith(("P", "T")):
        raise ValueError(f"not an ISO 8601 duration: {text!r}")
    parts = match.groupdict()
    return sum(float(v) * _FACTORS[k] for k, v in parts.items() if v is not None)
