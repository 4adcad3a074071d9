"""Keys handled one at a time, in order, each once the screen on top can take it.

A key waits until the one before it has been handled all the way (up to the app's bindings,
whose action may open a screen), and until the screen on top has mounted and focused what
takes keys. So ``g`` then digits typed at once go to the dialog ``g`` opens, not to the screen
under it.
"""

from __future__ import annotations

import time

from textual import events
from textual.app import App
from textual.message_pump import MessagePump
from textual.screen import Screen

KEY_HOLD_SECONDS = 0.5  # the longest a key waits for a new screen to mount and take focus
KEY_PASSES = 2  # times a key is followed up to the app before the next key is sent


class KeysInOrder(App[None]):
    """An App whose keys wait for the key before them and for the screen on top."""

    def __init__(self) -> None:
        super().__init__()
        self._held_keys: list[events.Key] = []
        self._key_in_flight: float | None = None  # when the key being handled was sent
        self._key_screen: tuple[Screen[object] | None, float] = (None, 0.0)

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
