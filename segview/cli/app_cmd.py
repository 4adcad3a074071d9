"""``segview [STORE | FILE.jsonl] [--demo]``: open the Textual app (stub until the app lands)."""

from __future__ import annotations

import sys
from collections.abc import Sequence


def main(argv: Sequence[str]) -> int:
    print("segview: the app is not available yet; see `segview --help`", file=sys.stderr)
    return 2
