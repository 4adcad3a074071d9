"""``SegviewApp``: browse a store's ancestry tree, step through a segment's turns, fork, replay.

Data flows one way: the store on disk → the lineage and timeline models → the browsing model
(``segview.browse``) → the main screen (``main_screen.py``) → widgets. The app itself holds the
configuration, the theme and the store watcher, and returns the main screen as its default
screen. Every file read or write runs in a thread worker or on the watcher's thread (but the
two small files read as the app is made: the remembered theme, ``state.py``, and the
``[keymap]`` table of the config file, ``key_config.py``). Keys that arrive while a screen is
still coming up wait for it, in order (``g`` then digits typed at once go to the dialog ``g``
opens).
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path

from rich.console import RenderableType
from textual.app import App
from textual.binding import Binding
from textual.notifications import SeverityLevel

from segview.gcpause import fewer_young_collections
from segview.store.report import listeners as store_listeners
from segview.text import one_line, safe

from . import keymap
from .commands import SegviewCommands
from .key_config import load_keymap
from .keyqueue import KeysInOrder
from .main_screen import MainScreen
from .remembered_theme import RememberedTheme
from .watcher import NotifyWatcher, NullWatcher, PollWatcher, Watcher, notification_available


class SegviewApp(RememberedTheme, KeysInOrder):
    """The segview browser for one store."""

    CSS_PATH = "segview.tcss"
    TITLE = "segview"
    COMMANDS = App.COMMANDS | {SegviewCommands}

    def __init__(
        self,
        store_path: str | Path,
        select: str | None = None,
        note: str | None = None,
        now: int | None = None,
        *,
        watch: bool = True,
        poll_interval: float = 0.5,
        replay_time_scale: float = 1.0,
        read_only: bool = False,
    ) -> None:
        """Browse the store at ``store_path``; open ``select`` (an id or a unique prefix)
        first; show ``note`` above everything. ``now`` fixes the clock of the tree's ages,
        ``watch`` follows the store as it changes, ``replay_time_scale`` scales replay pauses
        (tests replay faster than the log's clock); ``read_only`` refuses every write (fork
        here, export), as ``segview serve --read-only`` needs."""
        super().__init__()
        self.ends_process = False  # the segview command: the process ends when the app does
        self._restore_gc: Callable[[], None] = lambda: None
        self._store_warnings_shown: set[str] = set()
        self.read_only = read_only
        self.store_path = Path(store_path)
        self.store_label = str(store_path)
        self.fixed_now = now
        self.main = MainScreen(self.store_path, select=select, note=note)
        self.main.player.time_scale = replay_time_scale
        self.watcher: Watcher = NullWatcher()
        if watch:
            poll = PollWatcher(self.main.poll, poll_interval, self.main.watched)
            self.watcher = (
                NotifyWatcher(self.main.poll, self.main.watch_roots, poll)
                if notification_available()
                else poll
            )
        self.warnings: list[str] = []  # shown once the app runs
        self._warn(self.use_remembered_theme())
        remap, warnings = load_keymap()
        for warning in warnings:
            self._warn(warning)
        self.key_table = keymap.remapped(remap)
        """The key table with the config file's ``[keymap]`` applied (help, palette)."""
        self._keymap_ids = {spec.binding_id for spec in keymap.KEYS}
        self.set_keymap(remap)

    def get_default_screen(self) -> MainScreen:
        return self.main

    def on_mount(self) -> None:
        self._restore_gc = fewer_young_collections()
        for warning in self.warnings:
            self.notify(warning, severity="warning", timeout=10)
        self.theme_changed_signal.subscribe(self, self.theme_chosen)
        self._loop_running = asyncio.get_running_loop()
        store_listeners.append(self._store_reported)

    def _store_reported(self, text: str) -> None:
        """A warning of the store core (a payload it skipped while replaying, ...), from the
        thread that read it: shown once, as a toast, from the app's own thread (never waited
        for: the app may be ending)."""
        with suppress(RuntimeError):  # the loop is closed: the app has ended
            self._loop_running.call_soon_threadsafe(self._show_store_warning, text)

    def _show_store_warning(self, text: str) -> None:
        if text not in self._store_warnings_shown:
            self._store_warnings_shown.add(text)
            self.notify(text, title="in the log", severity="warning", timeout=10)

    def _warn(self, warning: str | None) -> None:
        if warning:
            self.warnings.append(warning)

    def get_key_display(self, binding: Binding) -> str:
        """segview's keys, remapped or not, are written as the help screen writes them."""
        if binding.key_display or binding.id not in self._keymap_ids:
            return super().get_key_display(binding)
        return keymap.key_display(binding.key)

    def exit(
        self,
        result: None = None,
        return_code: int = 0,
        message: RenderableType | None = None,
    ) -> None:
        if self.ends_process:
            # the process ends with the app (``segview.cli.end_process``): a collection of
            # a large store's objects on the way out would only delay it
            gc.disable()
        super().exit(result, return_code, message)

    def on_unmount(self) -> None:
        # reads in thread workers stop at their next check (a segment, a MiB) so that the
        # process ends at once; the watcher's thread is a daemon
        self.workers.cancel_all()
        self.watcher.stop()
        self._restore_gc()
        if self._store_reported in store_listeners:
            store_listeners.remove(self._store_reported)

    def now(self) -> int:
        """The clock of the tree's ages (fixed in tests and screenshots)."""
        return self.fixed_now if self.fixed_now is not None else time.time_ns() // 1_000_000

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """A toast. Never markup by default: notifications carry ids, paths and messages from
        logs and the file system, which must be shown as they are."""
        if not markup:
            message = safe(message)
        super().notify(
            message, title=one_line(title), severity=severity, timeout=timeout, markup=markup
        )


__all__ = ["SegviewApp"]
