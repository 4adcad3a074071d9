"""The key bindings of the app as data: one list feeds the bindings, the footer, the help
screen and the command palette, so they can never disagree.

Each binding has an id (``KeySpec.binding_id``: its ``id``, else its action's name), which the
``[keymap]`` table of the config file uses to give it other keys (``remapped``; the app passes
the same table to Textual's ``App.set_keymap``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Literal

from textual.binding import Binding, BindingType
from textual.keys import format_key

Scope = Literal["screen", "conversation", "compare"]


@dataclass(frozen=True, slots=True)
class KeySpec:
    """One action: the keys that run it, what the footer says, and the help text."""

    keys: str  # Textual key names, comma separated ("right_square_bracket")
    display: str  # how the keys are written for people ("]")
    action: str  # the action name, without the ``action_`` prefix
    description: str  # short, for the footer and the command palette
    help: str  # one sentence for the help screen
    show: bool = True  # shown in the footer
    scope: Scope = "screen"  # "conversation": bound on the turn bar, the history and the tree
    # (over their own scrolling keys); "compare": on the compare screen
    name: str = ""  # the command palette's name, when the footer's word is too short
    id: str = ""  # the binding's id in the ``[keymap]`` table, when not the action's name

    @property
    def binding_id(self) -> str:
        """The id the ``[keymap]`` table of the config file gives other keys by."""
        return self.id or self.action

    @property
    def title(self) -> str:
        """The name in the command palette: ``name``, else the footer's description."""
        return self.name or self.description


