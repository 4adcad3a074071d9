"""The demo store: the committed ``sample_logs/`` is the generator's output, and its segments
show what the module docstring promises."""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import uuid
import zipfile
from itertools import pairwise
from pathlib import Path
from typing import Annotated, Any, get_args, get_origin

import pytest

import segview.samples as samples
from segview.samples import (
    DEMO_SEGMENTS,
    TRUNCATED_SEGMENT,
    segment_created_ms,
    texts,
    write_demo_store,
)
from segview.store import (
    REFERENCE_SYSTEM_ITEMS,
    AlreadyExists,
    AssistantItem,
    ConfigChanged,
    Corrupt,
    Extension,
    FsStore,
    Invoke,
    InvokeKind,
    LlmUsage,
    LogEntry,
    MessageItem,
    PodEvent,
    ReasoningItem,
    RunCompleted,
    SegmentStart,
    SystemItem,
    SystemItemEntry,
    SystemPodEvent,
    ToolCallItem,
    ToolResultEntry,
    ToolResultItem,
    TurnEnd,
    UserInput,
    UserSegment,
    WorkerResult,
    apply_entry,
    collect_state,
    encode_entry,
    find_fork_cut,
)
from segview.store.replay import RestoredState

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_LOGS = ROOT / "sample_logs"
REGENERATE = "regenerate it: rm -rf sample_logs && python -m segview.samples sample_logs"
NAMES = list(DEMO_SEGMENTS)
INTACT = [n for n in NAMES if n != TRUNCATED_SEGMENT]


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "store"
    assert write_demo_store(path) == list(DEMO_SEGMENTS.values())
    return path


@pytest.fixture(scope="module")
def store() -> FsStore:
    return FsStore(SAMPLE_LOGS)


def entries_of(store: FsStore, name: str) -> list[LogEntry]:
    return store.read_all(DEMO_SEGMENTS[name])


def kinds_of(union: Any) -> set[str]:
    """The ``kind`` tags of a discriminated union from ``segview.store.model``."""
    if get_origin(union) is Annotated:
        union = get_args(union)[0]
    classes = [get_args(a)[0] if get_origin(a) is Annotated else a for a in get_args(union)]
    return {cls.model_fields["kind"].default for cls in classes}


# --- the committed output --------------------------------------------------------------------


def test_regenerating_gives_the_committed_sample_logs_byte_for_byte(generated: Path) -> None:
    committed = sorted(p.name for p in SAMPLE_LOGS.iterdir())
    assert sorted(p.name for p in generated.iterdir()) == committed, REGENERATE
    for name in committed:
        assert (generated / name).read_bytes() == (SAMPLE_LOGS / name).read_bytes(), (
            f"sample_logs/{name} differs from the generator's output; {REGENERATE}"
        )


def test_the_store_lists_exactly_the_demo_segments(store: FsStore) -> None:
    assert sorted(store.list_segments()) == sorted(DEMO_SEGMENTS.values())
    assert store.list_skipped() == []


def test_the_store_is_small_enough_to_commit() -> None:
    total = sum(p.stat().st_size for p in SAMPLE_LOGS.iterdir())
    assert 100_000 < total < 1_500_000


@pytest.mark.parametrize("name", INTACT)
def test_segment_reads_strictly_and_reencodes_byte_for_byte(store: FsStore, name: str) -> None:
    entries = entries_of(store, name)
    data = store.path_for(DEMO_SEGMENTS[name]).read_bytes()
    assert b"".join(encode_entry(e) + b"\n" for e in entries) == data


def test_truncated_segment_fails_strictly_on_its_last_line_but_opens_tolerantly(
    store: FsStore,
) -> None:
    segment_id = DEMO_SEGMENTS[TRUNCATED_SEGMENT]
    data = store.path_for(segment_id).read_bytes()
    assert not data.endswith(b"\n")
    last_line = data.count(b"\n") + 1
    with pytest.raises(Corrupt) as exc:
        store.read_all(segment_id)
    assert exc.value.line == last_line
    read = store.read_tolerant(segment_id)
    assert len(read.problems) == 1
    assert read.problems[0].line == last_line
    assert read.problems[0].message.startswith("truncated last line")
    assert len(read.entries) == last_line - 1
    assert read.pending_tail
    # everything before the damage is intact: two complete turns and the start of a third
    assert [e.turn_count for e in read.entries if isinstance(e, TurnEnd)] == [1, 2]
    assert isinstance(read.entries[-1], AssistantItem)
    assert isinstance(read.entries[-1].item, ToolCallItem)


