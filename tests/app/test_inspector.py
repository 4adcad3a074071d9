"""The raw entry inspector on a turn of thousands of lines: drawn a row at a time, every
line reachable, each drawn as it is in the file."""

from __future__ import annotations

from pathlib import Path

from textual.geometry import Region

from segview.app import SegviewApp
from segview.app.widgets.panels.entry_inspector import CACHED_LINES, RawLines
from segview.store import (
    FsStore,
    RequestConfig,
    RestoredState,
    TextSegment,
    ToolCallItem,
    ToolResultItem,
    create_segment,
    save_delta,
    save_turn_end,
    save_user_input,
)

from .helpers import opened, press, wait_for

SEG = "0190c000-0000-7000-8000-0000000000ba"
CALLS = 3_000  # two lines each: 6,000 lines in one turn
TS = 1_750_000_000_000


def wide_turn(root: Path) -> Path:
    store = FsStore(root)
    state = RestoredState(system_prompt="s", config=RequestConfig(max_tokens=1, stop_sequences=[]))
    create_segment(store, state, ts=TS, segment_id=SEG)
    save_user_input(store, SEG, [TextSegment(content="go")], ts=TS + 1)
    items: list[ToolCallItem | ToolResultItem] = []
    for n in range(CALLS):
        items.append(ToolCallItem(call_id=f"c{n}", name="read", arguments=f'{{"n":{n}}}'))
        items.append(ToolResultItem(call_id=f"c{n}", summary=f"result {n}", content="x" * 300))
    save_delta(store, SEG, items, ts=TS + 2)  # type: ignore[arg-type]
    save_turn_end(store, SEG, 1, ts=TS + 3)
    return store.path_for(SEG)


def drawn(widget: RawLines) -> list[str]:
    size = widget.size
    strips = widget.render_lines(Region(0, 0, size.width, size.height))
    return ["".join(segment.text for segment in strip) for strip in strips]


async def test_a_turn_of_thousands_of_lines_is_drawn_a_screen_at_a_time(tmp_path: Path) -> None:
    path = wide_turn(tmp_path)
    file_lines = path.read_bytes().split(b"\n")
    app = SegviewApp(tmp_path, select=SEG, now=0, watch=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await opened(pilot, SEG)
        await press(pilot, "r")
        inspector = app.main.inspector
        await wait_for(pilot, lambda: len(inspector.lines) > 2 * CALLS, "raw lines")
        assert inspector.lines == [file_lines[n - 1] for n in inspector.line_numbers]
        raw = inspector.query_one(RawLines)
        await pilot.pause()
        # every line has its rows in the virtual height: a result of 300 x's wraps
        assert raw.virtual_size.height > len(inspector.lines)
        first = drawn(raw)
        assert first[0].startswith(f"L{inspector.line_numbers[0]} ")
        assert len(raw._cache) <= raw.size.height  # only the lines on screen were laid out
        # the end is reachable, and shows the turn_end line as it is in the file
        raw.focus()
        await press(pilot, "end")
        await pilot.pause()
        last = [row for row in drawn(raw) if row.strip()]
        number = inspector.line_numbers[-1]
        assert any(row.startswith(f"L{number} ") for row in last)
        assert '"kind":"turn_end"' in "".join(last)
        assert len(raw._cache) <= CACHED_LINES
