"""``segview [STORE | FILE.jsonl] [--demo]``: open the Textual app.

With no argument the agent runtime's default store is opened when it exists; otherwise a
fresh copy of the demo store, with a note in the app saying so.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from segview.store.fs_store import SEGMENT_ID_RE

from .common import EXIT_OK, EXIT_USAGE, CliError

DESCRIPTION = """\
Open the segview app on a store of segment logs.

  segview                 the agent runtime's default store if it exists, else the demo store
  segview STORE           a store directory
  segview FILE.jsonl      the store holding FILE, with that segment selected
  segview --demo          a fresh copy of the demo store (in a temporary directory)

The default store is the first existing of $INSOMNIA_DATA_DIR/sessions,
$INSOMNIA_HOME/sessions, ~/.insomnia/sessions, $YOI_DATA_DIR/sessions,
$YOI_HOME/sessions, $XDG_DATA_HOME/yoi/sessions and ~/.local/share/yoi/sessions.
Inside the app press ? for the keys, ctrl+p for every action.
"""

EPILOG = """\
examples:
  segview --demo
  segview sample_logs
  segview sample_logs/01926b80-f80e-7fda-abe5-925c8c52fefc.jsonl
  segview ~/.insomnia/sessions
"""


@dataclass(frozen=True, slots=True)
class Target:
    """What the app opens."""

    store: Path
    label: str  # the store path as the user gave it (shown in the header)
    select: str | None = None
    note: str | None = None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="segview",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "path", nargs="?", metavar="STORE | FILE.jsonl", help="a store directory or a segment file"
    )
    parser.add_argument("--demo", action="store_true", help="open a fresh copy of the demo store")
    return parser


def default_store_candidates(env: Mapping[str, str] | None = None) -> list[Path]:
    """Where the agent runtime keeps its sessions, in the order they are tried."""
    env = os.environ if env is None else env
    home = Path(env.get("HOME") or Path.home())
    out: list[Path] = []
    for var in ("INSOMNIA_DATA_DIR", "INSOMNIA_HOME"):
        if env.get(var):
            out.append(Path(env[var]) / "sessions")
    out.append(home / ".insomnia" / "sessions")
    for var in ("YOI_DATA_DIR", "YOI_HOME"):
        if env.get(var):
            out.append(Path(env[var]) / "sessions")
    if env.get("XDG_DATA_HOME"):
        out.append(Path(env["XDG_DATA_HOME"]) / "yoi" / "sessions")
    out.append(home / ".local" / "share" / "yoi" / "sessions")
    return out


def find_default_store(env: Mapping[str, str] | None = None) -> Path | None:
    for candidate in default_store_candidates(env):
        if candidate.is_dir():
            return candidate
    return None


def demo_target(reason: str) -> Target:
    """A fresh copy of the demo store in a new temporary directory."""
    from segview.samples import DEMO_SEGMENTS, write_demo_store

    root = Path(tempfile.mkdtemp(prefix="segview-demo-")) / "sample_logs"
    root.mkdir()
    write_demo_store(root)
    note = (
        f"{reason} This is the demo store: a fresh copy in {root} (forks and exports made "
        "here are yours to keep or delete). To open your own store: segview PATH  "
        "(e.g. segview ~/.insomnia/sessions)."
    )
    return Target(root, str(root), DEMO_SEGMENTS["main"], note)


def _check_dir(path: Path, label: str) -> None:
    if not path.exists():
        raise CliError(f"store not found: {label}", EXIT_USAGE)
    if not path.is_dir():
        raise CliError(f"not a store directory or a .jsonl segment file: {label}", EXIT_USAGE)
    try:
        with os.scandir(path) as it:
            next(it, None)
    except OSError as exc:
        raise CliError(f"cannot read store {label}: {exc.strerror or exc}", EXIT_USAGE) from None


def resolve_target(path: str | None, demo: bool, env: Mapping[str, str] | None = None) -> Target:
    """Decide what to open; raises ``CliError`` (exit 2) for a store that cannot be opened."""
    if demo:
        return demo_target("Opened with --demo.")
    if path is None:
        found = find_default_store(env)
        if found is None:
            return demo_target("No store of the agent runtime was found.")
        _check_dir(found, str(found))
        return Target(found, str(found))
    given = Path(path)
    if given.suffix == ".jsonl" and not given.is_dir():
        if not given.exists():
            raise CliError(f"segment file not found: {path}", EXIT_USAGE)
        stem = given.name[: -len(".jsonl")]
        if not SEGMENT_ID_RE.fullmatch(stem):
            raise CliError(f"not a segment file (its name is not a segment id): {path}", EXIT_USAGE)
        store = given.parent
        label = str(store) if str(given.parent) not in ("", ".") else "."
        # the later layout keeps segments in {root}/{session_id}/: open the whole store
        if SEGMENT_ID_RE.fullmatch(store.name) and store.parent.is_dir():
            store = store.parent
            label = str(store)
        _check_dir(store, label)
        return Target(store, label, stem)
    _check_dir(given, path)
    return Target(given, path)


def main(argv: Sequence[str]) -> int:
    parser = build_parser()
    try:
        ns = parser.parse_args(list(argv))
    except SystemExit as exc:  # --help (0) or a usage error (2)
        return int(exc.code or 0)
    try:
        target = resolve_target(ns.path, ns.demo)
    except CliError as exc:
        print(f"segview: {exc}", file=sys.stderr)
        return exc.code
    from segview.app import SegviewApp

    app = SegviewApp(target.store, select=target.select, note=target.note)
    app.store_label = target.label
    app.run()
    return EXIT_OK
