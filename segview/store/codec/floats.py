"""Float printing as serde_json 1.0.149 prints: the shortest digits that read back the same
value, as an f64 (``format_f64``) or at f32 precision (``format_f32``, for ``temperature``
and ``top_p``).
"""

from __future__ import annotations

import math
import struct
from decimal import Decimal
from fractions import Fraction

from ..model import f32

__all__ = [
    "format_f32",
    "format_f64",
]


def _decimal_parts(text: str) -> tuple[str, int]:
    """Digits (no leading/trailing zeros) and exponent such that value = 0.d1d2... * 10**exp."""
    _sign, digits, exponent = Decimal(text).as_tuple()
    assert isinstance(exponent, int)
    ds = "".join(map(str, digits)).lstrip("0")
    stripped = ds.rstrip("0")
    exponent += len(ds) - len(stripped)
    return stripped, exponent + len(stripped)


def _layout(negative: bool, digits: str, point: int, lo: int, hi: int) -> str:
    """serde_json's layout of shortest digits ``0.digits * 10**point``."""
    e10 = point - 1  # decimal exponent of the first significant digit
    sign = "-" if negative else ""
    if lo <= e10 <= hi:
        if point <= 0:
            return f"{sign}0.{'0' * -point}{digits}"
        if point >= len(digits):
            return f"{sign}{digits}{'0' * (point - len(digits))}.0"
        return f"{sign}{digits[:point]}.{digits[point:]}"
    mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
    return f"{sign}{mantissa}e{'+' if e10 > 0 else ''}{e10}"


def format_f64(value: float) -> str:
    """Print an f64 as serde_json 1.0.149 does (``null`` for non-finite values)."""
    if not math.isfinite(value):
        return "null"
    if value == 0.0:
        return "-0.0" if math.copysign(1.0, value) < 0 else "0.0"
    digits, point = _decimal_parts(repr(abs(value)))  # repr is the shortest round-trip
    return _layout(value < 0, digits, point, -5, 15)


def _f32_bits(x: float) -> int:
    return int(struct.unpack("<I", struct.pack("<f", x))[0])


def _f32_from_bits(bits: int) -> float:
    return float(struct.unpack("<f", struct.pack("<I", bits))[0])


def _shortest_f32_digits(x: float) -> tuple[str, int]:
    """Shortest decimal digits that read back (as f32) to the positive finite f32 ``x``.

    Candidates are checked exactly (with fractions) against the half-gaps to the
    neighbouring f32 values, which differ below a power of two; ties go to the even value.
    """
    fx = Fraction(x)
    bits = _f32_bits(x)
    gap_below = fx - Fraction(_f32_from_bits(bits - 1) if bits > 0 else 0.0)
    above = bits + 1
    gap_above = gap_below if above >= 0x7F800000 else Fraction(_f32_from_bits(above)) - fx
    even = bits & 1 == 0
    for precision in range(1, 10):
        mant_text, exp_text = f"{x:.{precision - 1}e}".split("e")
        mantissa = int(mant_text.replace(".", ""))
        exp10 = int(exp_text) - (precision - 1)
        best: tuple[Fraction, int] | None = None
        for cand in (mantissa - 1, mantissa, mantissa + 1):
            if cand <= 0:
                continue
            diff = Fraction(cand) * Fraction(10) ** exp10 - fx
            limit = (gap_above if diff > 0 else gap_below) / 2
            ok = abs(diff) < limit or (abs(diff) == limit and even)
            if ok and (best is None or abs(diff) < best[0]):
                best = (abs(diff), cand)
        if best is not None:
            digits = str(best[1])
            stripped = digits.rstrip("0")
            exponent = exp10 + (len(digits) - len(stripped))
            return stripped, exponent + len(stripped)
    raise AssertionError("nine significant digits always identify an f32")


_F32_CACHE: dict[float, str] = {}


def format_f32(value: float) -> str:
    """Print a 32-bit float as serde_json 1.0.149 does: shortest f32 digits, f32 layout."""
    value = f32(value)
    cached = _F32_CACHE.get(value) if value != 0.0 else None
    if cached is not None:
        return cached
    if not math.isfinite(value):
        text = "null"
    elif value == 0.0:
        text = "-0.0" if math.copysign(1.0, value) < 0 else "0.0"
    else:
        digits, point = _shortest_f32_digits(abs(value))
        text = _layout(value < 0, digits, point, -6, 12)
    if len(_F32_CACHE) < 4096:
        _F32_CACHE[value] = text
    return text
