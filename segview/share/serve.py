"""``segview serve``: the app in a browser, through textual-serve.

textual-serve runs a small web server; each browser that opens the page gets its own app
process (``python -m segview.share.served_app ...``) whose screen is drawn in the page by a
terminal emulator. The server binds to localhost unless told otherwise. Without
``read_only`` anyone who can open the page can fork in the store; with it the app refuses
every write (fork here, export).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shlex
import signal
import socket
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web
from textual_serve.server import Server

__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "SegviewServer", "ServeOptions", "announcement"]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
WILDCARD_HOSTS = frozenset({"0.0.0.0", "::", ""})


@dataclass(frozen=True, slots=True)
class ServeOptions:
    """What the server serves and how each browser session's app opens."""

    store: Path
    label: str
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    read_only: bool = False
    select: str | None = None
    note: str | None = None

    @property
    def url(self) -> str:
        """Where browsers open the page (the machine's name when every interface listens)."""
        host = socket.gethostname() if self.host in WILDCARD_HOSTS else self.host
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{self.port}/"

    def command(self) -> str:
        """The shell command textual-serve runs for each browser session."""
        argv = [sys.executable, "-m", "segview.share.served_app", str(self.store)]
        argv += ["--label", self.label]
        if self.select:
            argv += ["--select", self.select]
        if self.note:
            argv += ["--note", self.note]
        if self.read_only:
            argv.append("--read-only")
        return shlex.join(argv)


def announcement(options: ServeOptions) -> str:
    """The one line printed when the server is up."""
    if options.read_only:
        return (
            f"segview: serving {options.label} read-only at {options.url} — anyone who can "
            "open this address can browse the store; fork and export are off (ctrl+c stops)"
        )
    return (
        f"segview: serving {options.label} at {options.url} — anyone who can open this "
        "address can read the store and fork in it (writes new segments); --read-only turns "
        "that off (ctrl+c stops)"
    )


class SegviewServer(Server):
    """textual-serve's server, announcing itself in one line and logging only problems."""

    def __init__(self, options: ServeOptions) -> None:
        super().__init__(
            options.command(),
            host=options.host,
            port=options.port,
            title=f"segview {options.label}",
            public_url=options.url.rstrip("/"),
        )
        self.options = options

    def initialize_logging(self) -> None:
        logging.basicConfig(
            level=logging.DEBUG if self.debug else logging.WARNING,
            format="segview serve: %(message)s",
            stream=sys.stderr,
        )

    async def on_startup(self, app: Any) -> None:
        """Nothing to print yet: the line comes once the server listens (``serve``)."""

    def serve(self, debug: bool = False) -> None:
        """Serve until interrupted; print the announcement once the server listens."""
        self.debug = debug
        self.initialize_logging()
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, self.request_exit)
        web.run_app(
            self._make_app(),
            host=self.host,
            port=self.port,
            handle_signals=False,
            loop=loop,
            print=lambda *_args: print(announcement(self.options), flush=True),
        )
