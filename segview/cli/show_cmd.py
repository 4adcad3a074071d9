"""``segview show``: the replayed conversation of a segment after a turn, as a transcript
or as JSON.

Text from a log reaches the terminal only through ``segview.text``: ``safe`` for the
transcript's multi-line text, ``one_line`` for headings and names, ``safe_json`` for JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import orjson

from segview.store.version import FormatVersion
from segview.text import one_line, plural, pretty_json, safe

if TYPE_CHECKING:
    from segview.store import LogEntry
    from segview.store.fs_store import UnknownEntry
    from segview.store.replay import RestoredState

from .arguments import EXIT_USAGE, format_version
from .common import CliError, open_scan, print_json, resolve_segment
from .reading import index_record, read_for_display


def state_at_turn(
    entries: list[LogEntry | UnknownEntry],
    turn: int | None,
    segment_id: str,
    version: FormatVersion = FormatVersion.AUTO,
) -> RestoredState:
    from segview.store import TurnEnd, collect_state, find_fork_cut

    if turn is None:
        return collect_state(entries, version)
    if turn == 0:  # the start: the leading segment_start, as fork --at-turn 0 cuts
        return collect_state(entries[: find_fork_cut(entries, 0).entries_kept], version)
    ends = [i for i, e in enumerate(entries) if isinstance(e, TurnEnd) and e.turn_count == turn]
    if not ends:
        turns = [e.turn_count for e in entries if isinstance(e, TurnEnd)]
        have = (
            f"its turns are 0 (the start), {turn_ranges(turns)}"
            if turns
            else ("it has only turn 0 (the start): no turn has ended")
        )
        raise CliError(f"segment {segment_id} has no turn {turn}: {have}", EXIT_USAGE)
    return collect_state(entries[: ends[0] + 1], version)


def turn_ranges(values: list[int]) -> str:
    if not values:
        return ""
    if values == list(range(values[0], values[0] + len(values))):
        return f"{values[0]}..{values[-1]}" if len(values) > 1 else str(values[0])
    shown = ", ".join(map(str, values[:10]))
    return shown + (", …" if len(values) > 10 else "")


def cmd_show(ns: argparse.Namespace) -> int:
    found = resolve_segment(open_scan(ns.store), ns.segment)
    segment_id = found.id
    lineage, known = index_record(ns, found)
    # with the index: only the lines up to the turn's turn_end are read
    stop = known.turn_end_offset(ns.turn) if known is not None and ns.turn else None
    if stop is None:
        known = None
    read = read_for_display(
        found.store,
        segment_id,
        format_version(ns),
        known=known,
        stop=None if stop is None else stop + 1,
    )
    if lineage is not None and known is None and format_version(ns) is FormatVersion.AUTO:
        lineage.index_read(found, read)
    state = state_at_turn(read.entries, ns.turn, segment_id, read.format_version)
    # the state holds what the output needs: the entries after the turn, and those that
    # only led to it, are freed before the output is built
    del read
    if ns.json:
        print_json(
            {
                "segment_id": segment_id,
                "at_turn": ns.turn,
                "format_version": state.version.value,
                **state.to_wire(),
            }
        )
        return 0
    write = sys.stdout.write
    for line in transcript_lines(segment_id, ns.turn, state):
        write(line)
        write("\n")
    return 0


def render_transcript(segment_id: str, turn: int | None, state: RestoredState) -> str:
    """A readable plain-text transcript of a state; every text from the log is made safe
    (``segview.text``): headings and names on one line, contents with their line breaks."""
    return "\n".join(transcript_lines(segment_id, turn, state)) + "\n"


def transcript_lines(segment_id: str, turn: int | None, state: RestoredState) -> Iterator[str]:
    """The lines of ``render_transcript``, one item at a time (``show`` writes them as they
    come: a transcript as large as the log is never held whole)."""
    from segview.store.codec import describe_config

    at = f"after turn {turn}" if turn is not None else "whole log"
    yield (
        f"segment {one_line(segment_id)} ({at}: turn count {state.turn_count}, "
        f"{plural(state.entries_count, 'entry', 'entries')})"
    )
    if state.session_id is not None:
        yield f"session: {one_line(state.session_id)}"
    shown = " ".join(f"{k}={one_line(v)}" for k, v in describe_config(state.config))
    yield f"config: {shown or '(defaults)'}"
    if state.system_prompt:
        yield "system prompt:"
        yield textwrap.indent(safe(state.system_prompt), "  ")
    yield ""
    for item in state.history:
        yield from _render_item(item)
    if state.last_run_interrupted:
        yield "(the last run was interrupted)"


def _render_item(item: Any) -> list[str]:
    from segview.store import (
        MessageItem,
        ReasoningItem,
        ToolCallItem,
        ToolResultItem,
        UnknownVariant,
    )

    if isinstance(item, MessageItem):
        head = f"── {one_line(item.role)} "
        return [head + "─" * max(0, 60 - len(head)), safe(item.text()), ""]
    if isinstance(item, ToolCallItem):
        head = f"── tool call {one_line(item.name)} [{one_line(item.call_id)}]"
        return [head, safe(pretty_json(item.arguments)), ""]
    if isinstance(item, ToolResultItem):
        flag = " (error)" if item.is_error else ""
        lines = [f"── tool result [{one_line(item.call_id)}]{flag}: {one_line(item.summary)}"]
        if item.content:
            lines.append(safe(item.content))
        for attachment in item.attachments:
            if isinstance(attachment, UnknownVariant):
                lines.append(f"[attachment of unknown kind `{one_line(attachment.kind)}`]")
            else:
                mime, size = one_line(attachment.mime_type), attachment.size
                lines.append(f"[{one_line(attachment.kind)} attachment: {mime}, {size} bytes]")
        return [*lines, ""]
    if isinstance(item, ReasoningItem):
        lines = ["── reasoning"]
        if item.summary:
            lines.append("summary: " + " / ".join(one_line(s) for s in item.summary))
        if item.text:
            lines.append(safe(item.text))
        return [*lines, ""]
    if isinstance(item, UnknownVariant):
        raw = safe(_json_text(item.raw))
        return [f"── history item of unknown kind `{one_line(item.kind)}`", raw, ""]
    return [one_line(repr(item)), ""]


def _json_text(value: Any) -> str:
    """``value`` as compact JSON (the standard library's for what orjson cannot write: an
    integer beyond 64 bits)."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return json.dumps(value, ensure_ascii=False)
