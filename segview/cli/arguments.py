"""The arguments and options the subcommands share: STORE, SEGMENT, ``--json``,
``--format-version``, ``--no-index``, counts that must be 0 or more, and the parser of one
subcommand.
"""

from __future__ import annotations

import argparse
from typing import Any

from segview.store.version import FormatVersion

STORE_HELP = (
    "a store directory (flat, session directories, a runtime data directory, a session "
    "directory or a worker aggregate), or a segment file"
)


SEGMENT_HELP = "a segment id or a unique prefix of one"
EXIT_OK = 0
EXIT_PROBLEMS = 1  # damage found (check), a command that failed
EXIT_USAGE = 2  # as argparse exits on a usage error

MAX_SPEED = 50  # the fastest replay speed of a cast
TEXT_LINES = 12  # diff: a text shown whole is cut to this many lines (--full shows all)

SIDECAR_HELP = (
    "Labels and notes are kept in STORE/.segview/SEGMENT.notes.jsonl (beside the\n"
    "segment's log, which is never modified); the agent runtime ignores that directory."
)


class Parser(argparse.ArgumentParser):
    """``argparse.ArgumentParser``, but the formatter it makes for every argument added (only
    to check the argument's metavar) is made without asking the terminal's width: asking it
    imports ``shutil`` (1.5 ms of every command's start-up) and asks the terminal once per
    argument. Help and usage are formatted at the terminal's width, as argparse does."""

    _checking = False

    def add_argument(self, *args: Any, **kwargs: Any) -> argparse.Action:
        self._checking = True
        try:
            return super().add_argument(*args, **kwargs)
        finally:
            self._checking = False

    def _get_formatter(self) -> argparse.HelpFormatter:
        if self._checking:
            return argparse.HelpFormatter(self.prog, width=80)  # (the metavar check only)
        return super()._get_formatter()


NO_INDEX_HELP = (
    "do not use or update the index of files already read (in the user cache directory; "
    "see SEGVIEW_CACHE_DIR)"
)


def add_command(
    sub: Any,
    name: str,
    handler: str,
    *,
    help: str,
    description: str,
    epilog: str,
) -> argparse.ArgumentParser:
    """The parser of subcommand ``name``, which runs ``handler`` (``module.function``, a
    module of ``segview.cli`` imported when it runs); ``description`` and ``epilog`` are
    printed as written."""
    p: argparse.ArgumentParser = sub.add_parser(
        name,
        help=help,
        description=description,
        epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.set_defaults(handler=handler)
    return p


def add_store(p: argparse.ArgumentParser, help: str = STORE_HELP) -> None:
    p.add_argument("store", metavar="STORE", help=help)


def add_segment(p: argparse.ArgumentParser, *, optional: bool = False) -> None:
    """SEGMENT; ``optional`` where a segment file given as STORE names it."""
    if optional:
        help = f"{SEGMENT_HELP} (optional when STORE is a segment file)"
        p.add_argument("segment", metavar="SEGMENT", nargs="?", help=help)
    else:
        p.add_argument("segment", metavar="SEGMENT", help=SEGMENT_HELP)


def add_json(p: argparse.ArgumentParser, help: str) -> None:
    p.add_argument("--json", action="store_true", help=help)


def add_index_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument("--no-index", action="store_true", help=NO_INDEX_HELP)


def add_format_version(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--format-version",
        choices=[v.value for v in FormatVersion],
        default=FormatVersion.AUTO.value,
        help="the format version whose rules apply (default: auto, inferred from the "
        "segment: a segment_start with session_id means current, else reference)",
    )


def format_version(ns: argparse.Namespace) -> FormatVersion:
    return FormatVersion(ns.format_version)


def non_negative(text: str) -> int:
    """A count that must be 0 or more (an argument type)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more: {text!r}")
    return value


def port_number(text: str) -> int:
    """A TCP port, 1-65535 (an argument type)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 < value < 65536:
        raise argparse.ArgumentTypeError(f"port must be 1-65535, not {value}")
    return value


def replay_speed(text: str) -> int:
    """A replay speed, 1-50, written ``5`` or ``5x`` (an argument type)."""
    try:
        value = int(text.rstrip("x×"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a speed: {text!r}") from None
    if not 1 <= value <= MAX_SPEED:
        raise argparse.ArgumentTypeError(f"speed must be 1-{MAX_SPEED}, not {value}")
    return value
