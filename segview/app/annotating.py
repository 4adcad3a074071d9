"""The main screen's labels, notes, compare mark and token figures: the keys that write
beside the logs (in workers, refused in a read-only app), the dialogs they open, and the
token figures of the tree and the open segment, computed off the UI thread.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual import work

from segview.browse.annotations import (
    TOKEN_MODE_NAMES,
    TOKEN_MODES,
    TokenMode,
    forest_figures,
    inherited_share,
    tree_token_texts,
)
from segview.notes import NotesError, add_note, set_label

from .screen_state import ScreenState
from .screens.compare import CompareScreen
from .screens.note_dialog import LabelDialog, NoteDialog, NoteRequest


class AnnotatingScreen(ScreenState):
    """Labels, notes, comparing and tokens, over the main screen's state."""

    def _note_directories(self) -> list[Path]:
        """The directories whose ``.segview/`` may hold notes (kept per forest snapshot)."""
        forest = self.forest
        cached = self._note_dirs
        if cached is not None and cached[0] is forest:
            return cached[1]
        dirs = {self.session.path: None}
        for row in self._rows():
            store = self.session.store_for(row.id)
            if store is not None:
                dirs.setdefault(store.root, None)
        self._note_dirs = (forest, list(dirs))
        return self._note_dirs[1]

    def _refresh_notes(self, *, force: bool = False) -> None:
        """Read the sidecars again (in a worker or on the watcher's thread); redraw when they
        changed."""
        with self._notes_lock:
            changed = self.notes.refresh(self._note_directories())
        if changed or force:
            self.app.call_from_thread(self._notes_changed)

    def _notes_changed(self) -> None:
        self.ancestry.set_annotations(labels=self.notes.labels())
        self.pane.show_notes()

    def action_label_segment(self) -> None:
        segment_id = self._target_segment()
        if segment_id is None or self._refuse_write("labelling (it writes beside the logs)"):
            return
        row = self.session.row(segment_id)

        def done(text: str | None) -> None:
            if text is not None:
                self._write_notes(segment_id, lambda root: set_label(root, segment_id, text))

        dialog = LabelDialog(
            short=self.session.short(segment_id),
            title=row.title if row is not None else None,
            label=self.notes.get(segment_id).label,
        )
        self.app.push_screen(dialog, done)

    def action_annotate(self) -> None:
        cursor = self.pane.cursor
        if cursor is None or cursor.state is None:
            return
        if self._refuse_write("notes (they are written beside the logs)"):
            return
        segment_id, turn, items = cursor.segment_id, cursor.turn_count, len(cursor.state.history)

        def done(request: NoteRequest | None) -> None:
            if request is not None:
                text, item = request.text, request.item
                self._write_notes(
                    segment_id, lambda root: add_note(root, segment_id, text, turn=turn, item=item)
                )

        short = self.session.short(segment_id)
        self.app.push_screen(NoteDialog(short=short, turn=turn, items=items), done)

    @work(thread=True, group="notes")
    def _write_notes(self, segment_id: str, write: Callable[[Path], object]) -> None:
        """Write a label or a note beside the segment's log; a failure is shown, and leaves
        nothing written."""
        store = self.session.store_for(segment_id)
        if store is None:
            return
        try:
            write(store.root)
        except NotesError as exc:
            self.app.call_from_thread(
                self.app.notify, str(exc), title="nothing written", severity="error", timeout=15
            )
            return
        self._refresh_notes(force=True)

    def action_mark_segment(self) -> None:
        segment_id = self._target_segment()
        if segment_id is None:
            return
        self.marked = None if segment_id == self.marked else segment_id
        self.ancestry.set_marked(self.marked)
        if self.marked is not None:
            short = self.session.short(segment_id)
            self.notify(f"marked {short}: press c on another segment to compare", timeout=4)

    def action_compare(self) -> None:
        target = self._target_segment()
        if target is None:
            return
        marked = self.marked if self.session.contains(self.marked or "") else None
        row = self.session.row(target)
        if marked is not None and marked != target:
            a, b = marked, target
        elif row is not None and row.parent_id is not None:
            a, b = target, row.parent_id  # a fork or compaction against its parent
        else:
            self.notify(
                "nothing to compare: mark a segment with m, then press c on another "
                "(or press c on a fork to compare it with its parent)"
            )
            return
        self.app.push_screen(
            CompareScreen(
                a=a,
                b=b,
                build=lambda: self.session.compare(a, b),
                names={r.id: r.short for r in self._rows()},
                labels=self.notes.labels(),
                price=self.pane.priced,
            )
        )

    def action_toggle_tokens(self) -> None:
        self.token_mode = TOKEN_MODES[(TOKEN_MODES.index(self.token_mode) + 1) % len(TOKEN_MODES)]
        if self.token_mode == "off":
            self.ancestry.set_annotations(tokens={})
            self.notify("tokens in the tree: off", timeout=3)
            return
        what = "input/output tokens" + (" and cost" if self.pane.priced is not None else "")
        self.notify(f"{what} in the tree: {TOKEN_MODE_NAMES[self.token_mode]}", timeout=4)
        self._compute_figures()

    @work(thread=True, exclusive=True, group="tokens")
    def _compute_figures(self) -> None:
        forest, mode = self.forest, self.token_mode
        if forest is None or mode == "off":
            return
        with self._usage_lock:
            figures = forest_figures(forest, self._usage_reader, self.session.store_for)
        texts = tree_token_texts(figures, mode, self.pane.priced)
        self.app.call_from_thread(self._show_figures, mode, texts)

    def _show_figures(self, mode: TokenMode, texts: dict[str, str]) -> None:
        if mode == self.token_mode:
            self.ancestry.set_annotations(tokens=texts)

    @work(thread=True, group="inherited")
    def _load_inherited(self, segment_id: str) -> None:
        forest = self.forest
        if forest is None:
            return
        with self._usage_lock:
            share = inherited_share(forest, segment_id, self._usage_reader, self.session.store_for)
        self.app.call_from_thread(self.pane.set_inherited, segment_id, share)
