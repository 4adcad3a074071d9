"""What the app remembers between runs (the chosen theme), in ``state.json``.

The file lives in ``$SEGVIEW_STATE_DIR``, else ``$XDG_STATE_HOME/segview``, else
``~/.local/state/segview``. It is one JSON object, ``{"theme": "segview-light"}``; keys this
version does not know are kept when the file is written again. It is written whole or not at
all (a temporary file in the same directory, renamed over it). A file that cannot be read, is
not such an object, or names a theme that does not exist is ignored, with a one-line warning
naming the file: the app starts with its defaults.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["STATE_ENV", "SavedState", "load_state", "save_state", "state_path"]

STATE_ENV = "SEGVIEW_STATE_DIR"
STATE_FILE = "state.json"


def state_path(environ: Mapping[str, str] | None = None) -> Path:
    """Where the state file is: ``$SEGVIEW_STATE_DIR``, ``$XDG_STATE_HOME/segview`` or
    ``~/.local/state/segview``, then ``state.json``."""
    env = os.environ if environ is None else environ
    if env.get(STATE_ENV):
        return Path(env[STATE_ENV]).expanduser() / STATE_FILE
    base = env.get("XDG_STATE_HOME")
    root = Path(base).expanduser() if base else Path.home() / ".local" / "state"
    return root / "segview" / STATE_FILE


@dataclass(frozen=True)
class SavedState:
    """The state read from the file (``theme`` None: none chosen yet), with every key of the
    file, so that writing it again keeps what a later version added."""

    theme: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict)


def load_state(path: Path | None = None) -> tuple[SavedState, str | None]:
    """The saved state, and a warning when the file exists but cannot be used.

    A missing file is no warning (nothing saved yet)."""
    source = state_path() if path is None else path
    try:
        raw = source.read_bytes()
    except FileNotFoundError:
        return SavedState(), None
    except OSError as exc:
        return SavedState(), f"{source}: cannot read: {exc.strerror or exc}; ignored"
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        return SavedState(), f"{source}: not a JSON state file ({exc}); ignored"
    if not isinstance(data, dict):
        return SavedState(), f"{source}: not a JSON object; ignored"
    theme = data.get("theme")
    if theme is not None and not isinstance(theme, str):
        return SavedState(raw=data), f"{source}: `theme` is not a name ({theme!r}); ignored"
    return SavedState(theme, data), None


def save_state(state: SavedState, path: Path | None = None) -> None:
    """Write ``state`` (its ``raw`` keys, then its theme) whole or not at all; raises
    ``OSError`` when it cannot."""
    target = state_path() if path is None else path
    data = dict(state.raw)
    if state.theme is not None:
        data["theme"] = state.theme
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
