"""A stand-in for a running agent: appends scripted entries to a segment, one write at a time.

Run as ``python -m tests.reliability.writer ROOT SEGMENT_ID COUNT``. Some lines are written
in two pieces: after the first piece the writer prints ``partial N`` on stdout and waits
for a line on stdin before writing the rest, so a reader can look at the half-written line
deterministically. Between lines it sleeps briefly, so readers also run truly concurrently.
It prints ``done`` when finished. ``script_entries`` gives the same entries to the test.
"""

from __future__ import annotations

import os
import sys
import time

from segview.store import (
    AssistantItem,
    LlmUsage,
    LogEntry,
    MessageItem,
    TextPart,
    TextSegment,
    ToolCallItem,
    ToolResultEntry,
    ToolResultItem,
    TurnEnd,
    UserInput,
    encode_entry,
)

TS = 1_760_000_000_000
ENTRIES_PER_TURN = 6


def script_entries(count: int, first_turn: int = 1) -> list[LogEntry]:
    """``count`` entries in whole or partial turns of six: input, call, result, answer, usage, end."""
    out: list[LogEntry] = []
    turn = first_turn
    while len(out) < count:
        ts = TS + len(out)
        k = len(out) % ENTRIES_PER_TURN
        if k == 0:
            out.append(UserInput(ts=ts, segments=[TextSegment(content=f"step {turn}: héllo 😀")]))
        elif k == 1:
            call = ToolCallItem(call_id=f"c{turn}", name="grep", arguments='{"q":"ünïcode"}')
            out.append(AssistantItem(ts=ts, item=call))
        elif k == 2:
            result = ToolResultItem(call_id=f"c{turn}", summary="found", content="→ " * (turn * 40))
            out.append(ToolResultEntry(ts=ts, item=result))
        elif k == 3:
            answer = MessageItem(role="assistant", content=[TextPart(text=f"done {turn} ✓")])
            out.append(AssistantItem(ts=ts, item=answer))
        elif k == 4:
            out.append(
                LlmUsage(
                    ts=ts,
                    history_len=4 * turn,
                    input_total_tokens=100 * turn,
                    cache_read_tokens=0,
                    cache_write_tokens=0,
                    output_tokens=7,
                )
            )
        else:
            out.append(TurnEnd(ts=ts, turn_count=turn))
            turn += 1
    return out[:count]


def split_point(index: int, data: bytes) -> int | None:
    """Where line ``index`` is cut in two writes (None: written whole)."""
    if index % 3 != 1:
        return None
    lead = next((i for i, b in enumerate(data) if b >= 0xC0), None)
    if index % 9 == 4 and lead is not None:  # inside a multi-byte character
        return lead + 1
    if index % 9 == 7:  # everything but the newline
        return len(data) - 1
    return len(data) // 2


def run(root: str, segment_id: str, count: int, first_turn: int = 1) -> None:
    path = os.path.join(root, f"{segment_id}.jsonl")
    fd = os.open(path, os.O_WRONLY | os.O_APPEND)
    try:
        for index, entry in enumerate(script_entries(count, first_turn)):
            data = encode_entry(entry) + b"\n"
            cut = split_point(index, data)
            if cut is None:
                os.write(fd, data)
            else:
                os.write(fd, data[:cut])
                print(f"partial {index}", flush=True)
                if sys.stdin.readline().strip() != "go":
                    return
                os.write(fd, data[cut:])
            time.sleep(0.001)
    finally:
        os.close(fd)
    print("done", flush=True)


if __name__ == "__main__":
    run(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]) if len(sys.argv) > 4 else 1)
