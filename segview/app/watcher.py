"""Watching the store for changes, behind one small interface.

A watcher calls ``check`` whenever the store may have changed; ``check`` refreshes the
lineage and the open timeline (reading only what was appended) and tells the app. The app
never knows how the watcher decides:

* ``NotifyWatcher`` asks the operating system (inotify, FSEvents, ReadDirectoryChangesW,
  through ``watchfiles``) and calls ``check`` only when something under the store changed:
  an idle app does nothing at all.
* ``PollWatcher`` is for where notification is unavailable (network mounts, a system without
  ``watchfiles``, a watch that fails): every ``interval`` it compares a cheap signature of the
  store — the modification times of its directories (a new, removed or renamed file), the
  open segment's size and time, and a few hundred of the other files in turn — and calls
  ``check`` only when it changed, so that an idle app costs a few hundred ``stat`` calls a
  second at most.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Callable, Iterable
from typing import Protocol

log = logging.getLogger(__name__)

STAT_BATCH = 400  # files looked at per poll besides the directories and the open segment
SAFETY_CHECK_TIMEOUTS = 20  # with notification, a full look every 20 quiet half-seconds


class Watcher(Protocol):
    """Calls its ``check`` function from a background thread until stopped."""

    def start(self) -> None: ...

    def stop(self) -> None: ...


Signature = Callable[[], tuple[list[str], list[str], list[str]]]
"""What to watch: (directories, files always looked at, files looked at in turn)."""


class PollWatcher:
    """Calls ``check`` every ``interval`` seconds on a daemon thread; with ``watched``, only
    when the cheap signature of the store changed (see the module docstring)."""

    def __init__(
        self,
        check: Callable[[], None],
        interval: float = 0.5,
        watched: Signature | None = None,
    ) -> None:
        self._check = check
        self.interval = interval
        self._watched = watched
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last: dict[str, tuple[int, int] | None] = {}
        self._turn = 0

    def start(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="segview-watcher", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=0.2)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            if self._watched is None or self._changed():
                self._check()

    def _changed(self) -> bool:
        assert self._watched is not None
        try:
            directories, always, rotating = self._watched()
        except Exception:  # the store is being reopened: look at it the plain way
            log.exception("listing what to watch")
            return True
        if rotating:
            start = self._turn % len(rotating)
            batch = rotating[start : start + STAT_BATCH]
            self._turn = start + len(batch)
        else:
            batch = []
        changed = False
        for path in (*directories, *always, *batch):
            now = _stat(path)
            if self._last.get(path, now) != now:
                changed = True
            self._last[path] = now
        return changed


def _stat(path: str) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns)


class NotifyWatcher:
    """Calls ``check`` when the operating system reports a change under ``roots`` (through
    ``watchfiles``, on a daemon thread); falls back to ``fallback`` when that fails."""

    def __init__(
        self,
        check: Callable[[], None],
        roots: Callable[[], Iterable[str]],
        fallback: Watcher,
        debounce_ms: int = 200,
    ) -> None:
        self._check = check
        self._roots = roots
        self._fallback = fallback
        self._debounce = debounce_ms
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="segview-notify", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._fallback.stop()
        thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=0.2)

    def _run(self) -> None:
        try:
            from watchfiles import watch

            roots = [r for r in dict.fromkeys(self._roots()) if os.path.isdir(r)]
            quiet = 0
            for changes in watch(
                *roots,
                stop_event=self._stop,
                debounce=self._debounce,
                step=50,
                rust_timeout=500,
                yield_on_timeout=True,
                raise_interrupt=False,
            ):
                if self._stop.is_set():
                    return
                quiet = 0 if changes else quiet + 1
                # a filesystem that sends no events (some network mounts): look anyway now
                # and then
                if changes or quiet % SAFETY_CHECK_TIMEOUTS == 0:
                    self._check()
        except Exception:  # no watchfiles, too many watches, a filesystem without events
            log.info("change notification unavailable; polling the store", exc_info=True)
            if not self._stop.is_set():
                with contextlib.suppress(RuntimeError):
                    self._fallback.start()


def notification_available() -> bool:
    """Whether ``watchfiles`` can be used here."""
    try:
        import watchfiles  # noqa: F401
    except ImportError:
        return False
    return True


class NullWatcher:
    """A watcher that never calls back (a store that is not followed)."""

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass
