"""The arguments and options the subcommands share: STORE, SEGMENT, ``--json``,
``--format-version``, ``--no-index``, counts that must be 0 or more, and the parser of one
subcommand.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from segview.store.version import FormatVersion

if TYPE_CHECKING:
    pass


STORE_HELP = (
    "a store directory (flat, session directories, a runtime data directory, a session "
    "directory or a worker aggregate), or a segment file"
)


SEGMENT_HELP = "a segment id or a unique prefix of one (optional when STORE is a segment file)"


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
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more: {text!r}")
    return value
