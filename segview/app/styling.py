"""Colours from the theme for code that builds Rich text.

A widget declares ``COMPONENT_CLASSES`` (``turn-bar--cost``), the stylesheet gives each one
theme variables (``color: $text-success``), and the code asks the widget for the Rich style
(``span_style``). Text built once and handed to a child widget is built again after a theme
change (``follow_theme``); a widget that builds its text in ``render`` needs nothing more, as
Textual draws it again when its component classes change.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.style import Style
from textual.theme import Theme
from textual.widget import Widget

__all__ = ["follow_theme", "span_style"]


def span_style(widget: Widget, name: str) -> Style:
    """The style of ``widget``'s component class ``name`` for a span of its text: the colour
    (worked out against what is behind the widget) and text style, with a background only
    where the class gives one. A widget not styled yet (not mounted) gives no style."""
    try:
        styles = widget.get_component_styles(name)
    except KeyError:
        return Style()
    full = widget.get_component_rich_style(name)
    if styles.has_rule("background"):
        return full
    return Style.from_color(full.color) + full.without_color


def follow_theme(widget: Widget, restyle: Callable[[], object]) -> None:
    """Call ``restyle()`` after every change of the app's theme, once the stylesheet holds the
    new theme's colours (for as long as ``widget`` is in the DOM)."""

    def changed(_theme: Theme) -> None:
        restyle()

    widget.app.theme_changed_signal.subscribe(widget, changed)
