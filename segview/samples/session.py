"""The session writer: appends one segment's entries the way the agent runtime does.

A ``Session`` keeps a simulated clock (seeded per segment, so every run gives the same
bytes), counts the tokens of the history it has logged, and writes each turn as the runtime
does: ``invoke``, ``user_input``, system items, each history item as it is produced, then
``turn_end``, one ``llm_usage`` per LLM request and ``run_completed``.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from dataclasses import dataclass

from segview.store import (
    FsStore,
    Invoke,
    InvokeKind,
    LoggedItem,
    MessageItem,
    PasteSegment,
    PodScopeSnapshot,
    ReasoningItem,
    RequestConfig,
    RestoredState,
    SystemFileAttachment,
    SystemItem,
    TextSegment,
    ToolCallItem,
    ToolResultItem,
    UserSegment,
    WorkerResult,
    append_entry,
    append_system_item,
    collect_state,
    create_compacted_segment,
    create_segment_with_id,
    flatten_segments,
    fork_at,
    save_config_changed,
    save_delta,
    save_extension,
    save_pod_scope,
    save_run_completed,
    save_run_errored,
    save_turn_end,
    save_usage,
    save_user_input,
    system_text,
)

from .ids import DEMO_SEGMENTS, segment_created_ms

_TOOL_SCHEMA_TOKENS = 6_800
"""Tokens the tool definitions add to every request (part of the cached prompt prefix)."""
_CACHE_TTL_MS = 300_000

Seconds = tuple[float, float]
"""A range of seconds; the clock advances by a random amount in it."""


def demo_rng(name: str) -> random.Random:
    """The random source of one segment: the same sequence on every run."""
    return random.Random(f"segview-demo:{name}")


def tokens(text: str) -> int:
    """A rough token count (about four characters per token)."""
    return max(1, (len(text) + 3) // 4)


def item_tokens(item: LoggedItem) -> int:
    if isinstance(item, MessageItem):
        return tokens(item.text()) + 4
    if isinstance(item, ToolCallItem):
        return tokens(item.name + item.arguments) + 12
    if isinstance(item, ToolResultItem):
        return tokens(item.summary + (item.content or "")) + 10
    if isinstance(item, ReasoningItem):
        return tokens(item.text + "".join(item.summary)) + 4
    return 4


def args(**kwargs: object) -> str:
    """Tool-call arguments as a model sends them: compact JSON."""
    return json.dumps(kwargs, ensure_ascii=False, separators=(",", ":"))


def numbered(text: str) -> str:
    """File content as ``read_file`` returns it: each line with its number."""
    return "\n".join(f"{n:>4}  {line}".rstrip() for n, line in enumerate(text.splitlines(), 1))


def attachment(path: str, text: str) -> SystemFileAttachment:
    """A file attached to the user's message (an ``@path`` reference)."""
    return SystemFileAttachment(path=path, body=f"[File: {path}]\n{text}")


def paste(paste_id: int, content: str) -> PasteSegment:
    """Text pasted into the user's message."""
    lines = content.count("\n") + 1
    return PasteSegment(id=paste_id, chars=len(content), lines=lines, content=content)


def message(role: str, text: str) -> MessageItem:
    return MessageItem.model_validate({"role": role, "content": [{"kind": "text", "text": text}]})


def user_segment(part: str | UserSegment) -> UserSegment:
    """A part of a user's input: plain text, or one of the typed segments."""
    return TextSegment(content=part) if isinstance(part, str) else part


@dataclass(slots=True)
class _Request:
    """One LLM request of the running turn: what its ``llm_usage`` entry will say."""

    history_len: int
    input_total: int
    cache_read: int
    output: int = 0


class Session:
    """Writes one segment with a simulated clock; see the module docstring."""

    def __init__(
        self,
        store: FsStore,
        name: str,
        state: RestoredState,
        *,
        turn_count: int = 0,
    ) -> None:
        self.store = store
        self.id = DEMO_SEGMENTS[name]
        self.rng = demo_rng(name)
        self.now = segment_created_ms(self.id)
        self.turn_count = turn_count
        self.base_tokens = tokens(state.system_prompt or "") + _TOOL_SCHEMA_TOKENS
        self.history_len = len(state.history)
        self.history_tokens = sum(item_tokens(i) for i in state.history)
        self.requests: list[_Request] = []
        self.in_request = False
        self.last_request_ms: int | None = None
        self.last_input_total = 0
        self.calls = 0

    # --- creating segments ------------------------------------------------------------------

    @classmethod
    def start(
        cls,
        store: FsStore,
        name: str,
        *,
        system_prompt: str,
        config: RequestConfig,
    ) -> Session:
        """A new segment with no origin."""
        segment_id = DEMO_SEGMENTS[name]
        state = RestoredState(system_prompt=system_prompt, config=config)
        create_segment_with_id(store, segment_id, state, ts=segment_created_ms(segment_id))
        return cls(store, name, state)

    @classmethod
    def fork(cls, store: FsStore, name: str, source: str, at_turn_index: int) -> Session:
        """``source`` forked after its turn ``at_turn_index``."""
        segment_id = DEMO_SEGMENTS[name]
        ts = segment_created_ms(segment_id)
        fork_at(store, DEMO_SEGMENTS[source], at_turn_index, ts=ts, segment_id=segment_id)
        state = collect_state(store.read_all(segment_id))
        return cls(store, name, state, turn_count=state.turn_count)

    @classmethod
    def compact(
        cls, store: FsStore, name: str, source: Session, summary: str, keep_last: int
    ) -> Session:
        """A compaction of ``source``: a summary message plus its last ``keep_last`` items."""
        segment_id = DEMO_SEGMENTS[name]
        ts = segment_created_ms(segment_id)
        if ts <= source.now:
            raise ValueError(f"{name} must be created after its source's last entry")
        old = collect_state(store.read_all(source.id))
        history = [message("system", summary), *old.history[len(old.history) - keep_last :]]
        state = RestoredState(system_prompt=old.system_prompt, config=old.config, history=history)
        create_compacted_segment(
            store, state, source.id, source.turn_count, ts=ts, segment_id=segment_id
        )
        return cls(store, name, state, turn_count=source.turn_count)

    # --- the clock --------------------------------------------------------------------------

    def wait(self, low: float, high: float) -> int:
        """Advance the clock by between ``low`` and ``high`` seconds."""
        self.now += int(self.rng.uniform(low, high) * 1000)
        return self.now

    def tick(self) -> int:
        self.now += self.rng.randint(1, 9)
        return self.now

    # --- entries ----------------------------------------------------------------------------

    def invoke(self, trigger: InvokeKind = "user_send", after: Seconds = (30, 90)) -> None:
        """A new cycle starts ``after`` seconds (a range) after the previous entry."""
        self.wait(*after)
        append_entry(self.store, self.id, Invoke(ts=self.now, trigger=trigger))
        self.in_request = False

    def user(self, *parts: str | UserSegment) -> None:
        """The user's input: strings are plain text, mixed with typed segments."""
        segments = [user_segment(p) for p in parts]
        save_user_input(self.store, self.id, segments, ts=self.tick())
        self.history_len += 1
        self.history_tokens += tokens(flatten_segments(segments)) + 4
        self.in_request = False

    def ask(self, *parts: str | UserSegment, after: Seconds = (30, 90)) -> None:
        """The user sends a message: ``invoke`` then ``user_input``."""
        self.invoke(after=after)
        self.user(*parts)

    def event(self, trigger: InvokeKind, *items: SystemItem, after: Seconds) -> None:
        """A cycle the runtime starts, not the user: ``invoke``, then what caused it."""
        self.invoke(trigger, after=after)
        self.system(*items)

    def system(self, *items: SystemItem) -> None:
        for item in items:
            self.now += self.rng.randint(4, 30)
            append_system_item(self.store, self.id, item, ts=self.now)
            self.history_len += 1
            self.history_tokens += tokens(system_text(item) or "") + 4
            self.in_request = False

    def _begin_request(self) -> _Request:
        self.wait(0.6, 2.2)  # time to first token
        input_total = self.base_tokens + self.history_tokens
        cache_read = 0
        if self.last_request_ms is not None and self.now - self.last_request_ms <= _CACHE_TTL_MS:
            cache_read = self.last_input_total
        self.last_request_ms = self.now
        self.last_input_total = input_total
        request = _Request(self.history_len, input_total, cache_read)
        self.requests.append(request)
        self.in_request = True
        return request

    def _produce(self, item: LoggedItem, seconds: float, extra_output: int = 0) -> None:
        request = self.requests[-1] if self.in_request else self._begin_request()
        self.wait(seconds * 0.8, seconds * 1.2)
        save_delta(self.store, self.id, [item], ts=self.now)
        count = item_tokens(item)
        request.output += count + extra_output
        self.history_len += 1
        self.history_tokens += count

    def think(self, text: str, summary: Sequence[str] = ()) -> None:
        """A reasoning item (its hidden part makes the output larger than its text)."""
        signature = "".join(
            self.rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
            for _ in range(48)
        )
        item = ReasoningItem(text=text, summary=list(summary), signature=f"EqMB{signature}==")
        self._produce(item, 1.0 + len(text) / 120, extra_output=self.rng.randint(40, 400))

    def call(self, name: str, arguments: str) -> ToolCall:
        """A tool call; its result follows with ``.returns(...)``."""
        self.calls += 1
        suffix = "".join(self.rng.choice("0123456789abcdefghjkmnpqrstvwxyz") for _ in range(20))
        call_id = f"toolu_{self.calls:02d}{suffix}"
        item = ToolCallItem(call_id=call_id, name=name, arguments=arguments)
        self._produce(item, 0.4 + len(arguments) / 200)
        return ToolCall(self, call_id)

    def log_result(self, item: ToolResultItem, took: Seconds) -> None:
        """A tool's result, ``took`` seconds (a range) after the call."""
        self.wait(*took)
        save_delta(self.store, self.id, [item], ts=self.now)
        self.history_len += 1
        self.history_tokens += item_tokens(item)
        self.in_request = False

    def say(self, markdown: str) -> None:
        """An assistant message (streamed at about 60 tokens a second)."""
        self._produce(message("assistant", markdown), 0.5 + tokens(markdown) / 60)

    def answer(self, markdown: str, result: WorkerResult = "finished") -> None:
        """The assistant's last message of the turn, and the end of the turn."""
        self.say(markdown)
        self.end_turn(result)

    def end_turn(self, result: WorkerResult = "finished", *, interrupted: bool = False) -> None:
        self.now += self.rng.randint(15, 80)
        self.turn_count += 1
        save_turn_end(self.store, self.id, self.turn_count, ts=self.now)
        self._flush_usage()
        save_run_completed(self.store, self.id, result, interrupted, ts=self.tick())
        self.in_request = False

    def errored(self, error: str, *, interrupted: bool = True) -> None:
        """The run failed: no ``turn_end``, its usage, then ``run_errored``."""
        self.now += self.rng.randint(15, 80)
        self._flush_usage()
        save_run_errored(self.store, self.id, error, interrupted, ts=self.tick())
        self.in_request = False

    def _flush_usage(self) -> None:
        for r in self.requests:
            save_usage(
                self.store,
                self.id,
                r.history_len,
                r.input_total,
                r.cache_read,
                r.input_total - r.cache_read,
                r.output,
                ts=self.tick(),
            )
        self.requests = []

    def config(self, config: RequestConfig, after: Seconds = (5, 20)) -> None:
        self.wait(*after)
        save_config_changed(self.store, self.id, config, ts=self.now)

    def extension(self, domain: str, payload: object) -> None:
        save_extension(self.store, self.id, domain, payload, ts=self.tick())

    def pod_scope(self, snapshot: PodScopeSnapshot) -> None:
        save_pod_scope(self.store, self.id, snapshot, ts=self.tick())

    def entry_count(self) -> int:
        return self.store.read_entry_count(self.id)

    # --- common tool calls, with their results ---------------------------------------------

    def read(self, path: str, body: str) -> None:
        """``read_file`` of a whole file."""
        summary = f"{path} ({len(body.splitlines())} lines)"
        self.call("read_file", args(path=path)).returns(summary, numbered(body))

    def edit(self, path: str, old: str, new: str, diff: str | None = None) -> None:
        """A successful ``edit_file`` (``diff``: what the tool reports)."""
        call = self.call("edit_file", args(path=path, old_string=old, new_string=new))
        call.returns(f"edited {path} (1 replacement)", diff)

    def run(
        self, command: str, output: str, *, exit_code: int = 0, took: Seconds = (0.05, 0.4)
    ) -> None:
        """``run_command`` and what the command printed."""
        call = self.call("run_command", args(command=command))
        call.returns(f"exit code {exit_code}", output, is_error=exit_code != 0, took=took)


@dataclass(frozen=True, slots=True)
class ToolCall:
    """A tool call just logged; ``returns`` logs its result."""

    session: Session
    call_id: str

    def returns(
        self,
        summary: str,
        content: str | None = None,
        *,
        is_error: bool = False,
        took: Seconds = (0.05, 0.4),
    ) -> None:
        """The tool's result, ``took`` seconds (a range) after the call."""
        item = ToolResultItem(
            call_id=self.call_id, summary=summary, content=content, is_error=is_error
        )
        self.session.log_result(item, took)
