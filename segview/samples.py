"""The demo store: a deterministic, realistic set of segment logs to explore segview with.

``python -m segview.samples DIR`` writes it; ``sample_logs/`` in the repository is its
output. Every line is written through the store core's own write operations
(``segview.store.ops``), so every file is valid by construction — except the one segment
that is damaged on purpose. Ids, timestamps and content are fixed: running the generator
twice gives the same bytes.

The segments (``DEMO_SEGMENTS`` maps the names to the full ids; 7 characters are a unique
prefix):

============  ================  =============================================================
id prefix     name              what it shows
============  ================  =============================================================
``019224c``   legacy            an older runtime's log: the plural ``assistant_items`` /
                                ``tool_results`` / ``system_items`` / ``hook_injected_items``
``01924c5``   long              a 200-turn working day on a static site generator, for
                                stepping and replay (realistic pauses, growing context,
                                a notification turn, a provider error, a turn limit)
``019258f``   truncated         a session that crashed mid-append: its last line is cut off
``0192675``   input_segments    every kind of typed user input: text, paste, ``@file``,
                                ``#knowledge`` and ``/workflow`` references
``01926b8``   main              a 10-turn coding session fixing a failing test in a small
                                Python library: reasoning, tool calls (one failing run, one
                                failed edit), Markdown answers, ``llm_usage``, a
                                ``config_changed``
``01926ba``   compacted_1       a continuation of *main* after its turn 10, seeded with a
                                summary (``compacted_from``); turns 11-13
``01926bb``   compacted_2       a compaction of *compacted_1* after its turn 13 (two deep)
``01926c6``   fork_mid          *main* forked after turn 4, taking another direction
``01926cb``   fork_of_fork      *fork_mid* forked after its turn 1
``0192708``   fork_turn0        *main* forked at turn 0 (before its first turn)
``0192710``   system_items      a release pod coordinating sub-pods: every ``system_item``
                                kind and pod event, every invoke trigger and run result,
                                ``pod.scope`` and other extensions
============  ================  =============================================================

Forks restart their turn count at 1 (replaying a fork gives turn count 0 before its first
turn); compactions continue the source's count, as the agent runtime does.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from segview.store import (
    AssistantItems,
    FileRefSegment,
    FsStore,
    HookInjectedItems,
    Invoke,
    InvokeKind,
    KnowledgeRefSegment,
    LoggedItem,
    MessageItem,
    PasteSegment,
    PodErrored,
    PodScopeSnapshot,
    PodScopeSubDelegated,
    PodShutDown,
    PodTurnEnded,
    ReasoningItem,
    RequestConfig,
    RestoredState,
    ScopeRule,
    StoreError,
    SystemFileAttachment,
    SystemItem,
    SystemItems,
    SystemKnowledge,
    SystemNotification,
    SystemPodEvent,
    SystemWorkflow,
    TextSegment,
    ToolCallItem,
    ToolResultItem,
    ToolResults,
    UserSegment,
    WorkerResult,
    WorkflowInvokeSegment,
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
)

__all__ = ["DEMO_SEGMENTS", "main", "segment_created_ms", "write_demo_store"]

DEMO_SEGMENTS: dict[str, str] = {
    "main": "01926b80-f80e-7fda-abe5-925c8c52fefc",
    "fork_turn0": "01927084-ab3b-7246-a51d-a2c05a21a600",
    "fork_mid": "01926c67-1da6-7491-a960-761f5a544665",
    "fork_of_fork": "01926cb6-1232-7884-9f14-cc52b9b80066",
    "compacted_1": "01926ba4-e126-771f-82bb-eabea3d38591",
    "compacted_2": "01926bb0-9835-7141-956a-d59e7dd9a1fe",
    "system_items": "01927109-0426-7f89-afea-1444715752f1",
    "input_segments": "0192675a-c596-7487-b43a-32cc53818f30",
    "legacy": "019224c7-93fe-7b2e-969a-23c9d3624068",
    "long": "01924c5b-3d69-7e22-a589-888d0792ce8d",
    "truncated": "019258f2-3d95-7023-acbc-945fb42704b7",
}
"""The demo's segments by name (see the module docstring for what each one shows)."""

TRUNCATED_SEGMENT = "truncated"
"""The one segment whose last line is deliberately cut off."""

_TOOL_SCHEMA_TOKENS = 6_800
"""Tokens the tool definitions add to every request (part of the cached prompt prefix)."""
_CACHE_TTL_MS = 300_000


def segment_created_ms(segment_id: str) -> int:
    """The creation time (ms since the epoch) embedded in a UUID v7."""
    return int(segment_id.replace("-", "")[:12], 16)


def _rng(name: str) -> random.Random:
    return random.Random(f"segview-demo:{name}")


def _tokens(text: str) -> int:
    """A rough token count (about four characters per token)."""
    return max(1, (len(text) + 3) // 4)


def _item_tokens(item: LoggedItem) -> int:
    if isinstance(item, MessageItem):
        return _tokens(item.text()) + 4
    if isinstance(item, ToolCallItem):
        return _tokens(item.name + item.arguments) + 12
    if isinstance(item, ToolResultItem):
        return _tokens(item.summary + (item.content or "")) + 10
    return _tokens(item.text + "".join(item.summary)) + 4


def _args(**kwargs: object) -> str:
    """Tool-call arguments as a model sends them: compact JSON."""
    return json.dumps(kwargs, ensure_ascii=False, separators=(",", ":"))


def _numbered(text: str) -> str:
    """File content as ``read_file`` returns it: each line with its number."""
    return "\n".join(f"{n:>4}  {line}".rstrip() for n, line in enumerate(text.splitlines(), 1))


def _file_body(path: str, text: str) -> str:
    return f"[File: {path}]\n{text}"


def _text(content: str) -> TextSegment:
    return TextSegment(content=content)


def _message(role: str, text: str) -> MessageItem:
    return MessageItem.model_validate({"role": role, "content": [{"kind": "text", "text": text}]})


@dataclass(slots=True)
class _Request:
    """One LLM request of the running turn: what its ``llm_usage`` entry will say."""

    history_len: int
    input_total: int
    cache_read: int
    output: int = 0


class _Session:
    """Writes one segment the way the agent runtime does, with a simulated clock.

    Per turn: ``invoke``, ``user_input``, system items, then each history item as it is
    produced; at the end ``turn_end``, one ``llm_usage`` per LLM request, ``run_completed``.
    """

    def __init__(
        self,
        store: FsStore,
        segment_id: str,
        rng: random.Random,
        *,
        now: int,
        system_prompt: str | None,
        history: Sequence[LoggedItem] = (),
        turn_count: int = 0,
    ) -> None:
        self.store = store
        self.id = segment_id
        self.rng = rng
        self.now = now
        self.turn_count = turn_count
        self.base_tokens = _tokens(system_prompt or "") + _TOOL_SCHEMA_TOKENS
        self.history_len = len(history)
        self.history_tokens = sum(_item_tokens(i) for i in history)
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
        history: Sequence[LoggedItem] = (),
    ) -> _Session:
        segment_id = DEMO_SEGMENTS[name]
        ts = segment_created_ms(segment_id)
        state = RestoredState(system_prompt=system_prompt, config=config, history=list(history))
        create_segment_with_id(store, segment_id, state, ts=ts)
        return cls(
            store, segment_id, _rng(name), now=ts, system_prompt=system_prompt, history=history
        )

    @classmethod
    def fork(cls, store: FsStore, name: str, source: str, at_turn_index: int) -> _Session:
        segment_id = DEMO_SEGMENTS[name]
        ts = segment_created_ms(segment_id)
        fork_at(store, DEMO_SEGMENTS[source], at_turn_index, ts=ts, segment_id=segment_id)
        state = collect_state(store.read_all(segment_id))
        return cls(
            store,
            segment_id,
            _rng(name),
            now=ts,
            system_prompt=state.system_prompt,
            history=state.history,
            turn_count=state.turn_count,
        )

    @classmethod
    def compact(
        cls, store: FsStore, name: str, source: _Session, summary: str, keep_last: int
    ) -> _Session:
        """A compaction of ``source``: a summary message plus its last ``keep_last`` items."""
        segment_id = DEMO_SEGMENTS[name]
        ts = segment_created_ms(segment_id)
        if ts <= source.now:
            raise ValueError(f"{name} must be created after its source's last entry")
        old = collect_state(store.read_all(source.id))
        history = [_message("system", summary), *old.history[len(old.history) - keep_last :]]
        state = RestoredState(system_prompt=old.system_prompt, config=old.config, history=history)
        create_compacted_segment(
            store, state, source.id, source.turn_count, ts=ts, segment_id=segment_id
        )
        return cls(
            store,
            segment_id,
            _rng(name),
            now=ts,
            system_prompt=old.system_prompt,
            history=history,
            turn_count=source.turn_count,
        )

    # --- the clock --------------------------------------------------------------------------

    def wait(self, low: float, high: float) -> int:
        """Advance the clock by between ``low`` and ``high`` seconds."""
        self.now += int(self.rng.uniform(low, high) * 1000)
        return self.now

    def tick(self) -> int:
        self.now += self.rng.randint(1, 9)
        return self.now

    # --- entries ----------------------------------------------------------------------------

    def invoke(
        self, trigger: InvokeKind = "user_send", after: tuple[float, float] = (30, 90)
    ) -> None:
        """A new cycle starts ``after`` seconds (a range) after the previous entry."""
        self.wait(*after)
        append_entry(self.store, self.id, Invoke(ts=self.now, trigger=trigger))
        self.in_request = False

    def user(self, *segments: UserSegment) -> None:
        save_user_input(self.store, self.id, list(segments), ts=self.tick())
        self.history_len += 1
        self.history_tokens += _tokens(flatten_segments(segments)) + 4
        self.in_request = False

    def system(self, item: SystemItem) -> None:
        self.now += self.rng.randint(4, 30)
        append_system_item(self.store, self.id, item, ts=self.now)
        self.history_len += 1
        self.history_tokens += _tokens(item.body) + 4
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
        tokens = _item_tokens(item)
        request.output += tokens + extra_output
        self.history_len += 1
        self.history_tokens += tokens

    def think(self, text: str, summary: Sequence[str] = ()) -> None:
        """A reasoning item (its hidden part makes the output larger than its text)."""
        signature = "".join(
            self.rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
            for _ in range(48)
        )
        item = ReasoningItem(text=text, summary=list(summary), signature=f"EqMB{signature}==")
        self._produce(item, 1.0 + len(text) / 120, extra_output=self.rng.randint(40, 400))

    def call(self, name: str, arguments: str) -> str:
        """A tool call; returns its call id."""
        self.calls += 1
        suffix = "".join(self.rng.choice("0123456789abcdefghjkmnpqrstvwxyz") for _ in range(20))
        call_id = f"toolu_{self.calls:02d}{suffix}"
        item = ToolCallItem(call_id=call_id, name=name, arguments=arguments)
        self._produce(item, 0.4 + len(arguments) / 200)
        return call_id

    def result(
        self,
        call_id: str,
        summary: str,
        content: str | None = None,
        *,
        is_error: bool = False,
        took: tuple[float, float] = (0.05, 0.4),
    ) -> None:
        """The tool's result, ``took`` seconds (a range) after the call."""
        self.wait(*took)
        item = ToolResultItem(call_id=call_id, summary=summary, content=content, is_error=is_error)
        save_delta(self.store, self.id, [item], ts=self.now)
        self.history_len += 1
        self.history_tokens += _item_tokens(item)
        self.in_request = False

    def say(self, markdown: str) -> None:
        """An assistant message (streamed at about 60 tokens a second)."""
        self._produce(_message("assistant", markdown), 0.5 + _tokens(markdown) / 60)

    def end_turn(self, result: WorkerResult = "finished", *, interrupted: bool = False) -> None:
        self.now += self.rng.randint(15, 80)
        self.turn_count += 1
        save_turn_end(self.store, self.id, self.turn_count, ts=self.now)
        self._flush_usage()
        save_run_completed(self.store, self.id, result, interrupted, ts=self.tick())
        self.in_request = False

    def errored(self, message: str, *, interrupted: bool = True) -> None:
        """The run failed: no ``turn_end``, its usage, then ``run_errored``."""
        self.now += self.rng.randint(15, 80)
        self._flush_usage()
        save_run_errored(self.store, self.id, message, interrupted, ts=self.tick())
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

    def config(self, config: RequestConfig, after: tuple[float, float] = (5, 20)) -> None:
        self.wait(*after)
        save_config_changed(self.store, self.id, config, ts=self.now)

    def extension(self, domain: str, payload: object) -> None:
        save_extension(self.store, self.id, domain, payload, ts=self.tick())

    def pod_scope(self, snapshot: PodScopeSnapshot) -> None:
        save_pod_scope(self.store, self.id, snapshot, ts=self.tick())

    def entry_count(self) -> int:
        return self.store.read_entry_count(self.id)


# --- main: fixing a failing test in a small Python library -----------------------------------

DURATIONS_PROMPT = """\
You are Yoi, a coding agent working in the user's repository at /home/dev/durations \
(a small Python library that parses human-friendly durations).

# Tools
- read_file(path): read a file (lines are numbered)
- grep(pattern, path): search file contents with a regular expression
- edit_file(path, old_string, new_string): replace one exact occurrence of old_string
- write_file(path, content): create or overwrite a file
- run_tests(paths): run pytest on the given paths
- run_command(command): run a shell command in the repository root

# Rules
- Read the code before you change it, and keep diffs small and covered by tests.
- Never commit, tag or push unless the user asks you to.
- Answer in Markdown; put code in fenced blocks with a language tag.

Today is 2024-10-08. Platform: linux, shell: bash, Python 3.12."""

MAIN_CONFIG = RequestConfig(max_tokens=8192, stop_sequences=[], reasoning="medium")
MAIN_CONFIG_HIGH = RequestConfig(max_tokens=16384, stop_sequences=[], reasoning="high")

PARSE_V1 = '''\
"""Parse human-friendly durations such as ``1h30m`` or ``250ms``."""

from __future__ import annotations

import re

UNITS = {
    "h": 3600.0,
    "m": 60.0,
    "s": 1.0,
    "ms": 0.001,
}

_TOKEN = re.compile(r"(\\d+(?:\\.\\d+)?)(h|m|s|ms)")


def parse_duration(text: str) -> float:
    """Return the number of seconds in ``text``, e.g. ``"1h30m"`` -> ``5400.0``."""
    total = 0.0
    for number, unit in _TOKEN.findall(text):
        total += float(number) * UNITS[unit]
    return total
'''

TEST_PARSE_V1 = """\
import pytest

from durations import parse_duration


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90s", 90.0), ("1h30m", 5400.0), ("2m", 120.0), ("250ms", 0.25)],
)
def test_simple_durations(text, seconds):
    assert parse_duration(text) == seconds


def test_compound_durations():
    assert parse_duration("1m500ms") == 60.5
    assert parse_duration("1h1m1s") == 3661.0
"""

PYTEST_HEADER = """\
============================= test session starts ==============================
platform linux -- Python 3.12.6, pytest-8.3.3, pluggy-1.5.0
rootdir: /home/dev/durations
configfile: pyproject.toml
"""

PYTEST_FAIL = (
    PYTEST_HEADER
    + """\
collected 5 items

tests/test_parse.py ...FF                                                [100%]

=================================== FAILURES ===================================
______________________ test_simple_durations[250ms-0.25] _______________________

text = '250ms', seconds = 0.25

    @pytest.mark.parametrize(
        ("text", "seconds"),
        [("90s", 90.0), ("1h30m", 5400.0), ("2m", 120.0), ("250ms", 0.25)],
    )
    def test_simple_durations(text, seconds):
>       assert parse_duration(text) == seconds
E       AssertionError: assert 15000.0 == 0.25
E        +  where 15000.0 = parse_duration('250ms')

tests/test_parse.py:11: AssertionError
___________________________ test_compound_durations ____________________________

    def test_compound_durations():
>       assert parse_duration("1m500ms") == 60.5
E       AssertionError: assert 30060.0 == 60.5
E        +  where 30060.0 = parse_duration('1m500ms')

tests/test_parse.py:15: AssertionError
=========================== short test summary info ============================
FAILED tests/test_parse.py::test_simple_durations[250ms-0.25] - AssertionError: assert 15000.0 == 0.25
FAILED tests/test_parse.py::test_compound_durations - AssertionError: assert 30060.0 == 60.5
========================= 2 failed, 3 passed in 0.04s =========================="""
)


