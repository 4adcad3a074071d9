"""The hostile store (``tests/hostile.py``) walked through the whole app.

Every segment is opened and every turn stepped to; every reasoning is expanded, every item and
every title clicked, every region that carries a click action clicked; the inspector, search,
help, the palette, the fork dialog (once confirmed) and the export are used. Then: the app is
still running, no file changed but the new fork and the export, no hostile text ever reached a
markup parser, nothing drawn holds a character a terminal would act on, and hostile text is on
screen as it is (escaped where it has to be).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import rich.markup
import textual.markup
from textual.geometry import Region
from textual.pilot import Pilot
from textual.widget import Widget

from segview.app import SegviewApp
from segview.store import ReasoningItem
from tests.hostile import CONTROL, SENTINEL, HostileStore, write_hostile_store

from .helpers import NOW, SIZE, press, screen_text, wait_for


def tree_hashes(root: Path) -> dict[Path, str]:
    return {
        p: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def record_markup_parsing(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every string Textual's or Rich's markup parser is given from now on."""
    seen: list[str] = []

    def spy(original: Callable[..., Any]) -> Callable[..., Any]:
        def parse(markup: str, *args: Any, **kwargs: Any) -> Any:
            seen.append(markup)
            return original(markup, *args, **kwargs)

        return parse

    monkeypatch.setattr(textual.markup, "to_content", spy(textual.markup.to_content))
    monkeypatch.setattr(rich.markup, "render", spy(rich.markup.render))
    return seen


def drawn_segments(widget: Widget) -> list[tuple[int, int, Any]]:
    """``(x, y, segment)`` for every drawn segment of ``widget``'s visible lines."""
    size = widget.size
    out = []
    for y, strip in enumerate(widget.render_lines(Region(0, 0, size.width, size.height))):
        x = 0
        for segment in strip:
            out.append((x, y, segment))
            x += segment.cell_length
    return out


def visible_widgets(app: SegviewApp) -> list[Widget]:
    return [w for w in app.screen.walk_children(Widget) if w.display and w.size.area]


def expand_reasoning(app: SegviewApp) -> None:
    history = app.main.history
    for index in history.units():
        if isinstance(history.items[index], ReasoningItem):
            history.set_expanded(index, True)


async def click_everything(app: SegviewApp, pilot: Pilot[None]) -> int:
    """Click every cell that carries a click action, every reasoning title, and one item of
    each kind (an item is one click target: every cell of it runs the same handler)."""
    clicks = 0
    for widget in visible_widgets(app):
        for x, y, segment in drawn_segments(widget):
            meta = segment.style.meta if segment.style is not None else {}
            if "@click" in meta:
                await pilot.click(widget, offset=(x, y))
                clicks += 1
    history = app.main.history
    kinds: dict[tuple[type, str], int] = {}
    reasoning = []
    for index in history.units():
        item = history.items[index]
        kinds.setdefault((type(item), getattr(item, "role", "")), index)
        if isinstance(item, ReasoningItem):
            reasoning.append(index)
    for index in [*kinds.values(), *reasoning]:
        if history.item_offset(index) is None:
            history.scroll_to_item(index)
            await pilot.pause()
        offset = history.item_offset(index)
        assert offset is not None, index
        expanded = history.is_expanded(index)
        await pilot.click(history, offset=(offset.x + 2, offset.y))
        assert history.is_expanded(index) != expanded, index
        clicks += 1
    return clicks


def check_drawn(app: SegviewApp) -> str:
    """Nothing drawn carries a click action, a link, or a character a terminal acts on."""
    shown = []
    for widget in visible_widgets(app):
        for _x, _y, segment in drawn_segments(widget):
            assert not CONTROL.search(segment.text), (widget, segment.text)
            style = segment.style
            if style is not None and SENTINEL in segment.text:
                assert "@click" not in style.meta, (widget, segment)
                assert not style.link, (widget, segment)
            shown.append(segment.text)
    return "".join(shown)


async def walk(app: SegviewApp, pilot: Pilot[None], corpus: HostileStore) -> str:
    shown: list[str] = []
    for segment_id in corpus.segments:
        app.main.open_segment(segment_id, 0)
        await wait_for(pilot, lambda sid=segment_id: app.main.loaded_segment == sid, segment_id)
        await wait_for(pilot, lambda: app.main.history.settled, "history laid out")
        for step in range(len(app.main.cursor.stops)):
            expand_reasoning(app)
            await pilot.pause()
            if step == len(app.main.cursor.stops) - 1:  # every item of the segment is shown here
                await click_everything(app, pilot)
                await pilot.pause()
                shown.append(screen_text(app))
            assert app.is_running
            shown.append(check_drawn(app))
            await press(pilot, "]")
    return "\n".join(shown)


async def test_the_hostile_store_is_data_everywhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = write_hostile_store(tmp_path / "store", big_bytes=300_000)
    exports = tmp_path / "exports"
    exports.mkdir()
    monkeypatch.chdir(exports)  # exports (and any relative write) land here
    before = tree_hashes(tmp_path)
    parsed = record_markup_parsing(monkeypatch)
    app = SegviewApp(corpus.root, now=NOW, watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.main.forest is not None, "store open")
        await wait_for(
            pilot,
            lambda: (
                app.main.forest is not None
                and all(r.turns is not None for r in app.main.forest.rows)
            ),
            "details",
        )
        shown = await walk(app, pilot, corpus)

        # the tools, on the first segment at its last turn
        app.main.open_segment(corpus.segments[0])
        await wait_for(pilot, lambda: app.main.loaded_segment == corpus.segments[0], "reopened")
        await press(pilot, "r")
        await wait_for(pilot, lambda: bool(app.main.inspector.lines), "raw lines")
        shown += check_drawn(app)
        await press(pilot, "slash", *SENTINEL, "enter", "n", "N")
        shown += check_drawn(app)
        await press(pilot, "question_mark")
        shown += check_drawn(app)
        await press(pilot, "escape", "ctrl+p", *SENTINEL[:4])
        await pilot.pause(0.3)
        shown += check_drawn(app)
        await press(pilot, "escape", "f")
        shown += check_drawn(app)
        await press(pilot, "enter")
        await wait_for(pilot, lambda: len(app.main.forest.rows) > len(corpus.segments), "forked")  # type: ignore[union-attr]
        await press(pilot, "e", "m")
        await wait_for(pilot, lambda: app.main.last_export is not None, "exported")
        shown += check_drawn(app)
        assert app.is_running and app.return_code is None

    # nothing but the new fork and the export was written, nothing else changed
    after = tree_hashes(tmp_path)
    assert {p: h for p, h in after.items() if p in before} == before
    new = sorted(after.keys() - before.keys())
    assert [p.parent for p in new] == [exports, corpus.root] and new[0].suffix == ".md", new
    assert not corpus.screenshot_target.exists()

    # no hostile text reached a markup parser
    assert [s for s in parsed if SENTINEL in s] == []

    # hostile text is on screen, literally or with its controls escaped
    for literal in (
        "[/bold]h0st1le",
        "[@click=app.quit]click me to expand h0st1le[/]",
        "[link=https://evil.example/h0st1le]docs[/link]",
        "\\x1b[2J\\x1b[Hh0st1le",
        "\\x1b]52;c;cHduZWQ=\\x07h0st1le",
        "\\u202eh0st1le txet desrever\\u202c",
        "zero\\u200bwidth",
        "javascript:alert('h0st1le')",
    ):
        assert literal in shown, literal
