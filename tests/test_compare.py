"""The compare model: common ancestor, shared prefix, divergence, turn-by-turn diffs, totals.

Expected values come from the files (the store core's reader and ``collect_state``, or the
raw JSON lines), never from the model under test.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from segview.compare import Comparison, compare, line_diff, new_items, word_diff
from segview.lineage import Lineage
from segview.store import FsStore, TurnEnd, collect_state
from tests.family import IDS, write_family

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_LOGS = ROOT / "sample_logs"
MAIN = "01926b80-f80e-7fda-abe5-925c8c52fefc"
FORK_MID = "01926c67-1da6-7491-a960-761f5a544665"
FORK_OF_FORK = "01926cb6-1232-7884-9f14-cc52b9b80066"
COMPACTED_1 = "01926ba4-e126-771f-82bb-eabea3d38591"


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    dest = tmp_path / "sample_logs"
    shutil.copytree(SAMPLE_LOGS, dest)
    return dest


@pytest.fixture
def family(tmp_path: Path) -> Path:
    root = tmp_path / "family"
    write_family(root)
    return root


def run(store: Path, a: str, b: str) -> Comparison:
    return compare(Lineage.open(store), a, b)


def raw(store: Path, segment_id: str) -> list[dict[str, Any]]:
    return [
        orjson.loads(line) for line in (store / f"{segment_id}.jsonl").read_bytes().splitlines()
    ]


def after_turn(entries: list[dict[str, Any]], turn_count: int) -> list[dict[str, Any]]:
    """The lines after the ``turn_end`` with ``turn_count`` (and what closes it)."""
    for i, e in enumerate(entries):
        if e["kind"] == "turn_end" and e["turn_count"] == turn_count:
            rest = entries[i + 1 :]
            for j, r in enumerate(rest):
                if r["kind"] == "invoke":
                    return rest[j:]
            return []
    raise KeyError(turn_count)


def side_totals(entries: list[dict[str, Any]]) -> dict[str, int]:
    """Turns, tool calls, errors, tokens and wall time of some lines, from the raw JSON."""
    calls = sum(e["kind"] == "assistant_item" and e["item"]["kind"] == "tool_call" for e in entries)
    errors = sum(
        e["kind"] == "tool_result" and e["item"].get("is_error", False) for e in entries
    ) + sum(e["kind"] == "run_errored" for e in entries)
    usage = [e for e in entries if e["kind"] == "llm_usage"]
    wall, start = 0, None
    for e in entries:
        if e["kind"] == "invoke":
            start = e["ts"]
        elif e["kind"] == "turn_end":
            assert start is not None
            wall += e["ts"] - start
    return {
        "turns": sum(e["kind"] == "turn_end" for e in entries),
        "tool_calls": calls,
        "errors": errors,
        "requests": len(usage),
        "input": sum(u["input_total_tokens"] for u in usage),
        "cache_read": sum(u["cache_read_tokens"] for u in usage),
        "output": sum(u["output_tokens"] for u in usage),
        "wall_ms": wall,
    }


def model_totals(t: Any) -> dict[str, int]:
    return {
        "turns": t.turns,
        "tool_calls": t.tool_calls,
        "errors": t.errors,
        "requests": t.tokens.requests,
        "input": t.tokens.input,
        "cache_read": t.tokens.cache_read,
        "output": t.tokens.output,
        "wall_ms": t.wall_ms,
    }


def user_inputs(entries: list[dict[str, Any]]) -> list[str]:
    return [
        "".join(s.get("content", "") for s in e["segments"])
        for e in entries
        if e["kind"] == "user_input"
    ]


# --- the demo: main forked after turn 4 -------------------------------------------------------


def test_the_demo_fork_against_main(demo: Path) -> None:
    c = run(demo, FORK_MID, MAIN)
    assert c.common is not None
    assert (c.common.segment_id, c.common.a_until, c.common.b_until) == (MAIN, 4, None)
    main_entries = FsStore(demo).read_tolerant(MAIN).entries
    cut = next(
        i for i, e in enumerate(main_entries) if isinstance(e, TurnEnd) and e.turn_count == 4
    )
    assert c.shared_turns == 4
    assert c.shared_items == len(collect_state(main_entries[: cut + 1]).history) == 47
    assert c.shared_segments == [(MAIN, 1, 4)]
    div = c.divergence
    assert div is not None and div.label == "turn 5" and div.first_difference == "user input"
    main_raw, fork_raw = raw(demo, MAIN), raw(demo, FORK_MID)
    assert div.a is not None and div.b is not None
    assert div.a.user_text == user_inputs(fork_raw)[0]
    assert div.b.user_text == user_inputs(main_raw)[4]
    assert (div.a.segment_id, div.a.turn_count) == (FORK_MID, 1)
    assert (div.b.segment_id, div.b.turn_count) == (MAIN, 5)
    # after the divergence: A has the fork's two turns, B main's turns 5-10
    assert [s.label for s in c.steps] == [f"turn {n}" for n in range(5, 11)]
    assert [s.a is not None for s in c.steps] == [True, True] + [False] * 4
    assert model_totals(c.totals_a) == side_totals(fork_raw)
    assert model_totals(c.totals_b) == side_totals(after_turn(main_raw, 4))
    assert (
        c.shared_tokens.requests == side_totals(main_raw)["requests"] - c.totals_b.tokens.requests
    )


def test_a_fork_of_a_fork_passes_through_its_parent(demo: Path) -> None:
    c = run(demo, FORK_OF_FORK, MAIN)
    assert c.common is not None and c.common.segment_id == MAIN
    assert [leg.segment_id for leg in c.a.legs] == [MAIN, FORK_MID, FORK_OF_FORK]
    assert c.shared_turns == 4
    first = c.steps[0]
    assert first.a is not None and (first.a.segment_id, first.a.turn_count) == (FORK_MID, 1)
    assert [s.a.segment_id for s in c.steps if s.a is not None] == [FORK_MID] + [FORK_OF_FORK] * 2


def test_a_compaction_compares_its_summary_with_the_history_it_replaced(demo: Path) -> None:
    c = run(demo, COMPACTED_1, MAIN)
    assert c.shared_turns == 10 and c.common is not None and c.common.a_until == 10
    div = c.divergence
    assert div is not None and div.b is None and div.first_difference == "only in A"
    step = div.a
    assert step is not None and step.kind == "compaction"
    assert div.label == "compaction after turn 10"
    main_state = collect_state(FsStore(demo).read_tolerant(MAIN).entries)
    assert list(step.replaced) == main_state.history
    seed = FsStore(demo).read_tolerant(COMPACTED_1).entries[0]
    assert list(step.items) == seed.history  # type: ignore[union-attr]
    fresh = new_items(step.items, step.replaced)
    assert len(fresh) == 1 and "[Compacted context summary]" in fresh[0].text()
    assert div.summary is not None and div.summary.a_text and div.summary.b_text
    assert [s.label for s in c.steps[1:]] == ["turn 11", "turn 12", "turn 13"]
    assert c.totals_a.compactions == 1 and c.totals_a.turns == 3


def test_a_segment_against_itself_is_identical(demo: Path) -> None:
    c = run(demo, MAIN, MAIN)
    assert c.identical and c.steps == () and c.shared_turns == 10
    assert c.totals_a.turns == c.totals_b.turns == 0


def test_unrelated_segments_align_from_the_start(demo: Path) -> None:
    legacy = "019224c7-93fe-7b2e-969a-23c9d3624068"
    c = run(demo, legacy, MAIN)
    assert c.common is None and c.shared == ()
    assert c.divergence is not None and c.divergence.label == "turn 1"
    assert c.totals_a.turns == 3 and c.totals_b.turns == 10


# --- the family store ---------------------------------------------------------------------------


def test_identical_turns_after_the_fork_point_are_shared_too(family: Path) -> None:
    c = run(family, IDS["same"], IDS["root"])
    assert c.common is not None and c.common.a_until == 2
    assert c.shared_turns == 3  # the fork's turn 3 repeats the root's word for word
    div = c.divergence
    assert div is not None and div.label == "turn 4" and div.first_difference == "user input"
    assert div.user.ops == (("=", "fourth question"), ("-", ", reworded"))
    assert div.user.a_text == "fourth question, reworded" and div.user.b_text == "fourth question"
    assert div.assistant.same


def test_turns_are_compared_word_by_word_with_tool_calls_paired_by_name(family: Path) -> None:
    c = run(family, IDS["fork"], IDS["root"])
    turn3 = c.steps[0]
    assert turn3.label == "turn 3" and turn3.first_difference == "user input"
    assert ("-", "a different ") in turn3.user.ops
    assert [(t.a.name if t.a else None, t.b.name if t.b else None) for t in turn3.tools] == [
        ("run_tests", "run_tests"),
        (None, "edit"),
    ]
    tests = turn3.tools[0]
    assert not tests.same_call and tests.arguments is not None
    assert "tests/unit" in tests.arguments.a_text and not tests.arguments.same
    assert tests.a is not None and tests.b is not None
    assert (tests.a.status, tests.b.status) == ("ok", "error") and not tests.same_result
    # B's turn 4 ended in run_errored: counted as an error
    turn4 = c.steps[1]
    assert turn4.b is not None and turn4.b.outcome == "errored: provider overloaded"
    assert turn4.b.errors == 1


def test_an_unfinished_turn_is_compared_where_its_turn_would_be(family: Path) -> None:
    c = run(family, IDS["forkfork"], IDS["root"])
    assert [s.label for s in c.steps] == ["turn 3", "turn 4", "turn 5 (unfinished)"]
    tail = c.steps[-1]
    assert tail.a is not None and tail.a.kind == "tail" and tail.b is None
    assert tail.a.user_text == "still running" and tail.a.assistant_text == "partial"
    assert c.totals_a.turns == 2 and c.totals_a.unfinished == 1


def test_segments_with_the_same_start_share_it_without_a_common_ancestor(family: Path) -> None:
    c = run(family, IDS["twin"], IDS["other"])
    assert c.common is None
    assert [s.kind for s in c.shared] == ["seed", "turn"]
    assert c.shared_turns == 1 and c.shared_items == 4
    div = c.divergence
    assert div is not None and div.label == "turn 2" and div.first_difference == "assistant text"


def test_a_missing_ancestor_starts_the_branch_with_its_seed(family: Path) -> None:
    (family / f"{IDS['root']}.jsonl").unlink()
    c = run(family, IDS["forkfork"], IDS["fork"])
    assert c.common is not None and c.common.segment_id == IDS["fork"]
    assert c.a.steps[0].kind == "seed" and c.a.steps[0].number == 0
    assert any("not in the store" in n for n in c.notes)
    assert c.shared_turns == 1  # the fork's own turn 1 (numbered from its seed)


def test_json_holds_the_same_data(demo: Path) -> None:
    c = run(demo, FORK_MID, MAIN)
    data = orjson.loads(orjson.dumps(c.to_json()))
    assert data["common_ancestor"] == {
        "segment_id": MAIN,
        "a_until_turn": 4,
        "b_until_turn": None,
    }
    assert data["shared"]["turns"] == 4 and data["shared"]["items"] == 47
    assert data["divergence"]["label"] == "turn 5"
    assert data["divergence"]["a_user"] == c.divergence.a.user_text  # type: ignore[union-attr]
    assert len(data["steps"]) == len(c.steps)
    assert data["totals"]["a"]["tokens"] == c.totals_a.tokens.to_json()
    first = data["steps"][0]
    assert "".join(t for op, t in first["user_diff"] if op != "+") == first["a"]["user"]


# --- text diffs ---------------------------------------------------------------------------------

texts = st.text(st.characters(codec="utf-8"), max_size=300)


@given(texts, texts)
def test_a_word_diff_spells_both_texts(a: str, b: str) -> None:
    d = word_diff(a, b)
    assert d.a_text == a and d.b_text == b
    assert d.same == (a == b)
    assert all(t for _op, t in d.ops)
    assert all(x[0] != y[0] for x, y in zip(d.ops, d.ops[1:], strict=False))


@given(texts, texts)
def test_a_line_diff_spells_both_texts(a: str, b: str) -> None:
    d = line_diff(a, b)
    assert d.a_text == a and d.b_text == b


def test_very_long_texts_are_compared_whole() -> None:
    a = "word " * 20_000
    b = a + "more"
    d = word_diff(a, "\n".join(b.split(" ")))
    assert d.a_text == a
    assert word_diff("x " * 7000, "y " * 7000).ops == (("-", "x " * 7000), ("+", "y " * 7000))