def test_the_generator_reads_every_corpus_file_and_only_those(generated: Path) -> None:
    assert texts.loaded() == texts.corpus_files()


def test_corpus_files_end_with_exactly_one_newline() -> None:
    """``Corpus.text`` drops that newline; an editor adding or trimming one would show here."""
    corpus = ROOT / "segview" / "samples" / "corpus"
    for name in sorted(texts.corpus_files()):
        data = (corpus / name).read_bytes()
        assert data.endswith(b"\n") and not data.endswith(b"\n\n"), name
        assert b"\r" not in data, name


# --- ids and time ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_ids_are_uuid7_embedding_the_segment_start_time(store: FsStore, name: str) -> None:
    segment_id = DEMO_SEGMENTS[name]
    parsed = uuid.UUID(segment_id)
    assert str(parsed) == segment_id
    assert parsed.version == 7
    assert parsed.variant == uuid.RFC_4122
    first = store.read_tolerant(segment_id).entries[0]
    assert isinstance(first, SegmentStart)
    assert first.ts == segment_created_ms(segment_id)


@pytest.mark.parametrize("name", NAMES)
def test_timestamps_increase_and_stay_in_their_day(store: FsStore, name: str) -> None:
    entries = store.read_tolerant(DEMO_SEGMENTS[name]).entries
    stamps = [e.ts for e in entries if e.ts is not None]
    assert all(a < b for a, b in pairwise(stamps))
    assert stamps[-1] - stamps[0] < 12 * 3600 * 1000


def test_docstring_table_names_every_segment_by_a_unique_prefix() -> None:
    doc = samples.__doc__ or ""
    rows = dict(re.findall(r"^``([0-9a-f]+)``\s+(\w+)\s", doc, re.MULTILINE))
    assert sorted(rows.values()) == sorted(NAMES)
    for prefix, name in rows.items():
        matching = [i for i in DEMO_SEGMENTS.values() if i.startswith(prefix)]
        assert matching == [DEMO_SEGMENTS[name]], prefix


def test_children_are_created_after_their_parents_last_entry(store: FsStore) -> None:
    for name in NAMES:
        start = store.read_tolerant(DEMO_SEGMENTS[name]).entries[0]
        assert isinstance(start, SegmentStart)
        if start.origin is not None:
            parent = store.read_all(start.origin.segment_id)
            assert start.ts > parent[-1].ts, name


# --- lineage -----------------------------------------------------------------------------------


def origin_of(store: FsStore, name: str) -> tuple[str, str, int] | None:
    start = entries_of(store, name)[0]
    assert isinstance(start, SegmentStart)
    if start.forked_from is not None:
        return ("fork", start.forked_from.segment_id, start.forked_from.at_turn_index)
    if start.compacted_from is not None:
        o = start.compacted_from
        return ("compaction", o.segment_id, o.at_turn_index)
    return None


def test_origins_form_the_documented_tree(store: FsStore) -> None:
    ids = DEMO_SEGMENTS
    assert origin_of(store, "fork_turn0") == ("fork", ids["main"], 0)
    assert origin_of(store, "fork_mid") == ("fork", ids["main"], 4)
    assert origin_of(store, "fork_of_fork") == ("fork", ids["fork_mid"], 1)
    assert origin_of(store, "compacted_1") == ("compaction", ids["main"], 10)
    assert origin_of(store, "compacted_2") == ("compaction", ids["compacted_1"], 13)
    for name in ("main", "long", "legacy", "system_items", "input_segments"):
        assert origin_of(store, name) is None, name