def _pytest_pass(lines: Sequence[tuple[str, int]], seconds: str) -> str:
    """The output of a green pytest run over ``(file, number of tests)``."""
    total = sum(n for _, n in lines)
    rows, done = [], 0
    for path, n in lines:
        done += n
        rows.append(f"{path} {'.' * n}".ljust(73) + f"[{done * 100 // total:>3}%]")
    body = "\n".join(rows)
    summary = f" {total} passed in {seconds}s "
    return f"{PYTEST_HEADER}collected {total} items\n\n{body}\n\n{summary.center(80, '=')}"


GREP_TOKENS = """\
src/durations/parse.py:7:UNITS = {
src/durations/parse.py:14:_TOKEN = re.compile(r"(\\d+(?:\\.\\d+)?)(h|m|s|ms)")
src/durations/parse.py:20:    for number, unit in _TOKEN.findall(text):
src/durations/format.py:3:from .parse import UNITS"""

ANSWER_1 = """\
## Why `tests/test_parse.py` fails

Two tests fail, and both come from the same line in `src/durations/parse.py`:

```python
_TOKEN = re.compile(r"(\\d+(?:\\.\\d+)?)(h|m|s|ms)")
```

Regex alternation is **ordered**: for `250ms` the engine tries `h`, then `m` — which
matches — and never gets to `ms`. So `250ms` is read as *250 minutes*, and the leftover
`s` is skipped silently because `findall` ignores whatever lies between matches.

| input | tokens found | result | expected |
|---|---|---|---|
| `250ms` | `250m` | `15000.0` | `0.25` |
| `1m500ms` | `1m`, `500m` | `30060.0` | `60.5` |

The `ms` unit arrived with #41 (last night's merge), which is why CI only broke now.

### Suggested fix

1. Put the longer unit first: `(ms|h|m|s)`.
2. Reject leftovers, so that input like `5x` raises `ValueError` instead of returning `0.0`.

Shall I go ahead?"""

ANSWER_2 = """\
Done — both failures are fixed and the whole suite passes (12 tests).

```diff
-_TOKEN = re.compile(r"(\\d+(?:\\.\\d+)?)(h|m|s|ms)")
+_TOKEN = re.compile(r"(\\d+(?:\\.\\d+)?)(ms|h|m|s)")
+_DURATION = re.compile(r"(?:\\d+(?:\\.\\d+)?(?:ms|h|m|s))+")
@@ def parse_duration(text: str) -> float:
+    if not _DURATION.fullmatch(text):
+        raise ValueError(f"could not parse duration {text!r}")
     total = 0.0
```

- `ms` is now tried before `m`, so `250ms` → `0.25` and `1m500ms` → `60.5`.
- Anything that is not a sequence of `<number><unit>` tokens raises `ValueError`. The new
  `test_rejects_garbage` covers `""`, `"5x"`, `"1h30"` (no unit) and `"ms"` (no number).

Note that this is stricter than before: input that used to return `0.0` now raises."""

TRACEBACK = """\
Traceback (most recent call last):
  File "/srv/scheduler/app.py", line 48, in <module>
    jobs = load_jobs(Path("/etc/scheduler/jobs.toml"))
           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  File "/srv/scheduler/config.py", line 31, in load_jobs
    interval = parse_duration(raw["every"])
               ^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  File "/srv/scheduler/.venv/lib/python3.12/site-packages/durations/parse.py", line 22, in parse_duration
    raise ValueError(f"could not parse duration {text!r}")
ValueError: could not parse duration '1h 30m'"""

GREP_CALLERS = """\
README.md:14:>>> parse_duration("1h 30m")
README.md:21:Whitespace between the parts is allowed, so `"2h 15m 30s"` works too.
src/durations/__init__.py:3:from .parse import UNITS, parse_duration
src/durations/parse.py:18:def parse_duration(text: str) -> float:
tests/test_parse.py:3:from durations import parse_duration"""

ANSWER_3 = """\
Yes — that's my change from the previous turn. `"1h 30m"` has a space between the tokens.
The old parser accepted it by accident (`findall` skipped the space), and the README
documents it:

```python
>>> parse_duration("1h 30m")
5400.0
```

So whitespace is public behaviour. The validation now allows it around and between tokens:

```python
_DURATION = re.compile(r"\\s*(?:\\d+(?:\\.\\d+)?(?:ms|h|m|s)\\s*)+")
```

and `"1h 30m"` and `" 2m "` are in the parametrized tests; 14 passed. I should have
checked the README before tightening the parser — sorry for the broken staging deploy."""

JOBS_TOML = """\
# Example job definitions for the scheduler.

[[job]]
name = "rotate-logs"
every = "2H"

[[job]]
name = "refresh-cache"
every = "15m"
"""

ANSWER_4 = """\
Units are case-insensitive now: both patterns are compiled with `re.IGNORECASE` and the
unit is looked up as `UNITS[unit.lower()]`.

```python
>>> parse_duration("2H")
7200.0
>>> parse_duration("1M30S")
90.0
```

One thing to be aware of: `1M` is **one minute** here. In ISO 8601 an `M` before the `T`
means *months* — worth keeping in mind if you ever accept ISO durations. 16 tests pass."""

ANSWER_5 = """\
## ISO 8601 durations: recommendation

**Yes, but as an explicit second format**, not blended into the short syntax.

| option | pros | cons |
|---|---|---|
| auto-detect in `parse_duration` (leading `P`) | callers change nothing; configs written by other tools just work | a little magic |
| a separate `parse_iso8601()` only | explicit, easy to document | every caller must choose |
| not at all | nothing to maintain | Kubernetes-style configs and many JSON APIs send `PT30S` |

### Proposal

1. A new module `durations/iso.py` with `parse_iso8601(text) -> float`.
2. Support `PnDTnHnMnS` with fractions, and **reject years and months** (`P1Y`, `P2M`):
   their length in seconds depends on the calendar.
3. `parse_duration` delegates to it when the text starts with `P`, so configs can use
   either form.
4. Tests for `PT0S`, `P1D`, `PT0.5S`, `P1DT12H` and for the rejections `P`, `PT`, `P1Y`.

Shall I implement it that way?"""

ISO_PY = '''\
"""ISO 8601 durations such as ``PT1H30M`` or ``P1DT12H``."""

from __future__ import annotations

import math
import re

_NUMBER = r"\\d+(?:\\.\\d+)?"
_ISO = re.compile(
    rf"P(?:(?P<days>{_NUMBER})D)?"
    rf"(?:T(?:(?P<hours>{_NUMBER})H)?(?:(?P<minutes>{_NUMBER})M)?(?:(?P<seconds>{_NUMBER})S)?)?",
    re.IGNORECASE,
)
_FACTORS = {"days": 86400.0, "hours": 3600.0, "minutes": 60.0, "seconds": 1.0}


def parse_iso8601(text: str) -> float:
    """Seconds in an ISO 8601 duration. Years and months are rejected: their length varies."""
    text = text.strip()
    match = _ISO.fullmatch(text)
    if match is None or text.upper().endswith(("P", "T")):
        raise ValueError(f"not an ISO 8601 duration: {text!r}")
    parts = match.groupdict()
    return sum(float(v) * _FACTORS[k] for k, v in parts.items() if v is not None)
'''

TEST_ISO_PY = """\
import pytest

from durations import parse_duration, parse_iso8601


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("PT0S", 0.0), ("P1D", 86400.0), ("PT0.5S", 0.5), ("P1DT12H", 129600.0), ("pt1h30m", 5400.0)],
)
def test_iso8601(text, seconds):
    assert parse_iso8601(text) == seconds


@pytest.mark.parametrize("text", ["P", "PT", "P1Y", "P2M", "PT1H30"])
def test_iso8601_rejects(text):
    with pytest.raises(ValueError):
        parse_iso8601(text)


def test_parse_duration_delegates():
    assert parse_duration("PT1H30M") == parse_duration("1h30m")
"""

INIT_PY = '''\
"""Human-friendly durations."""

from .parse import UNITS, parse_duration

__all__ = ["UNITS", "parse_duration"]
__version__ = "0.3.1"
'''

ANSWER_6 = """\
ISO 8601 support is in.

- **`src/durations/iso.py`** — `parse_iso8601()` accepts `PnDTnHnMnS` with fractional
  parts, case-insensitively, and rejects `P`, `PT`, years and months.
- **`parse_duration`** delegates to it when the input starts with `P`:

  ```python
  >>> parse_duration("PT1H30M") == parse_duration("1h30m")
  True
  ```
- **`tests/test_iso.py`** — 11 new tests. The suite is green: 27 passed.

My first edit of `__init__.py` missed because the import there also pulls in `UNITS`; I
read the file and redid it, and `parse_iso8601` is exported in `__all__` as well."""

README_MD = """\
# durations

Parse human-friendly durations into seconds.

```console
$ pip install durations
```

## Usage

```python
>>> from durations import parse_duration
>>> parse_duration("90s")
90.0
>>> parse_duration("1h 30m")
5400.0
```

Units: `h`, `m`, `s` and `ms`, in any combination and order.
Whitespace between the parts is allowed, so `"2h 15m 30s"` works too.

## Development

```console
$ pip install -e '.[test]'
$ pytest
```
"""

CHANGELOG_MD = """\
# Changelog

## 0.3.1 — 2024-10-07

- Add the `ms` unit (#41).

## 0.3.0 — 2024-09-12

- Drop Python 3.8.
- `format_duration()` rounds to the nearest millisecond.
"""

ANSWER_7 = """\
Both files are updated.

**README.md** — a new section after *Usage*:

````markdown
### ISO 8601

`parse_duration` also accepts ISO 8601 durations, or call `parse_iso8601` directly:

```python
>>> parse_duration("PT1H30M")
5400.0
```

Years and months (`P1Y`, `P2M`) are rejected because their length varies.
````

**CHANGELOG.md** — an *Unreleased* section:

```markdown
## Unreleased

- Fix: `ms` was parsed as minutes (`250ms` gave 15000 s). Regression from #41.
- Invalid input now raises `ValueError` instead of returning `0.0`.
- Units are case-insensitive (`2H`).
- New: ISO 8601 durations via `parse_iso8601()` and in `parse_duration()`.
```"""

RUFF_F401 = """\
src/durations/iso.py:5:8: F401 [*] `math` imported but unused
  |
3 | from __future__ import annotations
4 |
5 | import math
  |        ^^^^ F401
6 | import re
  |
  = help: Remove unused import: `math`

Found 1 error.
[*] 1 fixable with the `--fix` option."""

ANSWER_8 = """\
Everything is green: 27 tests pass, and ruff and mypy are clean after I removed an unused
`import math` from `iso.py` (ruff F401).

Suggested commit message:

```text
Fix ms parsing, validate input, add ISO 8601 durations

- Try `ms` before `m` in the unit pattern: "250ms" was read as
  250 minutes (regression from #41).
- Raise ValueError for input that is not a sequence of <number><unit>
  tokens instead of returning 0.0; whitespace between tokens stays
  allowed, as documented in the README.
- Accept units in any case ("2H").
- Add parse_iso8601() for PnDTnHnMnS durations; parse_duration()
  delegates to it for input starting with "P".
```"""

ANSWER_9 = """\
Fast enough that it won't show up at startup:

| call | time per call |
|---|---|
| `parse_duration("1h 30m 15s")` | 1.41 µs |
| `parse_duration("PT1H30M15S")` | 2.12 µs |

Five thousand durations take about **7–11 ms** in total. Both regular expressions are
compiled once at import, so there is nothing worth caching on top."""

ANSWER_10 = """\
- **Fixed a regression from #41**: `ms` was matched as `m`, so `250ms` parsed as
  250 minutes; the unit pattern now tries the longest unit first.
- **Stricter, friendlier input handling**: invalid strings raise `ValueError` instead of
  silently returning `0.0`, whitespace between parts stays allowed, and units are
  case-insensitive.
- **ISO 8601 support**: `parse_iso8601()` (days, hours, minutes, seconds; years and months
  rejected), also accepted by `parse_duration()` for input starting with `P`."""


