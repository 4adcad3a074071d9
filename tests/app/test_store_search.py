"""The store search screen: type a word from another segment, see the hits, open one at its
turn with the word highlighted in the history."""

from __future__ import annotations

from rich.text import Text
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


async def test_n_goes_on_to_the_next_turn_that_has_a_match(make_app) -> None:  # type: ignore[no-untyped-def]
    """A word first used at turn 53 is "no match here" at turn 5; n goes to turn 53, then the
    next turn that has it; N goes back through what is shown; escape clears the search, and it
    does not follow to another segment."""
    from segview.search import search_segment

    from .helpers import LONG

    scan = scan_store(SAMPLE_LOGS)
    turns = sorted(
        {h.turn for h in search_segment(scan.resolve(LONG), Query("sitemap")).hits if h.turn}
    )
    assert turns[0] > 5
    app = make_app(select=LONG)
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, LONG)
        await press(pilot, "g", "5", "enter")
        await wait_for(pilot, lambda: app.main.turn_count == 5, "turn 5")
        await press(pilot, "slash", *"sitemap", "enter")
        pane = app.main.pane
        await wait_for(pilot, lambda: pane.segment_hits is not None, "every turn searched")
        assert "no match" in pane.search_status and f"in {len(turns)} turns" in pane.search_status
        await press(pilot, "n")
        await wait_for(pilot, lambda: app.main.history.settled, "laid out")
        assert app.main.turn_count == turns[0]
        assert app.main.history.highlight.matches
        hl = app.main.history.highlight
        for _ in range(len(hl.matches) - hl.current - 1):  # the other matches shown here
            await press(pilot, "n")
            assert app.main.turn_count == turns[0]
        await press(pilot, "n")  # past the last one here: on to the next turn that has one
        await wait_for(pilot, lambda: app.main.history.settled, "laid out")
        assert app.main.turn_count == turns[1]
        # back through the matches shown here: the earlier turn's item is in this history too
        for _ in range(app.main.history.highlight.current):
            await press(pilot, "N")
        assert app.main.turn_count == turns[1]
        assert app.main.history.highlight.current == 0
        await press(pilot, "escape")
        assert pane.search_query == "" and not pane.searching
        await press(pilot, "slash", *"sitemap", "enter")
        assert pane.search_query == "sitemap"
        app.main.open_segment(MAIN)
        await wait_for(pilot, lambda: app.main.loaded_segment == MAIN, "another segment")
        await pilot.pause()
        assert pane.search_query == "" and not pane.searching


async def test_at_80_columns_each_result_shows_the_word_found(make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(select=MAIN)
    async with app.run_test(size=(80, 24)) as pilot:
        await opened(pilot, MAIN)
        await press(pilot, "S")
        screen = app.screen
        assert isinstance(screen, StoreSearchScreen)
        await pilot.press(*"twine")
        await wait_for(pilot, lambda: screen.searched is not None, "the search finished")
        results = screen.query_one(OptionList)
        assert results.option_count >= 3
        width = results.content_region.width
        for n in range(results.option_count):
            prompt = results.get_option_at_index(n).prompt
            assert isinstance(prompt, Text)
            assert prompt.cell_len <= width and "twine" in prompt.plain.lower(), prompt.plain
            # the word found is highlighted
            assert any("reverse" in str(span.style) for span in prompt.spans)