@pytest.mark.parametrize(
    ("name", "source", "at"),
    [("fork_turn0", "main", 0), ("fork_mid", "main", 4), ("fork_of_fork", "fork_mid", 1)],
)
def test_forks_start_from_the_sources_state_at_their_turn(
    store: FsStore, name: str, source: str, at: int
) -> None:
    source_entries = entries_of(store, source)
    cut = find_fork_cut(source_entries, at)
    assert cut.turn_end_found
    expected = collect_state(source_entries[: cut.entries_kept])
    start = entries_of(store, name)[0]
    assert isinstance(start, SegmentStart)
    assert start.history == expected.history
    assert start.system_prompt == expected.system_prompt
    assert start.config == expected.config
    assert sum(isinstance(e, TurnEnd) for e in entries_of(store, name)) >= 2


def test_compaction_chain_is_two_deep_and_seeded_with_summaries(store: FsStore) -> None:
    for name, source in (("compacted_1", "main"), ("compacted_2", "compacted_1")):
        entries = entries_of(store, name)
        start = entries[0]
        assert isinstance(start, SegmentStart)
        assert start.compacted_from is not None
        source_turns = [e.turn_count for e in entries_of(store, source) if isinstance(e, TurnEnd)]
        assert start.compacted_from.at_turn_index == source_turns[-1]
        summary = start.history[0]
        assert isinstance(summary, MessageItem)
        assert summary.role in ("system", "assistant")
        assert summary.text().startswith("[Compacted context summary]")
        own_turns = [e.turn_count for e in entries if isinstance(e, TurnEnd)]
        assert own_turns[0] == source_turns[-1] + 1
        assert len(own_turns) >= 2


# --- content -------------------------------------------------------------------------------------


def test_main_is_a_full_coding_session(store: FsStore) -> None:
    entries = entries_of(store, "main")
    assert [e.turn_count for e in entries if isinstance(e, TurnEnd)] == list(range(1, 11))
    items = [e.item for e in entries if isinstance(e, (AssistantItem, ToolResultEntry))]
    tools = {i.name for i in items if isinstance(i, ToolCallItem)}
    assert {"read_file", "grep", "edit_file", "run_tests"} <= tools
    errors = [i for i in items if isinstance(i, ToolResultItem) and i.is_error]
    assert errors and any("failed" in e.summary for e in errors)
    assert any(isinstance(i, ReasoningItem) and i.summary for i in items)
    answers = [i.text() for i in items if isinstance(i, MessageItem) and i.role == "assistant"]
    assert sum("```" in a for a in answers) >= 5
    assert any(isinstance(e, ConfigChanged) for e in entries)
    # every user input is announced by an invoke marker; every turn ends with run_completed
    for i, e in enumerate(entries):
        if isinstance(e, UserInput):
            assert isinstance(entries[i - 1], Invoke)
    ends = [i for i, e in enumerate(entries) if isinstance(e, TurnEnd)]
    for i in ends:
        after = [e for e in entries[i + 1 :] if not isinstance(e, LlmUsage)]
        assert isinstance(after[0], RunCompleted)


def test_main_has_one_usage_record_per_request_with_a_growing_context(store: FsStore) -> None:
    entries = entries_of(store, "main")
    usage = [e for e in entries if isinstance(e, LlmUsage)]
    requests = 0
    previous: Any = None
    for e in entries:
        is_model_output = isinstance(e, AssistantItem)
        if is_model_output and not isinstance(previous, AssistantItem):
            requests += 1
        previous = e
    assert len(usage) == requests
    lengths = [u.history_len for u in usage]
    totals = [u.input_total_tokens for u in usage]
    assert lengths == sorted(lengths) and len(set(lengths)) == len(lengths)
    assert totals == sorted(totals)
    assert sum(u.cache_read_tokens > 0 for u in usage) > len(usage) // 2
    for u in usage:
        assert u.cache_read_tokens + u.cache_write_tokens == u.input_total_tokens
    # history_len is the history the request was sent with: never more than was logged
    state = RestoredState()
    for e in entries:
        if isinstance(e, LlmUsage):
            assert e.history_len <= len(state.history)
        apply_entry(state, e)


