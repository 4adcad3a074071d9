"""The ``segview`` command: open the app on a store, or run a scriptable subcommand.

``segview [STORE | FILE.jsonl]`` opens the app; ``segview SUBCOMMAND ...`` runs one of
``ls``, ``tree``, ``show``, ``cat``, ``fork``, ``check``, ``search``, ``serve``, ``export``, ``diff``,
``notes``, ``label``, ``note``. Errors are one line on stderr with
a non-zero exit code, never a traceback.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from . import (
    app_cmd,
    compare_cmds,
    lineage_cmds,
    notes_cmds,
    search_cmds,
    share_cmds,
    store_cmds,
)
from .common import EXIT_USAGE, CliError, run_guarded

LONG_RUNNING = frozenset({"serve", "export"})  # a server, the app rendered headless

SUBCOMMAND_MODULES = (store_cmds, lineage_cmds, search_cmds, share_cmds, compare_cmds, notes_cmds)

DESCRIPTION = """\
Browse, step through, fork and replay the segment logs of the agent runtime.

  segview                     open the agent runtime's data directory (or the demo store)
  segview STORE               open the app on a store: a flat directory, session
                              directories, a runtime data directory, a worker aggregate
  segview FILE.jsonl          open the store of FILE's directory with that segment selected
  segview --demo              open a fresh copy of the demo store
  segview SUBCOMMAND ...      scriptable commands (each has --help):
"""

EPILOG = """\
examples:
  segview sample_logs
  segview ls sample_logs --json
  segview show sample_logs 01926b80 --turn 2
  segview fork sample_logs 01926b80 --at-turn 2
  segview serve sample_logs --read-only
  segview export sample_logs 01926cb6 --html replay.html
  segview diff sample_logs 01926c6 01926b8
  segview search sample_logs ValueError
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="segview",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=_version())
    sub = parser.add_subparsers(dest="command", metavar="SUBCOMMAND")
    for module in SUBCOMMAND_MODULES:
        module.register(sub)
    return parser


def _version() -> str:
    from segview import __version__

    return f"segview {__version__}"


def subcommand_names() -> set[str]:
    names: set[str] = set()
    for module in SUBCOMMAND_MODULES:
        names.update(module.COMMANDS)
    return names


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if (args and args[0] in subcommand_names()) or any(
        a in ("-h", "--help", "--version") for a in args[:1]
    ):
        parser = build_parser()
        try:
            ns = parser.parse_args(args)
        except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help
            return int(exc.code or 0)
        if ns.command is None:
            parser.print_help()
            return 0
        _warnings_to_stderr()
        if ns.command in LONG_RUNNING:
            return run_guarded(lambda: int(ns.func(ns)))
        # a command that reads and prints, then ends: what it builds lives until it ends, so
        # the cyclic collector would only walk it again and again
        from segview.gcpause import gc_paused

        with gc_paused():
            return run_guarded(lambda: int(ns.func(ns)))
    return app_cmd.main(args)


def _entry() -> None:  # pragma: no cover - console script shim
    sys.exit(main())


__all__ = ["EXIT_USAGE", "CliError", "build_parser", "main"]


class _StderrLines(logging.Handler):
    """``segview: warning: …`` on one line of whatever ``sys.stderr`` is at the time, with
    anything from a log escaped."""

    def emit(self, record: logging.LogRecord) -> None:
        from segview.text import one_line

        try:
            line = f"segview: {record.levelname.lower()}: {one_line(record.getMessage(), 300)}"
            sys.stderr.write(line + "\n")
        except Exception:  # a warning must never break a command
            self.handleError(record)


def _warnings_to_stderr() -> None:
    """Warnings of the store core (a malformed payload skipped, ...) as one line each on
    stderr. Only for subcommands: while the app runs, the terminal is the app's."""
    root = logging.getLogger("segview")
    if not any(isinstance(h, _StderrLines) for h in root.handlers):
        root.addHandler(_StderrLines(logging.WARNING))
        root.propagate = False
