"""Human-friendly durations."""

from .parse import UNITS, parse_duration

__all__ = ["UNITS", "parse_duration"]
__version__ = "0.3.1"