def test_system_items_segment_has_every_system_item_and_pod_event_kind(store: FsStore) -> None:
    entries = entries_of(store, "system_items")
    # the demo is a store of the reference version: every kind that version has
    items = [e.item for e in entries if isinstance(e, SystemItemEntry)]
    assert {i.kind for i in items} == REFERENCE_SYSTEM_ITEMS
    assert kinds_of(SystemItem) > REFERENCE_SYSTEM_ITEMS
    events = {i.event.kind for i in items if isinstance(i, SystemPodEvent)}
    assert events == kinds_of(PodEvent)
    triggers = set(get_args(InvokeKind)) - {"worker_event"}
    assert {e.trigger for e in entries if isinstance(e, Invoke)} == triggers
    assert any(isinstance(e, Extension) and e.domain == "pod.scope" for e in entries)
    assert collect_state(entries).pod_scope is not None


def test_input_segments_segment_has_every_user_input_kind(store: FsStore) -> None:
    entries = entries_of(store, "input_segments")
    seen = {s.kind for e in entries if isinstance(e, UserInput) for s in e.segments}
    # `unknown` is read-only; `flow` belongs to the current version, not the demo's
    assert seen == kinds_of(UserSegment) - {"unknown", "flow"}
    mixed = [
        e for e in entries if isinstance(e, UserInput) and len({s.kind for s in e.segments}) >= 5
    ]
    assert mixed, "one input mixes every kind"


def test_legacy_segment_uses_the_plural_kinds(store: FsStore) -> None:
    kinds = {e.kind for e in entries_of(store, "legacy")}
    assert {"assistant_items", "tool_results", "system_items", "hook_injected_items"} <= kinds
    assert not {"assistant_item", "tool_result", "system_item", "invoke"} & kinds


def test_every_run_result_appears_in_the_demo(store: FsStore) -> None:
    results = {
        e.result for name in INTACT for e in entries_of(store, name) if isinstance(e, RunCompleted)
    }
    assert results == set(get_args(WorkerResult))
    assert any(e.kind == "run_errored" for e in entries_of(store, "system_items"))


def test_long_segment_has_200_turns_paced_for_replay(store: FsStore) -> None:
    entries = entries_of(store, "long")
    ends = [e for e in entries if isinstance(e, TurnEnd)]
    assert [e.turn_count for e in ends] == list(range(1, 201))
    starts = [i for i, e in enumerate(entries) if isinstance(e, Invoke)]
    pauses = [
        entries[i].ts - entries[i - 1].ts
        for i in starts
        if isinstance(entries[i - 1], RunCompleted)
    ]
    assert statistics.median(pauses) > 20_000  # the user reads and types between turns
    # the model's output and the tools' results arrive seconds apart, not all at once
    steps = [
        b.ts - a.ts for a, b in pairwise(entries) if isinstance(b, (AssistantItem, ToolResultEntry))
    ]
    assert 300 < statistics.median(steps) < 10_000
    assert max(steps) < 120_000
    titles = {
        "".join(getattr(s, "content", "") for s in e.segments)
        for e in entries
        if isinstance(e, UserInput)
    }
    assert len(titles) > 120  # varied requests, not one turn repeated


# --- the command ---------------------------------------------------------------------------------


def test_main_writes_into_a_new_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "a" / "demo"
    assert samples.main([str(target)]) == 0
    assert sorted(FsStore(target).list_segments()) == sorted(DEMO_SEGMENTS.values())
    assert "11 segments" in capsys.readouterr().out


