"""The store search screen: type a word from another segment, see the hits, open one at its
turn with the word highlighted in the history."""

from __future__ import annotations

from textual.widgets import Input, OptionList

from segview.app.screens.store_search import StoreSearchScreen
from segview.search import Query, search_store
from segview.store.layout import scan_store

from . import expected
from .helpers import MAIN, SAMPLE_LOGS, SIZE, opened, press, wait_for


async def test_search_the_store_and_open_a_hit_in_another_segment(make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(select=MAIN)
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, MAIN)
        await press(pilot, "S")
        screen = app.screen
        assert isinstance(screen, StoreSearchScreen)
        await pilot.press(*"timedelta")
        await wait_for(pilot, lambda: screen.searched is not None, "the search finished")
        want = [
            h for f in search_store(scan_store(SAMPLE_LOGS), Query("timedelta")) for h in f.hits
        ]
        assert [(h.segment_id, h.turn, h.item) for h in screen.hits] == [
            (h.segment_id, h.turn, h.item) for h in want
        ]
        results = screen.query_one(OptionList)
        assert results.option_count == len(want)
        status = str(screen.query_one("#store-search-status").render())
        assert f"{len(want)} items" in status
        # the first hit outside MAIN: move the highlight there and open it
        target = next(i for i, h in enumerate(want) if h.segment_id != MAIN)
        hit = want[target]
        results.focus()
        results.highlighted = target
        await press(pilot, "enter")
        await wait_for(
            pilot,
            lambda: app.main.loaded_segment == hit.segment_id and app.main.history.settled,
            "the hit's segment open",
        )
        await pilot.pause()
        assert not isinstance(app.screen, StoreSearchScreen)
        if hit.turn is not None:
            assert app.main.turn_count == hit.turn
            assert app.main.position_text == expected.position(
                SAMPLE_LOGS, hit.segment_id, hit.turn
            )
        assert app.main.pane.search_query == "timedelta"
        assert app.main.history.highlight.matches  # the word is highlighted in the history


async def test_a_bad_regex_says_so_and_escape_closes(make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(select=MAIN)
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, MAIN)
        await press(pilot, "S")
        screen = app.screen
        assert isinstance(screen, StoreSearchScreen)
        await press(pilot, "ctrl+r", "(")
        await pilot.pause(0.4)
        status = str(screen.query_one("#store-search-status").render())
        assert "not a valid regular expression" in status
        assert screen.query_one(Input).value == "("
        await press(pilot, "escape")
        assert not isinstance(app.screen, StoreSearchScreen)
        assert app.main.loaded_segment == MAIN
