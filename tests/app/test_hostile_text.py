"""Text from a log never reaches the terminal as control characters: an ESC or CSI inside a
message, a tool call or its output is drawn escaped (``\\x1b``), in every part of the app."""

from __future__ import annotations

import re
from pathlib import Path

from textual.geometry import Region
from textual.widget import Widget

from segview.app import SegviewApp
from segview.store import (
    FsStore,
    MessageItem,
    ReasoningItem,
    RestoredState,
    SystemNotification,
    TextPart,
    TextSegment,
    ToolCallItem,
    ToolResultItem,
    append_system_item,
    create_segment,
    save_delta,
    save_turn_end,
    save_user_input,
)

from .helpers import SIZE, opened, press, wait_for

EVIL = "a\x1b[2J\x1b]0;pwned\x07b\x9b31mc\x7fd\re"
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
TS = 1_728_400_000_000


def hostile_segment(root: Path) -> str:
    store = FsStore(root)
    seg = create_segment(store, RestoredState(system_prompt=EVIL), ts=TS)
    save_user_input(store, seg, [TextSegment(content=f"user {EVIL}")], ts=TS + 1)
    append_system_item(store, seg, SystemNotification(message=EVIL, body=f"body {EVIL}"), ts=TS + 2)
    items = [
        ReasoningItem(text=f"thinking {EVIL}", summary=[EVIL]),
        ToolCallItem(call_id=f"c{EVIL}", name=f"run{EVIL}", arguments=f"not json {EVIL}"),
        ToolResultItem(call_id=f"c{EVIL}", summary=f"sum {EVIL}", content=f"out {EVIL}"),
        MessageItem(role="assistant", content=[TextPart(text=f"**answer** {EVIL}")]),
    ]
    save_delta(store, seg, items, ts=TS + 3)
    save_turn_end(store, seg, 1, ts=TS + 4)
    return seg


def drawn(widget: Widget) -> str:
    size = widget.size
    strips = widget.render_lines(Region(0, 0, size.width, size.height))
    return "".join(segment.text for strip in strips for segment in strip)


async def test_control_characters_from_the_log_are_drawn_escaped(tmp_path: Path) -> None:
    seg = hostile_segment(tmp_path)
    app = SegviewApp(tmp_path, select=seg, now=0, watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, seg)
        history = app.main.history
        for index in history.units():
            if isinstance(history.items[index], ReasoningItem):
                history.set_expanded(index, True)
        await press(pilot, "r")
        await wait_for(pilot, lambda: bool(app.main.inspector.lines), "raw lines")
        await pilot.pause()
        widgets: list[Widget] = [history]
        widgets += [
            app.main.inspector,
            *app.main.inspector.query("*"),
            app.main.turn_bar,
            *app.main.turn_bar.query("*"),
        ]
        widgets += [app.main.ancestry, app.query_one("#header")]
        texts = {w: drawn(w) for w in widgets if w.size.area}
        assert any("\\x1b" in t for t in texts.values())  # the escapes are visible as text
        for widget, text in texts.items():
            assert not CONTROL.search(text), (widget, text)
        # every item, on screen or not, as the history draws it
        for index in history.units():
            text = "".join(history.item_lines(index))
            assert text and not CONTROL.search(text), (index, text)
        assert "\\x1b" in "".join(history.item_lines(history.units()[-1]))