def test_main_refuses_a_non_empty_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "notes.txt").write_text("keep me")
    assert samples.main([str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not empty" in err and "--force" in err
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_force_replaces_only_the_demos_own_files(
    tmp_path: Path, generated: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main_file = tmp_path / f"{DEMO_SEGMENTS['main']}.jsonl"
    main_file.write_text("stale\n")
    other = tmp_path / "0190a1b2-0001-7001-8000-000000000001.jsonl"
    other.write_bytes(b"a user's segment\n")
    assert samples.main([str(tmp_path), "--force"]) == 0
    assert other.read_bytes() == b"a user's segment\n"
    for segment_id in DEMO_SEGMENTS.values():
        name = f"{segment_id}.jsonl"
        assert (tmp_path / name).read_bytes() == (generated / name).read_bytes()
    capsys.readouterr()


def test_write_demo_store_never_overwrites(tmp_path: Path) -> None:
    write_demo_store(tmp_path)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    with pytest.raises(AlreadyExists):
        write_demo_store(tmp_path)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_main_rejects_a_file_as_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "file"
    target.write_text("")
    assert samples.main([str(target)]) == 2
    assert "not a directory" in capsys.readouterr().err


def test_help_explains_with_an_example(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        samples.main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "python -m segview.samples sample_logs" in out
    assert "--force" in out


# --- the wheel ---------------------------------------------------------------------------------

INSTALLED_CHECK = """\
import sys
from pathlib import Path

import segview.samples as samples

assert Path(samples.__file__).is_relative_to(Path(sys.argv[1])), samples.__file__
print(samples.committed_store())
samples.copy_demo_store(Path("copied"))
sys.exit(samples.main(["generated"]))
"""


def test_the_wheel_ships_the_committed_store_and_the_generator_with_its_corpus(
    tmp_path: Path,
) -> None:
    pip_wheel = [sys.executable, "-m", "pip", "wheel", str(ROOT), "--wheel-dir", str(tmp_path)]
    build = subprocess.run(
        [*pip_wheel, "--no-deps", "--no-build-isolation", "--no-index", "--quiet"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert build.returncode == 0, build.stdout + build.stderr
    (wheel,) = tmp_path.glob("segview-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        for name in (p.name for p in SAMPLE_LOGS.iterdir()):
            packaged = archive.read(f"segview/_demo_store/{name}")
            assert packaged == (SAMPLE_LOGS / name).read_bytes(), name
        prefix = "segview/samples/corpus/"
        corpus = {n.removeprefix(prefix) for n in names if n.startswith(prefix)}
        assert corpus == texts.corpus_files()
        assert not [n for n in names if n.startswith(("sample_logs/", "tests/", "tools/"))]
        assert "segview/app/screenshots.py" not in names  # a developer tool: tools/
        archive.extractall(tmp_path / "site")
    # run from the unpacked wheel, not the checkout: the store is found in the package
    site = tmp_path / "site"
    env = {**os.environ, "PYTHONPATH": str(site)}
    run = subprocess.run(
        [sys.executable, "-c", INSTALLED_CHECK, str(site)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.splitlines()[0] == str(site / "segview" / "_demo_store")
    for name in (p.name for p in SAMPLE_LOGS.iterdir()):
        committed = (SAMPLE_LOGS / name).read_bytes()
        assert (tmp_path / "copied" / name).read_bytes() == committed, name
        assert (tmp_path / "generated" / name).read_bytes() == committed, name


# --- the demo through the CLI ----------------------------------------------------------------------


@pytest.mark.parametrize("name", INTACT)
def test_cli_cat_reproduces_each_intact_file(
    name: str, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    from segview.cli import main as cli

    segment_id = DEMO_SEGMENTS[name]
    assert cli(["cat", str(SAMPLE_LOGS), segment_id[:7]]) == 0
    assert capsysbinary.readouterr().out == (SAMPLE_LOGS / f"{segment_id}.jsonl").read_bytes()


def test_cli_show_renders_a_turn_of_the_demo(capsys: pytest.CaptureFixture[str]) -> None:
    from segview.cli import main as cli

    assert cli(["show", str(SAMPLE_LOGS), DEMO_SEGMENTS["main"][:7], "--turn", "3"]) == 0
    out = capsys.readouterr().out
    assert "after turn 3: turn count 3" in out
    assert "(error): 2 failed, 3 passed" in out
    assert "Deployed to staging" in out and "14 passed" in out
    assert cli(["show", str(SAMPLE_LOGS), DEMO_SEGMENTS["system_items"][:7], "--turn", "1"]) == 0
    assert "config: max_tokens=4096 temperature=0.2 reasoning=low" in capsys.readouterr().out
