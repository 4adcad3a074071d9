"""The chosen theme, remembered across runs (``state.json``, see ``state.py``)."""

from __future__ import annotations

import threading

from textual import work
from textual.app import App
from textual.theme import Theme

from .state import SavedState, load_state, save_state, state_path
from .themes import DEFAULT_THEME, THEMES


class RememberedTheme(App[None]):
    """An App with segview's themes, starting in the theme chosen last time."""

    read_only: bool

    def use_remembered_theme(self) -> str | None:
        """Register segview's themes and show the one saved last (else the default); a
        warning when the saved state cannot be used."""
        for theme in THEMES:
            self.register_theme(theme)
        self._state_lock = threading.Lock()
        self.saved, warning = load_state()
        chosen = self.saved.theme
        if chosen is not None and chosen not in self.available_themes:
            warning = f"{state_path()}: no theme {chosen!r}; ignored"
            chosen = None
        self.theme = chosen or DEFAULT_THEME
        self._theme_shown = self.theme  # saved when a theme other than this one is chosen
        return warning

    def theme_chosen(self, theme: Theme) -> None:
        """Save a theme other than the one shown at start (never from a read-only app)."""
        if theme.name != self._theme_shown and not self.read_only:
            self._theme_shown = theme.name
            self.saved = SavedState(theme.name, self.saved.raw)
            self._save_state()

    @work(thread=True, group="state")
    def _save_state(self) -> None:
        """Write the state as it is when the write starts (one write at a time: the last
        one writes the last choice)."""
        try:
            with self._state_lock:
                save_state(self.saved)
        except OSError as exc:
            self.call_from_thread(
                self.notify,
                f"{state_path()}: cannot save the theme: {exc.strerror or exc}",
                severity="warning",
            )