def _write_main(store: FsStore) -> _Session:
    s = _Session.start(store, "main", system_prompt=DURATIONS_PROMPT, config=MAIN_CONFIG)

    # 1: diagnose
    s.invoke(after=(0.004, 0.02))
    s.user(
        _text("CI has been red on main since last night's merge. Can you find out why "),
        FileRefSegment(path="tests/test_parse.py"),
        _text(" fails? Don't change anything yet, just explain."),
    )
    s.system(
        SystemFileAttachment(
            path="tests/test_parse.py", body=_file_body("tests/test_parse.py", TEST_PARSE_V1)
        )
    )
    s.think(
        "The user wants a diagnosis only, no edits. The attached tests expect 250ms == 0.25 "
        "and 1m500ms == 60.5. Run the file first to see the actual values, then read the parser.",
        ["Reproduce the failure before reading code"],
    )
    c = s.call("run_tests", _args(paths=["tests/test_parse.py"]))
    s.result(c, "2 failed, 3 passed (exit code 1)", PYTEST_FAIL, is_error=True, took=(1.1, 1.8))
    s.think(
        "15000.0 for '250ms' is 250 x 60, so the 'm' unit matched. 30060.0 for '1m500ms' is "
        "60 + 500 x 60: same cause. Probably the alternation lists 'm' before 'ms'.",
        ["250ms is read as 250 minutes", "Suspect the order of the unit alternation"],
    )
    c = s.call("read_file", _args(path="src/durations/parse.py"))
    s.result(c, "src/durations/parse.py (22 lines)", _numbered(PARSE_V1))
    c = s.call("grep", _args(pattern="_TOKEN|UNITS", path="src"))
    s.result(c, "4 matches in 2 files", GREP_TOKENS)
    s.say(ANSWER_1)
    s.end_turn()

    # 2: fix it
    s.invoke(after=(45, 80))
    s.user(_text("Yes, go ahead with both, and add tests for the garbage case."))
    s.think(
        "Reorder to (ms|h|m|s). For validation add a second pattern for the whole string "
        "and use fullmatch; findall can stay for extracting the tokens.",
        ["Longest unit first", "Validate the whole string with fullmatch"],
    )
    c = s.call(
        "edit_file",
        _args(
            path="src/durations/parse.py",
            old_string=r'_TOKEN = re.compile(r"(\d+(?:\.\d+)?)(h|m|s|ms)")',
            new_string=r'_TOKEN = re.compile(r"(\d+(?:\.\d+)?)(ms|h|m|s)")'
            + "\n"
            + r'_DURATION = re.compile(r"(?:\d+(?:\.\d+)?(?:ms|h|m|s))+")',
        ),
    )
    s.result(
        c,
        "edited src/durations/parse.py (1 replacement)",
        "@@ -14 +14,2 @@\n"
        + r'-_TOKEN = re.compile(r"(\d+(?:\.\d+)?)(h|m|s|ms)")'
        + "\n"
        + r'+_TOKEN = re.compile(r"(\d+(?:\.\d+)?)(ms|h|m|s)")'
        + "\n"
        + r'+_DURATION = re.compile(r"(?:\d+(?:\.\d+)?(?:ms|h|m|s))+")',
    )
    c = s.call(
        "edit_file",
        _args(
            path="src/durations/parse.py",
            old_string="    total = 0.0\n",
            new_string="    if not _DURATION.fullmatch(text):\n"
            '        raise ValueError(f"could not parse duration {text!r}")\n'
            "    total = 0.0\n",
        ),
    )
    s.result(
        c,
        "edited src/durations/parse.py (1 replacement)",
        "@@ -19,0 +20,2 @@\n"
        "+    if not _DURATION.fullmatch(text):\n"
        '+        raise ValueError(f"could not parse duration {text!r}")',
    )
    c = s.call(
        "edit_file",
        _args(
            path="tests/test_parse.py",
            old_string="def test_compound_durations():",
            new_string='@pytest.mark.parametrize("text", ["", "5x", "1h30", "ms"])\n'
            "def test_rejects_garbage(text):\n"
            "    with pytest.raises(ValueError):\n"
            "        parse_duration(text)\n\n\n"
            "def test_compound_durations():",
        ),
    )
    s.result(c, "edited tests/test_parse.py (1 replacement)", "@@ -13,0 +14,6 @@")
    c = s.call("run_tests", _args(paths=["tests"]))
    s.result(
        c,
        "12 passed",
        _pytest_pass([("tests/test_format.py", 3), ("tests/test_parse.py", 9)], "0.05"),
        took=(1.0, 1.6),
    )
    s.say(ANSWER_2)
    s.end_turn()

    # 3: a regression reported with a pasted traceback
    s.invoke(after=(420, 560))
    s.user(
        _text("Deployed to staging and the scheduler now crashes on startup:\n"),
        PasteSegment(
            id=1, chars=len(TRACEBACK), lines=TRACEBACK.count("\n") + 1, content=TRACEBACK
        ),
        _text("\nIs that us?"),
    )
    s.think(
        "The new fullmatch validation rejects the space in '1h 30m'. Before, findall skipped "
        "it. Check whether callers or docs rely on whitespace.",
        ["The stricter validation rejects spaces", "Check the docs and callers"],
    )
    c = s.call("grep", _args(pattern=r"parse_duration\(|[Ww]hitespace", path="."))
    s.result(c, "5 matches in 4 files", GREP_CALLERS)
    c = s.call(
        "edit_file",
        _args(
            path="src/durations/parse.py",
            old_string=r'_DURATION = re.compile(r"(?:\d+(?:\.\d+)?(?:ms|h|m|s))+")',
            new_string=r'_DURATION = re.compile(r"\s*(?:\d+(?:\.\d+)?(?:ms|h|m|s)\s*)+")',
        ),
    )
    s.result(c, "edited src/durations/parse.py (1 replacement)", "@@ -15 +15 @@")
    c = s.call(
        "edit_file",
        _args(
            path="tests/test_parse.py",
            old_string='("250ms", 0.25)],',
            new_string='("250ms", 0.25), ("1h 30m", 5400.0), (" 2m ", 120.0)],',
        ),
    )
    s.result(c, "edited tests/test_parse.py (1 replacement)", "@@ -8 +8 @@")
    c = s.call("run_tests", _args(paths=["tests"]))
    s.result(
        c,
        "14 passed",
        _pytest_pass([("tests/test_format.py", 3), ("tests/test_parse.py", 11)], "0.05"),
        took=(1.0, 1.6),
    )
    s.say(ANSWER_3)
    s.end_turn()

    # 4: case-insensitive units, with a referenced file
    s.invoke(after=(300, 420))
    s.user(
        _text("Can we make the units case-insensitive too? Someone wrote `2H` in "),
        FileRefSegment(path="config/jobs.example.toml"),
        _text(" and I'd rather accept it than explain it."),
    )
    s.system(
        SystemFileAttachment(
            path="config/jobs.example.toml", body=_file_body("config/jobs.example.toml", JOBS_TOML)
        )
    )
    s.think(
        "Compile both patterns with re.IGNORECASE and lower-case the unit before the lookup. "
        "Mention that M means minutes here, not months.",
        ["IGNORECASE on both patterns", "Normalise the unit before the lookup"],
    )
    c = s.call(
        "edit_file",
        _args(
            path="src/durations/parse.py",
            old_string="        total += float(number) * UNITS[unit]",
            new_string="        total += float(number) * UNITS[unit.lower()]",
        ),
    )
    s.result(c, "edited src/durations/parse.py (1 replacement)", "@@ -24 +24 @@")
    c = s.call(
        "edit_file",
        _args(
            path="src/durations/parse.py",
            old_string=r'_TOKEN = re.compile(r"(\d+(?:\.\d+)?)(ms|h|m|s)")',
            new_string=r'_TOKEN = re.compile(r"(\d+(?:\.\d+)?)(ms|h|m|s)", re.IGNORECASE)',
        ),
    )
    s.result(c, "edited src/durations/parse.py (1 replacement)", "@@ -14 +14 @@")
    c = s.call(
        "edit_file",
        _args(
            path="src/durations/parse.py",
            old_string=r'_DURATION = re.compile(r"\s*(?:\d+(?:\.\d+)?(?:ms|h|m|s)\s*)+")',
            new_string=r'_DURATION = re.compile(r"\s*(?:\d+(?:\.\d+)?(?:ms|h|m|s)\s*)+", re.IGNORECASE)',
        ),
    )
    s.result(c, "edited src/durations/parse.py (1 replacement)", "@@ -15 +15 @@")
    c = s.call(
        "edit_file",
        _args(
            path="tests/test_parse.py",
            old_string='(" 2m ", 120.0)],',
            new_string='(" 2m ", 120.0), ("2H", 7200.0), ("1M30S", 90.0)],',
        ),
    )
    s.result(c, "edited tests/test_parse.py (1 replacement)", "@@ -8 +8 @@")
    c = s.call("run_tests", _args(paths=["tests"]))
    s.result(
        c,
        "16 passed",
        _pytest_pass([("tests/test_format.py", 3), ("tests/test_parse.py", 13)], "0.06"),
        took=(1.0, 1.6),
    )
    s.say(ANSWER_4)
    s.end_turn()

    # the user raises the reasoning effort before a design question
    s.config(MAIN_CONFIG_HIGH, after=(240, 300))

    # 5: a design question, no tools
    s.invoke(after=(20, 40))
    s.user(
        _text(
            "Bigger question, think it through before answering: should we also accept "
            "ISO 8601 durations like `PT1H30M`? No code yet."
        )
    )
    s.think(
        "ISO 8601 durations: PnYnMnDTnHnMnS. Years and months have no fixed length in seconds, "
        "so a float-returning parser must reject them. M is ambiguous (months before T, "
        "minutes after T), which is a reason not to blend the two grammars. Options: "
        "auto-detect on a leading P inside parse_duration, a separate function, or not at "
        "all. The short syntax never starts with P, so detection is unambiguous. Kubernetes "
        "and many JSON APIs emit ISO durations, which is the main benefit. Fractions are "
        "allowed by the standard (PT0.5S). Recommend a separate module, with delegation.",
        [
            "Years and months have no fixed length",
            "A leading P makes detection unambiguous",
            "Recommend a separate function plus delegation",
        ],
    )
    s.say(ANSWER_5)
    s.end_turn()

    # 6: implement it; the first edit misses
    s.invoke(after=(90, 150))
    s.user(_text("Go with your proposal."))
    c = s.call("write_file", _args(path="src/durations/iso.py", content=ISO_PY))
    s.result(c, "wrote src/durations/iso.py (25 lines)")
    c = s.call(
        "edit_file",
        _args(
            path="src/durations/__init__.py",
            old_string="from .parse import parse_duration\n",
            new_string="from .iso import parse_iso8601\nfrom .parse import parse_duration\n",
        ),
    )
    s.result(
        c,
        "old_string not found in src/durations/__init__.py",
        "No exact match for old_string. The file may differ from what you expect "
        "(whitespace, other names on the line); read it before editing.",
        is_error=True,
    )
    s.think("The import line must be different. Read the file.", ["Read __init__.py first"])
    c = s.call("read_file", _args(path="src/durations/__init__.py"))
    s.result(c, "src/durations/__init__.py (6 lines)", _numbered(INIT_PY))
    c = s.call(
        "edit_file",
        _args(
            path="src/durations/__init__.py",
            old_string='from .parse import UNITS, parse_duration\n\n__all__ = ["UNITS", "parse_duration"]',
            new_string="from .iso import parse_iso8601\nfrom .parse import UNITS, parse_duration\n\n"
            '__all__ = ["UNITS", "parse_duration", "parse_iso8601"]',
        ),
    )
    s.result(c, "edited src/durations/__init__.py (1 replacement)", "@@ -3,3 +3,4 @@")
    c = s.call(
        "edit_file",
        _args(
            path="src/durations/parse.py",
            old_string="    if not _DURATION.fullmatch(text):",
            new_string='    if text.strip()[:1] in ("P", "p"):\n'
            "        return parse_iso8601(text)\n"
            "    if not _DURATION.fullmatch(text):",
        ),
    )
    s.result(c, "edited src/durations/parse.py (1 replacement)", "@@ -21,0 +22,2 @@")
    c = s.call(
        "edit_file",
        _args(
            path="src/durations/parse.py",
            old_string="import re\n",
            new_string="import re\n\nfrom .iso import parse_iso8601\n",
        ),
    )
    s.result(c, "edited src/durations/parse.py (1 replacement)", "@@ -5,0 +6,2 @@")
    c = s.call("write_file", _args(path="tests/test_iso.py", content=TEST_ISO_PY))
    s.result(c, "wrote tests/test_iso.py (22 lines)")
    c = s.call("run_tests", _args(paths=["tests"]))
    s.result(
        c,
        "27 passed",
        _pytest_pass(
            [("tests/test_format.py", 3), ("tests/test_iso.py", 11), ("tests/test_parse.py", 13)],
            "0.07",
        ),
        took=(1.0, 1.6),
    )
    s.say(ANSWER_6)
    s.end_turn()

    # 7: docs
    s.invoke(after=(120, 200))
    s.user(_text("Nice. Update the README and the CHANGELOG."))
    c = s.call("read_file", _args(path="README.md"))
    s.result(c, "README.md (27 lines)", _numbered(README_MD))
    c = s.call("read_file", _args(path="CHANGELOG.md"))
    s.result(c, "CHANGELOG.md (10 lines)", _numbered(CHANGELOG_MD))
    c = s.call(
        "edit_file",
        _args(
            path="README.md",
            old_string="## Development\n",
            new_string="### ISO 8601\n\n`parse_duration` also accepts ISO 8601 durations, or call "
            '`parse_iso8601` directly:\n\n```python\n>>> parse_duration("PT1H30M")\n5400.0\n```\n\n'
            "Years and months (`P1Y`, `P2M`) are rejected because their length varies.\n\n"
            "## Development\n",
        ),
    )
    s.result(c, "edited README.md (1 replacement)", "@@ -23,0 +24,11 @@")
    c = s.call(
        "edit_file",
        _args(
            path="CHANGELOG.md",
            old_string="# Changelog\n\n",
            new_string="# Changelog\n\n## Unreleased\n\n"
            "- Fix: `ms` was parsed as minutes (`250ms` gave 15000 s). Regression from #41.\n"
            "- Invalid input now raises `ValueError` instead of returning `0.0`.\n"
            "- Units are case-insensitive (`2H`).\n"
            "- New: ISO 8601 durations via `parse_iso8601()` and in `parse_duration()`.\n\n",
        ),
    )
    s.result(c, "edited CHANGELOG.md (1 replacement)", "@@ -2,0 +3,8 @@")
    s.say(ANSWER_7)
    s.end_turn()

    # 8: checks and a commit message; the linter complains once
    s.invoke(after=(150, 240))
    s.user(_text("Run everything (tests, ruff, mypy) and write me a commit message."))
    c = s.call("run_tests", _args(paths=["tests"]))
    s.result(
        c,
        "27 passed",
        _pytest_pass(
            [("tests/test_format.py", 3), ("tests/test_iso.py", 11), ("tests/test_parse.py", 13)],
            "0.07",
        ),
        took=(1.0, 1.6),
    )
    c = s.call("run_command", _args(command="ruff check ."))
    s.result(c, "exit code 1", RUFF_F401, is_error=True, took=(0.2, 0.5))
    c = s.call(
        "edit_file",
        _args(
            path="src/durations/iso.py",
            old_string="import math\nimport re\n",
            new_string="import re\n",
        ),
    )
    s.result(c, "edited src/durations/iso.py (1 replacement)", "@@ -5 +4,0 @@")
    c = s.call("run_command", _args(command="ruff check . && mypy src"))
    s.result(
        c,
        "exit code 0",
        "All checks passed!\nSuccess: no issues found in 4 source files",
        took=(2.5, 4.0),
    )
    s.say(ANSWER_8)
    s.end_turn()

    # 9: performance
    s.invoke(after=(200, 320))
    s.user(_text("How fast is it? The scheduler parses a few thousand of these at startup."))
    c = s.call(
        "run_command",
        _args(
            command="python -m timeit -s 'from durations import parse_duration' "
            "'parse_duration(\"1h 30m 15s\")'"
        ),
    )
    s.result(c, "exit code 0", "200000 loops, best of 5: 1.41 usec per loop", took=(3.0, 5.0))
    c = s.call(
        "run_command",
        _args(
            command="python -m timeit -s 'from durations import parse_duration' "
            "'parse_duration(\"PT1H30M15S\")'"
        ),
    )
    s.result(c, "exit code 0", "100000 loops, best of 5: 2.12 usec per loop", took=(3.0, 5.0))
    s.say(ANSWER_9)
    s.end_turn()

    # 10: wrap up
    s.invoke(after=(100, 160))
    s.user(_text("Perfect. Summarise today's changes in three bullets for the PR description."))
    s.say(ANSWER_10)
    s.end_turn()
    return s


# --- forks of main -----------------------------------------------------------------------------

PARSE_FIXED_DIFF = """\
@@ -14 +14 @@
-_TOKEN = re.compile(r"(\\d+(?:\\.\\d+)?)(h|m|s|ms)")
+_TOKEN = re.compile(r"(\\d+(?:\\.\\d+)?)(ms|h|m|s)")"""


def _write_fork_turn0(store: FsStore) -> None:
    """Main branched before its first turn: the same problem, asked differently."""
    s = _Session.fork(store, "fork_turn0", "main", 0)
    s.invoke(after=(2, 6))
    s.user(
        _text(
            "tests/test_parse.py has been failing since #41 was merged. Fix it with the "
            "smallest diff you can."
        )
    )
    c = s.call("run_tests", _args(paths=["tests/test_parse.py"]))
    s.result(c, "2 failed, 3 passed (exit code 1)", PYTEST_FAIL, is_error=True, took=(1.1, 1.8))
    s.think(
        "250ms parses as 250 minutes: the m alternative wins over ms. Reordering the "
        "alternation is a one-line fix.",
        ["ms is matched as m", "Reorder the alternation"],
    )
    c = s.call("read_file", _args(path="src/durations/parse.py"))
    s.result(c, "src/durations/parse.py (22 lines)", _numbered(PARSE_V1))
    c = s.call(
        "edit_file",
        _args(
            path="src/durations/parse.py",
            old_string="(h|m|s|ms)",
            new_string="(ms|h|m|s)",
        ),
    )
    s.result(c, "edited src/durations/parse.py (1 replacement)", PARSE_FIXED_DIFF)
    c = s.call("run_tests", _args(paths=["tests/test_parse.py"]))
    s.result(c, "5 passed", _pytest_pass([("tests/test_parse.py", 5)], "0.03"), took=(1.0, 1.5))
    s.say(
        "Fixed with a one-line change in `src/durations/parse.py`:\n\n```diff\n"
        + PARSE_FIXED_DIFF.split("\n", 1)[1]
        + "\n```\n\nRegex alternation is tried left to right, so `m` matched the first letter "
        "of `ms` and `250ms` became 250 minutes. With `ms` first, all 5 tests pass."
    )
    s.end_turn()

    s.invoke(after=(60, 120))
    s.user(_text("Thanks. Does `5x` still parse to 0.0?"))
    c = s.call(
        "run_command",
        _args(command="python -c 'from durations import parse_duration as p; print(p(\"5x\"))'"),
    )
    s.result(c, "exit code 0", "0.0", took=(0.3, 0.6))
    s.say(
        'Yes: `parse_duration("5x")` still returns `0.0`. `findall` skips anything that is '
        "not a token, so garbage is ignored rather than reported.\n\nIf you want it to raise, "
        "validate the whole string first:\n\n```python\n"
        '_DURATION = re.compile(r"\\s*(?:\\d+(?:\\.\\d+)?(?:ms|h|m|s)\\s*)+")\n\n'
        "if not _DURATION.fullmatch(text):\n"
        '    raise ValueError(f"could not parse duration {text!r}")\n```\n\n'
        "That is a behaviour change, so it deserves its own PR and a changelog entry."
    )
    s.end_turn()


