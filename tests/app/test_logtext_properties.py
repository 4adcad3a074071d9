"""Any string in any displayed field renders: no error, nothing a terminal would act on, and
every visible character of the string on screen (escaped where it has to be)."""

from __future__ import annotations

import io
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console, Group, RenderableType

from segview.app import logtext
from segview.app.widgets.conversation import items as draw
from segview.app.widgets.conversation.items import ItemInfo
from segview.app.widgets.sidebar.ancestry_tree import row_label
from segview.browse.forest import TreeRow
from segview.store import (
    FileRefSegment,
    MessageItem,
    PasteSegment,
    PodErrored,
    ReasoningItem,
    SystemNotification,
    SystemPodEvent,
    TextPart,
    TextSegment,
    ToolCallItem,
    ToolResultItem,
)
from segview.text import one_line, safe
from tests.hostile import CONTROL

# Text a log can hold: any code point but lone surrogates (JSON rejects them), with markup,
# escapes and separators made likely.
PIECES = st.sampled_from(
    [
        "[",
        "]",
        "[/]",
        "[b]",
        "[@click=app.quit]",
        "\x1b[",
        "\x1b]52;",
        "\x9b",
        "\u202e",
        "\n",
        "&#x202e;",  # decoded by the Markdown parser after escaping
        "[a](javascript:x)",
        "<https://evil.example>",
    ]
)
TEXT = st.lists(
    st.one_of(st.text(st.characters(blacklist_categories=["Cs"]), max_size=12), PIECES),
    max_size=6,
).map("".join)


def rendered(renderable: RenderableType, width: int = 100) -> str:
    console = Console(file=io.StringIO(), width=width, color_system=None, legacy_windows=False)
    console.print(renderable, crop=False, soft_wrap=False)
    out = console.file.getvalue()  # type: ignore[attr-defined]
    assert not CONTROL.search(out.replace("\n", "")), out
    return out


def squeeze(text: str) -> str:
    return "".join(text.split())


def visible(value: str) -> str:
    """What of ``value`` must appear on screen (whitespace aside)."""
    return squeeze(safe(value))


def items_with(value: str) -> list[tuple[Any, ItemInfo]]:
    result = ToolResultItem(call_id="c1", summary=value, content=value, is_error=True)
    return [
        (MessageItem(role="user", content=[TextPart(text=value)]), ItemInfo()),
        (
            MessageItem(role="user", content=[TextPart(text=value)]),
            ItemInfo(
                segments=[
                    TextSegment(content=value),
                    PasteSegment(id=1, chars=1, lines=1, content=value),
                    FileRefSegment(path=value),
                ]
            ),
        ),
        (
            MessageItem(role="system", content=[TextPart(text=value)]),
            ItemInfo(system_item=SystemNotification(message=value, body=value)),
        ),
        (
            MessageItem(role="system", content=[TextPart(text=value)]),
            ItemInfo(
                system_item=SystemPodEvent(
                    event=PodErrored(pod_name=value, message=value), body=value
                )
            ),
        ),
        (ToolCallItem(call_id=value, name=value, arguments=value), ItemInfo()),
        (result, ItemInfo()),
    ]


@settings(max_examples=60, deadline=None)
@given(TEXT)
def test_any_text_in_an_item_is_shown_as_it_is(value: str) -> None:
    for item, info in items_with(value):
        out = squeeze(rendered(Group(*draw.renderable(item, info))))
        assert visible(value[:200]) in out or squeeze(one_line(value)) in out, (item, out)


@settings(max_examples=60, deadline=None)
@given(TEXT)
def test_any_text_in_a_reply_or_reasoning_renders_safely(value: str) -> None:
    reply = MessageItem(role="assistant", content=[TextPart(text=value)])
    rendered(Group(*draw.renderable(reply, ItemInfo())))
    rendered(logtext.markdown(value))
    console = Console(file=io.StringIO(), width=100)
    for segment in console.render(logtext.markdown(value)):
        assert segment.style is None or not segment.style.link, segment
        assert not CONTROL.search(segment.text.replace("\n", "")), segment
    reasoning = ReasoningItem(text=value, summary=[value])
    unfolded = draw.renderable(reasoning, ItemInfo(), expanded=True)
    assert visible(value) in squeeze(rendered(Group(*unfolded[1:])))
    title = draw.head(reasoning, ItemInfo(), None, current=False, expanded=False)
    assert squeeze(one_line(value, 90)) in squeeze(title.plain)


@settings(max_examples=60, deadline=None)
@given(TEXT)
def test_any_title_fits_its_tree_row(value: str) -> None:
    row = TreeRow(
        id="01926b80-f80e-7fda-abe5-925c8c52fefc",
        short="01926b8",
        parent_id=None,
        session_id=None,
        origin=None,
        at_turn=None,
        origin_parent=None,
        created_ts=1,
        last_ts=2,
        turns=3,
        title=value,
        problems=0,
        parent_missing=False,
        in_cycle=False,
        first_line_problem=None,
    )
    label = row_label(row, now_ms=10, width=200)
    out = rendered(label, width=220)
    assert "\n" not in out.rstrip("\n")
    assert squeeze(one_line(value, 200)) in squeeze(out) or len(one_line(value)) > 150
