"""The main screen's state: what it holds (the store session, the open segment, the
conversation pane, labels and notes, the compare mark, the token mode and prices) and the
views of it that the screen, the command palette and tests read; the header it keeps up to
date. ``MainScreen`` builds on it.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from textual.screen import Screen

from segview.browse.session import StoreSession
from segview.cost import PriceTable, UsageReader
from segview.store.version import FormatVersion

from .widgets.chrome.app_header import AppHeader
from .widgets.conversation.pane import ConversationPane
from .widgets.sidebar.ancestry_tree import AncestryTree

if TYPE_CHECKING:
    from segview.browse.annotations import TokenMode
    from segview.browse.cursor import SegmentCursor
    from segview.browse.forest import ForestSnapshot, TreeRow
    from segview.browse.player import ReplayPlayer
    from segview.timeline import Timeline

    from .app import SegviewApp
    from .widgets.conversation.history_view import HistoryView
    from .widgets.conversation.turn_bar import TurnBar
    from .widgets.panels.entry_inspector import EntryInspector


LIVE_SECONDS = 10.0  # the header says "live" this long after the open segment grew


class ScreenState(Screen[None]):
    """The state of the main screen, and the views of it."""

    def __init__(self, store_path: Path, *, select: str | None, note: str | None) -> None:
        super().__init__()
        self.session = StoreSession(store_path)
        self.initial_select = select
        self.note = note
        self.segment_id: str | None = None
        self.loaded_segment: str | None = None
        self._open_generation = 0
        self._narrow = False
        self._grew_at = -LIVE_SECONDS  # when the open segment last grew (monotonic)
        self._loading: dict[int, str] = {}  # generation -> the segment it loads
        self._store_open = threading.Event()  # set once the store was opened (or failed to)
        self._showing_kept = False  # the tree shows what was kept from last time
        self.format_version = FormatVersion.AUTO  # whose rules segments are replayed by
        self.pane = ConversationPane(self.session, id="main")
        # labels and notes (sidecars), the compare mark, tokens and their cost
        self.notes = self.pane.notes
        self.marked: str | None = None
        self.token_mode: TokenMode = "off"
        self.prices = PriceTable()
        self._notes_lock = threading.Lock()
        self._usage_lock = threading.Lock()
        self._usage_reader = UsageReader()
        self._note_dirs: tuple[ForestSnapshot | None, list[Path]] | None = None

    @property
    def segview(self) -> SegviewApp:
        from .app import SegviewApp

        assert isinstance(self.app, SegviewApp)
        return self.app

    @property
    def history(self) -> HistoryView:
        return self.pane.history

    @property
    def turn_bar(self) -> TurnBar:
        return self.pane.turn_bar

    @property
    def inspector(self) -> EntryInspector:
        return self.pane.inspector

    @property
    def ancestry(self) -> AncestryTree:
        return self.query_one("#tree", AncestryTree)

    @property
    def forest(self) -> ForestSnapshot | None:
        return self.session.forest

    @property
    def cursor(self) -> SegmentCursor | None:
        return self.pane.cursor

    @property
    def player(self) -> ReplayPlayer:
        return self.pane.player

    @property
    def timeline(self) -> Timeline | None:
        return self.pane.cursor.timeline if self.pane.cursor is not None else None

    @property
    def turn_count(self) -> int:
        return self.pane.cursor.turn_count if self.pane.cursor is not None else 0

    @property
    def position_text(self) -> str:
        return self.pane.position_text

    @property
    def replaying(self) -> bool:
        return self.pane.player.playing

    @property
    def speed(self) -> int:
        return self.pane.player.speed

    @property
    def replay_position(self) -> int | None:
        """Entries revealed by a playing or paused replay (None when there is none)."""
        player = self.pane.player
        return player.revealed if player.active else None

    @property
    def search_status(self) -> str:
        return self.pane.search_status

    @property
    def last_export(self) -> Path | None:
        return self.pane.last_export

    @property
    def load_progress(self) -> tuple[int, int] | None:
        return self.pane.load_progress

    def _update_header(self) -> None:
        tl, forest = self.timeline, self.forest
        row = self.session.row(self.segment_id) if self.segment_id else None
        self.query_one("#header", AppHeader).show(
            self.segview.store_label,
            self.segment_id,
            # notes about what a newer runtime version wrote are no damage
            sum(not p.is_note for p in tl.problems) + tl.damage_omitted if tl is not None else 0,
            forest.problems if forest is not None else None,
            session=row.session_id if row is not None else None,
            live=self.live,
            checking=self._showing_kept,
        )

    @property
    def live(self) -> bool:
        """The open segment grew while the app watched it, within the last ``LIVE_SECONDS``."""
        return time.monotonic() - self._grew_at < LIVE_SECONDS

    def _check_live(self) -> None:
        if not self.live:
            self._update_header()

    def _refuse_write(self, what: str) -> bool:
        """In a read-only app: say that ``what`` is off and return True."""
        if not self.segview.read_only:
            return False
        self.notify(f"read-only: {what} is turned off here", severity="warning", timeout=6)
        return True

    def _target_segment(self) -> str | None:
        """The segment under the tree's cursor, else the open one."""
        return self.ancestry.cursor_segment or self.segment_id

    def _rows(self) -> tuple[TreeRow, ...]:
        forest = self.forest
        return forest.rows if forest is not None else ()
