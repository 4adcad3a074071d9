"""The ``segview`` command: open the app on a store, or run a scriptable subcommand.

``segview [STORE | FILE.jsonl] [--demo]`` opens the app; ``segview SUBCOMMAND ...`` runs one of
``ls``, ``tree``, ``show``, ``cat``, ``fork``, ``check``, ``search``, ``serve``, ``export``, ``diff``,
``notes``, ``label``, ``note``. Errors are one line on stderr with
a non-zero exit code, never a traceback. One parser reads both: its first positional
argument is a subcommand when it names one, else the store the app opens.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from typing import Any

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

  segview                     the agent runtime's data directory if there is one, else a
                              fresh copy of the demo store
  segview STORE               open the app on a store: a flat directory of segments, a
                              directory of session directories, a runtime data directory
                              (its sessions/ and runtime/workers/ both), one session
                              directory, or a worker aggregate (runtime/workers/ID, its
                              session/ or session/segments/)
  segview FILE.jsonl          open the store of FILE's directory with that segment selected
  segview --demo              open a fresh copy of the demo store (in a temporary directory,
                              removed on exit unless you fork in it)
  segview SUBCOMMAND ...      scriptable commands (each has --help):
"""

EPILOG = """\
The default store is the first of $YOI_DATA_DIR, $YOI_HOME, $XDG_DATA_HOME/yoi,
~/.local/share/yoi and the older $INSOMNIA_DATA_DIR, $INSOMNIA_HOME, ~/.insomnia that
holds a sessions/ or runtime/workers/ directory; it is opened whole.
Inside the app press ? for the keys, ctrl+p for every action.

examples:
  segview --demo
  segview sample_logs
  segview sample_logs/01926b80-f80e-7fda-abe5-925c8c52fefc.jsonl
  segview ~/.local/share/yoi
  segview ls sample_logs --json
  segview show sample_logs 01926b80 --turn 2
  segview fork sample_logs 01926b80 --at-turn 2
  segview serve sample_logs --read-only
  segview export sample_logs 01926cb6 --html replay.html
  segview diff sample_logs 01926c6 01926b8
  segview search sample_logs ValueError
"""

USAGE = "segview [-h] [--version] [--demo] [STORE | FILE.jsonl]\n       segview SUBCOMMAND ..."


# generic in the stubs only (not subscriptable at run time): its parameter is left out
class _SubcommandOrStore(argparse._SubParsersAction):  # type: ignore[type-arg]
    """The first positional argument: a subcommand (the rest is its arguments), else the
    store the app opens (the rest is the app's options)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # no choices: argparse then takes any name (one that is not a subcommand is a store);
        # the stubs type a subparsers action's choices as its dict of parsers
        self.choices = None  # type: ignore[assignment]

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[Any] | None,
        option_string: str | None = None,
    ) -> None:
        assert isinstance(values, list)
        if values[0] in self._name_parser_map:
            super().__call__(parser, namespace, values, option_string)
            return
        if namespace.path is not None:
            parser.error(f"unrecognized arguments: {' '.join(values)}")
        namespace.path = values[0]
        parser.parse_args(values[1:], namespace)


def build_parser() -> argparse.ArgumentParser:
    """The one parser of ``segview``: the app's options, then the subcommands."""
    parser = argparse.ArgumentParser(
        prog="segview",
        usage=USAGE,
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=_version())
    parser.add_argument("--demo", action="store_true", help="open a fresh copy of the demo store")
    parser.set_defaults(path=None)
    sub = parser.add_subparsers(
        dest="command", metavar="SUBCOMMAND", prog="segview", action=_SubcommandOrStore
    )
    for module in SUBCOMMAND_MODULES:
        module.register(sub)
    return parser


def _version() -> str:
    from segview import __version__

    return f"segview {__version__}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        ns = parser.parse_args(sys.argv[1:] if argv is None else list(argv))
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help and --version
        return int(exc.code or 0)
    if ns.command is None:
        return app_cmd.main(ns.path, ns.demo)
    if ns.demo:
        print(
            f"segview: --demo opens the app and takes no SUBCOMMAND (got {ns.command}); "
            "leave out --demo",
            file=sys.stderr,
        )
        return EXIT_USAGE
    _warnings_to_stderr()
    if ns.command in LONG_RUNNING:
        return run_guarded(lambda: int(ns.func(ns)))
    # a command that reads and prints, then ends: what it builds lives until it ends, so
    # the cyclic collector would only walk it again and again
    from segview.gcpause import gc_paused

    with gc_paused():
        return run_guarded(lambda: int(ns.func(ns)))


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
