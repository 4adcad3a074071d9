"""``segview [STORE | FILE.jsonl] [--demo]``: open the Textual app (the options are read by
the one parser in ``segview.cli``).

With no argument the agent runtime's data directory is opened when there is one; otherwise
a fresh copy of the demo store, with a note in the app saying so. A demo copy lives in a
temporary directory that is removed when the app exits, unless something was written into it.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from segview.store.layout import NotAStore, locate
from segview.text import one_line

from .arguments import EXIT_OK, EXIT_USAGE
from .common import CliError


@dataclass(frozen=True, slots=True)
class DemoCopy:
    """A copy of the demo store in a new temporary directory, and what was copied."""

    directory: Path  # the temporary directory; the store is its ``sample_logs/``
    copied: frozenset[tuple[str, int, int]]  # its listing right after the copy

    @classmethod
    def create(cls) -> DemoCopy:
        from segview.samples import copy_demo_store

        directory = Path(tempfile.mkdtemp(prefix="segview-demo-"))
        try:
            copy_demo_store(directory / "sample_logs")
        except OSError as exc:
            shutil.rmtree(directory, ignore_errors=True)
            raise CliError(f"cannot copy the demo store: {exc}") from None
        return cls(directory, _listing(directory))

    @property
    def store(self) -> Path:
        return self.directory / "sample_logs"

    def finish(self) -> Path | None:
        """Remove the copy if nothing was written into it; else return the store (kept)."""
        if _listing(self.directory) != self.copied:
            return self.store
        shutil.rmtree(self.directory, ignore_errors=True)
        return None


def _listing(directory: Path) -> frozenset[tuple[str, int, int]]:
    """Every path below ``directory``, with the size and modification time of files."""
    found: set[tuple[str, int, int]] = set()
    for path in directory.rglob("*"):
        st = path.lstat()
        size, mtime = (-1, -1) if path.is_dir() else (st.st_size, st.st_mtime_ns)
        found.add((str(path.relative_to(directory)), size, mtime))
    return frozenset(found)


@dataclass(frozen=True, slots=True)
class Target:
    """What the app opens."""

    store: Path
    label: str  # the store path as the user gave it (shown in the header)
    select: str | None = None
    note: str | None = None
    demo: DemoCopy | None = None  # a temporary demo copy, removed on exit if untouched


def default_store_candidates(env: Mapping[str, str] | None = None) -> list[Path]:
    """The runtime's data directories, in the order they are tried: the current ones, then
    the older ones (FORMAT.md 9.2)."""
    env = os.environ if env is None else env
    home = Path(env.get("HOME") or Path.home())
    out: list[Path] = []
    for var in ("YOI_DATA_DIR", "YOI_HOME"):
        if env.get(var):
            out.append(Path(env[var]))
    if env.get("XDG_DATA_HOME"):
        out.append(Path(env["XDG_DATA_HOME"]) / "yoi")
    out.append(home / ".local" / "share" / "yoi")
    for var in ("INSOMNIA_DATA_DIR", "INSOMNIA_HOME"):
        if env.get(var):
            out.append(Path(env[var]))
    out.append(home / ".insomnia")
    return out


def holds_logs(data_dir: Path) -> bool:
    """Whether a data directory has somewhere the runtime keeps logs."""
    return (data_dir / "sessions").is_dir() or (data_dir / "runtime" / "workers").is_dir()


def find_default_store(env: Mapping[str, str] | None = None) -> Path | None:
    for candidate in default_store_candidates(env):
        if holds_logs(candidate):
            return candidate
    return None


def demo_target(reason: str) -> Target:
    """A fresh copy of the committed demo store in a new temporary directory."""
    from segview.samples import DEMO_SEGMENTS

    demo = DemoCopy.create()
    root = demo.store
    note = (
        f"{reason} This is the demo store: a temporary copy in {root}, removed when you "
        "quit unless you fork a segment in it. To open your own store: segview PATH  "
        "(e.g. segview ~/.local/share/yoi)."
    )
    return Target(root, str(root), DEMO_SEGMENTS["main"], note, demo)


def _check_dir(path: Path, label: str) -> None:
    try:
        with os.scandir(path) as it:
            next(it, None)
    except OSError as exc:
        raise CliError(f"cannot read store {label}: {exc.strerror or exc}", EXIT_USAGE) from None


def resolve_target(path: str | None, demo: bool, env: Mapping[str, str] | None = None) -> Target:
    """Decide what to open; raises ``CliError`` (exit 2) for a store that cannot be opened."""
    if demo and path is not None:
        raise CliError(
            f"--demo opens a copy of the demo store and takes no STORE (got {path}); "
            f"to open {path}, leave out --demo",
            EXIT_USAGE,
        )
    if demo:
        return demo_target("Opened with --demo.")
    if path is None:
        found = find_default_store(env)
        if found is None:
            return demo_target("No store of the agent runtime was found.")
        _check_dir(found, str(found))
        return Target(found, str(found))
    try:
        store, selected = locate(path)
    except NotAStore as exc:
        raise CliError(str(exc), EXIT_USAGE) from None
    label = path if selected is None else str(store)
    _check_dir(store, label)
    return Target(store, label, selected)


def has_terminal() -> bool:
    """Whether the app can run here: both standard input and output are a terminal."""
    try:
        return sys.stdin.isatty() and sys.stdout.isatty()
    except (AttributeError, ValueError):  # closed or replaced streams
        return False


def main(path: str | None, demo: bool) -> int:
    """Open the app on ``path`` (None: the default store), or on a demo copy with ``demo``;
    the options come from the one parser of ``segview`` (``segview.cli.build_parser``)."""
    try:
        target = resolve_target(path, demo)
    except CliError as exc:
        print(f"segview: {one_line(str(exc))}", file=sys.stderr)
        return exc.code
    if not has_terminal():
        print(
            "segview: the app needs a terminal (standard input and output are not one); "
            "in scripts use the subcommands: segview ls / tree / show / cat / check "
            "(segview --help)",
            file=sys.stderr,
        )
        if target.demo is not None:
            target.demo.finish()
        return EXIT_USAGE
    from segview.app import SegviewApp

    try:
        app = SegviewApp(target.store, select=target.select, note=target.note)
        app.store_label = target.label
        app.ends_process = True
        app.run()
    finally:
        kept = target.demo.finish() if target.demo is not None else None
        if kept is not None:
            print(f"segview: kept the demo copy, with what was written into it: {kept}")
    return EXIT_OK
