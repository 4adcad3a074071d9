"""Helpers shared by the subcommands: error reporting, store opening, id prefixes, JSON out."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from segview.store import FsStore, StoreError

EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_USAGE = 2


class CliError(Exception):
    """A user-facing error: printed as ``segview: <message>`` with ``code`` as exit status."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


def run_guarded(func: Callable[[], int]) -> int:
    """Run a command; turn expected errors into one line on stderr and an exit code."""
    try:
        return func()
    except CliError as exc:
        print(f"segview: {exc}", file=sys.stderr)
        return exc.code
    except StoreError as exc:
        print(f"segview: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # `segview cat ... | head`
        return 0
    except KeyboardInterrupt:
        return 130


def open_store(path: str) -> FsStore:
    """The store at ``path``; a missing or unreadable directory is a usage error (exit 2)."""
    root = Path(path)
    if not root.exists():
        raise CliError(f"store not found: {root}", EXIT_USAGE)
    if not root.is_dir():
        raise CliError(f"not a store directory: {root}", EXIT_USAGE)
    store = FsStore(root)
    try:
        store.list_segments()
    except StoreError as exc:
        raise CliError(f"cannot read store {root}: {exc}", EXIT_USAGE) from None
    return store


def resolve_segment(store: FsStore, prefix: str) -> str:
    """A full segment id from a full id or a unique prefix of one (also accepts ``ID.jsonl``)."""
    wanted = prefix.removesuffix(".jsonl").lower()
    ids = store.list_segments()
    if wanted in ids:
        return wanted
    matches = [i for i in ids if i.startswith(wanted)]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise CliError(f"no segment matches {prefix!r} in {store.root}")
    shown = ", ".join(matches[:8]) + (f" (+{len(matches) - 8} more)" if len(matches) > 8 else "")
    raise CliError(f"ambiguous segment prefix {prefix!r}: {len(matches)} candidates: {shown}")


def print_json(data: Any) -> None:
    """Pretty JSON on stdout (orjson input: serde-faithful floats where Fragments are used)."""
    sys.stdout.buffer.write(orjson.dumps(data, option=orjson.OPT_INDENT_2) + b"\n")
    sys.stdout.flush()