def _write_fork_mid(store: FsStore) -> None:
    """Main branched after turn 4: timedelta instead of ISO 8601."""
    s = _Session.fork(store, "fork_mid", "main", 4)
    s.invoke(after=(3, 8))
    s.user(
        _text(
            "Let's skip ISO 8601 for now. Instead, make `parse_duration` return a "
            "`datetime.timedelta` — every caller converts the float anyway."
        )
    )
    s.think(
        "Changing the return type breaks callers that do arithmetic on floats. Find the "
        "callers and the tests first.",
        ["Find every caller before changing the return type"],
    )
    c = s.call("grep", _args(pattern=r"parse_duration\(", path="."))
    s.result(
        c,
        "4 matches in 3 files",
        'README.md:14:>>> parse_duration("1h 30m")\n'
        "src/durations/format.py:12:    seconds = parse_duration(text)\n"
        "src/durations/parse.py:18:def parse_duration(text: str) -> float:\n"
        "tests/test_parse.py:11:    assert parse_duration(text) == seconds",
    )
    c = s.call(
        "edit_file",
        _args(
            path="src/durations/parse.py",
            old_string="def parse_duration(text: str) -> float:",
            new_string="def parse_duration(text: str) -> timedelta:",
        ),
    )
    s.result(c, "edited src/durations/parse.py (1 replacement)", "@@ -18 +18 @@")
    c = s.call(
        "edit_file",
        _args(
            path="src/durations/parse.py",
            old_string="    return total\n",
            new_string="    return timedelta(seconds=total)\n",
        ),
    )
    s.result(c, "edited src/durations/parse.py (1 replacement)", "@@ -27 +27 @@")
    c = s.call("run_tests", _args(paths=["tests"]))
    s.result(
        c,
        "13 failed, 3 passed (exit code 1)",
        PYTEST_HEADER
        + "collected 16 items\n\n"
        + "tests/test_format.py ...".ljust(73)
        + "[ 18%]\n"
        + "tests/test_parse.py FFFFFFFFFFFFF".ljust(73)
        + "[100%]\n\n"
        "E       AssertionError: assert datetime.timedelta(seconds=90) == 90.0\n"
        "...\n"
        "============================= 13 failed, 3 passed in 0.09s =============================",
        is_error=True,
        took=(1.0, 1.6),
    )
    c = s.call(
        "edit_file",
        _args(
            path="tests/test_parse.py",
            old_string="    assert parse_duration(text) == seconds",
            new_string="    assert parse_duration(text) == timedelta(seconds=seconds)",
        ),
    )
    s.result(c, "edited tests/test_parse.py (1 replacement)", "@@ -11 +11 @@")
    c = s.call("run_tests", _args(paths=["tests"]))
    s.result(
        c,
        "16 passed",
        _pytest_pass([("tests/test_format.py", 3), ("tests/test_parse.py", 13)], "0.06"),
        took=(1.0, 1.6),
    )
    s.say(
        '`parse_duration` now returns a `timedelta`:\n\n```python\n>>> parse_duration("1h 30m")\n'
        "datetime.timedelta(seconds=5400)\n```\n\nThe tests compared floats, so I updated them; "
        "`format.py` only feeds the value back into `timedelta`, so it works unchanged. "
        "16 tests pass.\n\n**This is a breaking change** for every caller that does arithmetic "
        "on the result (`interval * 2` still works, `interval + 1` does not)."
    )
    s.end_turn()

    s.invoke(after=(120, 240))
    s.user(
        _text(
            "Hmm, the scheduler does `time.sleep(parse_duration(...))`. How would we roll this out?"
        )
    )
    s.say(
        "`time.sleep()` needs a number, so the scheduler would break on upgrade. Options, "
        "safest first:\n\n"
        "1. **Keep `parse_duration` returning `float`** and add `parse_timedelta()` next to it. "
        "No caller breaks; new code can opt in.\n"
        "2. **Deprecate, then switch**: in 0.4 emit a `DeprecationWarning` when the float is "
        "used… which Python cannot detect, so in practice this means a keyword flag "
        "(`as_timedelta=True`) and flipping the default in 1.0.\n"
        "3. **Switch now in 1.0.0** with a loud changelog entry, and fix the scheduler in the "
        "same week: `time.sleep(parse_duration(x).total_seconds())`.\n\n"
        "I'd go with option 1: it costs one small function and breaks nobody."
    )
    s.end_turn()


def _write_fork_of_fork(store: FsStore) -> None:
    """fork_mid branched after its turn 1: keep the float, add parse_timedelta."""
    s = _Session.fork(store, "fork_of_fork", "fork_mid", 1)
    s.invoke(after=(4, 9))
    s.user(
        _text(
            "Too risky. Undo the return type change and add `parse_timedelta()` next to "
            "`parse_duration()` instead."
        )
    )
    c = s.call(
        "edit_file",
        _args(
            path="src/durations/parse.py",
            old_string="def parse_duration(text: str) -> timedelta:",
            new_string="def parse_duration(text: str) -> float:",
        ),
    )
    s.result(c, "edited src/durations/parse.py (1 replacement)", "@@ -18 +18 @@")
    c = s.call(
        "edit_file",
        _args(
            path="src/durations/parse.py",
            old_string="    return timedelta(seconds=total)\n",
            new_string="    return total\n\n\n"
            "def parse_timedelta(text: str) -> timedelta:\n"
            '    """Like :func:`parse_duration`, as a :class:`~datetime.timedelta`."""\n'
            "    return timedelta(seconds=parse_duration(text))\n",
        ),
    )
    s.result(c, "edited src/durations/parse.py (1 replacement)", "@@ -27 +27,6 @@")
    c = s.call(
        "edit_file",
        _args(
            path="tests/test_parse.py",
            old_string="    assert parse_duration(text) == timedelta(seconds=seconds)",
            new_string="    assert parse_duration(text) == seconds\n"
            "    assert parse_timedelta(text) == timedelta(seconds=seconds)",
        ),
    )
    s.result(c, "edited tests/test_parse.py (1 replacement)", "@@ -11 +11,2 @@")
    c = s.call("run_tests", _args(paths=["tests"]))
    s.result(
        c,
        "16 passed",
        _pytest_pass([("tests/test_format.py", 3), ("tests/test_parse.py", 13)], "0.06"),
        took=(1.0, 1.6),
    )
    s.say(
        "Reverted, and added the new function instead:\n\n```python\n"
        "def parse_timedelta(text: str) -> timedelta:\n"
        '    """Like :func:`parse_duration`, as a :class:`~datetime.timedelta`."""\n'
        "    return timedelta(seconds=parse_duration(text))\n```\n\n"
        "`parse_duration` returns a `float` again, so the scheduler is safe; each parametrized "
        "test now checks both functions. 16 passed."
    )
    s.end_turn()

    s.invoke(after=(90, 180))
    s.user(_text("Add it to the README, one short example."))
    c = s.call(
        "edit_file",
        _args(
            path="README.md",
            old_string="## Development\n",
            new_string="Need a `timedelta`? Use `parse_timedelta`:\n\n```python\n"
            '>>> from durations import parse_timedelta\n>>> parse_timedelta("1h 30m")\n'
            "datetime.timedelta(seconds=5400)\n```\n\n## Development\n",
        ),
    )
    s.result(c, "edited README.md (1 replacement)", "@@ -23,0 +24,8 @@")
    s.say("Added to the README's *Usage* section, right after the whitespace note.")
    s.end_turn()


# --- the compaction chain: main -> compacted_1 -> compacted_2 ------------------------------------

SUMMARY_1 = """\
[Compacted context summary]

## Completed Tasks
- Diagnosed the CI failure in tests/test_parse.py: the unit regex tried `m` before `ms`, so \
`250ms` parsed as 250 minutes (regression from #41). Fixed by ordering `(ms|h|m|s)`.
- Added validation: input that is not a sequence of <number><unit> tokens raises ValueError; \
whitespace between tokens is allowed (documented in the README; staging broke without it).
- Units are case-insensitive (`2H`).
- Added ISO 8601 durations: src/durations/iso.py with parse_iso8601(); parse_duration() \
delegates for input starting with `P`. Years and months are rejected.
- Updated README.md and CHANGELOG.md (Unreleased section); removed an unused import flagged \
by ruff. 27 tests pass; ruff and mypy are clean.

## Active Task
None; the user asked for a PR description, which was given.

## Key Decisions
- Keep parse_duration returning float (the scheduler calls time.sleep on it).
- ISO support lives in its own module.

## User Directives
- Don't change code when only asked to explain.
- Don't commit, tag or push unless asked.

## Current Work
Uncommitted changes in /home/dev/durations on branch fix-ms-parsing."""

SUMMARY_2 = """\
[Compacted context summary]

## Completed Tasks
- (Earlier) Fixed `ms` parsing, added validation, case-insensitive units and ISO 8601 \
support in durations; README and CHANGELOG updated.
- Released 0.4.0 locally: version bumped in pyproject.toml and __init__.py, CHANGELOG dated \
2024-10-08, committed as 5d41c7e on fix-ms-parsing, annotated tag v0.4.0 (recreated after a \
lightweight one), wheel and sdist built in dist/.

## Active Task
None.

## Key Decisions
- Release tags are annotated; the release script reads their message.

## User Directives
- Don't push. The user publishes releases themselves.

## Current Work
dist/durations-0.4.0-py3-none-any.whl and dist/durations-0.4.0.tar.gz are ready."""

PYPROJECT = """\
[project]
name = "durations"
version = "0.3.1"
description = "Parse human-friendly durations"
requires-python = ">=3.9"
license = "MIT"

[project.optional-dependencies]
test = ["pytest>=8"]

[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"
"""


def _write_compactions(store: FsStore, main: _Session) -> None:
    s = _Session.compact(store, "compacted_1", main, SUMMARY_1, keep_last=2)

    # 11
    s.invoke(after=(140, 220))
    s.user(_text("Let's cut a release: bump the version to 0.4.0 and date the changelog."))
    c = s.call("read_file", _args(path="pyproject.toml"))
    s.result(c, "pyproject.toml (13 lines)", _numbered(PYPROJECT))
    c = s.call(
        "edit_file",
        _args(
            path="pyproject.toml", old_string='version = "0.3.1"', new_string='version = "0.4.0"'
        ),
    )
    s.result(c, "edited pyproject.toml (1 replacement)", "@@ -3 +3 @@")
    c = s.call(
        "edit_file",
        _args(
            path="src/durations/__init__.py",
            old_string='__version__ = "0.3.1"',
            new_string='__version__ = "0.4.0"',
        ),
    )
    s.result(c, "edited src/durations/__init__.py (1 replacement)", "@@ -7 +7 @@")
    c = s.call(
        "edit_file",
        _args(path="CHANGELOG.md", old_string="## Unreleased", new_string="## 0.4.0 — 2024-10-08"),
    )
    s.result(c, "edited CHANGELOG.md (1 replacement)", "@@ -3 +3 @@")
    c = s.call("run_command", _args(command="git diff --stat"))
    s.result(
        c,
        "exit code 0",
        " CHANGELOG.md              |  9 +++++++\n README.md                 | 11 ++++++++\n"
        " pyproject.toml            |  2 +-\n src/durations/__init__.py |  5 ++--\n"
        " src/durations/iso.py      | 24 ++++++++++++++++++\n"
        " src/durations/parse.py    | 15 ++++++++----\n tests/test_iso.py         | 22 +++++++++++++++++\n"
        " tests/test_parse.py       | 11 +++++++--\n 8 files changed, 88 insertions(+), 11 deletions(-)",
    )
    s.say(
        "Version bumped to **0.4.0** in `pyproject.toml` and `__init__.py`, and the "
        "changelog's *Unreleased* heading is now `## 0.4.0 — 2024-10-08`. Together with "
        "today's fixes the working tree has 8 changed files (+88 −11). Nothing is committed yet."
    )
    s.end_turn()

    # 12
    s.invoke(after=(60, 120))
    s.user(_text("Commit it, tag v0.4.0 and build the wheel. Don't push."))
    c = s.call(
        "run_command",
        _args(
            command="git commit -am 'Release 0.4.0: fix ms parsing, ISO 8601 durations' && git tag v0.4.0"
        ),
    )
    s.result(
        c,
        "exit code 0",
        "[fix-ms-parsing 5d41c7e] Release 0.4.0: fix ms parsing, ISO 8601 durations\n"
        " 8 files changed, 88 insertions(+), 11 deletions(-)\n create mode 100644 src/durations/iso.py\n"
        " create mode 100644 tests/test_iso.py",
    )
    c = s.call("run_command", _args(command="python -m build"))
    s.result(
        c,
        "exit code 0",
        "* Creating isolated environment: venv+pip...\n* Installing packages in isolated environment:\n"
        "  - hatchling\n* Getting build dependencies for sdist...\n* Building sdist...\n"
        "* Building wheel from sdist\n* Creating isolated environment: venv+pip...\n"
        "* Getting build dependencies for wheel...\n* Building wheel...\n"
        "Successfully built durations-0.4.0.tar.gz and durations-0.4.0-py3-none-any.whl",
        took=(6.0, 9.0),
    )
    s.say(
        "Committed as `5d41c7e` on `fix-ms-parsing`, tagged `v0.4.0`, and built:\n\n"
        "```console\ndist/durations-0.4.0.tar.gz\ndist/durations-0.4.0-py3-none-any.whl\n```\n\n"
        "Nothing was pushed."
    )
    s.end_turn()

    # 13
    s.invoke(after=(420, 480))
    s.user(
        _text("The release script just failed: the tag must be annotated, it reads its message.")
    )
    c = s.call(
        "run_command",
        _args(
            command="git tag -d v0.4.0 && git tag -a v0.4.0 -m 'durations 0.4.0' && git cat-file -t v0.4.0"
        ),
    )
    s.result(c, "exit code 0", "Deleted tag 'v0.4.0' (was 5d41c7e)\ntag")
    s.say(
        "Recreated `v0.4.0` as an annotated tag with the message *durations 0.4.0* "
        "(`git cat-file -t v0.4.0` now says `tag`, not `commit`). Still nothing pushed."
    )
    s.end_turn()

    s2 = _Session.compact(store, "compacted_2", s, SUMMARY_2, keep_last=2)

    # 14
    s2.invoke(after=(180, 260))
    s2.user(_text("Draft a short announcement for the #eng channel."))
    s2.say(
        "**durations 0.4.0 is out** 🎉\n\n"
        "- `250ms` is 0.25 s again (it was read as 250 minutes since 0.3.1 — please upgrade).\n"
        "- Invalid durations now raise `ValueError` instead of quietly returning `0.0`.\n"
        "- Units are case-insensitive, and ISO 8601 durations such as `PT1H30M` are "
        "accepted everywhere.\n\n"
        "`pip install -U durations` — changelog in the repo."
    )
    s2.end_turn()

    # 15
    s2.invoke(after=(60, 120))
    s2.user(_text("Shorter: two sentences, and lead with the ISO support."))
    s2.say(
        "durations 0.4.0 understands ISO 8601 durations like `PT1H30M`, accepts units in any "
        "case and rejects invalid input with a `ValueError`. It also fixes `ms` being read as "
        "minutes since 0.3.1, so please `pip install -U durations`."
    )
    s2.end_turn()


# --- system_items: a release pod coordinating sub-pods ----------------------------------------

RELEASE_PROMPT = """\
You are `release`, a pod that publishes releases of the durations library \
(/home/dev/durations). You coordinate sub-pods: start them with spawn_pod, talk to them \
with send_to_pod, and stop them with stop_pod. Pod events and notifications arrive as \
system messages. Ask the user before anything irreversible (pushing tags, uploading to PyPI)."""

RELEASE_CONFIG = RequestConfig(max_tokens=4096, temperature=0.2, stop_sequences=[], reasoning="low")

RELEASE_CHECKLIST = """\
[Knowledge: release-checklist]
1. CHANGELOG has a dated section for the version.
2. Docs build without warnings; no broken links.
3. Test matrix green on every supported Python (3.9-3.13).
4. Tag is annotated and signed off by a human before it is pushed.
5. Upload to PyPI with twine; verify the project page afterwards."""

