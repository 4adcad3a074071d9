"""Open text in the user's own pager or editor, with the app suspended meanwhile."""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
from pathlib import Path

from textual.app import App, SuspendNotSupported

DEFAULT_PAGER = ("less", "-R")
DEFAULT_EDITOR = ("vi",)


def external_command(*, editor: bool) -> list[str]:
    """``$VISUAL`` / ``$EDITOR`` (else ``vi``) or ``$PAGER`` (else ``less -R``), split as a
    shell would."""
    value = (os.environ.get("VISUAL") or os.environ.get("EDITOR")) if editor else None
    if not editor:
        value = os.environ.get("PAGER")
    try:
        words = shlex.split(value) if value else []
    except ValueError:
        words = []
    return words or list(DEFAULT_EDITOR if editor else DEFAULT_PAGER)


def run_external(app: App[object], command: list[str], text: str) -> None:
    """Write ``text`` to a private temporary file, run ``command FILE`` with the terminal
    handed over (the app suspended), then remove the file. Where the app cannot be suspended
    (a browser, a test), the command runs without the terminal."""
    with tempfile.TemporaryDirectory(prefix="segview-") as directory:  # mode 0700
        path = Path(directory) / "conversation.md"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        try:
            with app.suspend():
                subprocess.run([*command, str(path)], check=False)
        except SuspendNotSupported:
            subprocess.run(
                [*command, str(path)],
                check=False,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                timeout=60,
            )
