"""``segview serve`` and ``segview export``: show a store in a browser, share a conversation."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
from pathlib import Path

from .arguments import EXIT_OK, EXIT_USAGE
from .common import CliError

# --- serve ------------------------------------------------------------------------------------


def cmd_serve(ns: argparse.Namespace) -> int:
    from segview.share.serve import SegviewServer, ServeOptions

    from .app_cmd import resolve_target

    target = resolve_target(ns.store, False)
    note = target.note
    if ns.read_only:
        off = "Read-only: fork here and export are turned off on this page."
        note = f"{note} {off}" if note else off
    options = ServeOptions(
        store=target.store.resolve(),
        label=target.label,
        host=ns.host,
        port=ns.port,
        read_only=ns.read_only,
        select=target.select,
        note=note,
    )
    server = SegviewServer(options)
    try:
        server.serve()
    except OSError as exc:
        raise CliError(f"cannot serve on {ns.host}:{ns.port}: {exc.strerror or exc}") from None
    return EXIT_OK


# --- export -----------------------------------------------------------------------------------


def _check_output(path: Path, store: Path, flag: str) -> None:
    from segview.store.layout import path_inside

    if path_inside(path, store):
        raise CliError(f"{flag} {path} is inside the store {store}: write it elsewhere", EXIT_USAGE)
    if path.is_dir():
        raise CliError(f"{flag} {path}: is a directory", EXIT_USAGE)
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise CliError(f"{flag} {path}: no directory {parent}", EXIT_USAGE)


def write_output(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` whole or not at all (a temporary file renamed over it)."""
    parent = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def cmd_export(ns: argparse.Namespace) -> int:
    from segview.share.cast import parse_size

    if ns.html is None and ns.cast is None:
        raise CliError("nothing to write: give --html FILE and/or --cast FILE", EXIT_USAGE)
    if ns.redact and ns.html is None:
        raise CliError(
            "--redact applies to the HTML page (--html FILE); a cast shows the app's screen "
            "as it is",
            EXIT_USAGE,
        )
    store = Path(ns.store)
    if not store.is_dir():
        what = "store not found" if not store.exists() else "not a store directory"
        raise CliError(f"{what}: {store}", EXIT_USAGE)
    try:
        size = parse_size(ns.size)
    except ValueError as exc:
        raise CliError(f"--size: {exc}", EXIT_USAGE) from None
    for flag, path in (("--html", ns.html), ("--cast", ns.cast)):
        if path is not None:
            _check_output(path, store, flag)
    if ns.html is not None and ns.cast is not None and ns.html.resolve() == ns.cast.resolve():
        raise CliError("--html and --cast name the same file", EXIT_USAGE)
    if ns.html is not None:
        _export_html(store, ns.store, ns.segment, ns.html, redact=ns.redact)
    if ns.cast is not None:
        _export_cast(store, ns.store, ns.segment, ns.cast, size=size, speed=ns.speed)
    return EXIT_OK


def _export_html(store: Path, label: str, segment: str, out: Path, *, redact: bool) -> None:
    from segview.share.html import replay_page
    from segview.share.redact import Redactor

    redactor = Redactor() if redact else None
    try:
        text = replay_page(store, segment, store_label=label, redactor=redactor)
    except LookupError as exc:
        raise CliError(str(exc.args[0] if exc.args else exc)) from None
    try:
        write_output(out, text)
    except OSError as exc:
        raise CliError(f"cannot write {out}: {exc.strerror or exc}") from None
    if redactor is not None:
        print(f"segview: {redactor.report()}", file=sys.stderr)
    print(f"segview: wrote {out} ({len(text.encode()):,} bytes)", file=sys.stderr)


def _export_cast(
    store: Path, label: str, segment: str, out: Path, *, size: tuple[int, int], speed: int
) -> None:
    from segview.share.cast import record_cast

    try:
        cast = record_cast(store, segment, size=size, speed=speed, label=label)
    except LookupError as exc:
        raise CliError(str(exc.args[0] if exc.args else exc)) from None
    text = cast.to_text()
    try:
        write_output(out, text)
    except OSError as exc:
        raise CliError(f"cannot write {out}: {exc.strerror or exc}") from None
    frames, seconds = len(cast.events), cast.events[-1][0] if cast.events else 0.0
    print(
        f"segview: wrote {out} ({frames} frames, {seconds:.1f} s at {speed}x, {size[0]}x{size[1]})",
        file=sys.stderr,
    )