KEYS: tuple[KeySpec, ...] = (
    KeySpec(
        "right_square_bracket",
        "]",
        "next_turn",
        "Next",
        "Step to the next turn.",
        name="Next turn",
    ),
    KeySpec(
        "left_square_bracket",
        "[",
        "previous_turn",
        "Prev",
        "Step to the previous turn (turn 0 is the state before any turn ended).",
        name="Previous turn",
    ),
    KeySpec(
        "home",
        "home",
        "first_turn",
        "First turn",
        "Go to the first position (turn 0), wherever the focus is (in the raw inspector: "
        "its first line).",
        False,
        "conversation",
    ),
    KeySpec(
        "end",
        "end",
        "last_turn",
        "Last turn",
        "Go to the last turn, wherever the focus is (during a replay: stop it there; in the "
        "raw inspector: its last line).",
        False,
        "conversation",
    ),
    KeySpec("g", "g", "go_to_turn", "Go to", "Go to turn N (asks for N)."),
    KeySpec(
        "f",
        "f",
        "fork_here",
        "Fork",
        "Fork the segment after the current turn into a new segment (asks first; the source "
        "is never modified).",
        name="Fork here",
        id="fork",
    ),
    KeySpec(
        "p",
        "p",
        "toggle_replay",
        "Play",
        "Play the segment forward from here, "
        "entry by entry, with the pauses of the log; press again to pause.",
        name="Play / pause the replay",
    ),
    KeySpec(
        "plus,equals_sign",
        "+",
        "replay_faster",
        "Faster",
        "Replay faster (1×, 2×, 5×, 10×, 50×).",
        False,
    ),
    KeySpec("minus", "-", "replay_slower", "Slower", "Replay slower.", False),
    KeySpec("slash", "/", "search", "Search", "Search the history shown at this turn."),
    KeySpec(
        "S",
        "S",
        "search_store",
        "Search store",
        "Search every conversation of the store (ctrl+r regex, ctrl+t case); enter opens the "
        "result at its turn with the text highlighted.",
        False,
    ),
    KeySpec(
        "P",
        "P",
        "store_problems",
        "Problems",
        "List every problem of the store, as segview check does (the header counts them); "
        "enter opens the segment of the one chosen.",
        False,
        name="Problems of the store",
    ),
    KeySpec(
        "n",
        "n",
        "next_match",
        "Next match",
        "Go to the next search match (on to the next turn that has one).",
        False,
    ),
    KeySpec(
        "N",
        "N",
        "previous_match",
        "Prev match",
        "Go to the previous search match (back to the previous turn that has one).",
        False,
    ),
    KeySpec("escape", "esc", "clear_search", "Clear search", "Clear the search.", False),
    KeySpec(
        "r",
        "r",
        "toggle_inspector",
        "Raw",
        "Show or hide the raw entry inspector: the JSON lines of the current turn.",
        False,
    ),
    KeySpec(
        "o",
        "o",
        "open_parent",
        "Parent",
        "Open the parent segment at the turn this fork or compaction starts from.",
        False,
        name="Open the parent segment",
    ),
    KeySpec(
        "e",
        "e",
        "export",
        "Export",
        "Export the conversation at this turn as Markdown or as a self-contained HTML replay "
        "from its root (in the current directory, else a temporary one; never in the store).",
    ),
    KeySpec(
        "m",
        "m",
        "mark_segment",
        "Mark",
        "Mark the segment under the tree's cursor (else the open one) to compare it; "
        "press again to unmark.",
        False,
    ),
    KeySpec(
        "c",
        "c",
        "compare",
        "Compare",
        "Compare the marked segment with the one under the tree's cursor (else the open one); "
        "with nothing marked, compare a fork or compaction with its parent.",
        False,
    ),
    KeySpec(
        "L",
        "L",
        "label_segment",
        "Label",
        "Label the segment under the tree's cursor (else the open one): the label shows "
        "instead of its title.",
        False,
    ),
    KeySpec(
        "a",
        "a",
        "annotate",
        "Note",
        "Add a note to the turn shown (or to one of its history items).",
        False,
    ),
    KeySpec(
        "dollar_sign",
        "$",
        "toggle_tokens",
        "Tokens",
        "Show tokens (and cost, when prices are configured) in the tree: per segment, "
        "per branch from the root, per subtree, then none.",
        False,
    ),
    KeySpec(
        "t",
        "t",
        "focus_tree",
        "Tree",
        "Move the focus to the ancestry tree (arrows move, enter opens a segment).",
        False,
    ),
    KeySpec(
        "ctrl+f",
        "ctrl+f",
        "filter_tree",
        "Filter tree",
        "Filter the ancestry tree as you type: the segments whose title, label or id holds the "
        "text stay, under their ancestors; enter keeps the filter, escape clears it.",
        False,
        name="Filter the tree",
    ),
    KeySpec(
        "T",
        "T",
        "toggle_tree",
        "Tree",
        "Show or hide the ancestry tree (hidden at first in a terminal narrower than 100 "
        "columns; t shows it too).",
        False,
    ),
    KeySpec(
        "G",
        "G",
        "last_turn",
        "Last turn",
        "Go to the last turn (or the turn in progress), from anywhere.",
        False,
        id="last_turn_anywhere",
    ),
    KeySpec("j", "j", "scroll_down", "Down", "Scroll the history down a line.", False),
    KeySpec("k", "k", "scroll_up", "Up", "Scroll the history up a line.", False),
    KeySpec(
        "ctrl+d",
        "ctrl+d",
        "page_down",
        "Half page down",
        "Scroll the history down half a page.",
        False,
    ),
    KeySpec(
        "ctrl+u", "ctrl+u", "page_up", "Half page up", "Scroll the history up half a page.", False
    ),
    KeySpec(
        "x",
        "x",
        "next_error",
        "Next error",
        "Go to the next turn with a failed tool call or an errored run.",
        False,
    ),
    KeySpec(
        "X",
        "X",
        "previous_error",
        "Prev error",
        "Go to the previous turn with a failed tool call or an errored run.",
        False,
    ),
    KeySpec(
        "y",
        "y",
        "copy_turn",
        "Copy turn",
        "Copy what this turn added (Markdown) to the clipboard (OSC 52: works over SSH too).",
        False,
    ),
    KeySpec(
        "Y",
        "Y",
        "copy_conversation",
        "Copy all",
        "Copy the whole conversation at this turn (Markdown) to the clipboard.",
        False,
    ),
    KeySpec(
        "v",
        "v",
        "view_in_pager",
        "Pager",
        "Open the conversation at this turn in $PAGER (V: in $EDITOR), as Markdown.",
        False,
    ),
    KeySpec(
        "V",
        "V",
        "open_in_editor",
        "Editor",
        "Open the conversation at this turn in $EDITOR.",
        False,
    ),
    KeySpec(
        "i",
        "i",
        "toggle_info",
        "Info",
        "Show or hide the segment's system prompt, configuration and session.",
        False,
    ),
    KeySpec(
        "R",
        "R",
        "toggle_reasoning",
        "Reasoning",
        "Hide or show reasoning in the history: hidden, each is one line saying so (a click "
        "shows that one whole). Kept for every segment until pressed again.",
        False,
        name="Hide / show reasoning",
    ),
    KeySpec(
        "O",
        "O",
        "toggle_tool_output",
        "Tool output",
        "Hide or show the arguments and results of tool calls in the history: hidden, each "
        "call is one line with its name and outcome (a click shows that one whole).",
        False,
        name="Hide / show tool output",
    ),
    KeySpec("question_mark", "?", "help", "Help", "Show every key binding."),
    KeySpec("q", "q", "quit", "Quit", "Quit segview."),
    KeySpec(
        "n",
        "n",
        "next_difference",
        "Next diff",
        "In a comparison: go to the next difference.",
        True,
        "compare",
    ),
    KeySpec(
        "N",
        "N",
        "previous_difference",
        "Prev diff",
        "In a comparison: go to the previous difference.",
        True,
        "compare",
    ),
    KeySpec(
        "escape",
        "escape",
        "close",
        "Close",
        "In a comparison: close it and go back.",
        True,
        "compare",
    ),
)
"""Every action with a key. Order is the order of the footer and the help screen."""