CHANGELOG_040 = """\
# Changelog

## 0.4.0 — 2024-10-08

- Fix: `ms` was parsed as minutes (`250ms` gave 15000 s). Regression from #41.
- Invalid input now raises `ValueError` instead of returning `0.0`.
- Units are case-insensitive (`2H`).
- New: ISO 8601 durations via `parse_iso8601()` and in `parse_duration()`.
"""

PUBLISH_WORKFLOW = """\
[Workflow: publish-release]
Publish the release that is tagged locally:
1. Push the tag: `git push origin <tag>`.
2. Ask the user to confirm the upload, then `twine upload dist/*`.
3. Stop every sub-pod you started and report the PyPI URL."""


def _write_system_items(store: FsStore) -> None:
    s = _Session.start(store, "system_items", system_prompt=RELEASE_PROMPT, config=RELEASE_CONFIG)
    repo = "/home/dev/durations"
    s.pod_scope(
        PodScopeSnapshot(
            allow=[
                ScopeRule(target=repo, permission="write"),
                ScopeRule(target="/home/dev/.cache/pip", permission="read"),
            ],
            deny=[ScopeRule(target=f"{repo}/.git/hooks", permission="write")],
        )
    )

    # 1: the user starts the release; a file and a knowledge entry are attached
    s.invoke(after=(1, 3))
    s.user(
        _text("Publish durations 0.4.0. Follow "),
        KnowledgeRefSegment(slug="release-checklist"),
        _text("; the notes are in "),
        FileRefSegment(path="CHANGELOG.md"),
        _text("."),
    )
    s.system(
        SystemFileAttachment(path="CHANGELOG.md", body=_file_body("CHANGELOG.md", CHANGELOG_040))
    )
    s.system(SystemKnowledge(slug="release-checklist", body=RELEASE_CHECKLIST))
    s.think(
        "Checklist items 2 and 3 can run in parallel in two sub-pods: docs and the test "
        "matrix. The changelog already has a dated 0.4.0 section.",
        ["Run docs and tests in parallel sub-pods"],
    )
    c = s.call(
        "spawn_pod",
        _args(
            name="docs",
            task="Build the docs for 0.4.0 with warnings as errors and check every link.",
            scope=[{"target": f"{repo}/docs", "permission": "write"}],
        ),
    )
    s.result(c, "pod `docs` started", "socket: /run/user/1000/yoi/pods/docs.sock", took=(0.8, 1.5))
    c = s.call(
        "spawn_pod",
        _args(
            name="test-matrix",
            task="Run tox for every Python in tox.ini and report failures.",
            scope=[{"target": repo, "permission": "read"}],
        ),
    )
    s.result(
        c,
        "pod `test-matrix` started",
        "socket: /run/user/1000/yoi/pods/test-matrix.sock",
        took=(0.8, 1.5),
    )
    s.say(
        "The changelog has a dated 0.4.0 section (checklist item 1 ✓). I started two pods:\n\n"
        "- **docs** — builds the docs with warnings as errors and checks links (item 2)\n"
        "- **test-matrix** — runs tox on every supported Python (item 3)\n\n"
        "I'll report back when they finish."
    )
    s.end_turn("yielded")

    # 2: the docs pod delegates part of its scope to its own sub-pod
    s.invoke("pod_event", after=(8, 15))
    s.system(
        SystemPodEvent(
            event=PodScopeSubDelegated(
                parent_pod="docs",
                sub_pod="docs.linkcheck",
                sub_socket="/run/user/1000/yoi/pods/docs.linkcheck.sock",
                scope=[
                    ScopeRule(target=f"{repo}/docs/_build", permission="read"),
                    ScopeRule(target=f"{repo}/docs/links.txt", permission="write", recursive=False),
                ],
            ),
            body="[Pod event] `docs` delegated part of its scope to `docs.linkcheck`: "
            "read docs/_build (recursive), write docs/links.txt",
        )
    )
    s.say("`docs` started a link checker with read access to the built site only. Fine.")
    s.end_turn("yielded")

    # 3: the test matrix fails on a stale environment
    s.invoke("pod_event", after=(60, 90))
    s.system(
        SystemPodEvent(
            event=PodErrored(
                pod_name="test-matrix",
                message="tox env py38 failed: Package 'durations' requires a different Python: "
                "3.8.18 not in '>=3.9'",
            ),
            body="[Pod event] `test-matrix` errored: tox env py38 failed: Package 'durations' "
            "requires a different Python: 3.8.18 not in '>=3.9'",
        )
    )
    s.think(
        "Python 3.8 was dropped in 0.3.0 but tox.ini still lists py38. Remove it and rerun.",
        ["tox.ini still lists py38"],
    )
    c = s.call(
        "edit_file",
        _args(path="tox.ini", old_string="envlist = py38, py39", new_string="envlist = py39"),
    )
    s.result(c, "edited tox.ini (1 replacement)", "@@ -2 +2 @@")
    c = s.call(
        "send_to_pod",
        _args(
            pod="test-matrix",
            message="py38 is no longer supported (dropped in 0.3.0); I removed it from tox.ini. Please rerun.",
        ),
    )
    s.result(c, "message delivered to `test-matrix`")
    s.say(
        "The matrix failed only because `tox.ini` still listed **py38**, which 0.3.0 dropped. "
        "I removed it and asked `test-matrix` to rerun."
    )
    s.end_turn("yielded")

    # 4, 5: both pods finish a turn
    s.invoke("pod_event", after=(40, 70))
    s.system(
        SystemPodEvent(
            event=PodTurnEnded(pod_name="docs"),
            body="[Pod event] `docs` finished a turn: docs built with no warnings (23 pages); "
            "linkcheck found 0 broken links.",
        )
    )
    s.say("Docs are clean: 23 pages, no warnings, no broken links (checklist item 2 ✓).")
    s.end_turn("yielded")

    s.invoke("pod_event", after=(90, 140))
    s.system(
        SystemPodEvent(
            event=PodTurnEnded(pod_name="test-matrix"),
            body="[Pod event] `test-matrix` finished a turn: py39, py310, py311, py312, py313 "
            "passed (27 tests each).",
        )
    )
    s.say("Test matrix green on Python 3.9–3.13 (checklist item 3 ✓).")
    s.end_turn("yielded")

    # 6: a reminder from the runtime
    s.invoke("system_reminder", after=(600, 660))
    s.system(
        SystemNotification(
            message="release is waiting for the user",
            body="<system-reminder>\nThe user has not answered for 10 minutes. Items 4 and 5 "
            "of the checklist need their confirmation.\n</system-reminder>",
        )
    )
    s.say(
        "Everything up to the tag is done. Waiting for your go-ahead to push `v0.4.0` and "
        "upload to PyPI — run `/publish-release` when you're ready."
    )
    s.end_turn("yielded")

    # 7: CI notification
    s.invoke("notify", after=(120, 200))
    s.system(
        SystemNotification(
            message="CI: workflow `release-check` on main #1893 passed",
            body="[Notification]\nCI: workflow `release-check` on main #1893 passed in 3m12s",
        )
    )
    s.say("CI agrees: `release-check` #1893 passed on main.")
    s.end_turn("yielded")

    # 8: the user invokes the publish workflow; the pod pauses for confirmation
    s.invoke(after=(240, 320))
    s.user(WorkflowInvokeSegment(slug="publish-release"))
    s.system(SystemWorkflow(slug="publish-release", body=PUBLISH_WORKFLOW))
    c = s.call("run_command", _args(command="git push origin v0.4.0"))
    s.result(
        c,
        "exit code 0",
        "To github.com:dev/durations.git\n * [new tag]         v0.4.0 -> v0.4.0",
        took=(1.5, 2.5),
    )
    s.say(
        "Tag `v0.4.0` is pushed. Next is the PyPI upload of\n\n```console\n"
        "dist/durations-0.4.0.tar.gz\ndist/durations-0.4.0-py3-none-any.whl\n```\n\n"
        "This can't be undone. **Upload now?**"
    )
    s.end_turn("paused")

    # 9: confirmed, but the provider fails mid-run
    s.invoke(after=(30, 60))
    s.user(_text("Yes, upload."))
    c = s.call("run_command", _args(command="twine upload dist/*"))
    s.result(
        c,
        "exit code 0",
        "Uploading distributions to https://upload.pypi.org/legacy/\n"
        "Uploading durations-0.4.0-py3-none-any.whl\n"
        "100% ━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━ 9.1/9.1 kB • 00:00 • ?\n"
        "Uploading durations-0.4.0.tar.gz\n"
        "100% ━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━ 8.4/8.4 kB • 00:00 • ?\n\n"
        "View at:\nhttps://pypi.org/project/durations/0.4.0/",
        took=(4.0, 6.0),
    )
    s.wait(20, 30)
    s.errored("provider error: 529 overloaded (Anthropic API), retries exhausted")

    # 10: the runtime wakes the pod up again
    s.invoke("wakeup", after=(60, 70))
    s.system(
        SystemNotification(
            message="resuming after a provider error",
            body="[Notification]\nThe previous run stopped after a provider error. The upload "
            "had already finished; continue with step 3 of the workflow.",
        )
    )
    c = s.call("stop_pod", _args(name="docs"))
    s.result(c, "stop requested for `docs`")
    c = s.call("stop_pod", _args(name="test-matrix"))
    s.result(c, "stop requested for `test-matrix`")
    s.say(
        "**durations 0.4.0 is on PyPI**: https://pypi.org/project/durations/0.4.0/ — the "
        "upload had completed before the provider error. Both sub-pods are shutting down."
    )
    s.end_turn()

    # 11: the sub-pods shut down
    s.invoke("pod_event", after=(3, 6))
    s.system(
        SystemPodEvent(event=PodShutDown(pod_name="docs"), body="[Pod event] `docs` shut down")
    )
    s.system(
        SystemPodEvent(
            event=PodShutDown(pod_name="test-matrix"), body="[Pod event] `test-matrix` shut down"
        )
    )
    s.say("Both sub-pods have shut down. The release is complete; every checklist item is ✓.")
    s.end_turn()
    s.extension(
        "memory.extract",
        {
            "processed_through_entry": s.entry_count(),
            "facts": [
                "durations drops a Python version only in a minor release",
                "release tags must be annotated",
            ],
        },
    )


# --- input_segments: every kind of typed user input -------------------------------------------

TALLY_PROMPT = """\
You are Yoi, a coding agent in /home/dev/tally, a Rust command-line tool that reports the \
hours logged in CSV timesheets. Use the tools to read, search, edit and test; answer in \
Markdown."""

TALLY_CONFIG = RequestConfig(max_tokens=8192, stop_sequences=[], reasoning="medium")

TIMESHEET = """\
\ufeffdate,project,hours,note
2024-10-01,tally,3.5,csv parser
2024-10-01,infra,1.0,
2024-10-02,tally,4.25,"report --since"
2024-10-03,tally,2.0,review"""

PARSE_RS = """\
use std::io::BufRead;

use crate::error::TallyError;
use crate::model::Entry;

pub fn parse_csv(reader: impl BufRead) -> Result<Vec<Entry>, TallyError> {
    let mut lines = reader.lines();
    let header = lines.next().ok_or(TallyError::Empty)??;
    let columns = Columns::from_header(&header)?;
    lines
        .enumerate()
        .map(|(n, line)| columns.entry(&line?, n + 2))
        .collect()
}
"""

ERROR_HANDLING = """\
[Knowledge: rust-error-handling]
- Libraries return their own error enum (thiserror); binaries may use anyhow.
- Every variant names what failed and where (file, line) so messages are actionable.
- Never panic on user input; `unwrap` only on invariants, with a comment."""

CHANGELOG_WORKFLOW = """\
[Workflow: changelog]
Add an entry to CHANGELOG.md under `## Unreleased`, in the section that fits (Added, Fixed, \
Changed), one line per user-visible change, in the imperative."""

RELEASE_WORKFLOW = """\
[Workflow: release]
1. Move `## Unreleased` to a dated version heading.
2. Bump the version in Cargo.toml and run `cargo check` to update Cargo.lock.
3. Commit as `Release vX.Y.Z` and create an annotated tag. Do not push."""

TALLY_RELEASE_CHECKLIST = """\
[Knowledge: release-checklist]
Releases of tally: `cargo test` and `cargo clippy -- -D warnings` clean; CHANGELOG dated; \
version bumped in Cargo.toml; annotated tag; the user pushes."""

RELEASE_NOTES = """\
tally 0.7.0
- reads timesheets that start with a UTF-8 BOM (Excel exports)
- `--since` accepts dates and relative durations"""


def _write_input_segments(store: FsStore) -> None:
    s = _Session.start(store, "input_segments", system_prompt=TALLY_PROMPT, config=TALLY_CONFIG)

    # 1: plain text
    s.invoke(after=(0.004, 0.02))
    s.user(
        _text("What does the `--since` flag of `tally report` accept? I can't find it in the docs.")
    )
    c = s.call("grep", _args(pattern="since", path="src"))
    s.result(
        c,
        "3 matches in 2 files",
        'src/cli.rs:41:    /// Only entries on or after this date ("2024-10-01") or duration ago ("7d")\n'
        "src/cli.rs:43:    since: Option<Since>,\nsrc/since.rs:12:impl FromStr for Since {",
    )
    s.say(
        "`--since` takes either an ISO date or a relative duration:\n\n"
        "```console\n$ tally report --since 2024-10-01\n$ tally report --since 7d\n```\n\n"
        "Relative values support `d` and `w`. It's only documented in the `--help` text "
        "(`src/cli.rs:41`), not in the README."
    )
    s.end_turn()

    # 2: text with a paste
    s.invoke(after=(60, 120))
    s.user(
        _text("It fails on this file from Excel:\n"),
        PasteSegment(
            id=1, chars=len(TIMESHEET), lines=TIMESHEET.count("\n") + 1, content=TIMESHEET
        ),
        _text("\nerror: missing column `date`"),
    )
    s.think(
        "The pasted file starts with U+FEFF. The header's first column is then '\\u{feff}date', "
        "not 'date'.",
        ["The file starts with a byte-order mark"],
    )
    s.say(
        "The file starts with a **UTF-8 byte-order mark** (`U+FEFF`), which Excel adds to CSV "
        "exports. The header's first column is therefore `\\u{feff}date`, so the lookup for "
        "`date` fails. The parser should strip a leading BOM from the header line."
    )
    s.end_turn()

    # 3: a file reference
    s.invoke(after=(45, 90))
    s.user(_text("Here's the parser, make it skip the BOM: "), FileRefSegment(path="src/parse.rs"))
    s.system(SystemFileAttachment(path="src/parse.rs", body=_file_body("src/parse.rs", PARSE_RS)))
    c = s.call(
        "edit_file",
        _args(
            path="src/parse.rs",
            old_string="    let columns = Columns::from_header(&header)?;",
            new_string="    let header = header.strip_prefix('\\u{feff}').unwrap_or(&header);\n"
            "    let columns = Columns::from_header(header)?;",
        ),
    )
    s.result(c, "edited src/parse.rs (1 replacement)", "@@ -9 +9,2 @@")
    c = s.call("run_command", _args(command="cargo test --quiet"))
    s.result(
        c,
        "exit code 0",
        "running 18 tests\n..................\n"
        "test result: ok. 18 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; "
        "finished in 0.01s",
        took=(6.0, 11.0),
    )
    s.say(
        "Done:\n\n```rust\nlet header = header.strip_prefix('\\u{feff}').unwrap_or(&header);\n"
        "let columns = Columns::from_header(header)?;\n```\n\nAll 18 tests pass."
    )
    s.end_turn()

    # 4: a knowledge reference
    s.invoke(after=(60, 120))
    s.user(
        _text("Does our new error for this follow "),
        KnowledgeRefSegment(slug="rust-error-handling"),
        _text("?"),
    )
    s.system(SystemKnowledge(slug="rust-error-handling", body=ERROR_HANDLING))
    s.say(
        "Mostly. `TallyError` is a `thiserror` enum and the BOM case needs no new variant. "
        "But `TallyError::MissingColumn` only names the column — per the guideline it should "
        'also say which file:\n\n```rust\n#[error("{path}: missing column `{column}`")]\n'
        "MissingColumn { path: PathBuf, column: &'static str },\n```"
    )
    s.end_turn()

    # 5: a workflow invocation
    s.invoke(after=(40, 80))
    s.user(WorkflowInvokeSegment(slug="changelog"))
    s.system(SystemWorkflow(slug="changelog", body=CHANGELOG_WORKFLOW))
    c = s.call(
        "edit_file",
        _args(
            path="CHANGELOG.md",
            old_string="## Unreleased\n",
            new_string="## Unreleased\n\n### Fixed\n\n- Read timesheets that start with a UTF-8 "
            "byte-order mark (Excel exports).\n",
        ),
    )
    s.result(c, "edited CHANGELOG.md (1 replacement)", "@@ -3,0 +4,4 @@")
    s.say(
        "Added under *Unreleased → Fixed*: “Read timesheets that start with a UTF-8 byte-order mark (Excel exports).”"
    )
    s.end_turn()

    # 6: everything in one message
    s.invoke(after=(90, 150))
    s.user(
        _text("Ship it: "),
        WorkflowInvokeSegment(slug="release"),
        _text(" following "),
        KnowledgeRefSegment(slug="release-checklist"),
        _text(", with the notes from "),
        FileRefSegment(path="CHANGELOG.md"),
        _text(" and this summary:\n"),
        PasteSegment(
            id=2,
            chars=len(RELEASE_NOTES),
            lines=RELEASE_NOTES.count("\n") + 1,
            content=RELEASE_NOTES,
        ),
    )
    s.system(
        SystemFileAttachment(
            path="CHANGELOG.md",
            body=_file_body(
                "CHANGELOG.md",
                "# Changelog\n\n## Unreleased\n\n### Fixed\n\n- Read timesheets that start with "
                "a UTF-8 byte-order mark (Excel exports).\n",
            ),
        )
    )
    s.system(SystemKnowledge(slug="release-checklist", body=TALLY_RELEASE_CHECKLIST))
    s.system(SystemWorkflow(slug="release", body=RELEASE_WORKFLOW))
    c = s.call(
        "run_command",
        _args(command="cargo clippy --quiet -- -D warnings && cargo test --quiet"),
    )
    s.result(
        c,
        "exit code 0",
        "running 18 tests\n..................\ntest result: ok. 18 passed; 0 failed; 0 ignored; "
        "0 measured; 0 filtered out; finished in 0.01s",
        took=(12.0, 20.0),
    )
    c = s.call(
        "run_command",
        _args(
            command='sed -i \'s/^version = "0.6.2"/version = "0.7.0"/\' Cargo.toml && cargo check --quiet '
            "&& git commit -qam 'Release v0.7.0' && git tag -a v0.7.0 -m 'tally 0.7.0' && git log --oneline -1"
        ),
    )
    s.result(
        c, "exit code 0", "a3f09e2 (HEAD -> main, tag: v0.7.0) Release v0.7.0", took=(3.0, 6.0)
    )
    s.say(
        "Released **v0.7.0** locally:\n\n- clippy and tests clean\n- CHANGELOG section dated, "
        "version bumped in `Cargo.toml` (and `Cargo.lock`)\n- committed `a3f09e2` with the "
        "annotated tag `v0.7.0`\n\nPush when you're ready: `git push --follow-tags`."
    )
    s.end_turn()


# --- legacy: the plural entry kinds of older runtimes -----------------------------------------

LEGACY_PROMPT = "You are a helpful coding agent working in /home/dev/site."

MAKEFILE = """\
.PHONY: build deploy clean

build:
\tnpm run build

deploy: build
\trsync -az --delete dist/ web@example.org:/srv/www/

clean:
\trm -rf dist"""


def _write_legacy(store: FsStore) -> None:
    """Written the way runtimes before the per-item entries did: items grouped per step."""
    name = "legacy"
    segment_id = DEMO_SEGMENTS[name]
    rng = _rng(name)
    now = segment_created_ms(segment_id)
    config = RequestConfig(max_tokens=4096, stop_sequences=[])
    create_segment_with_id(
        store, segment_id, RestoredState(system_prompt=LEGACY_PROMPT, config=config), ts=now
    )

    def at(low: float, high: float) -> int:
        nonlocal now
        now += int(rng.uniform(low, high) * 1000)
        return now

    def add(entry: AssistantItems | ToolResults | SystemItems | HookInjectedItems) -> None:
        append_entry(store, segment_id, entry)

    # 1
    save_user_input(
        store,
        segment_id,
        [_text("Why does `make deploy` rebuild everything every time?")],
        ts=at(0.01, 0.02),
    )
    add(
        AssistantItems(
            ts=at(3, 5),
            items=[
                ReasoningItem(
                    text="Look at the Makefile targets first.", summary=["Read the Makefile"]
                ),
                ToolCallItem(call_id="call_a1", name="read_file", arguments=_args(path="Makefile")),
            ],
        )
    )
    add(
        ToolResults(
            ts=at(0.05, 0.2),
            items=[
                ToolResultItem(call_id="call_a1", summary="Makefile (10 lines)", content=MAKEFILE)
            ],
        )
    )
    add(
        AssistantItems(
            ts=at(6, 9),
            items=[
                _message(
                    "assistant",
                    "`build` is declared `.PHONY`, so make never considers it up to date, and "
                    "`deploy` depends on it. Make `deploy` depend on a real file instead — "
                    "`dist/index.html`, built from the sources:\n\n```make\n"
                    "dist/index.html: $(shell find src -type f)\n\tnpm run build\n\n"
                    "deploy: dist/index.html\n```",
                )
            ],
        )
    )
    save_turn_end(store, segment_id, 1, ts=at(0.02, 0.05))
    save_run_completed(store, segment_id, "finished", False, ts=at(0.002, 0.008))

    # 2: two tool calls in one step, a hook injects a message
    save_user_input(
        store,
        segment_id,
        [_text("Do it, and check that a second deploy skips the build.")],
        ts=at(60, 90),
    )
    add(
        AssistantItems(
            ts=at(4, 7),
            items=[
                ToolCallItem(
                    call_id="call_b1",
                    name="edit_file",
                    arguments=_args(
                        path="Makefile",
                        old_string="deploy: build\n",
                        new_string="dist/index.html: $(shell find src -type f)\n\tnpm run build\n\n"
                        "deploy: dist/index.html\n",
                    ),
                ),
                ToolCallItem(
                    call_id="call_b2", name="run_command", arguments=_args(command="make -n deploy")
                ),
            ],
        )
    )
    add(
        ToolResults(
            ts=at(0.3, 0.8),
            items=[
                ToolResultItem(call_id="call_b1", summary="edited Makefile (1 replacement)"),
                ToolResultItem(
                    call_id="call_b2",
                    summary="exit code 0",
                    content="rsync -az --delete dist/ web@example.org:/srv/www/",
                ),
            ],
        )
    )
    add(
        HookInjectedItems(
            ts=at(0.05, 0.1),
            items=[_message("system", "[Hook post_edit] Makefile: `make -n` parses cleanly.")],
        )
    )
    add(
        AssistantItems(
            ts=at(4, 6),
            items=[
                _message(
                    "assistant",
                    "Done. `make -n deploy` now only prints the `rsync` line: with `dist/` up "
                    "to date the build is skipped.",
                )
            ],
        )
    )
    save_turn_end(store, segment_id, 2, ts=at(0.02, 0.05))
    save_run_completed(store, segment_id, "finished", False, ts=at(0.002, 0.008))

    # 3: notifications arrive as a batch of system items
    add(
        SystemItems(
            ts=at(300, 400),
            items=[
                SystemNotification(
                    message="deploy #212 succeeded",
                    body="[Notification]\nbuild server: deploy #212 succeeded in 14s",
                ),
                SystemFileAttachment(
                    path="deploy.log",
                    body="[File: deploy.log]\nsent 18,204 bytes  received 412 bytes  total size 1,204,551",
                ),
            ],
        )
    )
    add(
        AssistantItems(
            ts=at(3, 5),
            items=[
                _message(
                    "assistant",
                    "Deploy #212 went through in 14 s and only sent 18 kB — the unchanged build was reused.",
                )
            ],
        )
    )
    save_turn_end(store, segment_id, 3, ts=at(0.02, 0.05))
    save_run_completed(store, segment_id, "finished", False, ts=at(0.002, 0.008))


# --- long: a 200-turn working day on a static site generator ----------------------------------

QUILL_PROMPT = """\
You are Yoi, a coding agent pairing with the user on quill, a small static site generator \
written in Python (/home/dev/quill). Tools: read_file, grep, edit_file, write_file, \
run_tests, run_command. Keep changes small, run the tests after every change, and answer \
in Markdown."""

QUILL_CONFIG = RequestConfig(
    max_tokens=8192, temperature=0.3, stop_sequences=[], reasoning="medium"
)

QUILL_MODULES: dict[str, tuple[str, dict[str, str]]] = {
    "quill/render.py": (
        "Turn parsed pages into HTML files.",
        {
            "render_page": "renders one page through its layout and returns the HTML",
            "render_index": "renders the front page with the newest posts",
            "apply_layout": "wraps page HTML in the layout named by its front matter",
            "inject_toc": "adds a table of contents built from the page's headings",
        },
    ),
    "quill/markdown.py": (
        "Markdown to HTML, with fenced code blocks and heading anchors.",
        {
            "to_html": "converts a Markdown document to an HTML fragment",
            "_fence_blocks": "extracts fenced code blocks before the inline pass",
            "heading_anchor": "computes the id attribute of a heading",
            "_smart_quotes": "replaces straight quotes with typographic ones outside code",
        },
    ),
    "quill/config.py": (
        "Load quill.toml and fill in defaults.",
        {
            "load_config": "reads quill.toml and returns a Config",
            "resolve_paths": "turns the configured directories into absolute paths",
            "_merge_defaults": "fills in every setting the file leaves out",
        },
    ),
    "quill/feed.py": (
        "The Atom feed and the sitemap.",
        {
            "build_feed": "writes feed.xml with the newest posts",
            "absolute_url": "turns a link found in a page into an absolute URL",
            "_entry_xml": "renders one <entry> of the feed",
        },
    ),
    "quill/slugs.py": (
        "URL slugs for titles and headings.",
        {
            "slugify": "turns a title into a lower-case, hyphenated URL slug",
            "unique_slug": "appends -2, -3, ... until a slug is unused",
        },
    ),
    "quill/server.py": (
        "The development server with live reload.",
        {
            "serve": "serves the output directory and rebuilds on changes",
            "_watch_changes": "watches the content directory and triggers reloads",
        },
    ),
    "quill/cli.py": (
        "The `quill` command line.",
        {
            "main": "parses the command line and dispatches to a subcommand",
            "cmd_build": "builds the whole site into the output directory",
            "cmd_new": "creates a new post from the template",
            "cmd_serve": "starts the development server",
        },
    ),
    "quill/assets.py": (
        "Static assets: copying and fingerprinting.",
        {
            "copy_assets": "copies static files into the output directory",
            "fingerprint": "adds a content hash to an asset's file name",
        },
    ),
}

# (module, function, the user's report, the cause, the line before, the line after, test)
QUILL_BUGS: tuple[tuple[str, str, str, str, str, str, str], ...] = (
    (
        "quill/render.py",
        "render_page",
        "`quill build` crashes with `KeyError: 'title'` on posts without front matter.",
        '`render_page` indexes `meta["title"]` directly, and a post without front matter has an empty `meta`.',
        'title = meta["title"]',
        'title = meta.get("title") or path.stem.replace("-", " ").title()',
        "test_render_page_without_front_matter",
    ),
    (
        "quill/feed.py",
        "absolute_url",
        "The feed has relative image links, so feed readers show broken images.",
        "`absolute_url` concatenates strings, so `img/a.png` on a page under `/posts/` stays relative.",
        "return base_url + href",
        "return urljoin(urljoin(base_url, page_url), href)",
        "test_feed_links_are_absolute",
    ),
    (
        "quill/slugs.py",
        "slugify",
        "The slug for 'Café ☕ au lait' comes out as `caf-au-lait`.",
        "`slugify` drops non-ASCII characters before normalising them, so `é` vanishes instead of becoming `e`.",
        'text = re.sub(r"[^a-z0-9]+", "-", text.lower())',
        'text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()\n'
        '    text = re.sub(r"[^a-z0-9]+", "-", text.lower())',
        "test_slugify_accents",
    ),
    (
        "quill/server.py",
        "_watch_changes",
        "The dev server reloads twice for every save.",
        "`_watch_changes` reacts to both the *modified* and the *closed* event of one save.",
        'if event.kind in ("modified", "closed"):',
        'if event.kind == "closed" and event.time - last_reload > 0.1:',
        "test_single_reload_per_save",
    ),
    (
        "quill/markdown.py",
        "_fence_blocks",
        "Code blocks lose their last line when a post has no trailing newline.",
        '`_fence_blocks` splits on `"\\n"` and drops the final chunk, assuming it is empty.',
        'lines = text.split("\\n")[:-1]',
        "lines = text.splitlines()",
        "test_fence_without_trailing_newline",
    ),
    (
        "quill/cli.py",
        "cmd_new",
        "`quill new` silently overwrites an existing post.",
        '`cmd_new` opens the file with mode `"w"`.',
        'with open(path, "w", encoding="utf-8") as f:',
        'with open(path, "x", encoding="utf-8") as f:  # FileExistsError is reported by main()',
        "test_new_refuses_to_overwrite",
    ),
    (
        "quill/assets.py",
        "fingerprint",
        "Asset fingerprints change on every build, so browsers never cache them.",
        "`fingerprint` hashes the modification time, which every build refreshes.",
        "digest = hashlib.md5(str(path.stat().st_mtime).encode()).hexdigest()[:8]",
        "digest = hashlib.blake2b(path.read_bytes(), digest_size=4).hexdigest()",
        "test_fingerprint_is_stable",
    ),
    (
        "quill/render.py",
        "inject_toc",
        "The table of contents skips `####` headings.",
        "`inject_toc` only collects levels 2 and 3.",
        "if heading.level in (2, 3):",
        "if 2 <= heading.level <= config.toc_depth:",
        "test_toc_depth",
    ),
    (
        "quill/config.py",
        "load_config",
        "`base_url` is ignored when it is set in the `[site]` table of quill.toml.",
        "`load_config` reads `base_url` from the top level only.",
        'base_url = raw.get("base_url", "/")',
        'base_url = raw.get("site", {}).get("base_url", raw.get("base_url", "/"))',
        "test_base_url_in_site_table",
    ),
    (
        "quill/feed.py",
        "build_feed",
        "Drafts show up in the feed.",
        "`build_feed` takes every page, including the ones with `draft: true`.",
        "pages = sorted(site.pages, key=lambda p: p.date, reverse=True)",
        "pages = sorted((p for p in site.pages if not p.draft), key=lambda p: p.date, reverse=True)",
        "test_feed_skips_drafts",
    ),
    (
        "quill/markdown.py",
        "heading_anchor",
        "Two headings with the same text get the same anchor, so the second link jumps to the first.",
        "`heading_anchor` does not remember the anchors it already produced on the page.",
        "return slugify(text)",
        "return unique_slug(slugify(text), seen)",
        "test_duplicate_headings",
    ),
    (
        "quill/config.py",
        "resolve_paths",
        "A relative `output_dir` lands in whatever directory I run quill from.",
        "`resolve_paths` resolves against the current directory instead of the project root.",
        'output = Path(raw["output_dir"]).resolve()',
        'output = (root / raw["output_dir"]).resolve()',
        "test_output_dir_relative_to_project",
    ),
)

