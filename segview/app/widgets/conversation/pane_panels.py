"""The conversation pane's panels: the info panel (the segment's session, version, origin, file,
system prompt and configuration), the problems panel (what went wrong reading the segment) and
the raw inspector (the log lines of the turn shown, read on a worker). Each shows while its
flag is set (``-info``, ``-problems``, ``-inspector``). ``ConversationPane`` builds on it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.reactive import var
from textual.widgets import Static

from segview.app import logtext
from segview.app.messages import RawLinesLoaded
from segview.store import StoreError
from segview.store.version import FormatVersion
from segview.text import plural

from ..panels.problems_panel import ProblemsPanel
from .pane_state import PaneState

if TYPE_CHECKING:
    from segview.timeline import Timeline

INFO_PROMPT_CHARS = 4000  # the info panel shows this much of a system prompt


class PanePanels(PaneState):
    """The info and problems panels and the raw inspector."""

    show_inspector: var[bool] = var(False)
    show_problems: var[bool] = var(False)
    show_info: var[bool] = var(False)

    def watch_show_inspector(self, value: bool) -> None:
        self.set_class(value, "-inspector")

    def watch_show_problems(self, value: bool) -> None:
        self.set_class(value, "-problems")

    def watch_show_info(self, value: bool) -> None:
        self.set_class(value, "-info")
        if value:
            self._update_info()

    # --- info -------------------------------------------------------------------------------

    def _update_info(self) -> None:
        """The segment's session, version, origin, file, system prompt and configuration at
        the position shown."""
        from segview.store.codec import describe_config  # (``segview.app``)

        cursor = self.cursor
        if cursor is None or not self.show_info:
            return
        tl, state = cursor.timeline, cursor.state
        text = Text()

        def row(name: str, value: str, style: str = "") -> None:
            text.append(f"{name:>14}  ", style="bold")
            text.append_text(logtext.line(value, 400, style=style))
            text.append("\n")

        row("segment", tl.segment_id)
        session = state.session_id if state is not None else None
        row("session", session or "—")
        how = "inferred" if tl.version_asked is FormatVersion.AUTO else "chosen"
        choose = "ctrl+p: Replay as format version"
        row("format", f"{tl.format_version.value} version ({how}; {choose})")
        if tl.origin is not None:
            row(
                tl.origin_kind or "origin",
                f"{tl.origin.segment_id} after turn {tl.origin.at_turn_index}",
            )
        row("file", str(tl.store.path_for(tl.segment_id)))
        row(
            "entries",
            f"{plural(len(tl.entries), 'entry', 'entries')} · {plural(len(tl.turns), 'turn')}",
        )
        if state is not None:
            shown = " · ".join(f"{k}={v}" for k, v in describe_config(state.config))
            row("config", shown or "defaults")
            prompt = state.system_prompt
            text.append(f"{'system prompt':>14}  ", style="bold")
            if prompt:
                clipped = prompt if len(prompt) <= INFO_PROMPT_CHARS else prompt[:INFO_PROMPT_CHARS]
                text.append_text(logtext.text(clipped))
                if len(prompt) > INFO_PROMPT_CHARS:
                    text.append(
                        f"\n… {len(prompt) - INFO_PROMPT_CHARS:,} more characters", style="dim"
                    )
            else:
                text.append("(none)", style="dim")
        self.query_one("#info", Static).update(text)

    # --- problems ---------------------------------------------------------------------------

    def update_problems(self) -> None:
        cursor = self.cursor
        if cursor is None:
            self.show_problems = False
            return
        tl = cursor.timeline
        notes: list[str] = []
        row = self.session.row(tl.segment_id)
        if row is not None and row.parent_missing:
            notes.append(f"its parent {row.origin_parent} is not in this store (shown as a root)")
        if row is not None and row.in_cycle:
            notes.append("part of a fork cycle (the cycle is broken at one edge in the tree)")
        first = row.first_line_problem if row is not None else None
        if first is not None and not any(
            first == str(p) or first.startswith(f"line {p.line}:") for p in tl.problems
        ):  # an empty file, or a first entry that is not a segment_start
            notes.append(first)
        panel = self.query_one("#problems", ProblemsPanel)
        path = str(tl.store.path_for(tl.segment_id))
        panel.show_problems(
            path,
            list(tl.problems),
            notes,
            omitted_damage=tl.damage_omitted,
            omitted_notes=tl.problems_omitted - tl.damage_omitted,
        )
        self.show_problems = bool(tl.problems or notes)

    # --- raw inspector ----------------------------------------------------------------------

    def toggle_inspector(self) -> None:
        self.show_inspector = not self.show_inspector
        if self.show_inspector:
            self._load_raw_lines()

    def _load_raw_lines(self) -> None:
        cursor = self.cursor
        if cursor is None:
            return
        a, b = cursor.inspector_range()
        self.inspector.show_loading(self._inspector_title(a, b))
        self._read_raw(cursor.timeline, a, b)

    def _inspector_title(self, a: int, b: int) -> str:
        n = b - a
        return f"raw entries of {self.position_text}: {n} line{'s' * (n != 1)} (r to close)"

    @work(thread=True, exclusive=True, group="raw")
    def _read_raw(self, tl: Timeline, a: int, b: int) -> None:
        offsets, numbers = tl.offsets[a:b], tl.lines[a:b]
        try:
            lines = tl.store.read_raw_lines(tl.segment_id, offsets)
        except StoreError as exc:
            lines, numbers = [f"cannot read: {exc}".encode()], [0]
        self.post_message(RawLinesLoaded(tl.segment_id, a, numbers, lines))

    @on(RawLinesLoaded)
    def _raw_loaded(self, message: RawLinesLoaded) -> None:
        cursor = self.cursor
        if cursor is None or message.segment_id != cursor.segment_id:
            return
        a, b = cursor.inspector_range()
        if a == message.first_entry:
            title = self._inspector_title(a, b)
            self.inspector.show_lines(title, message.line_numbers, message.lines)
