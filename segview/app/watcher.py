"""Watching the store for changes, behind one small interface.

A watcher calls ``check`` whenever the store may have changed; ``check`` refreshes the
lineage and the open timeline (reading only what was appended) and tells the app. The app
never knows how the watcher decides: the one implementation here polls, which works on
every filesystem (network mounts included) and costs one directory listing and a few
``stat`` calls per tick.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Protocol


class Watcher(Protocol):
    """Calls its ``check`` function from a background thread until stopped."""

    def start(self) -> None: ...

    def stop(self) -> None: ...


class PollWatcher:
    """Calls ``check`` every ``interval`` seconds on a daemon thread."""

    def __init__(self, check: Callable[[], None], interval: float = 0.5) -> None:
        self._check = check
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="segview-watcher", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=2)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._check()


class NullWatcher:
    """A watcher that never calls back (a store that is not followed)."""

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass
