"""The demo store: a deterministic, realistic set of segment logs to explore segview with.

``python -m segview.samples DIR`` writes it; ``sample_logs/`` in the repository is its
output, which the wheel ships too (``committed``): ``segview --demo`` copies that rather than
generating it again. Every line is written through the store core's own write operations
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

One module per segment or theme writes it as a screenplay (``main_session``, ``forks``,
``compactions``, ``release_pod``, ``input_kinds``, ``legacy``, ``long_day`` with the
``quill`` project, ``truncated``) through the session writer (``session``); their long
texts (prompts, answers, tool output, project files) are plain files in ``corpus/``
(``texts``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .committed import committed_store, copy_demo_store
from .ids import DEMO_SEGMENTS, TRUNCATED_SEGMENT, segment_created_ms

if TYPE_CHECKING:
    from .generate import main, write_demo_store


def __getattr__(name: str) -> Any:
    """``main`` and ``write_demo_store``, importing the generator on first use only
    (``segview --demo`` copies the committed store and needs none of it)."""
    if name in ("main", "write_demo_store"):
        from . import generate

        return getattr(generate, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "DEMO_SEGMENTS",
    "TRUNCATED_SEGMENT",
    "committed_store",
    "copy_demo_store",
    "main",
    "segment_created_ms",
    "write_demo_store",
]
