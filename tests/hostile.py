"""A hostile store: log text that tries to be markup, terminal escapes or a look-alike row.

Every displayed field of every kind of entry holds one of the hostile values below, written
through the store core's own writers (so every line is valid and the segments open). Each value
carries ``SENTINEL`` so a test can tell log text from segview's own text wherever it turns up.

The values: Textual / Rich markup (actions that quit or write a file, links, unbalanced and
nested brackets), terminal escapes (CSI, OSC 52 clipboard, OSC 8 links, OSC 0 title, C1
controls), bidirectional overrides and zero-width characters, ``javascript:`` links, a
Markdown table too wide to lay out, and a 2 MB single-line tool result.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from segview.store import (
    FileRefSegment,
    FsStore,
    KnowledgeRefSegment,
    MessageItem,
    PasteSegment,
    PodErrored,
    ReasoningItem,
    RequestConfig,
    RestoredState,
    SegmentOrigin,
    SystemFileAttachment,
    SystemKnowledge,
    SystemNotification,
    SystemPodEvent,
    SystemWorkflow,
    TextPart,
    TextSegment,
    ToolCallItem,
    ToolResultItem,
    WorkflowInvokeSegment,
    append_system_item,
    create_segment,
    fork_at,
    save_delta,
    save_extension,
    save_run_completed,
    save_run_errored,
    save_turn_end,
    save_usage,
    save_user_input,
)
from segview.store.codec import encode_entry
from segview.store.model import SegmentStart

SENTINEL = "h0st1le"
TS = 1_728_400_000_000

SCREENSHOT_TARGET = "PWNED.svg"  # a click on [@click=app.screenshot(...)] would write this


def markup_values(target: Path) -> list[str]:
    """Markup a Textual or Rich parser would act on."""
    return [
        f"[/bold]{SENTINEL}",
        f"[@click=app.quit]click me to expand {SENTINEL}[/]",
        f"[@click=app.screenshot('{target.name}','{target.parent}')]save {SENTINEL}[/]",
        f"[b]{SENTINEL}[/b] [/]",
        f"[link=https://evil.example/{SENTINEL}]docs[/link]",
        f"[[nested [i]{SENTINEL}]] [ [b] unbalanced [red on",
        f"\\[escaped?] [@click=app.bell]{SENTINEL}",
    ]


ESCAPES = [
    f"\x1b[2J\x1b[H{SENTINEL}\x1b[31mred",
    f"\x1b]52;c;cHduZWQ=\x07{SENTINEL}",
    f"\x1b]8;;https://evil.example\x1b\\{SENTINEL} link\x1b]8;;\x1b\\",
    f"\x1b]0;TITLE\x07{SENTINEL}",
    f"\x9b31m{SENTINEL}\x9d0;t\x9c\x85",
    f"bell\x07back\x08del\x7f{SENTINEL}\r\nCR\rcr",
]

LOOKALIKES = [
    f"\u202e{SENTINEL} txet desrever\u202c",
    f"\u2066{SENTINEL}\u2069 isolate \u200f",
    f"zero\u200bwidth\u200d{SENTINEL}\ufeff\u2060",
    f"line\u2028separator\u2029{SENTINEL}",
]

LINKS = [
    f"[click here](javascript:alert('{SENTINEL}'))",
    f"![image {SENTINEL}](javascript:alert(1))",
    f"<a href='javascript:alert(1)'>{SENTINEL}</a> &#x1b;[31m &#x202e;{SENTINEL}",
]

# What the Markdown parser, Rich or Textual must never see as markup in a hostile value.
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f]")


def wide_table(columns: int = 400) -> str:
    head = "|" + "|".join(f"c{i}" for i in range(columns)) + "|"
    rule = "|" + "|".join("-" for _ in range(columns)) + "|"
    row = "|" + "|".join(SENTINEL for _ in range(columns)) + "|"
    return "\n".join([head, rule, row, row])


def all_values(target: Path) -> list[str]:
    return [*markup_values(target), *ESCAPES, *LOOKALIKES, *LINKS]


@dataclass
class HostileStore:
    root: Path
    segments: list[str] = field(default_factory=list)
    values: list[str] = field(default_factory=list)
    screenshot_target: Path = Path()


def _turn(store: FsStore, seg: str, value: str, n: int, ts: int, *, big: str | None = None) -> int:
    """One turn with ``value`` in every displayed field; returns the next ts."""
    segs = [
        TextSegment(content=f"user {value} "),
        PasteSegment(id=n, chars=len(value), lines=value.count("\n") + 1, content=value),
        FileRefSegment(path=f"src/{value}.py"),
        KnowledgeRefSegment(slug=value),
        WorkflowInvokeSegment(slug=value),
    ]
    save_user_input(store, seg, segs, ts=ts)
    append_system_item(store, seg, SystemNotification(message=value, body=value), ts=ts + 1)
    event = PodErrored(pod_name=value, message=value)
    append_system_item(store, seg, SystemPodEvent(event=event, body=value), ts=ts + 2)
    append_system_item(store, seg, SystemFileAttachment(path=value, body=value), ts=ts + 3)
    append_system_item(store, seg, SystemKnowledge(slug=value, body=value), ts=ts + 4)
    append_system_item(store, seg, SystemWorkflow(slug=value, body=value), ts=ts + 5)
    items = [
        ReasoningItem(text=value, summary=[value, f"second {value}"]),
        ToolCallItem(call_id=f"call-{n}-{value}", name=value, arguments=value),
        ToolResultItem(call_id=f"call-{n}-{value}", summary=value, content=big or value),
        ToolCallItem(
            call_id=f"json-{n}",
            name="read_file",
            arguments='{"path": ' + _json_string(value) + "}",
        ),
        ToolResultItem(call_id=f"json-{n}", summary=value, content=value, is_error=True),
        MessageItem(role="assistant", content=[TextPart(text=f"**answer** {value}")]),
    ]
    save_delta(store, seg, items, ts=ts + 6)
    save_usage(store, seg, 3, 100 + n, 0, 0, 10, ts=ts + 7)
    save_extension(store, seg, value, {"note": value, value: [value]}, ts=ts + 8)
    save_turn_end(store, seg, n, ts=ts + 9)
    if n % 2:
        save_run_errored(store, seg, value, False, ts=ts + 10)
    else:
        save_run_completed(store, seg, "finished", False, ts=ts + 10)
    return ts + 20


def _json_string(value: str) -> str:
    import orjson

    return orjson.dumps(value).decode()


def write_hostile_store(root: Path, *, big_bytes: int = 2_000_000) -> HostileStore:
    """The hostile store in ``root`` (created): one segment per group of hostile values, a fork
    of one at a turn, a segment holding a very long single-line result and a wide table, and a
    damaged line whose parse error quotes hostile text."""
    root.mkdir(parents=True, exist_ok=True)
    store = FsStore(root)
    target = root.parent / SCREENSHOT_TARGET
    out = HostileStore(root=root, values=all_values(target), screenshot_target=target)
    groups = [markup_values(target), ESCAPES, LOOKALIKES, LINKS]
    ts = TS
    for g, group in enumerate(groups):
        state = RestoredState(
            system_prompt=f"system {group[0]}",
            config=RequestConfig(stop_sequences=[group[-1]], reasoning=group[0]),
        )
        seg = create_segment(store, state, ts=ts)
        out.segments.append(seg)
        for n, value in enumerate(group, start=1):
            ts = _turn(store, seg, value, n, ts + 100)
        ts += 1000
        if g == 0:
            out.segments.append(fork_at(store, seg, 2))
    big = create_segment(store, RestoredState(system_prompt="big"), ts=ts)
    out.segments.append(big)
    line = ("x" * 99 + " ") * (big_bytes // 100) + SENTINEL
    ts = _turn(store, big, f"[/bold]{SENTINEL}", 1, ts + 100, big=line)
    save_delta(
        store,
        big,
        [MessageItem(role="assistant", content=[TextPart(text=wide_table())])],
        ts=ts,
    )
    save_turn_end(store, big, 2, ts=ts + 1)
    # a damaged segment: a parse error that quotes hostile text, and an origin that is text
    damaged = "01927000-0000-7000-8000-00000000dead"
    start = SegmentStart(ts=ts, config=RequestConfig(stop_sequences=[]), history=[])
    bad_origin = SegmentOrigin.model_construct(segment_id=ESCAPES[0], at_turn_index=1)
    lines = [
        encode_entry(start),
        f'{{"kind":"{ESCAPES[1]}","ts":1}}'.encode(),
        b'{"kind":"turn_end","ts":"' + ESCAPES[3].encode() + b'","turn_count":1}',
        encode_entry(start.model_copy(update={"forked_from": bad_origin})),
    ]
    (root / f"{damaged}.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    out.segments.append(damaged)
    return out


MALFORMED_SCOPE_SEGMENT = "01927109-0426-7f89-afea-1444715752f1"  # the demo's system items


def write_malformed_scope(root: Path, allow: bytes) -> Path:
    """The demo's segment of system items in ``root`` (created), its ``pod.scope`` snapshot
    replaced by one whose ``allow`` is the JSON string ``allow`` (not a list: malformed, so
    the replay skips it with a warning). Returns the file."""
    source = (
        Path(__file__).resolve().parents[1] / "sample_logs" / f"{MALFORMED_SCOPE_SEGMENT}.jsonl"
    )
    lines = source.read_bytes().splitlines(keepends=True)
    assert b'"domain":"pod.scope"' in lines[1]
    lines[1] = (
        b'{"kind":"extension","ts":1728473269288,"domain":"pod.scope","payload":{"allow":"'
        + allow
        + b'"}}\n'
    )
    root.mkdir(parents=True, exist_ok=True)
    path = root / source.name
    path.write_bytes(b"".join(lines))
    return path
