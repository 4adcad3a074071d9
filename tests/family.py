"""A small store written through segview's own write operations, with token usage, forks,
a compaction, tool calls (one failing), an errored run and an unfinished turn: the shapes the
compare and cost models must handle.

    root (4 turns) ──┬─ fork @2 (2 turns) ── fork @1 (1 turn + an unfinished turn)
                     ├─ fork @2 "same" (its turn 3 repeats the root's turn 3 word for word)
                     └─ compaction @4 (1 turn)
    twin (2 turns: same seed and first turn as ``other``, no recorded parent)
    other (2 turns)
"""

from __future__ import annotations

from pathlib import Path

from segview.store import (
    FsStore,
    Invoke,
    MessageItem,
    RequestConfig,
    RestoredState,
    TextPart,
    TextSegment,
    ToolCallItem,
    ToolResultItem,
    append_entry,
    create_compacted_segment,
    create_segment,
    fork_at,
    save_delta,
    save_run_completed,
    save_run_errored,
    save_turn_end,
    save_usage,
    save_user_input,
)

IDS = {
    "root": "0190d000-0001-7000-8000-000000000001",
    "fork": "0190d000-0002-7000-8000-000000000002",
    "forkfork": "0190d000-0003-7000-8000-000000000003",
    "same": "0190d000-0004-7000-8000-000000000004",
    "compact": "0190d000-0005-7000-8000-000000000005",
    "twin": "0190d000-0006-7000-8000-000000000006",
    "other": "0190d000-0007-7000-8000-000000000007",
}


def reply(text: str) -> MessageItem:
    return MessageItem(role="assistant", content=[TextPart(text=text)])


def turn(
    store: FsStore,
    segment_id: str,
    count: int,
    ts: int,
    question: str,
    answer: str,
    *,
    tools: tuple[tuple[str, str, bool], ...] = (),
    usage: tuple[tuple[int, int, int, int], ...] = ((1000, 0, 1000, 10),),
    errored: str | None = None,
) -> None:
    """One turn as the runtime writes it: invoke, user input, items, turn_end, then the
    requests' usage and the run's outcome."""
    append_entry(store, segment_id, Invoke(ts=ts, trigger="user_send"))
    save_user_input(store, segment_id, [TextSegment(content=question)], ts=ts + 1)
    items: list[object] = []
    for i, (name, args, failed) in enumerate(tools):
        call_id = f"call_{count}_{i}"
        items.append(ToolCallItem(call_id=call_id, name=name, arguments=args))
        items.append(
            ToolResultItem(
                call_id=call_id,
                summary=f"{name} {'failed' if failed else 'ok'}",
                content=f"output of {name}\nline 2",
                is_error=failed,
            )
        )
    items.append(reply(answer))
    save_delta(store, segment_id, items, ts=ts + 2)  # type: ignore[arg-type]
    save_turn_end(store, segment_id, count, ts=ts + 5000)
    for k, (total, read, write, out) in enumerate(usage):
        save_usage(store, segment_id, 1 + k, total, read, write, out, ts=ts + 5001 + k)
    if errored is not None:
        save_run_errored(store, segment_id, errored, False, ts=ts + 5100)
    else:
        save_run_completed(store, segment_id, "finished", False, ts=ts + 5100)


def write_family(root: Path) -> dict[str, str]:
    root.mkdir(parents=True, exist_ok=True)
    store = FsStore(root)
    ids = IDS
    create_segment(store, RestoredState(), ts=1_000_000, segment_id=ids["root"])
    turn(
        store,
        ids["root"],
        1,
        1_001_000,
        "first question",
        "first answer",
        tools=(("grep", '{"pattern":"x"}', False),),
        usage=((100, 0, 100, 5), (150, 100, 50, 7)),
    )
    turn(
        store,
        ids["root"],
        2,
        1_010_000,
        "second question",
        "second answer",
        usage=((300, 150, 150, 9),),
    )
    turn(
        store,
        ids["root"],
        3,
        1_020_000,
        "third question",
        "the root goes this way",
        tools=(("run_tests", '{"paths":["tests"]}', True), ("edit", '{"path":"a.py"}', False)),
        usage=((400, 300, 100, 11), (450, 400, 50, 13)),
    )
    turn(
        store,
        ids["root"],
        4,
        1_030_000,
        "fourth question",
        "fourth answer",
        usage=((500, 450, 50, 17),),
        errored="provider overloaded",
    )

    fork_at(store, ids["root"], 2, ts=2_000_000, segment_id=ids["fork"])
    turn(
        store,
        ids["fork"],
        1,
        2_001_000,
        "a different third question",
        "the fork goes another way",
        tools=(("run_tests", '{"paths":["tests/unit"]}', False),),
        usage=((320, 300, 20, 19),),
    )
    turn(
        store, ids["fork"], 2, 2_010_000, "and then", "fork answer two", usage=((340, 320, 20, 23),)
    )

    fork_at(store, ids["fork"], 1, ts=3_000_000, segment_id=ids["forkfork"])
    turn(
        store, ids["forkfork"], 1, 3_001_000, "deeper", "deeper answer", usage=((360, 340, 20, 29),)
    )
    # an unfinished turn: input and a reply, no turn_end yet
    append_entry(store, ids["forkfork"], Invoke(ts=3_010_000, trigger="user_send"))
    save_user_input(store, ids["forkfork"], [TextSegment(content="still running")], ts=3_010_001)
    save_delta(store, ids["forkfork"], [reply("partial")], ts=3_010_002)

    fork_at(store, ids["root"], 2, ts=4_000_000, segment_id=ids["same"])
    turn(
        store,
        ids["same"],
        1,
        4_001_000,
        "third question",
        "the root goes this way",
        tools=(("run_tests", '{"paths":["tests"]}', True), ("edit", '{"path":"a.py"}', False)),
        usage=((400, 300, 100, 11),),
    )
    turn(
        store,
        ids["same"],
        2,
        4_010_000,
        "fourth question, reworded",
        "fourth answer",
        usage=((500, 400, 100, 31),),
    )

    summary = RestoredState(
        config=RequestConfig(stop_sequences=[]),
        history=[
            MessageItem(role="system", content=[TextPart(text="[summary] four questions asked")]),
            MessageItem(role="user", content=[TextPart(text="fourth question")]),
            reply("fourth answer"),
        ],
    )
    create_compacted_segment(
        store, summary, ids["root"], 4, ts=5_000_000, segment_id=ids["compact"]
    )
    turn(
        store,
        ids["compact"],
        5,
        5_001_000,
        "after the summary",
        "continuing",
        usage=((200, 0, 200, 37),),
    )

    seeded = RestoredState(
        history=[
            MessageItem(role="user", content=[TextPart(text="shared seed question")]),
            reply("shared seed answer"),
        ]
    )
    for name, second in (("twin", "twin goes left"), ("other", "other goes right")):
        create_segment(store, seeded, ts=6_000_000, segment_id=ids[name])
        turn(
            store,
            ids[name],
            1,
            6_001_000,
            "same first turn",
            "same first reply",
            usage=((50, 0, 50, 3),),
        )
        turn(store, ids[name], 2, 6_010_000, "next", second, usage=((60, 50, 10, 4),))
    return dict(ids)
