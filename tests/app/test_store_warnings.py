"""A warning of the store core while the app reads a log (a malformed ``pod.scope`` payload
the replay skips) is shown as a toast, its text from the log shown as text, once however
often the replay passes the entry; the command line prints the same warning on stderr
(``tests/test_cli_startup.py``)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from segview.app import SegviewApp
from segview.store.report import listeners, warning
from tests.hostile import write_malformed_scope

from .helpers import NOW, SAMPLE_LOGS, SIZE, SYSTEM_ITEMS, opened, press, wait_for

WARNING = "ignoring malformed pod.scope payload: "


def store_warnings(app: SegviewApp) -> list[str]:
    return [n.message for n in app._notifications if n.message.startswith(WARNING)]


async def test_a_store_warning_is_shown_once_as_text(tmp_path: Path) -> None:
    root = tmp_path / "store"
    path = write_malformed_scope(root, rb"[b]x[/b] \u001b]0;owned\u0007")
    before = path.read_bytes()
    app = SegviewApp(root, select=SYSTEM_ITEMS, now=NOW, watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, SYSTEM_ITEMS)
        await wait_for(pilot, lambda: bool(store_warnings(app)), "the warning shown")
        # stepping replays from checkpoints, through the snapshot again and again
        for key in ["home", "right_square_bracket", "end", "left_square_bracket"]:
            await press(pilot, key)
        await app.workers.wait_for_complete()
        await pilot.pause(0.2)
        (shown,) = store_warnings(app)
        (toast,) = [n for n in app._notifications if n.message == shown]
        assert toast.severity == "warning" and toast.title == "in the log"
        assert "\x1b" not in shown and "\x07" not in shown
        assert app.main.loaded_segment == SYSTEM_ITEMS and app.main.turn_count == 9  # (end, [)
        # the same warning again, from another thread (as a loader's), is not shown again;
        # another one is
        for text in (shown, shown, WARNING + "another"):
            await asyncio.to_thread(warning, "segview.store.replay", "%s", text)
        await pilot.pause(0.2)
        assert store_warnings(app) == [shown, WARNING + "another"]
    assert app._store_reported not in listeners  # the app gone, nothing left listening
    assert path.read_bytes() == before


async def test_a_clean_log_shows_no_store_warning(tmp_path: Path) -> None:
    root = tmp_path / "store"
    root.mkdir()
    (root / f"{SYSTEM_ITEMS}.jsonl").write_bytes(
        (SAMPLE_LOGS / f"{SYSTEM_ITEMS}.jsonl").read_bytes()
    )
    app = SegviewApp(root, select=SYSTEM_ITEMS, now=NOW, watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, SYSTEM_ITEMS)
        await press(pilot, "home")
        await app.workers.wait_for_complete()
        assert store_warnings(app) == [] and list(app._notifications) == []
