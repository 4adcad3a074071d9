"""The app's share-related keys: ``e`` offers Markdown or an HTML replay; a read-only app
refuses every write."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

from segview.app import SegviewApp
from segview.app.screens.export_dialog import ExportDialog

from . import expected
from .helpers import FORK_OF_FORK, MAIN, SIZE, opened, press, wait_for

AppFactory = Callable[..., SegviewApp]


async def test_e_offers_markdown_or_html_and_html_writes_a_replay_page(
    make_app: AppFactory, demo_store: Path, tmp_path: Path
) -> None:
    app = make_app(select=FORK_OF_FORK)
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, FORK_OF_FORK)
        await press(pilot, "g", "1", "enter")
        store_before = expected.files(demo_store)
        await press(pilot, "e")
        assert isinstance(app.screen, ExportDialog)
        await press(pilot, "escape")
        assert not isinstance(app.screen, ExportDialog) and app.main.last_export is None
        await press(pilot, "e", "h")
        await wait_for(pilot, lambda: app.main.last_export is not None, "the page written")
        path = app.main.last_export
        assert path is not None and path.name == "segview-01926cb-turn-1.html"
        assert path.parent.resolve() == tmp_path.resolve()
        assert expected.files(demo_store) == store_before
        html = path.read_text()
        data = re.search(
            r'<script type="application/json" id="segview-replay">(.*?)</script>', html
        )
        assert data is not None
        replay = json.loads(data.group(1))
        # from the root, up to the turn shown
        assert [c["id"][:7] for c in replay["chapters"]] == ["01926b8", "01926c6", "01926cb"]
        assert replay["until_turn"] == 1
        assert [e["turn"] for e in replay["events"] if e["op"] == "turn"] == [1, 2, 3, 4, 1, 1]


async def test_read_only_refuses_fork_and_export(
    make_app: AppFactory, demo_store: Path, tmp_path: Path
) -> None:
    app = make_app(read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, MAIN)
        before = expected.files(demo_store)
        await press(pilot, "f")
        await press(pilot, "e")
        await pilot.pause(0.2)
        assert app.screen is app.main  # no dialog opened
        messages = [n.message for n in app._notifications]
        assert any("read-only: forking" in m for m in messages), messages
        assert any("read-only: export" in m for m in messages), messages
        await press(pilot, "ctrl+p")
        await pilot.pause(0.2)
        await press(pilot, *"Fork here", "enter")
        await pilot.pause(0.2)
        assert expected.files(demo_store) == before
        assert app.main.last_export is None and not list(tmp_path.glob("segview-*"))
