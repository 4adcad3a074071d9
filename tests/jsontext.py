"""Helpers for comparing JSON *text* (not just values) in tests."""

from __future__ import annotations


def minify(text: str) -> str:
    """Remove JSON whitespace outside strings, keeping every token's text (numbers too)."""
    out: list[str] = []
    in_string = False
    escaped = False
    for ch in text:
        if in_string:
            out.append(ch)
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
            out.append(ch)
        elif ch not in " \t\r\n":
            out.append(ch)
    return "".join(out)
