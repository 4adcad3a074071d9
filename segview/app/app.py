"""``SegviewApp``: browse a store's ancestry tree, step through a segment's turns, fork, replay.

Data flows one way: the store on disk → the lineage and timeline models → the browsing model
(``segview.browse``) → the main screen (``main_screen.py``) → widgets. The app itself holds the
configuration, the theme and the store watcher, and returns the main screen as its default
screen. Every file read or write runs in a thread worker or on the watcher's thread. Keys that
arrive while a screen is still coming up wait for it, in order (``g`` then digits typed at once
go to the dialog ``g`` opens).
"""

from __future__ import annotations

import time
from pathlib import Path

from textual import events
from textual.app import App
from textual.message_pump import MessagePump
from textual.notifications import SeverityLevel
from textual.screen import Screen

from segview.store.ops import now_ms
from segview.text import one_line, safe

from .commands import SegviewCommands
from .main_screen import MainScreen
from .watcher import NotifyWatcher, NullWatcher, PollWatcher, Watcher, notification_available

KEY_HOLD_SECONDS = 0.5  # the longest a key waits for a new screen to mount and take focus
KEY_PASSES = 2  # times a key is followed up to the app before the next key is sent


class SegviewApp(App[None]):
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
        self._held_keys: list[events.Key] = []
        self._key_in_flight: float | None = None  # when the key being handled was sent
        self._key_screen: tuple[Screen[object] | None, float] = (None, 0.0)

    def get_default_screen(self) -> MainScreen:
        return self.main

    # --- keys, one at a time ----------------------------------------------------------------

    async def on_event(self, event: events.Event) -> None:
        """Keys are handled one at a time, in order: a key waits until the one before it has
        been handled all the way (up to the app's bindings, whose action may open a screen),
        and until the screen on top has mounted and focused what takes keys. So ``g`` then
        digits typed at once go to the dialog ``g`` opens, not to the screen under it."""
        if isinstance(event, events.Key) and not event.is_forwarded:
            self._held_keys.append(event)
            await self._send_keys()
            return
        await super().on_event(event)

    def _takes_keys(self) -> bool:
        screen = self.screen
        shown, since = self._key_screen
        if screen is not shown:
            since = time.monotonic()
            self._key_screen = (screen, since)
        if time.monotonic() - since > KEY_HOLD_SECONDS:
            return True  # a screen that focuses nothing
        return screen.is_mounted and (screen.focused is not None or not screen.focus_chain)

    async def _send_keys(self) -> None:
        while self._held_keys:
            in_flight = self._key_in_flight
            if in_flight is not None and time.monotonic() - in_flight < KEY_HOLD_SECONDS:
                # the key before is on its way: its end sends the next (or, if it never
                # ends, the timer does)
                self.set_timer(KEY_HOLD_SECONDS, self._send_keys)
                return
            if not self._takes_keys():
                self.set_timer(0.005, self._send_keys)
                return
            key = self._held_keys.pop(0)
            target: MessagePump = self.focused or self.screen
            self._key_in_flight = time.monotonic()
            await super().on_event(key)
            self._follow_key(target, target, KEY_PASSES)

    def _follow_key(self, node: MessagePump, target: MessagePump, passes: int) -> None:
        """Run behind the key in ``node``'s queue, then in its parent's, up to the app's: the
        way the key bubbles, so the app's turn comes once the key has been handled (or was
        stopped on the way). A second pass follows what handling it posted (a dialog's
        ``Submitted``, the dialog's result)."""
        if not node.call_later(self._followed, node, target, passes):
            self.call_later(self._key_done)

    def _followed(self, node: MessagePump, target: MessagePump, passes: int) -> None:
        if node is not self:
            self._follow_key(node._parent or self, target, passes)
        elif passes > 1:
            self._follow_key(target, target, passes - 1)
        else:
            self._key_done()

    def _key_done(self) -> None:
        self._key_in_flight = None
        self.call_later(self._send_keys)

    def on_unmount(self) -> None:
        # reads in thread workers stop at their next check (a segment, a MiB) so that the
        # process ends at once; the watcher's thread is a daemon
        self.workers.cancel_all()
        self.watcher.stop()

    def now(self) -> int:
        """The clock of the tree's ages (fixed in tests and screenshots)."""
        return self.fixed_now if self.fixed_now is not None else now_ms()

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
