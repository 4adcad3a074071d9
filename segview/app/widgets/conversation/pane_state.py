"""The conversation pane's state: what it holds (the store session, the open segment's cursor,
the replay player, the search, the user's notes, tokens and their cost) and the widgets it is
made of. ``ConversationPane`` builds on it (``pane_panels``, ``pane_search``, ``pane_export``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.timer import Timer
from textual.widgets import ProgressBar, Static

from segview.browse.annotations import NotePlacement
from segview.browse.player import ReplayPlayer
from segview.notes import NotesBook

from ..panels.entry_inspector import EntryInspector
from ..panels.problems_panel import ProblemsPanel
from .history_view import HistoryView
from .turn_bar import TurnBar

if TYPE_CHECKING:
    from segview.app.screens.search import SearchScreen
    from segview.browse.cursor import SegmentCursor
    from segview.browse.session import StoreSession
    from segview.cost import Priced, Tokens
    from segview.search import Hit

# shown instead of an empty history (the state before the first input, a segment of runs alone)
HISTORY_EMPTY = "Nothing in the history at this turn: the model saw the system prompt alone."


class PaneState(Vertical):
    """What the conversation pane holds, and its widgets."""

    def __init__(self, session: StoreSession, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.session = session
        self.cursor: SegmentCursor | None = None
        self.player = ReplayPlayer()
        self.search_query = ""
        self.search_after_load: str | None = None  # a query to apply once a segment is shown
        self.segment_hits: list[Hit] | None = None  # every turn's matches (None: searching)
        self.store_label = str(session.path)
        self.last_export: Path | None = None
        self.load_progress: tuple[int, int] | None = None  # (bytes read, total) of a big load
        self._replay_timer: Timer | None = None
        self._search_screen: SearchScreen | None = None
        # the user's notes (set by the screen), and tokens with their cost
        self.notes = NotesBook()
        self.placement = NotePlacement({}, (), None)
        self.priced: Priced | None = None
        self._inherited: dict[str, tuple[Tokens, bool]] = {}

    def compose(self) -> ComposeResult:
        yield TurnBar(id="turn-bar")
        yield Static("", id="info")
        yield ProgressBar(id="load-progress", show_eta=False)
        yield Static("", id="inherited-note")
        yield Static("", id="notes-bar")
        yield Static(HISTORY_EMPTY, id="history-empty")
        yield HistoryView(id="history")
        yield Static("", id="empty")
        yield Static("", id="search-status")
        yield EntryInspector(id="inspector")
        yield ProblemsPanel(id="problems")

    # --- the widgets ------------------------------------------------------------------------

    @property
    def history(self) -> HistoryView:
        return self.query_one("#history", HistoryView)

    @property
    def turn_bar(self) -> TurnBar:
        return self.query_one("#turn-bar", TurnBar)

    @property
    def inspector(self) -> EntryInspector:
        return self.query_one("#inspector", EntryInspector)

    @property
    def position_text(self) -> str:
        return self.turn_bar.position
