"""The one parser of ``segview``: the app's options, then every subcommand's arguments, help
and examples. A subcommand names its handler as ``module.function`` (a module of
``segview.cli``), imported only when that subcommand runs: ``segview --help`` and a usage
error import argparse and this module, not the store, the index or Textual.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .arguments import (
    SIDECAR_HELP,
    TEXT_LINES,
    Parser,
    add_command,
    add_format_version,
    add_index_flag,
    add_json,
    add_segment,
    add_store,
    non_negative,
    port_number,
    replay_speed,
)

TREE_STORE_HELP = (
    "a store directory (flat, session directories, a runtime data directory, a session "
    "directory or a worker aggregate), or a segment file (tree: its store; check: that file)"
)

LONG_RUNNING = frozenset({"serve", "export"})  # a server, the app rendered headless

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
    parser = Parser(
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
    for commands in (
        _store_commands,
        _lineage_commands,
        _search_commands,
        _share_commands,
        _compare_commands,
        _notes_commands,
    ):
        commands(sub)
    return parser


def _version() -> str:
    from segview import __version__

    return f"segview {__version__}"


# --- the subcommands ------------------------------------------------------------------------


def _store_commands(sub: Any) -> None:
    p = add_command(
        sub,
        "ls",
        "ls_cmd.cmd_ls",
        help="list the segments of a store, newest first",
        description=(
            "List every segment of STORE, newest first (the runtime's own order: sessions\n"
            "newest first, each session's segments newest first). STORE is a store in any\n"
            "layout, or a segment file (then only that segment is listed)."
        ),
        epilog="example:\n  segview ls sample_logs\n  segview ls sample_logs --json | jq '.[0]'",
    )
    add_store(p)
    add_json(p, "print a JSON list instead of a table")
    add_index_flag(p)

    p = add_command(
        sub,
        "show",
        "show_cmd.cmd_show",
        help="print the replayed conversation of a segment (at a turn)",
        description=(
            "Replay SEGMENT and print the conversation state: after the turn_end whose\n"
            "turn_count is N with --turn N, else after the whole log."
        ),
        epilog="example:\n  segview show sample_logs 01926b80 --turn 2\n  segview show sample_logs 01926b80 --json",
    )
    add_store(p)
    add_segment(p, optional=True)
    p.add_argument("--turn", type=non_negative, metavar="N", help="the state after turn N")
    add_json(p, "print the state as JSON")
    add_format_version(p)
    add_index_flag(p)

    p = add_command(
        sub,
        "cat",
        "cat_cmd.cmd_cat",
        help="print a segment's entries, decoded and re-encoded",
        description=(
            "Print SEGMENT's entries one per line, each decoded and re-encoded by the codec.\n"
            "For a file written by the agent runtime this reproduces the file byte for byte\n"
            "(but DEL, C1 and bidirectional controls in strings, written as \\u escapes);\n"
            "what a newer runtime version wrote (unknown kinds and keys) is kept as read.\n"
            "Damaged lines are reported on stderr (exit status 1); notes about what a newer\n"
            "runtime version wrote too (exit status 0). A current-version segment's last\n"
            "line without a newline is a write in progress and is not printed."
        ),
        epilog="example:\n  segview cat sample_logs 01926b80 | diff - sample_logs/01926b80-*.jsonl",
    )
    add_store(p)
    add_segment(p, optional=True)
    add_index_flag(p)
    p.add_argument(
        "--runtime",
        action="store_true",
        help="print each entry as the runtime of the segment's version writes it back "
        "(what it does not know is dropped)",
    )
    add_format_version(p)

    p = add_command(
        sub,
        "fork",
        "store_cmds.cmd_fork",
        help="branch a segment after a turn into a new segment",
        description=(
            "Create a new segment that starts from SEGMENT's state after turn N\n"
            "(forked_from records the source and N). The source is never modified;\n"
            "--at-turn 0 branches before the first turn."
        ),
        epilog="example:\n  segview fork sample_logs 01926b80 --at-turn 2",
    )
    add_store(p)
    add_segment(p, optional=True)
    p.add_argument("--at-turn", type=non_negative, metavar="N", required=True, help="the turn")
    add_json(p, "print the result as JSON")
    add_format_version(p)


def _lineage_commands(sub: Any) -> None:
    p = add_command(
        sub,
        "tree",
        "lineage_cmds.cmd_tree",
        help="print the ancestry forest of a store (forks and compactions)",
        description=(
            "Print every segment of STORE as a tree: each fork or compaction under the\n"
            "segment it came from, children in creation order, roots newest first.\n"
            "Each line: id prefix, origin and parent turn, turns, flags, title."
        ),
        epilog="example:\n  segview tree sample_logs\n  segview tree sample_logs --json | jq '.[0]'",
    )
    add_store(p, TREE_STORE_HELP)
    add_json(p, "print the forest as nested JSON")
    add_index_flag(p)

    p = add_command(
        sub,
        "check",
        "lineage_cmds.cmd_check",
        help="report every problem in a store (exit status 1 if any)",
        description=(
            "Read every segment of STORE in full and report each problem once, as\n"
            "FILE:LINE: MESSAGE: corrupt or truncated lines, a first line that is not a\n"
            "segment_start, missing parents, ancestry cycles and files that are not listed\n"
            "as segments; and, as notes, what a newer runtime version wrote (unknown entry\n"
            "kinds, keys or nested kinds: kept as read, not damage).\n"
            "Exit status: 0 clean or only notes, 1 damage, 2 usage."
        ),
        epilog="example:\n  segview check sample_logs\n  segview check sample_logs --json",
    )
    add_store(p, TREE_STORE_HELP)
    add_json(p, "print the problems as a JSON list")
    add_index_flag(p)


def _search_commands(sub: Any) -> None:
    p = add_command(
        sub,
        "search",
        "search_cmds.cmd_search",
        help="find text in every conversation of a store (as the model saw it)",
        description=(
            "Find QUERY in the conversations of a store: user input, assistant text,\n"
            "reasoning, tool calls and results, system messages, system prompts, seeded\n"
            "history, labels and notes. One line per item that matches: the segment, the\n"
            "turn whose state first shows the item (turn 0: the seed; 'running': a turn\n"
            "still in progress), what the item is, and the text around the first match.\n"
            "Case-insensitive literal text by default. Exit status: 0 when something\n"
            "matches, 1 when nothing does, 2 for a usage error (a bad regular expression)."
        ),
        epilog=(
            "examples:\n"
            "  segview search sample_logs ValueError\n"
            "  segview search sample_logs 'parse_\\w+\\(' --regex --case-sensitive\n"
            "  segview search sample_logs timedelta --segment 01926c6 --json"
        ),
    )
    add_store(p, "a store (any layout) or a segment file")
    p.add_argument("query", metavar="QUERY", help="the text (or with --regex, the pattern)")
    p.add_argument("--regex", "-e", action="store_true", help="QUERY is a regular expression")
    p.add_argument(
        "--case-sensitive", "-s", action="store_true", help="match upper and lower case exactly"
    )
    p.add_argument(
        "--segment", metavar="SEGMENT", help="search only this segment (an id or a prefix)"
    )
    p.add_argument(
        "--inherited",
        action="store_true",
        help="also search the history a fork inherited from its parent (found in the parent)",
    )
    add_json(p, "print the hits as JSON")


def _share_commands(sub: Any) -> None:
    p = add_command(
        sub,
        "serve",
        "share_cmds.cmd_serve",
        help="serve the app to web browsers (textual-serve)",
        description=(
            "Serve the segview app on a web page: every browser that opens it gets its own\n"
            "app on STORE (default: the agent runtime's store, else a copy of the demo\n"
            "store). The server listens on 127.0.0.1 unless --host says otherwise; anyone\n"
            "who can open the page can fork in the store, unless --read-only, which turns\n"
            "off every write (fork here and export refuse with a message)."
        ),
        epilog=(
            "examples:\n"
            "  segview serve sample_logs\n"
            "  segview serve ~/.insomnia/sessions --read-only --port 8080\n"
            "  segview serve sample_logs --host 0.0.0.0 --read-only   # every interface"
        ),
    )
    p.add_argument("store", nargs="?", metavar="STORE", help="a store directory or a segment file")
    p.add_argument(
        "--port", type=port_number, default=8000, metavar="N", help="port (default 8000)"
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument(
        "--read-only", action="store_true", help="refuse every write (fork here, export)"
    )

    p = add_command(
        sub,
        "export",
        "share_cmds.cmd_export",
        help="write a conversation as an HTML replay page or an asciicast recording",
        description=(
            "Write SEGMENT's conversation for people without segview:\n"
            "  --html FILE   one self-contained HTML page (no network, nothing external) that\n"
            "                replays the conversation from its root segment: forks and\n"
            "                compactions as chapters, inherited history marked, play/pause,\n"
            "                speeds 1x-50x, step by turn, the log's own timing or a paced one\n"
            "  --cast FILE   an asciicast v2 recording of the app's replay (asciinema play,\n"
            "                the asciinema web player), rendered headless at --size\n"
            "FILE is replaced if it exists; it is never written inside the store.\n"
            "--redact masks what looks like a secret in the HTML page (API keys, tokens,\n"
            "e-mail addresses, home paths) and reports on stderr how many of each it masked."
        ),
        epilog=(
            "examples:\n"
            "  segview export sample_logs 01926cb6 --html replay.html\n"
            "  segview export sample_logs 01926cb6 --html replay.html --redact\n"
            "  segview export sample_logs 01926cb6 --cast replay.cast --size 120x36 --speed 5"
        ),
    )
    add_store(p, "the store directory")
    add_segment(p)
    p.add_argument("--html", metavar="FILE", type=Path, help="write an HTML replay page")
    p.add_argument("--cast", metavar="FILE", type=Path, help="write an asciicast v2 recording")
    p.add_argument(
        "--redact", action="store_true", help="mask what looks like a secret (HTML only)"
    )
    p.add_argument(
        "--size", default="100x30", metavar="COLSxROWS", help="cast size (default 100x30)"
    )
    p.add_argument(
        "--speed",
        type=replay_speed,
        default=1,
        metavar="N",
        help="cast replay speed, 1-50 (default 1)",
    )


def _compare_commands(sub: Any) -> None:
    p = add_command(
        sub,
        "diff",
        "compare_cmds.cmd_diff",
        help="compare the conversations of two segments (where they part, and after)",
        description=(
            "Compare the conversations of segments A and B: their common ancestor (through\n"
            "forked_from / compacted_from), the turns they share, the turn where they part\n"
            "(with the first user input that differs), then turn by turn the user input,\n"
            "the assistant's text (word by word), the tool calls and their results, and\n"
            "the totals of each side after the shared turns: turns, tool calls, errors,\n"
            "tokens, wall time (and cost, when prices are configured). Segments that are\n"
            "not related are compared from their start. Turn numbers count every turn of\n"
            "the conversation, so a fork after turn 4 continues with turn 5."
        ),
        epilog=(
            "example:\n  segview diff sample_logs 01926c6 01926b8\n"
            "  segview diff sample_logs 01926c6 01926b8 --json | jq .divergence"
        ),
    )
    add_store(p, "the store directory")
    p.add_argument("a", metavar="A", help="a segment id or a unique prefix of one")
    p.add_argument("b", metavar="B", help="the segment to compare it with")
    add_json(p, "print the comparison as JSON")
    p.add_argument(
        "--full", action="store_true", help=f"print long texts whole (else {TEXT_LINES} lines)"
    )


def _notes_commands(sub: Any) -> None:
    p = add_command(
        sub,
        "notes",
        "notes_cmds.cmd_notes",
        help="list the labels and notes of a store's segments",
        description="List every segment of STORE that has a label or notes.\n\n" + SIDECAR_HELP,
        epilog="example:\n  segview notes sample_logs\n  segview notes sample_logs --json",
    )
    add_store(p, "the store directory")
    add_json(p, "print the notes as JSON")

    p = add_command(
        sub,
        "label",
        "notes_cmds.cmd_label",
        help="label a segment (shown instead of its title in the tree)",
        description=(
            "Give SEGMENT a label, shown instead of its title in `segview tree` and in the\n"
            'app\'s tree. An empty TEXT ("") removes the label.\n\n' + SIDECAR_HELP
        ),
        epilog='example:\n  segview label sample_logs 01926c6 "timedelta: rejected"',
    )
    add_store(p, "the store directory")
    add_segment(p)
    p.add_argument("text", metavar="TEXT", nargs="+", help="the label")

    p = add_command(
        sub,
        "note",
        "notes_cmds.cmd_note",
        help="add a note to a segment, one of its turns or one of its items",
        description=(
            "Add a note to SEGMENT: on its turn N (its own turn count, as `segview show\n"
            "--turn` counts; 0 is the start) with --turn, on its history item K (1-based,\n"
            "as the Markdown export numbers them) with --item, else on the segment.\n\n"
            + SIDECAR_HELP
        ),
        epilog=(
            'example:\n  segview note sample_logs 01926b8 --turn 5 "the ISO question starts here"'
        ),
    )
    add_store(p, "the store directory")
    add_segment(p)
    p.add_argument("--turn", type=non_negative, metavar="N", help="the turn the note is on")
    p.add_argument("--item", type=non_negative, metavar="K", help="the history item the note is on")
    p.add_argument("text", metavar="TEXT", nargs="+", help="the note")