# (the user's request, module, function, the code added)
QUILL_FEATURES: tuple[tuple[str, str, str, str], ...] = (
    (
        "Add a `--drafts` flag to `quill build` that includes draft posts.",
        "quill/cli.py",
        "cmd_build",
        'build.add_argument("--drafts", action="store_true", help="include draft posts")',
    ),
    (
        "Show an estimated reading time on each post.",
        "quill/render.py",
        "render_page",
        'context["reading_minutes"] = max(1, round(len(page.text.split()) / 230))',
    ),
    (
        "Write a sitemap.xml next to the feed.",
        "quill/feed.py",
        "build_feed",
        'write_sitemap(site, config.output_dir / "sitemap.xml")',
    ),
    (
        "Add `--port` to `quill serve`, default 8000.",
        "quill/cli.py",
        "cmd_serve",
        'serve_cmd.add_argument("--port", type=int, default=8000)',
    ),
    (
        "Generate one page per tag that lists its posts.",
        "quill/render.py",
        "render_index",
        'for tag, pages in site.pages_by_tag().items():\n        write_page(output / "tags" / tag / "index.html", render_tag(tag, pages))',
    ),
    (
        "Minify the HTML output behind a `--minify` flag.",
        "quill/render.py",
        "apply_layout",
        "if config.minify:\n        html = minify_html(html)",
    ),
    (
        "Let layouts include partials: `{% include 'nav.html' %}`.",
        "quill/render.py",
        "apply_layout",
        "env = Environment(loader=FileSystemLoader(config.layouts_dir), autoescape=True)",
    ),
    (
        "Copy `static/` files only when they changed since the last build.",
        "quill/assets.py",
        "copy_assets",
        "if target.exists() and target.stat().st_mtime_ns >= source.stat().st_mtime_ns:\n            continue",
    ),
)

QUILL_QUESTIONS: tuple[tuple[str, str], ...] = (
    (
        "Should we move from `os.path` to `pathlib` everywhere?",
        "Yes, gradually. Most of quill already passes `Path` objects around; the remaining "
        "`os.path.join` calls are in `assets.py` and `server.py`.\n\n- **Pros**: one type for "
        "paths, `/` joins, `read_text()` / `write_text()` with explicit encodings.\n- **Cons**: "
        "none worth mentioning for a tool that needs Python 3.10+.\n\nI'd convert a module when "
        "we touch it anyway, not in one big commit.",
    ),
    (
        "What cache headers should the fingerprinted assets get?",
        "Fingerprinted files never change under the same name, so they can be cached forever:\n\n"
        "```text\nCache-Control: public, max-age=31536000, immutable\n```\n\nThe HTML pages that "
        "reference them must *not* be cached that way — give them `no-cache` so browsers "
        "revalidate and pick up new fingerprints.",
    ),
    (
        "Jinja2 or `string.Template` for layouts?",
        "Jinja2. `string.Template` has no loops, conditionals or includes, and layouts need "
        "all three (navigation, tag lists, partials). Jinja2 is one dependency, is what most "
        "users of static site generators already know, and has autoescaping.",
    ),
    (
        "How should we version the quill.toml format?",
        "Add a top-level `version = 1` and treat a missing key as 1. When a setting changes "
        'meaning, bump it and migrate in `load_config`:\n\n```python\nif raw.get("version", 1) '
        "== 1:\n    raw = _migrate_v1(raw)\n```\n\nThat keeps old sites building and gives us a "
        "place to print one clear deprecation warning.",
    ),
    (
        "Is it worth adding a plugin system?",
        "Not yet. The three requests so far (sitemap, reading time, tag pages) were each ~10 "
        "lines in core. A plugin API is a promise we would have to keep; I'd wait until a "
        "request clearly doesn't belong in core.",
    ),
    (
        "Any quick win for build speed?",
        "Rendering dominates (≈70% of the time), and most pages don't change between builds. "
        "Hashing each source file and skipping pages whose source, layout and config hash are "
        "unchanged would make incremental builds near-instant. It's about 40 lines in "
        "`render.py` plus a small JSON cache file.",
    ),
)

QUILL_CODE: dict[str, tuple[str, tuple[str, ...]]] = {
    "render_page": (
        "page: Page, config: Config) -> str",
        (
            "    meta = page.meta",
            '    title = meta["title"]',
            "    html = to_html(page.text)",
            "    return apply_layout(html, page, config, title=title)",
        ),
    ),
    "render_index": (
        "site: Site, config: Config) -> str",
        (
            "    posts = [p for p in site.pages if p.is_post]",
            "    posts.sort(key=lambda p: p.date, reverse=True)",
            '    return config.layouts["index"].render(posts=posts[: config.index_size])',
        ),
    ),
    "apply_layout": (
        "html: str, page: Page, config: Config, **extra: str) -> str",
        (
            '    name = page.meta.get("layout", config.default_layout)',
            "    template = config.layouts[name]",
            "    return template.render(content=html, page=page, **extra)",
        ),
    ),
    "inject_toc": (
        "html: str, config: Config) -> str",
        (
            "    entries = []",
            "    for heading in find_headings(html):",
            "        if heading.level in (2, 3):",
            "            entries.append(heading)",
            '    return html.replace("<!-- toc -->", render_toc(entries), 1)',
        ),
    ),
    "to_html": (
        "text: str) -> str",
        (
            "    blocks = _fence_blocks(text)",
            "    html = _inline(blocks.text)",
            "    return blocks.restore(_smart_quotes(html))",
        ),
    ),
    "_fence_blocks": (
        "text: str) -> Blocks",
        (
            '    lines = text.split("\\n")[:-1]',
            "    blocks = Blocks()",
            "    for number, line in enumerate(lines, 1):",
            "        blocks.feed(number, line)",
            "    return blocks",
        ),
    ),
    "heading_anchor": (
        "text: str, seen: set[str]) -> str",
        ("    text = strip_tags(text).strip()", "    return slugify(text)"),
    ),
    "_smart_quotes": (
        "html: str) -> str",
        (
            "    parts = CODE_RE.split(html)",
            "    for i in range(0, len(parts), 2):",
            "        parts[i] = QUOTE_RE.sub(_curly, parts[i])",
            '    return "".join(parts)',
        ),
    ),
    "load_config": (
        "root: Path) -> Config",
        (
            '    raw = tomllib.loads((root / "quill.toml").read_text(encoding="utf-8"))',
            '    base_url = raw.get("base_url", "/")',
            "    paths = resolve_paths(root, _merge_defaults(raw))",
            "    return Config(root=root, base_url=base_url, **paths)",
        ),
    ),
    "resolve_paths": (
        "root: Path, raw: dict[str, Any]) -> dict[str, Path]",
        (
            '    content = (root / raw["content_dir"]).resolve()',
            '    output = Path(raw["output_dir"]).resolve()',
            '    return {"content_dir": content, "output_dir": output}',
        ),
    ),
    "_merge_defaults": (
        "raw: dict[str, Any]) -> dict[str, Any]",
        ("    merged = dict(DEFAULTS)", "    merged.update(raw)", "    return merged"),
    ),
    "build_feed": (
        "site: Site, config: Config) -> str",
        (
            "    pages = sorted(site.pages, key=lambda p: p.date, reverse=True)",
            "    entries = [_entry_xml(p, config) for p in pages[: config.feed_size]]",
            '    return FEED.format(title=escape(config.title), entries="\\n".join(entries))',
        ),
    ),
    "absolute_url": (
        "href: str, page_url: str, base_url: str) -> str",
        ('    if "://" in href:', "        return href", "    return base_url + href"),
    ),
    "_entry_xml": (
        "page: Page, config: Config) -> str",
        (
            '    url = absolute_url(page.url, "/", config.base_url)',
            "    updated = page.date.isoformat()",
            "    return ENTRY.format(title=escape(page.title), url=url, updated=updated)",
        ),
    ),
    "slugify": (
        "text: str) -> str",
        ('    text = re.sub(r"[^a-z0-9]+", "-", text.lower())', '    return text.strip("-")'),
    ),
    "unique_slug": (
        "slug: str, seen: set[str]) -> str",
        (
            "    candidate, n = slug, 1",
            "    while candidate in seen:",
            "        n += 1",
            '        candidate = f"{slug}-{n}"',
            "    seen.add(candidate)",
            "    return candidate",
        ),
    ),
    "serve": (
        "config: Config, port: int = 8000) -> None",
        (
            "    handler = partial(SimpleHTTPRequestHandler, directory=config.output_dir)",
            "    Thread(target=_watch_changes, args=(config,), daemon=True).start()",
            '    ThreadingHTTPServer(("127.0.0.1", port), handler).serve_forever()',
        ),
    ),
    "_watch_changes": (
        "config: Config) -> None",
        (
            "    last_reload = 0.0",
            "    for event in watch(config.content_dir):",
            '        if event.kind in ("modified", "closed"):',
            "            last_reload = rebuild(config)",
        ),
    ),
    "main": (
        "argv: list[str] | None = None) -> int",
        (
            "    args = build_parser().parse_args(argv)",
            "    config = load_config(Path(args.root))",
            "    return args.func(args, config)",
        ),
    ),
    "cmd_build": (
        "args: Namespace, config: Config) -> int",
        (
            "    site = Site.load(config, drafts=args.drafts)",
            "    for page in site.pages:",
            "        write_page(config.output_dir / page.url, render_page(page, config))",
            "    return 0",
        ),
    ),
    "cmd_new": (
        "args: Namespace, config: Config) -> int",
        (
            '    path = config.content_dir / "posts" / f"{slugify(args.title)}.md"',
            '    with open(path, "w", encoding="utf-8") as f:',
            "        f.write(POST_TEMPLATE.format(title=args.title, date=date.today()))",
            '    print(f"created {path}")',
            "    return 0",
        ),
    ),
    "cmd_serve": (
        "args: Namespace, config: Config) -> int",
        ("    cmd_build(args, config)", "    serve(config, port=args.port)", "    return 0"),
    ),
    "copy_assets": (
        "config: Config) -> list[Path]",
        (
            "    copied = []",
            '    for source in sorted(config.static_dir.rglob("*")):',
            "        target = config.output_dir / fingerprint(source).name",
            "        copied.append(copy_file(source, target))",
            "    return copied",
        ),
    ),
    "fingerprint": (
        "path: Path) -> Path",
        (
            "    digest = hashlib.md5(str(path.stat().st_mtime).encode()).hexdigest()[:8]",
            '    return path.with_name(f"{path.stem}.{digest}{path.suffix}")',
        ),
    ),
}
"""Each function of the simulated project: the rest of its signature, and its body."""

QUILL_BLOCK_BODIES = {
    "for tag in page.tags:": "        links.append(tag_link(tag))",
    "for name in names:": "        copy_file(name)",
}


QUILL_GENERIC_BUGS: tuple[tuple[str, str, str, str, str], ...] = (
    (
        "`{func}` crashes with `TypeError: 'NoneType' object is not iterable` on a post without tags.",
        "`{func}` iterates over `page.tags`, which is `None` when the front matter has no `tags:` key.",
        "for tag in page.tags:",
        "for tag in page.tags or ():",
        "no_tags",
    ),
    (
        "`{func}` takes about 1.5 s of every docs build, that seems a lot.",
        "`{func}` compiles its regular expression again on every call.",
        "pattern = re.compile(config.pattern)",
        "pattern = _compiled(config.pattern)  # functools.lru_cache",
        "caches_pattern",
    ),
    (
        "`{func}` produces broken links on Windows.",
        "`{func}` builds URLs with `str(path)`, which uses backslashes on Windows.",
        "url = str(path)",
        "url = path.as_posix()",
        "windows_paths",
    ),
    (
        "`{func}` ignores the `encoding` setting in quill.toml.",
        "`{func}` reads files with the platform's default encoding.",
        "text = path.read_text()",
        "text = path.read_text(encoding=config.encoding)",
        "encoding",
    ),
    (
        "The output of `{func}` changes order between two builds of the same site.",
        "`{func}` iterates over a set, whose order differs between runs.",
        "for name in names:",
        "for name in sorted(names):",
        "stable_order",
    ),
    (
        "`{func}` doesn't escape `<` in titles — a post called `a <b> c` breaks the page.",
        "`{func}` puts the title into the HTML without escaping it.",
        'html = f"<h1>{title}</h1>"',
        'html = f"<h1>{escape(title)}</h1>"',
        "escapes_html",
    ),
)

QUILL_TEST_CASES = (
    "an empty site",
    "a title with emoji",
    "a page in a nested directory",
    "a post dated in the future",
    "Windows line endings",
    "a missing layout",
    "a 10 000-word post",
    "front matter with unknown keys",
)


