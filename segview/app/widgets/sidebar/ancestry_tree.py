"""The ancestry tree: every segment of the store, forks and compactions under their parent."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual.binding import BindingType
from textual.geometry import Size
from textual.widget import Widget
from textual.widgets import Tree
from textual.widgets._tree import _TreeLine
from textual.widgets.tree import NodeID, TreeNode

from segview.app import keymap
from segview.app.messages import SegmentChosen
from segview.app.styling import follow_theme, span_style
from segview.text import format_age, one_line, short_ids

if TYPE_CHECKING:
    from segview.browse.forest import ForestSnapshot, TreeRow

TREE_WIDTH = 52  # the tree's width in the stylesheet (until laid out); labels are cut to fit
GUIDE = 3  # columns per depth level
SESSION_ID_MIN = 13  # a session heading's id: 0198c1a0-0000 at least
FORK_MARK = "⑂"
COMPACTION_MARK = "⇣"
LABEL_MARK = "✎"
COMPARE_MARK = "◆"
OPEN_MARK = "▶"
_NO_STYLE = Style()
# the label of a row not drawn since it was added or changed: made when it is drawn (or
# read through ``label_of``), so building or relabelling 50,000 rows makes none
_PENDING = Text()


@dataclass(frozen=True, slots=True)
class RowLook:
    """The styles of a row's parts, from the tree's component classes (``ancestry--*``)."""

    fork: Style = _NO_STYLE
    compaction: Style = _NO_STYLE
    tokens: Style = _NO_STYLE
    warning: Style = _NO_STYLE  # parent missing, cycle
    problems: Style = _NO_STYLE


PLAIN_ROW = RowLook()  # no colours: what tests and tools draw with


def row_label(
    row: TreeRow,
    now_ms: int,
    width: int = 48,
    *,
    label: str | None = None,
    marked: bool = False,
    tokens: str | None = None,
    open_: bool = False,
    look: RowLook = PLAIN_ROW,
) -> Text:
    """``⑂ fork @4 01926c6 Try another appr… 2t·3h`` plus flags, cut to ``width`` cells.

    A ``label`` shows instead of the title (``✎ label``); ``marked`` (for comparing) puts
    ``◆`` in front; ``tokens`` (the tree's token figures) follow the counts. The title gives
    way first, so the marks, the id, the counts and the flags stay visible. ``look`` colours
    the marks and flags.
    """
    head = Text()
    if open_:  # the segment shown on the right, wherever the tree's cursor is
        head.append(f"{OPEN_MARK} ", style="bold")
    if marked:
        head.append(f"{COMPARE_MARK} ", style="bold reverse")
    if row.origin == "fork":
        head.append(f"{FORK_MARK} fork @{row.at_turn} ", style=look.fork)
    elif row.origin == "compaction":
        head.append(f"{COMPACTION_MARK} compaction @{row.at_turn} ", style=look.compaction)
    head.append(row.short, style="bold")
    tail = Text()
    turns = "?" if row.turns is None else str(row.turns)
    ts = row.last_ts if row.last_ts is not None else row.created_ts
    age = format_age(now_ms - ts) if ts is not None else "?"
    tail.append(f" {turns}t·{age}", style="dim")
    if tokens:
        tail.append(f" {tokens}", style=look.tokens)
    if row.parent_missing:
        tail.append(" ⚠ parent missing", style=look.warning)
    if row.in_cycle:
        tail.append(" ↻ cycle", style=look.warning)
    if row.problems:
        tail.append(f" ✖ {row.problems}", style=look.problems)
    room = width - head.cell_len - tail.cell_len - 1
    if room >= 4:
        head.append(" ")
        if label is not None:
            head.append(f"{LABEL_MARK} {one_line(label, room - 2)}", style="italic")
        elif row.title:
            head.append(one_line(row.title, room))
        elif row.turns is None:
            head.append("…", style="dim")
        else:
            head.append(one_line("(no user input)", room), style="dim italic")
    head.append_text(tail)
    head.truncate(max(width, 8), overflow="ellipsis")
    return head


class AncestryTree(Tree[str]):
    """The forest of the store; selecting a node (enter, click) opens that segment. Home and
    end go to the first and last turn here too (not to the first and last row)."""

    BINDINGS: ClassVar[list[BindingType]] = keymap.bindings("conversation")

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "ancestry--fork",
        "ancestry--compaction",
        "ancestry--tokens",
        "ancestry--warning",
        "ancestry--problems",
    }

    def __init__(self, *, now_ms: int, id: str | None = None) -> None:
        # the width of each node's label, kept while the label is the same object: the tree
        # measures every line whenever one label changes (for its horizontal extent)
        self._label_widths: dict[NodeID, tuple[object, int]] = {}
        self._building = False  # rows are being built: Textual's tree would invalidate its
        # caches at every node added
        super().__init__("store", id=id)
        self._laid_out_width = TREE_WIDTH
        self.show_root = False
        self.auto_expand = False
        self.guide_depth = GUIDE
        self.now_ms = now_ms
        self.forest: ForestSnapshot | None = None
        self.current_segment: str | None = None
        self._depth: dict[NodeID, int] = {}
        self._node_by_id: dict[str, TreeNode[str]] = {}
        self._row_by_id: dict[str, TreeRow] = {}
        self._session_names: dict[NodeID, str] = {}  # heading node -> the session's name
        self.labels: dict[str, str] = {}
        self.marked: str | None = None
        self.tokens: dict[str, str] = {}
        self._look: RowLook | None = None
        self.filter_text = ""  # rows shown: those whose title, label or id holds it

    def on_mount(self) -> None:
        follow_theme(self, self._restyle)

    def _restyle(self) -> None:
        self._look = None
        self._relabel()

    @property
    def look(self) -> RowLook:
        """The rows' colours in the current theme."""
        if self._look is None:
            self._look = RowLook(
                *(
                    span_style(self, f"ancestry--{part}")
                    for part in ("fork", "compaction", "tokens", "warning", "problems")
                )
            )
        return self._look

    def process_label(self, label: str | Text) -> Text:
        # the rows' labels are one line by construction (``one_line``): Textual's own
        # processing would split each again, twice per row added
        if isinstance(label, Text):
            return label
        return super().process_label(label)

    def render_label(self, node: TreeNode[str], base_style: Style, style: Style) -> Text:
        self._made_label(node)
        return super().render_label(node, base_style, style)

    def _made_label(self, node: TreeNode[str]) -> Text:
        """The node's label, made now if it is still pending."""
        if node._label is _PENDING:
            row = self._row_by_id.get(node.data) if node.data is not None else None
            if row is not None:
                node._label = self._label(row, self._width_at(node))
        return node._label

    def label_of(self, segment_id: str) -> Text | None:
        """The label of a segment's row (None: no row), drawn yet or not."""
        node = self._node_by_id.get(segment_id)
        return self._made_label(node) if node is not None else None

    def get_label_width(self, node: TreeNode[str]) -> int:
        label = node.label
        if label is _PENDING:
            return self._width_at(node)  # the most its label takes: labels are cut to it
        known = self._label_widths.get(node.id)
        if known is not None and known[0] is label:
            return known[1]
        size = label.cell_len if isinstance(label, Text) else cell_len(label)
        width = size + (cell_len(self.ICON_NODE) if node.allow_expand else 0)
        self._label_widths[node.id] = (label, width)
        return width

    def _label(self, row: TreeRow, width: int) -> Text:
        return row_label(
            row,
            self.now_ms,
            width,
            label=self.labels.get(row.id),
            marked=row.id == self.marked,
            tokens=self.tokens.get(row.id),
            open_=row.id == self.current_segment,
            look=self.look,
        )

    def set_annotations(
        self, *, labels: dict[str, str] | None = None, tokens: dict[str, str] | None = None
    ) -> None:
        """Show labels (instead of titles) and token figures (None: unchanged)."""
        if labels is not None:
            self.labels = labels
        if tokens is not None:
            self.tokens = tokens
        if labels is not None and self.filter_text and self.forest is not None:
            self._rebuild(self.forest)  # the filter looks at labels too
        else:
            self._relabel()

    def set_marked(self, segment_id: str | None) -> None:
        """Mark one segment for comparing (None: no mark)."""
        self.marked = segment_id
        self._relabel()

    def _relabel(self) -> None:
        if self.forest is not None:
            self._set_labels(self.forest.rows)
        for node_id, name in self._session_names.items():
            self.get_node_by_id(node_id).set_label(self._session_label(name))

    def _set_labels(self, rows: Iterable[TreeRow]) -> None:
        """Label the nodes of ``rows`` anew when they are next drawn, then draw the tree
        once. (``TreeNode.set_label`` queues a refresh per node: filling 10,000 rows queued
        10,000 callbacks, and a key's redraw waited seconds behind them.) A line's cache key
        holds its nodes' update counts, so a relabelled line is drawn again and no other."""
        changed = False
        for row in rows:
            node = self._node_by_id.get(row.id)
            if node is not None:
                node._label = _PENDING
                node._updates += 1
                changed = True
        if changed:
            self.refresh()

    def _relabel_ids(self, *segment_ids: str | None) -> None:
        if self.forest is None:
            return
        for segment_id in segment_ids:
            node = self._node_by_id.get(segment_id) if segment_id else None
            row = self._row_by_id.get(segment_id) if segment_id else None
            if node is not None and row is not None:
                node.set_label(self._label(row, self._width_at(node)))

    @property
    def cursor_segment(self) -> str | None:
        """The segment under the cursor (None on a session heading or an empty tree)."""
        node = self.cursor_node
        return node.data if node is not None else None

    def set_filter(self, text: str) -> tuple[int, int]:
        """Show only the segments whose title, label or id holds ``text`` (any case), under
        their ancestors; "" shows every segment. Returns (segments matching, segments)."""
        self.filter_text = text
        if self.forest is not None:
            self._rebuild(self.forest)
        return self.filter_counts

    @property
    def filter_counts(self) -> tuple[int, int]:
        rows = self.forest.rows if self.forest is not None else ()
        return sum(self._matches(row) for row in rows), len(rows)

    def _matches(self, row: TreeRow) -> bool:
        needle = self.filter_text.casefold()
        if not needle:
            return True
        label = self.labels.get(row.id, "")
        return any(needle in text.casefold() for text in (row.id, row.title or "", label))

    def _shown_rows(self, forest: ForestSnapshot) -> list[TreeRow]:
        """The rows the filter keeps, with the ancestors of each (tree order)."""
        if not self.filter_text:
            return list(forest.rows)
        by_id = {row.id: row for row in forest.rows}
        keep: set[str] = set()
        for row in forest.rows:
            if self._matches(row):
                at: TreeRow | None = row
                while at is not None and at.id not in keep:
                    keep.add(at.id)
                    at = by_id.get(at.parent_id) if at.parent_id is not None else None
        return [row for row in forest.rows if row.id in keep]

    def set_forest(self, forest: ForestSnapshot, now_ms: int | None = None) -> None:
        """Show ``forest``: rebuild when its shape changed (or a filter is on), else only
        relabel."""
        if now_ms is not None:
            self.now_ms = now_ms
        if forest is self.forest:
            return
        old, self.forest = self.forest, forest
        self._row_by_id = {row.id: row for row in forest.rows}
        if old is not None and old.shape == forest.shape and not self.filter_text:
            # only the rows that changed are labelled again
            self._set_labels(
                row for before, row in zip(old.rows, forest.rows, strict=True) if before != row
            )
            return
        self._rebuild(forest)

    def _invalidate(self) -> None:
        # Textual's tree forgets its laid-out lines and asks for a layout at every node added:
        # 10,000 times while 10,000 rows are built (0.16 s); once, when they are, is enough
        if not self._building:
            super()._invalidate()

    def notify_style_update(self) -> None:
        # Textual's tree lays out every line again at a restyle (a focus change, a theme):
        # 80 ms at 50,000 rows, several times while the app starts. A restyle changes how
        # the lines are drawn, not which lines there are nor how wide their labels are (the
        # theme's colours relabel through ``follow_theme``): they are drawn again only.
        Widget.notify_style_update(self)
        self._line_cache.clear()
        self._updates += 1
        self.refresh()

    def _build(self) -> None:
        # Textual's own makes the lines with a recursive closure: a reference cycle that keeps
        # every line it made (with its path) until the cyclic collector runs. At 50,000 rows
        # the four builds of a start left 420,000 objects for one collection to walk (0.37 s,
        # the UI waiting). The same lines, made without a closure (and with no recursion
        # limit on a deep chain of forks).
        lines: list[_TreeLine[str]] = []
        stack: list[tuple[list[TreeNode[str]], TreeNode[str], bool]]
        if self.show_root:
            stack = [([], self.root, True)]
        else:  # every top-level line counts as a last one, as in Textual's own
            stack = [([], node, True) for node in reversed(self.root._children)]
        while stack:
            path, node, last = stack.pop()
            child_path = [*path, node]
            node._line = len(lines)
            lines.append(_TreeLine(child_path, last))
            if node._expanded:
                children = node._children
                end = len(children) - 1
                stack.extend((child_path, children[i], i == end) for i in range(end, -1, -1))
        self._tree_lines_cached = lines
        guide_depth, show_root = self.guide_depth, self.show_root
        width = (
            max(
                self.get_label_width(line.node) + line._get_guide_width(guide_depth, show_root)
                for line in lines
            )
            if lines
            else self.size.width
        )
        self.virtual_size = Size(width, len(lines))
        if self.cursor_line != -1:
            if self.cursor_node is not None:
                self.cursor_line = self.cursor_node._line
            if self.cursor_line >= len(lines):
                self.cursor_line = -1

    def _rebuild(self, forest: ForestSnapshot) -> None:
        """Build the nodes again (the tree's caches are invalidated once, at the end); the
        cursor stays on its segment (else goes to the one shown), and the segment shown keeps
        its mark."""
        cursor_id = self.current_segment
        if self.cursor_node is not None and self.cursor_node.data is not None:
            cursor_id = self.cursor_node.data
        if cursor_id is not None and cursor_id not in {r.id for r in self._shown_rows(forest)}:
            cursor_id = self.current_segment
        self._building = True
        try:
            self._build_nodes(forest)
        finally:
            self._building = False
            self._invalidate()
        if cursor_id is not None:
            self._reveal(cursor_id)

    def _build_nodes(self, forest: ForestSnapshot) -> None:
        self.clear()
        self._node_by_id.clear()
        self._session_names.clear()
        self._label_widths.clear()
        self._depth = {self.root.id: -1}
        sessions: dict[str, TreeNode[str]] = {}
        # a session heading names its session by the shortest prefix no other session has
        session_names = short_ids(
            (r.session_id for r in forest.rows if r.session_id is not None), SESSION_ID_MIN
        )
        if self.filter_text:
            matching, total = self.filter_counts
            key = keymap.spec_for("filter_tree", getattr(self.app, "key_table", keymap.KEYS))
            shown = one_line(self.filter_text, 20)
            note = Text(
                f"filter “{shown}”: {matching} of {total} ({key.display} changes it)",
                style="dim italic",
            )
            self._depth[self.root.add_leaf(note, data=None).id] = 0
        for row in self._shown_rows(forest):
            if row.parent_id is not None and row.parent_id in self._node_by_id:
                parent = self._node_by_id[row.parent_id]
            elif forest.layout == "sessions" and row.session_id is not None:
                parent = sessions.get(row.session_id) or self._session_node(
                    row.session_id, session_names[row.session_id], sessions
                )
            else:
                parent = self.root
            depth = self._depth.get(parent.id, -1) + 1
            node = parent.add(_PENDING, data=row.id, expand=True)
            self._depth[node.id] = depth
            self._node_by_id[row.id] = node
        for node in self._node_by_id.values():
            if not node.children:
                node.allow_expand = False

    def _session_node(
        self, session_id: str, name: str, sessions: dict[str, TreeNode[str]]
    ) -> TreeNode[str]:
        node = self.root.add(self._session_label(name), data=None, expand=True)
        self._depth[node.id] = 0
        self._session_names[node.id] = name
        sessions[session_id] = node
        return node

    def _session_label(self, name: str) -> Text:
        """``session NAME``; a name too long for the tree keeps its start and its end (where
        it differs from the other sessions' names) around an ellipsis."""
        room = self._room(0) - cell_len("session ")
        if len(name) > room >= 9:
            tail = (room - 1) // 2
            name = f"{name[: room - 1 - tail]}…{name[-tail:]}"
        return Text.assemble(("session ", "dim"), (name, "bold"))

    def _width_at(self, node: TreeNode[str]) -> int:
        return self._room(self._depth.get(node.id, 0))

    def _room(self, depth: int) -> int:
        """Cells for a label at ``depth``: the tree's width less its border, scroll bar, the
        expand icon and the guides."""
        return (self.outer_size.width or TREE_WIDTH) - 3 - GUIDE * depth

    def on_resize(self) -> None:
        # the stylesheet narrows the tree in a narrow terminal: labels are cut to fit again
        if self.outer_size.width != self._laid_out_width:
            self._laid_out_width = self.outer_size.width
            self._relabel()

    def node_for(self, segment_id: str) -> TreeNode[str] | None:
        return self._node_by_id.get(segment_id)

    def show_segment(self, segment_id: str) -> None:
        """Move the cursor to a segment (without opening it again)."""
        previous, self.current_segment = self.current_segment, segment_id
        self._relabel_ids(previous, segment_id)
        self._reveal(segment_id)

    def _reveal(self, segment_id: str) -> None:
        """Expand the segment's ancestors and move the cursor to it (if it has a row)."""
        node = self._node_by_id.get(segment_id)
        if node is None:
            return
        parent = node.parent
        # (not the hidden root, which Textual makes collapsed: expanding it laid out every
        # line again when the first segment was shown, 80 ms at 50,000 rows)
        while parent is not None and parent is not self.root:
            if not parent.is_expanded:  # expanding lays out every line again, even when open
                parent.expand()
            parent = parent.parent
        self.call_after_refresh(self._move_to, segment_id)

    def _move_to(self, segment_id: str) -> None:
        node = self._node_by_id.get(segment_id)
        if node is not None:
            self.move_cursor(node, animate=False)

    def on_tree_node_selected(self, event: Tree.NodeSelected[str]) -> None:
        event.stop()
        if event.node.data is not None:
            self.post_message(SegmentChosen(event.node.data))
