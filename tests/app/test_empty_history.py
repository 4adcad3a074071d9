"""A state with no history says so, instead of an empty pane that looks unloaded."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from segview.app import SegviewApp
from segview.app.widgets.conversation.pane_state import HISTORY_EMPTY

from .helpers import MAIN, SIZE, opened, press, screen_text

AppFactory = Callable[..., SegviewApp]


async def test_turn_zero_of_a_root_says_its_history_is_empty(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, MAIN)
        note = app.query_one("#history-empty")
        assert not note.display and HISTORY_EMPTY not in screen_text(app)
        await press(pilot, "home")
        assert app.main.history.items == [] and note.display
        assert HISTORY_EMPTY in " ".join(screen_text(app).split())
        await press(pilot, "right_square_bracket")
        assert app.main.history.items and not note.display


async def test_a_segment_of_runs_alone_says_its_history_is_empty(tmp_path: Path) -> None:
    import shutil

    store = tmp_path / "head_basic"
    shutil.copytree(Path(__file__).parents[1] / "golden_head" / "stores" / "head_basic", store)
    segment = "0198c1a0-0005-7005-8000-000000000005"
    app = SegviewApp(store, select=segment, now=0, watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, segment)
        assert app.main.turn_count == 8 and app.main.history.items == []
        assert app.query_one("#history-empty").display
        assert HISTORY_EMPTY in " ".join(screen_text(app).split())
