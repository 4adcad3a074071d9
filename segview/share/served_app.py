"""The app as ``segview serve`` runs it for each browser session.

``python -m segview.share.served_app STORE --label LABEL [--select ID] [--note TEXT]
[--read-only]``: textual-serve starts this with its web driver in the environment; it is not
a command for people (``segview serve`` is).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="segview.share.served_app")
    parser.add_argument("store")
    parser.add_argument("--label")
    parser.add_argument("--select")
    parser.add_argument("--note")
    parser.add_argument("--read-only", action="store_true")
    ns = parser.parse_args(list(sys.argv[1:] if argv is None else argv))

    from segview.app import SegviewApp

    app = SegviewApp(ns.store, select=ns.select, note=ns.note, read_only=ns.read_only)
    app.store_label = ns.label or ns.store
    app.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
