"""The app on the current runtime version's golden stores: replayed by the current rules,
attachments listed, and what a newer runtime version wrote shown as a note, not a problem."""

from __future__ import annotations

import shutil
from pathlib import Path

from textual.widgets import Static

from segview.app import SegviewApp
from segview.store import MessageItem, ToolCallItem

from .helpers import NOW, SIZE, opened

HEAD_STORES = Path(__file__).parent.parent / "golden_head" / "stores"
COMPAT_ID = "0198c4a0-0001-7001-8000-000000000001"
MAIN_ID = "0198c1a0-0001-7001-8000-000000000001"


def app_on(tmp_path: Path, case: str, select: str) -> SegviewApp:
    shutil.copytree(HEAD_STORES / case, tmp_path / case)
    return SegviewApp(str(tmp_path / case), select=select, now=NOW, watch=False)


async def test_a_current_segment_replays_by_the_current_rules(tmp_path: Path) -> None:
    app = app_on(tmp_path, "head_basic", MAIN_ID)
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, MAIN_ID)
        cursor = app.main.cursor
        assert cursor is not None and cursor.state is not None
        assert cursor.state.session_id is not None
        texts = [i.text() for i in cursor.state.history if isinstance(i, MessageItem)]
        assert "Ignored legacy procedure item: /review" in texts  # `workflow`, current rule
        assert "[Knowledge: style-guide]\nUse four spaces." not in texts  # `knowledge`: ""
        assert "0 here · 0 in store" in app.query_one("#header").plain  # type: ignore[attr-defined]
        app.main.pane.show_stop(1)  # turn 1: the tool results with image attachments
        await pilot.pause()
        await app.workers.wait_for_complete()
        history = app.main.history
        calls = [i for i in history.units() if isinstance(history.items[i], ToolCallItem)]
        rendered = ["\n".join(history.item_lines(i)) for i in calls]
        assert any("[image attachment: image/jpeg, 11 bytes]" in r for r in rendered)


async def test_what_a_newer_runtime_wrote_is_a_note_not_a_problem(tmp_path: Path) -> None:
    app = app_on(tmp_path, "head_compat", COMPAT_ID)
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, COMPAT_ID)
        assert app.main.timeline is not None and len(app.main.timeline.problems) == 2
        assert "0 here · 0 in store" in app.query_one("#header").plain  # type: ignore[attr-defined]
        row = app.main.forest.row(COMPAT_ID) if app.main.forest is not None else None
        assert row is not None and row.problems == 0 and not row.flagged
        panel = str(app.query_one("#problems-list", Static).content)
        assert "problem" not in panel.splitlines()[0]
        assert "2 lines hold what a newer runtime version wrote" in panel
        assert "line 3" in panel and "unknown user-input segment kind `future_kind`" in panel
