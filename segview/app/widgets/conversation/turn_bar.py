"""The turn bar: ``turn N / M``, the turn's time and duration, its tokens and the branch's so
far (with their cost, when prices are configured), and input tokens per request."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Sparkline, Static

from segview.app import keymap
from segview.app.styling import follow_theme, span_style
from segview.browse.shown import TurnInfo
from segview.text import format_duration, format_tokens, format_ts, one_line

if TYPE_CHECKING:
    from segview.browse.annotations import TurnTokens
    from segview.cost import Tokens

HIDEABLE = {"reasoning": "reasoning", "tool": "tool output"}  # item kind -> what the bar says
PREVIEW_MIN = 16  # characters of the user's input shown however narrow the bar


def hidden_note(kinds: frozenset[str], keys: dict[str, str] | None = None) -> str:
    """What the history hides, for the turn bar: ``reasoning, tool output hidden``; with
    ``keys`` (kind -> the key that shows it), the short form: ``R, O hidden``."""
    names = keys if keys is not None else HIDEABLE
    shown = [names[kind] for kind in HIDEABLE if kind in kinds]
    return f"{', '.join(shown)} hidden" if shown else ""


def _tokens(label: Text, tokens: Tokens, cost: str | None, cost_style: Style) -> None:
    label.append(
        f"{format_tokens(tokens.input)} in · {format_tokens(tokens.output)} out", style="bold"
    )
    if cost:
        label.append(f" · {cost}", style=cost_style)


class TurnBar(Vertical):
    """Focusable: home / end go to the first / last turn while it has focus."""

    BINDINGS: ClassVar[list[BindingType]] = keymap.bindings("conversation")
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "turn-bar--cost",
        "turn-bar--unfinished",
        "turn-bar--playing",
        "turn-bar--error",
    }
    can_focus = True

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.info = TurnInfo(0, 0, kind="none", loading="opening the store…")  # until a segment
        self.tokens: TurnTokens | None = None
        self.hidden: tuple[str, str] = ("", "")  # what the history hides: long, short
        self.plain = ""
        self.usage_plain = ""

    def compose(self) -> ComposeResult:
        with Horizontal(id="turn-line"):
            yield Static("", id="turn-position")
            yield Static("", id="turn-replay")
        yield Static("", id="turn-detail")
        with Horizontal(id="usage-line"):
            yield Static("", id="usage-label")
            yield Sparkline([], id="usage-sparkline")

    def on_mount(self) -> None:
        follow_theme(self, lambda: self.show(self.info))

    @property
    def position(self) -> str:
        return self.info.position

    def set_tokens(self, tokens: TurnTokens | None) -> None:
        """The token figures the next ``show`` draws (None: per-request figures only)."""
        self.tokens = tokens

    def on_resize(self) -> None:
        if self.is_mounted:
            self.show(self.info)  # the user's input gets the width there is

    def set_hidden(self, note: str, short: str) -> None:
        """Say what the history hides (``hidden_note``, and its short form for a narrow
        bar; "" for nothing), from now on."""
        self.hidden = (note, short)
        if self.is_mounted:
            self.show(self.info)

    def _right_side(self, info: TurnInfo) -> Text:
        """What is hidden, then the load, the replay or the idle replay speed. In a narrow bar
        the idle speed goes, then what is hidden takes its short form: ``turn N / M`` stays."""
        note, short = self.hidden
        state = Text()
        idle = not info.loading and not info.replay
        if info.loading:
            state.append(info.loading, style="italic")
        elif info.replay:
            state.append(f" {info.replay} ", style=span_style(self, "turn-bar--playing"))
        else:
            state.append(f"replay {info.speed}×", style="dim")
        room = self.content_region.width - len(info.position) - 4  # the replay's padding
        if note and room > 0:
            if idle and len(note) + 2 + state.cell_len > room:
                state = Text()
            if len(note) + 2 + state.cell_len > room:
                note = short
        right = Text()
        if note:
            right.append(note, style="bold")
            if state:
                right.append("  ")
        right.append_text(state)
        return right

    def show(self, info: TurnInfo) -> None:
        self.info = info
        tokens = self.tokens
        error = span_style(self, "turn-bar--error")
        cost = span_style(self, "turn-bar--cost")
        pos = Text()
        pos.append(info.position, style="bold")
        if info.kind == "start":
            pos.append("  start: the seed history, before any turn", style="dim")
        elif info.kind == "tail":
            pos.append(
                f"  + unfinished turn ({info.tail_entries} entries after turn {info.turn_count})",
                style=span_style(self, "turn-bar--unfinished"),
            )
        if info.first_ts is not None:
            pos.append(f"  ·  {format_ts(info.first_ts)}", style="")
        if info.duration_ms is not None:
            pos.append(f"  ·  {format_duration(info.duration_ms)}", style="")
        self.query_one("#turn-position", Static).update(pos)
        replay = self._right_side(info)
        self.query_one("#turn-replay", Static).update(replay)
        facts = Text()  # the turn's tool calls, failures and outcome: kept whole
        if info.kind == "turn":
            calls = f"{info.tool_calls} tool call{'s' * (info.tool_calls != 1)}"
            facts.append(calls, style="dim")
            if info.errors:
                facts.append(f"  ✗ {info.errors} failed", style=error)
            if info.outcome:  # log text (an error's message): one escaped line
                run_style = error if info.outcome.startswith("errored") else Style(dim=True)
                facts.append(f"  ·  run {one_line(info.outcome, 200)}", style=run_style)
        detail = Text()
        if info.user_preview:  # the user's input gives way to the facts in a narrow bar
            line = self.query_one("#turn-detail", Static)
            room = line.size.width - len("user: ") - facts.cell_len - 2 if line.size.width else 48
            detail.append("user: ", style="dim")
            detail.append(one_line(info.user_preview, max(PREVIEW_MIN, room)))
            detail.append("  ")
        detail.append_text(facts)
        self.query_one("#turn-detail", Static).update(detail)
        self.plain = f"{pos.plain}  {replay.plain}\n{detail.plain}"
        label = Text()
        if info.loading:  # nothing is known yet (and the figures of the last segment are stale)
            pass
        elif tokens is not None and (tokens.so_far or tokens.turn):
            if tokens.turn is not None:
                label.append("this turn ", style="dim")
                _tokens(label, tokens.turn, tokens.turn_cost, cost)
                label.append("  ·  ", style="dim")
            label.append("so far ", style="dim")
            _tokens(label, tokens.so_far, tokens.so_far_cost, cost)
            if tokens.partial:
                label.append(" + a missing parent's", style="dim italic")
            if info.usage:
                label.append("  ·  input/request", style="dim")
        elif info.usage:
            label.append("input tokens/request ", style="dim")
            if info.usage_here is not None:
                label.append(format_tokens(info.usage_here), style="bold")
                label.append(" now, ", style="dim")
            label.append(f"peak {format_tokens(max(info.usage))}", style="dim")
        else:
            label.append("no token usage recorded (no llm_usage entries)", style="dim")
        self.usage_plain = label.plain
        self.set_class(not info.usage, "-no-usage")  # no flat line that looks like zeros
        self.query_one("#usage-label", Static).update(label)
        spark = self.query_one("#usage-sparkline", Sparkline)
        data = list(info.usage)
        if list(spark.data or []) != data:
            spark.data = data
