"""Print the README's key table (Markdown) from the app's key map.

``python tools/readme_keys.py`` (from the repository root) prints the table: every binding of
``segview.app.keymap.KEYS`` (the main screen's, then the compare screen's) with its keys, its
id for the ``[keymap]`` table of the config file, and its help, then the keys of Textual's own
widgets the help screen lists. ``--write README.md`` puts it in the README between the marker
comments ``<!-- keys:start -->`` and ``<!-- keys:end -->``. A test checks that the README holds
what this prints.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from segview.app.keymap import EXTRA_HELP, KEYS, MAIN_SCOPES  # noqa: E402

START = "<!-- keys:start -->"
END = "<!-- keys:end -->"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def key_table() -> str:
    """The table, one line per binding, ending with a newline."""
    lines = ["| key | id | what it does |", "|---|---|---|"]
    main = [spec for spec in KEYS if spec.scope in MAIN_SCOPES]
    others = [spec for spec in KEYS if spec.scope not in MAIN_SCOPES]
    for spec in main + others:
        lines.append(f"| `{_cell(spec.display)}` | `{spec.binding_id}` | {_cell(spec.help)} |")
    for keys, text in EXTRA_HELP:
        lines.append(f"| `{_cell(keys)}` | | {_cell(text)} |")
    return "\n".join(lines) + "\n"


def with_table(readme: str, table: str) -> str:
    """``readme`` with ``table`` between the markers (which must be there, once each)."""
    if readme.count(START) != 1 or readme.count(END) != 1:
        raise ValueError(f"the README needs one {START} and one {END}")
    head, rest = readme.split(START)
    _old, tail = rest.split(END)
    return f"{head}{START}\n{table}{END}{tail}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python tools/readme_keys.py",
        description="Print the README's key table from the app's key map.",
    )
    parser.add_argument("--write", metavar="README", help="put the table into this file")
    ns = parser.parse_args(argv)
    table = key_table()
    if ns.write is None:
        sys.stdout.write(table)
        return 0
    path = Path(ns.write)
    path.write_text(with_table(path.read_text(encoding="utf-8"), table), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
