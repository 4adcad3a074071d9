"""segview's two themes, and what follows from a theme beyond the stylesheet.

The palettes are declared here once, as Textual themes (``segview-dark``, the default, and
``segview-light``); every other colour of the app is a theme variable in ``segview.tcss``
(``$primary``, ``$text-error``, ...), reached from Python through the component classes of the
widgets. Any other registered theme (Textual's own: ``textual-light``, ``nord``, ...) works the
same way. Code and JSON are highlighted with a syntax theme that suits the theme's darkness.
"""

from __future__ import annotations

from textual.theme import Theme

__all__ = ["DEFAULT_THEME", "THEMES", "code_theme"]

SEGVIEW_DARK = Theme(
    name="segview-dark",
    primary="#61afef",
    secondary="#c678dd",
    accent="#56b6c2",
    warning="#e5c07b",
    error="#e06c75",
    success="#98c379",
    foreground="#abb2bf",
    background="#1e2127",
    surface="#282c34",
    panel="#313640",
    dark=True,
)

SEGVIEW_LIGHT = Theme(
    name="segview-light",
    primary="#4078f2",
    secondary="#a626a4",
    accent="#0184bc",
    warning="#c18401",
    error="#e45649",
    success="#50a14f",
    foreground="#383a42",
    background="#fafafa",
    surface="#f0f0f1",
    panel="#e5e5e6",
    dark=False,
)

THEMES: tuple[Theme, ...] = (SEGVIEW_DARK, SEGVIEW_LIGHT)
"""The themes segview registers (Textual's built-in themes stay available)."""

DEFAULT_THEME = SEGVIEW_DARK.name


def code_theme(theme: Theme) -> str:
    """The Pygments style for code blocks and JSON under ``theme``: one made for its darkness."""
    return "monokai" if theme.dark else "friendly"