EXTRA_HELP: tuple[tuple[str, str], ...] = (
    (
        "ctrl+p",
        "Command palette: every action above, open any segment by id or title, and replay as "
        "another format version (auto, reference, current).",
    ),
    (
        "tab / shift+tab",
        "Move the focus between the tree, the turn bar, the history and its parts.",
    ),
    ("enter / click", "In the ancestry tree: open the segment (at its last turn)."),
    (
        "tree rows",
        "▶ the segment shown · ⑂ fork @N / ⇣ compaction @N: made from the parent after its "
        "turn N · id and title (a fork without input of its own: the last input before the "
        "fork point) · 10t·2y: 10 turns, last active 2 years ago · ?t: turns not counted "
        "yet (the segment is still being read) · ✖ problems · ⚠ parent missing",
    ),
    ("escape", "Close a dialog or the search line."),
)
"""Keys of Textual's own widgets that are worth knowing, shown on the help screen."""


MAIN_SCOPES: tuple[Scope, ...] = ("screen", "conversation")
"""The scopes of the main screen (the others belong to other screens)."""


def bindings(scope: Scope) -> list[BindingType]:
    """The Textual bindings of one scope."""
    return [
        Binding(
            k.keys,
            f"screen.{k.action}" if scope == "conversation" else k.action,
            k.description,
            show=k.show,
            key_display=k.display,
            id=k.binding_id,
        )
        for k in KEYS
        if k.scope == scope
    ]


def key_display(keys: str) -> str:
    """Textual key names (comma separated) as people write them: ``l / ]``, ``ctrl+x``."""
    shown = []
    for key in keys.split(","):
        *modifiers, base = key.split("+")
        shown.append("+".join([*modifiers, format_key(base)]))
    return " / ".join(shown)


def remapped(keymap: Mapping[str, str], keys: tuple[KeySpec, ...] = KEYS) -> tuple[KeySpec, ...]:
    """``keys`` with the keys ``keymap`` gives (binding id → Textual key names, comma
    separated), as the help screen and the command palette show them."""
    return tuple(
        replace(k, keys=keymap[k.binding_id], display=key_display(keymap[k.binding_id]))
        if k.binding_id in keymap
        else k
        for k in keys
    )


def spec_for(action: str, keys: tuple[KeySpec, ...] = KEYS) -> KeySpec:
    """The binding of ``action`` in ``keys`` (the app's: ``remapped``), for text that names
    its key ("R shows")."""
    for k in keys:
        if k.action == action:
            return k
    raise KeyError(action)
