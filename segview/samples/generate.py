"""Writing the whole demo store, and the ``python -m segview.samples`` command."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from segview.store import FsStore, StoreError

from .compactions import write_compactions
from .forks import write_forks
from .ids import DEMO_SEGMENTS
from .input_kinds import write_input_kinds
from .legacy import write_legacy
from .long_day import write_long_day
from .main_session import write_main
from .release_pod import write_release_pod
from .truncated import write_truncated


def write_demo_store(path: Path) -> list[str]:
    """Write the demo store into ``path`` (created if missing); returns the ids written.

    Fails with ``AlreadyExists`` if one of the demo's files is already there: nothing is
    ever overwritten.
    """
    path.mkdir(parents=True, exist_ok=True)
    store = FsStore(path)
    write_legacy(store)
    write_long_day(store)
    write_truncated(store)
    write_input_kinds(store)
    main = write_main(store)
    write_compactions(store, main)
    write_forks(store)
    write_release_pod(store)
    return list(DEMO_SEGMENTS.values())


EPILOG = """\
examples:
  python -m segview.samples sample_logs          write the demo into ./sample_logs
  python -m segview.samples /tmp/demo --force    rewrite the demo's files in /tmp/demo
  segview ls sample_logs                         then browse it
"""


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m segview.samples",
        description=(
            "Write segview's demo store into DIR: a realistic, deterministic set of segment\n"
            "logs (a coding session with forks and compactions, every system item and input\n"
            "kind, a legacy-format log, a 200-turn log and a crash-truncated one). DIR must be\n"
            "missing or empty."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("dir", metavar="DIR", type=Path, help="the directory to write into")
    parser.add_argument(
        "--force",
        action="store_true",
        help="allow a non-empty DIR; replaces only the demo's own files, nothing else",
    )
    ns = parser.parse_args(argv)
    target: Path = ns.dir
    prog = "segview.samples"
    if target.exists() and not target.is_dir():
        print(f"{prog}: not a directory: {target}", file=sys.stderr)
        return 2
    if target.is_dir() and any(target.iterdir()):
        if not ns.force:
            print(
                f"{prog}: {target} is not empty; choose an empty directory or pass --force "
                "to replace the demo's own files",
                file=sys.stderr,
            )
            return 2
        for segment_id in DEMO_SEGMENTS.values():
            FsStore(target).path_for(segment_id).unlink(missing_ok=True)
    try:
        ids = write_demo_store(target)
    except (StoreError, OSError) as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {len(ids)} segments to {target}")
    return 0