class _Quill:
    """The simulated project: its files and its test count as the day goes on."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.tests = 64

    def functions(self) -> list[tuple[str, str]]:
        return [(m, f) for m, (_, fs) in sorted(QUILL_MODULES.items()) for f in fs]

    def function(self, module: str, name: str, snippet: str | None = None) -> list[str]:
        """The source of ``name``; ``snippet`` (a line a bug report is about) is shown in it."""
        doc = QUILL_MODULES[module][1][name]
        signature, body = QUILL_CODE[name]
        lines = [f"def {name}({signature}:", f'    """{doc[0].upper() + doc[1:]}."""', *body]
        if snippet is not None and all(line.strip() != snippet for line in body):
            block = ["    " + snippet]
            if snippet.endswith(":"):
                block.append(QUILL_BLOCK_BODIES.get(snippet, "        pass"))
            lines[-1:-1] = block
        return lines

    def read(self, s: _Session, module: str, func: str, snippet: str | None = None) -> None:
        """Find ``func`` with grep, then read just that function."""
        first = s.rng.randint(12, 140)
        lines = self.function(module, func, snippet)
        c = s.call("grep", _args(pattern=f"def {func}\\b", path="quill"))
        s.result(c, "1 match", f"{module}:{first}:{lines[0]}")
        last = first + len(lines) - 1
        c = s.call("read_file", _args(path=module, start_line=first, end_line=last))
        numbered = "\n".join(f"{n:>4}  {line}" for n, line in enumerate(lines, first))
        s.result(c, f"{module} (lines {first}-{last})", numbered)

    def run_tests(self, s: _Session, *, failing: str | None = None) -> None:
        seconds = f"{self.rng.uniform(1.2, 2.4):.2f}"
        c = s.call("run_tests", _args(paths=["tests"]))
        if failing:
            passed = self.tests - 1
            out = (
                f"FAILED tests/{failing} - AssertionError\n1 failed, {passed} passed in {seconds}s"
            )
            s.result(c, f"1 failed, {passed} passed (exit code 1)", out, is_error=True)
        else:
            s.result(c, f"{self.tests} passed", f"{self.tests} passed in {seconds}s")

    def sha(self) -> str:
        return "".join(self.rng.choice("0123456789abcdef") for _ in range(7))


def _test_file(module: str) -> str:
    return "tests/test_" + module.split("/")[1]


def _long_fix(
    s: _Session, q: _Quill, module: str, func: str, bug: tuple[str, str, str, str, str]
) -> None:
    report, cause, before, after, test = bug
    s.user(_text(report))
    s.think(f"Look at {func} in {module} first.", [f"Locate {func}"])
    q.read(s, module, func, before)
    s.think(cause, ["Found the cause"])
    c = s.call("edit_file", _args(path=module, old_string=before, new_string=after))
    s.result(c, f"edited {module} (1 replacement)")
    c = s.call(
        "edit_file",
        _args(
            path=_test_file(module),
            old_string="# --- regressions ---\n",
            new_string=f"# --- regressions ---\n\n\ndef {test}():\n    ...\n",
        ),
    )
    s.result(c, f"edited {_test_file(module)} (1 replacement)")
    q.tests += 1
    if s.rng.random() < 0.25:
        q.run_tests(s, failing=f"{_test_file(module)[6:]}::{test}")
        s.think("The new test's expectation was wrong, not the fix.", ["Fix the test"])
        c = s.call(
            "edit_file",
            _args(path=_test_file(module), old_string="    ...\n", new_string="    assert ...\n"),
        )
        s.result(c, f"edited {_test_file(module)} (1 replacement)")
    q.run_tests(s)
    diff = "- " + before + "\n+ " + after.replace("\n    ", "\n+ ")
    s.say(
        f"**Cause:** {cause}\n\n**Fix** in `{module}`:\n\n```diff\n{diff}\n```\n\n"
        f"Added the regression test `{test}`; all {q.tests} tests pass."
    )


def _long_feature(s: _Session, q: _Quill, feature: tuple[str, str, str, str]) -> None:
    request, module, func, code = feature
    s.user(_text(request))
    q.read(s, module, func)
    s.think(f"Add it in {func} and keep the default behaviour unchanged.", [f"Extend {func}"])
    c = s.call(
        "edit_file",
        _args(path=module, old_string="    return", new_string=f"    {code}\n    return"),
    )
    s.result(c, f"edited {module} (1 replacement)")
    q.tests += 2
    q.run_tests(s)
    s.say(
        f"Done — in `{module}` (`{func}`):\n\n```python\n{code}\n```\n\n"
        f"Covered by two new tests; {q.tests} pass. The default behaviour is unchanged."
    )


def _long_explain(s: _Session, q: _Quill, module: str, func: str) -> None:
    description, functions = QUILL_MODULES[module]
    s.user(_text(f"Remind me what `{func}` in `{module}` does. Is it safe to call twice?"))
    q.read(s, module, func)
    s.say(
        f"`{func}` {functions[func]}. It lives in `{module}`: "
        f"{description[0].lower() + description[1:]}\n\n"
        "It only reads its arguments and returns a new value, so calling it twice is safe. "
        "The only side effect is debug logging."
    )


def _long_test(s: _Session, q: _Quill, module: str, func: str, case: str) -> None:
    s.user(_text(f"Add a test for `{func}` with {case}."))
    name = "test_" + func.strip("_") + "_" + "_".join(case.replace("-", " ").split()[-2:])
    c = s.call(
        "edit_file",
        _args(
            path=_test_file(module),
            old_string="# --- regressions ---\n",
            new_string=f"def {name}(tmp_site):\n    ...\n\n\n# --- regressions ---\n",
        ),
    )
    s.result(c, f"edited {_test_file(module)} (1 replacement)")
    q.tests += 1
    q.run_tests(s)
    s.say(f"Added `{name}` to `{_test_file(module)}`; it passes ({q.tests} tests in total).")


def _long_docstring(s: _Session, q: _Quill, module: str, func: str) -> None:
    s.user(_text(f"Give `{func}` a docstring example."))
    doc = QUILL_MODULES[module][1][func]
    c = s.call(
        "edit_file",
        _args(
            path=module,
            old_string=f'    """{doc[0].upper() + doc[1:]}."""',
            new_string=f'    """{doc[0].upper() + doc[1:]}.\n\n    >>> {func}(...)\n    """',
        ),
    )
    s.result(c, f"edited {module} (1 replacement)")
    s.say(f"Added a doctest-style example to `{func}`.")


def _long_command(s: _Session, q: _Quill) -> None:
    kind = s.rng.randint(0, 3)
    if kind == 0:
        s.user(_text("What's uncommitted right now?"))
        c = s.call("run_command", _args(command="git status --short"))
        files = sorted({s.rng.choice(sorted(QUILL_MODULES)) for _ in range(3)})
        s.result(c, "exit code 0", "\n".join(f" M {f}" for f in files))
        s.say(f"{len(files)} modified files, nothing staged: {', '.join(files)}.")
    elif kind == 1:
        s.user(_text("Commit what we have, short message."))
        sha = q.sha()
        c = s.call(
            "run_command",
            _args(command="git commit -qam 'Fix rendering edge cases' && git log --oneline -1"),
        )
        s.result(c, "exit code 0", f"{sha} (HEAD -> main) Fix rendering edge cases")
        s.say(f"Committed as `{sha}`.")
    elif kind == 2:
        s.user(_text("How long does a full build of the docs site take now?"))
        pages = s.rng.randint(180, 240)
        secs = s.rng.uniform(1.8, 3.2)
        c = s.call("run_command", _args(command="quill build --verbose ../docs-site"))
        s.result(
            c,
            "exit code 0",
            f"parsed {pages} pages in {secs * 0.2:.2f}s\nrendered {pages} pages in "
            f"{secs * 0.7:.2f}s\nbuilt {pages} pages in {secs:.2f}s",
            took=(secs, secs + 0.5),
        )
        s.say(f"**{secs:.1f} s** for {pages} pages; rendering is about 70% of it.")
    else:
        s.user(_text("Which tests are the slowest?"))
        c = s.call("run_command", _args(command="pytest -q --durations=3"))
        s.result(
            c,
            "exit code 0",
            f"{q.tests} passed in 2.31s\n\n======== slowest 3 durations ========\n"
            "0.41s call     tests/test_server.py::test_reload_on_save\n"
            "0.22s call     tests/test_render.py::test_render_site\n"
            "0.09s setup    tests/test_cli.py::test_build_example_site",
            took=(2.5, 3.5),
        )
        s.say(
            "`test_reload_on_save` takes 0.4 s because it waits for a real file-system event. "
            "Everything else is under 0.25 s — not worth optimising."
        )


def _long_schedule(rng: random.Random) -> list[str]:
    """The kinds of the ordinary turns, in a fixed pseudo-random order."""
    kinds = (
        ["bug"] * len(QUILL_BUGS)
        + ["feature"] * len(QUILL_FEATURES)
        + ["question"] * len(QUILL_QUESTIONS)
        + ["generic_bug"] * 40
        + ["explain"] * 24
        + ["test"] * 30
        + ["docstring"] * 20
        + ["command"] * 56
    )
    rng.shuffle(kinds)
    return kinds


def _write_long(store: FsStore) -> None:
    s = _Session.start(store, "long", system_prompt=QUILL_PROMPT, config=QUILL_CONFIG)
    q = _Quill(s.rng)
    schedule = iter(_long_schedule(s.rng))
    bugs = iter(QUILL_BUGS)
    features = iter(QUILL_FEATURES)
    questions = iter(QUILL_QUESTIONS)
    functions = q.functions()
    generic = [(b, f) for b in QUILL_GENERIC_BUGS for f in functions]
    s.rng.shuffle(generic)
    pairs = iter(generic)
    explained_order = list(functions)
    s.rng.shuffle(explained_order)
    explained = iter(explained_order)
    while True:
        n = s.turn_count + 1
        pause = (600.0, 1500.0) if s.rng.random() < 0.04 else (25.0, 200.0)
        if n == 1:
            pause = (0.004, 0.02)
        if n in (37, 151):
            _long_notification(s, n, pause)
            continue
        if n == 121:
            _long_rename(s, q, pause)
            continue
        kind = next(schedule, None)
        if kind is None:
            break
        if n in (73, 160):
            effort = "high" if n == 73 else "medium"
            s.config(QUILL_CONFIG.model_copy(update={"reasoning": effort}), after=(10, 30))
        s.invoke(after=pause)
        if n == 89:
            _long_retry(s, q)
        elif kind == "bug":
            module, func, report, cause, before, after, test = next(bugs)
            _long_fix(s, q, module, func, (report, cause, before, after, test))
        elif kind == "generic_bug":
            (report, cause, before, after, suffix), (module, func) = next(pairs)
            test = f"test_{func.strip('_')}_{suffix}"
            bug = (report.format(func=func), cause.format(func=func), before, after, test)
            _long_fix(s, q, module, func, bug)
        elif kind == "feature":
            _long_feature(s, q, next(features))
        elif kind == "question":
            question, answer = next(questions)
            s.user(_text(question))
            s.think(
                "A design question; answer from the codebase as I know it.", ["Answer directly"]
            )
            s.say(answer)
        elif kind == "explain":
            module, func = next(explained, None) or s.rng.choice(functions)
            _long_explain(s, q, module, func)
        elif kind == "test":
            module, func = s.rng.choice(functions)
            _long_test(s, q, module, func, s.rng.choice(QUILL_TEST_CASES))
        elif kind == "docstring":
            module, func = s.rng.choice(functions)
            _long_docstring(s, q, module, func)
        else:
            _long_command(s, q)
        s.end_turn()
        if n % 100 == 0:
            s.extension("memory.extract", {"processed_through_entry": s.entry_count()})


def _long_notification(s: _Session, n: int, pause: tuple[float, float]) -> None:
    """A turn started by a CI notification, not by the user."""
    s.invoke("notify", after=pause)
    build = 2400 + n
    outcome = "passed" if n == 37 else "failed on windows-latest (test_slugify_accents)"
    s.system(
        SystemNotification(
            message=f"CI #{build} {outcome}",
            body=f"[Notification]\nCI: workflow `tests` on main #{build} {outcome}",
        )
    )
    s.say(
        "CI is green on all platforms."
        if n == 37
        else "Windows CI fails in `test_slugify_accents`: the test reads its fixture without "
        '`encoding="utf-8"`, so Windows decodes it as cp1252. I can fix that next.'
    )
    s.end_turn()


def _long_retry(s: _Session, q: _Quill) -> None:
    """The provider fails mid-run (no turn_end); the user sends the request again."""
    request, module, func, code = QUILL_FEATURES[2]
    s.user(_text(request))
    q.read(s, module, func)
    s.wait(30, 40)
    s.errored("provider error: 529 overloaded")
    s.invoke(after=(20, 40))
    s.user(_text("Try again please."))
    s.think("Continue where the failed run stopped.", ["Retry"])
    c = s.call(
        "edit_file",
        _args(path=module, old_string="    return", new_string=f"    {code}\n    return"),
    )
    s.result(c, f"edited {module} (1 replacement)")
    q.run_tests(s)
    s.say("Done on the second attempt: `sitemap.xml` is written next to `feed.xml`.")


def _long_rename(s: _Session, q: _Quill, pause: tuple[float, float]) -> None:
    """A run that stops at the tool-call limit, and the turn that finishes the job."""
    s.invoke(after=pause)
    s.user(_text("Rename `Page.meta` to `Page.front_matter` everywhere."))
    files = sorted(QUILL_MODULES)
    c = s.call("grep", _args(pattern=r"\.meta\b", path="quill"))
    s.result(
        c,
        f"{len(files)} matches in {len(files)} files",
        "\n".join(f"{f}:{s.rng.randint(10, 90)}:    meta = page.meta" for f in files),
    )
    for f in files[:5]:
        c = s.call(
            "edit_file", _args(path=f, old_string="page.meta", new_string="page.front_matter")
        )
        s.result(c, f"edited {f} (1 replacement)")
    s.end_turn("limit_reached")
    s.invoke(after=(15, 40))
    s.user(_text("continue"))
    for f in files[5:]:
        c = s.call(
            "edit_file", _args(path=f, old_string="page.meta", new_string="page.front_matter")
        )
        s.result(c, f"edited {f} (1 replacement)")
    q.run_tests(s)
    s.say(f"Renamed in all {len(files)} modules; {q.tests} tests pass.")
    s.end_turn()


# --- truncated: a crash in the middle of an append ---------------------------------------------

RIPPLE_PROMPT = """\
You are Yoi, a coding agent in /home/dev/ripple, a Rust library for rate limiting. Use the \
tools to read, search, edit and build; answer in Markdown."""

CARGO_BUILD = """\
   Compiling proc-macro2 v1.0.86
   Compiling unicode-ident v1.0.13
   Compiling quote v1.0.37
   Compiling syn v2.0.79
   Compiling tokio-macros v2.4.0
   Compiling tokio v1.40.0
   Compiling ripple v0.2.0 (/home/dev/ripple)
    Finished `release` profile [optimized] target(s) in 48.22s"""


def _write_truncated(store: FsStore) -> None:
    """A session whose last entry was cut off by a crash; the only file written by hand."""
    s = _Session.start(
        store,
        TRUNCATED_SEGMENT,
        system_prompt=RIPPLE_PROMPT,
        config=RequestConfig(max_tokens=8192, stop_sequences=[], reasoning="low"),
    )
    s.invoke(after=(0.004, 0.02))
    s.user(_text("Does `TokenBucket::try_acquire` ever block?"))
    c = s.call("grep", _args(pattern="fn try_acquire", path="src"))
    s.result(
        c,
        "1 match",
        "src/bucket.rs:57:    pub fn try_acquire(&self, n: u32) -> Result<(), RetryAfter> {",
    )
    c = s.call("read_file", _args(path="src/bucket.rs"))
    s.result(
        c,
        "src/bucket.rs (lines 50-72)",
        "  57      pub fn try_acquire(&self, n: u32) -> Result<(), RetryAfter> {\n"
        "  58          let mut state = self.state.lock();\n"
        "  59          state.refill(Instant::now());\n"
        "  60          if state.tokens >= n {\n"
        "  61              state.tokens -= n;\n"
        "  62              return Ok(());\n"
        "  63          }\n"
        "  64          Err(RetryAfter(state.time_until(n)))\n"
        "  65      }",
    )
    s.say(
        "It never waits for tokens: it refills, takes them if there are enough, and otherwise "
        "returns `Err(RetryAfter(..))` at once. It does take a `parking_lot::Mutex`, so it can "
        "block briefly while another thread holds the lock — the critical section is a few "
        "arithmetic operations."
    )
    s.end_turn()

    s.invoke(after=(50, 90))
    s.user(_text("Build it in release mode and tell me how long it takes."))
    c = s.call("run_command", _args(command="cargo build --release"))
    s.result(c, "exit code 0", CARGO_BUILD, took=(48.0, 49.0))
    s.say("A clean release build takes **48 s**, most of it compiling `tokio` and `syn`.")
    s.end_turn()

    s.invoke(after=(40, 70))
    s.user(_text("Run the benchmarks and summarise them."))
    s.think("Run cargo bench; it takes a while.", ["Run the benchmarks"])
    c = s.call("run_command", _args(command="cargo bench --bench acquire"))
    s.result(
        c,
        "exit code 0",
        "acquire/uncontended     time:   [18.214 ns 18.302 ns 18.401 ns]\n"
        "acquire/4_threads       time:   [141.77 ns 143.05 ns 144.48 ns]\n"
        "acquire/16_threads      time:   [612.30 ns 618.91 ns 625.87 ns]\n"
        "refill/1000_buckets     time:   [9.8127 µs 9.8563 µs 9.9035 µs]",
        took=(95.0, 110.0),
    )
    path = store.path_for(s.id)
    data = path.read_bytes()
    start = data.rstrip(b"\n").rfind(b"\n") + 1
    cut = start + (len(data) - start) * 3 // 5
    while cut > start and (data[cut] & 0xC0) == 0x80:  # keep whole UTF-8 characters
        cut -= 1
    with open(path, "r+b") as f:
        f.truncate(cut)


# --- writing the store ---------------------------------------------------------------------------


def write_demo_store(path: Path) -> list[str]:
    """Write the demo store into ``path`` (created if missing); returns the ids written.

    Fails with ``AlreadyExists`` if one of the demo's files is already there: nothing is
    ever overwritten.
    """
    path.mkdir(parents=True, exist_ok=True)
    store = FsStore(path)
    _write_legacy(store)
    _write_long(store)
    _write_truncated(store)
    _write_input_segments(store)
    main_session = _write_main(store)
    _write_compactions(store, main_session)
    _write_fork_mid(store)
    _write_fork_of_fork(store)
    _write_fork_turn0(store)
    _write_system_items(store)
    return list(DEMO_SEGMENTS.values())


EPILOG = """\
examples:
  python -m segview.samples sample_logs          write the demo into ./sample_logs
  python -m segview.samples /tmp/demo --force    rewrite the demo's files in /tmp/demo
  segview ls sample_logs                         then browse it
"""


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m segview.samples",
        description=(
            "Write segview's demo store into DIR: a realistic, deterministic set of segment\n"
            "logs (a coding session with forks and compactions, every system item and input\n"
            "kind, a legacy-format log, a 200-turn log and a crash-truncated one). DIR must be\n"
            "missing or empty."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("dir", metavar="DIR", type=Path, help="the directory to write into")
    parser.add_argument(
        "--force",
        action="store_true",
        help="allow a non-empty DIR; replaces only the demo's own files, nothing else",
    )
    ns = parser.parse_args(argv)
    target: Path = ns.dir
    prog = "segview.samples"
    if target.exists() and not target.is_dir():
        print(f"{prog}: not a directory: {target}", file=sys.stderr)
        return 2
    if target.is_dir() and any(target.iterdir()):
        if not ns.force:
            print(
                f"{prog}: {target} is not empty; choose an empty directory or pass --force "
                "to replace the demo's own files",
                file=sys.stderr,
            )
            return 2
        for segment_id in DEMO_SEGMENTS.values():
            FsStore(target).path_for(segment_id).unlink(missing_ok=True)
    try:
        ids = write_demo_store(target)
    except (StoreError, OSError) as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {len(ids)} segments to {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
