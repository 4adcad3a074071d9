"""Helpers shared by the subcommands: error reporting, store opening, id prefixes, JSON out."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from segview.store import StoreError
from segview.store.layout import NotAStore, SegmentFile, StoreScan, scan_store
from segview.text import one_line, safe_json

from .arguments import EXIT_USAGE

if TYPE_CHECKING:
    from segview.index import StoreIndex


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
        print(f"segview: {one_line(str(exc))}", file=sys.stderr)
        return exc.code
    except StoreError as exc:
        print(f"segview: {one_line(str(exc))}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # `segview cat ... | head`
        return 0
    except KeyboardInterrupt:
        return 130


def open_scan(path: str) -> StoreScan:
    """Every segment at ``path``: a store in any layout (flat, session directories, a runtime
    data directory, a worker aggregate) or a segment file (its directory, that segment
    selected). A path that cannot be opened is a usage error (exit 2)."""
    try:
        return scan_store(path)
    except NotAStore as exc:
        raise CliError(str(exc), EXIT_USAGE) from None
    except StoreError as exc:
        raise CliError(f"cannot read store {path}: {exc}", EXIT_USAGE) from None


def resolve_segment(scan: StoreScan, prefix: str | None) -> SegmentFile:
    """The segment named by a full id or a unique prefix of one (also ``ID.jsonl``); without
    one, the segment file given as STORE."""
    if prefix is None:
        selected = scan.get(scan.selected) if scan.selected is not None else None
        if selected is None:
            raise CliError(
                f"no SEGMENT given: name one (an id or a unique prefix) after {scan.given}, "
                "or give a segment file as STORE",
                EXIT_USAGE,
            )
        return selected
    try:
        return scan.resolve(prefix)
    except LookupError as exc:
        raise CliError(str(exc)) from None


_SURROGATES = {c: f"\\u{c:04x}" for c in range(0xD800, 0xE000)}


def _without_surrogates(value: Any) -> Any:
    """``value`` with lone surrogates in strings (file names that are not UTF-8) written as
    ``\\udcff`` text: JSON cannot carry them."""
    if isinstance(value, str):
        return value.translate(_SURROGATES)
    if isinstance(value, dict):
        return {_without_surrogates(k): _without_surrogates(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_without_surrogates(v) for v in value]
    return value


def dumps_json(data: Any) -> bytes:
    """Indented JSON (orjson input: serde-faithful floats where Fragments are used) with every
    character a terminal would act on escaped (``safe_json``)."""
    import orjson

    try:
        text = orjson.dumps(data, option=orjson.OPT_INDENT_2)
    except TypeError:  # a str holding a lone surrogate
        text = orjson.dumps(_without_surrogates(data), option=orjson.OPT_INDENT_2)
    return safe_json(text)


def print_json(data: Any) -> None:
    """``dumps_json`` on stdout."""
    out = sys.stdout.buffer
    out.write(dumps_json(data))  # (not joined to the newline: a copy of a large output)
    out.write(b"\n")
    sys.stdout.flush()


def print_json_list(items: Iterable[Any]) -> None:
    """``print_json(list(items))``, byte for byte, written an item at a time (a long list is
    never held whole)."""
    out = sys.stdout.buffer
    first = True
    for item in items:
        text = dumps_json(item).replace(b"\n", b"\n  ")
        out.write((b"[\n  " if first else b",\n  ") + text)
        first = False
    out.write(b"[]\n" if first else b"\n]\n")
    out.flush()


def open_index(store: str, ns: Any) -> StoreIndex | None:
    """The index for a command on ``store`` (None with ``--no-index``, or when it cannot be
    opened: commands then read every file, as they would the first time)."""
    if getattr(ns, "no_index", False):
        return None
    from segview.index import StoreIndex

    return StoreIndex.open(store)
