"""Tokens and cost: per turn, per segment, inherited by forks, per branch and per subtree.

Expected values are computed here straight from the files' JSON lines (orjson, no segview
reader), with a rule of their own: a request belongs to the turn whose ``turn_end`` it
follows, up to the next ``invoke``.
"""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path
from typing import Any

import orjson
import pytest

from segview.cost import (
    Link,
    Priced,
    PriceTable,
    SegmentUsage,
    Tokens,
    UsageReader,
    config_path,
    format_money,
    lineage_figures,
    load_prices,
    scan_usage,
    segment_usage,
    turn_spans,
    usage_figures,
)
from segview.lineage import Lineage
from segview.store import FsStore, RestoredState, create_segment, save_usage
from tests.family import IDS, write_family

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_LOGS = ROOT / "sample_logs"
COUNTERS = ("input_total_tokens", "cache_read_tokens", "cache_write_tokens", "output_tokens")


# --- expected values, from the raw lines ----------------------------------------------------


def lines(path: Path) -> list[dict[str, Any]]:
    out = []
    for raw in path.read_bytes().split(b"\n"):
        try:
            out.append(orjson.loads(raw))
        except orjson.JSONDecodeError:
            continue  # blank, or the demo's truncated last line
    return out


def add(a: dict[str, int], entry: dict[str, Any]) -> dict[str, int]:
    out = dict(a)
    out["requests"] += 1
    for key in COUNTERS:
        out[key] += entry[key]
    return out


ZERO = {"requests": 0, **dict.fromkeys(COUNTERS, 0)}


def own(path: Path) -> dict[str, int]:
    total = dict(ZERO)
    for entry in lines(path):
        if entry["kind"] == "llm_usage":
            total = add(total, entry)
    return total


def through(path: Path, turn_count: int) -> dict[str, int]:
    """The requests before the first ``invoke`` after the ``turn_end`` with ``turn_count``."""
    if turn_count == 0:
        return dict(ZERO)
    total, ended = dict(ZERO), False
    for entry in lines(path):
        if entry["kind"] == "turn_end" and entry["turn_count"] == turn_count:
            ended = True
        elif entry["kind"] == "invoke" and ended:
            return total
        elif entry["kind"] == "llm_usage":
            total = add(total, entry)
    return total


def family_of(store: Path) -> dict[str, tuple[str | None, int | None]]:
    """Each segment's parent and the parent's turn, from the first line of its file."""
    out: dict[str, tuple[str | None, int | None]] = {}
    for path in store.glob("*.jsonl"):
        first = lines(path)[0]
        origin = first.get("forked_from") or first.get("compacted_from")
        out[path.stem] = (origin["segment_id"], origin["at_turn_index"]) if origin else (None, None)
    return out


def tokens_dict(t: Tokens) -> dict[str, int]:
    return t.to_json()


def expected_figures(store: Path) -> dict[str, dict[str, dict[str, int]]]:
    parents = family_of(store)
    owns = {s: own(store / f"{s}.jsonl") for s in parents}

    def inherited(s: str) -> dict[str, int]:
        parent, at = parents[s]
        if parent is None or parent not in parents:
            return dict(ZERO)
        share = through(store / f"{parent}.jsonl", at or 0)
        up = inherited(parent)
        return {k: share[k] + up[k] for k in ZERO}

    def subtree(s: str) -> dict[str, int]:
        total = dict(owns[s])
        for child, (parent, _at) in parents.items():
            if parent == s:
                below = subtree(child)
                total = {k: total[k] + below[k] for k in ZERO}
        return total

    out = {}
    for s in parents:
        inh = inherited(s)
        out[s] = {
            "own": owns[s],
            "inherited": inh,
            "branch": {k: owns[s][k] + inh[k] for k in ZERO},
            "subtree": subtree(s),
        }
    return out


@pytest.fixture
def family(tmp_path: Path) -> Path:
    root = tmp_path / "family"
    write_family(root)
    return root


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    dest = tmp_path / "sample_logs"
    shutil.copytree(SAMPLE_LOGS, dest)
    return dest


# --- per turn -------------------------------------------------------------------------------


def test_a_request_belongs_to_the_turn_whose_turn_end_it_follows(family: Path) -> None:
    entries = FsStore(family).read_tolerant(IDS["root"]).entries
    spans, tail = turn_spans(entries)
    assert [s.turn_count for s in spans] == [1, 2, 3, 4]
    assert [s.tokens.requests for s in spans] == [2, 1, 2, 1]
    assert spans[0].tokens == Tokens(2, 250, 100, 150, 12)
    assert spans[2].tokens.output == 11 + 13
    assert not tail
    # each span runs from the turn's first entry to the entry after what closes it
    for prev, span in itertools.pairwise(spans):
        assert span.first == prev.close
        assert entries[span.first].kind == "invoke"  # type: ignore[union-attr]
    assert spans[-1].close == len(entries)


def test_usage_of_an_unfinished_turn_is_the_tail(tmp_path: Path) -> None:
    store = FsStore(tmp_path)
    sid = create_segment(store, RestoredState())
    save_usage(store, sid, 0, 10, 0, 10, 1)
    usage = segment_usage(store.read_tolerant(sid).entries)
    assert usage.turns == () and usage.tail == Tokens(1, 10, 0, 10, 1) and usage.total == usage.tail
    assert usage.through_turn(0) == Tokens()
    assert usage.through_turn(3) == usage.total  # no such turn: the whole log (as fork_at)


def test_through_turn_follows_the_fork_cut(family: Path) -> None:
    usage = segment_usage(FsStore(family).read_tolerant(IDS["root"]).entries)
    for k in range(5):
        assert tokens_dict(usage.through_turn(k)) == through(family / f"{IDS['root']}.jsonl", k)


def all_segment_files(*stores: Path) -> list[Path]:
    return sorted(p for store in stores for p in store.rglob("*.jsonl") if ".trace." not in p.name)


def test_the_fast_usage_scan_agrees_with_the_tolerant_reader(family: Path, demo: Path) -> None:
    golden = ROOT / "tests" / "golden" / "stores"
    head = ROOT / "tests" / "golden_head" / "stores"
    files = all_segment_files(family, demo, golden, head)
    assert len(files) > 20
    for path in files:
        read = FsStore(path.parent).read_tolerant(path.stem)
        slow = segment_usage(read.entries)
        fast = scan_usage(path.read_bytes())
        assert (fast.total, fast.tail) == (slow.total, slow.tail), path
        assert [(t.turn_count, t.tokens) for t in fast.turns] == [
            (t.turn_count, t.tokens) for t in slow.turns
        ], path


def test_the_fast_usage_scan_leaves_out_damaged_lines(family: Path) -> None:
    path = family / f"{IDS['root']}.jsonl"
    lines = path.read_bytes().split(b"\n")
    usage = [i for i, line in enumerate(lines) if b'"llm_usage"' in line]
    lines[usage[0]] = lines[usage[0]].replace(b'"output_tokens":5', b'"output_tokens":-5')
    lines[usage[1]] = lines[usage[1]][:40]  # cut in the middle
    lines[usage[2]] = lines[usage[2]].replace(b'"output_tokens":9', b'"output_tokens":true')
    lines.insert(3, b"   ")
    lines.insert(4, b"not json at all")
    lines.insert(5, b'{"kind":"turn_end","ts":1,"turn_count":"three"}')
    path.write_bytes(b"\n".join(lines)[:-1])  # and no newline after the last line
    read = FsStore(family).read_tolerant(IDS["root"])
    assert len(read.problems) >= 5
    slow, fast = segment_usage(read.entries), scan_usage(path.read_bytes())
    assert fast.total == slow.total and fast.total.requests == 6 - 3
    assert [(t.turn_count, t.tokens) for t in fast.turns] == [
        (t.turn_count, t.tokens) for t in slow.turns
    ]


# --- per segment, branch, subtree -------------------------------------------------------------


@pytest.mark.parametrize("which", ["family", "demo"])
def test_figures_equal_sums_computed_from_the_files(which: str, family: Path, demo: Path) -> None:
    store = family if which == "family" else demo
    figures = lineage_figures(Lineage.open(store))
    expected = expected_figures(store)
    assert set(figures) == set(expected)
    for sid, want in expected.items():
        got = figures[sid]
        for scope in ("own", "inherited", "branch", "subtree"):
            assert tokens_dict(got.get(scope)) == want[scope], (sid, scope)
    # every request is counted once: the roots' subtrees hold every file's requests
    lineage = Lineage.open(store)
    total = sum(own(p)["requests"] for p in store.glob("*.jsonl"))
    assert sum(figures[r.id].subtree.requests for r in lineage.roots) == total


def test_the_demo_fork_inherits_main_up_to_turn_4(demo: Path) -> None:
    figures = lineage_figures(Lineage.open(demo))
    main_id = "01926b80-f80e-7fda-abe5-925c8c52fefc"
    fork_mid = "01926c67-1da6-7491-a960-761f5a544665"
    want = through(demo / f"{main_id}.jsonl", 4)
    assert tokens_dict(figures[fork_mid].inherited) == want
    assert want["requests"] == 4 + 5 + 5 + 6  # main's turns 1-4


def test_a_missing_parent_makes_the_inherited_share_incomplete(family: Path) -> None:
    (family / f"{IDS['root']}.jsonl").unlink()
    figures = lineage_figures(Lineage.open(family))
    fork = figures[IDS["fork"]]
    assert not fork.inherited_complete and fork.inherited == Tokens()
    assert not figures[IDS["forkfork"]].inherited_complete
    assert figures[IDS["twin"]].inherited_complete


def test_usage_figures_on_links_in_forest_order() -> None:
    def seg(*tokens: int) -> SegmentUsage:
        return SegmentUsage(total=Tokens(1, *tokens))

    links = [Link("r", None, None), Link("c", "r", 0), Link("g", "c", 9)]
    figures = usage_figures(
        links, {"r": seg(1, 0, 0, 1), "c": seg(2, 0, 0, 2), "g": seg(4, 0, 0, 4)}
    )
    assert figures["r"].subtree == Tokens(3, 7, 0, 0, 7)
    assert figures["c"].inherited == Tokens()  # fork at 0: nothing of the parent
    assert figures["g"].inherited == Tokens(1, 2, 0, 0, 2)  # no turn 9: the parent's whole log
    assert figures["g"].branch == Tokens(2, 6, 0, 0, 6)


def test_the_usage_reader_reads_a_file_again_only_when_it_changed(family: Path) -> None:
    store, reader = FsStore(family), UsageReader()
    first = reader.read(store, IDS["other"])
    assert reader.read(store, IDS["other"]) is first
    save_usage(store, IDS["other"], 9, 1, 0, 1, 1)
    again = reader.read(store, IDS["other"])
    assert again.total.requests == first.total.requests + 1
    assert reader.read(store, "0190d000-00ff-7000-8000-0000000000ff") == SegmentUsage()


# --- prices ---------------------------------------------------------------------------------

CONFIG = """
[cost]
currency = "€"
model = "big"

[cost.stores]
"{store}" = "small"

[prices.big]
input = 3.0
cache_read = 0.3
cache_write = 3.75
output = 15.0

[prices.small]
input = 1.0
output = 2.0
"""


def test_a_price_table_from_the_config_file(tmp_path: Path) -> None:
    store = tmp_path / "store"
    store.mkdir()
    path = tmp_path / "config.toml"
    path.write_text(CONFIG.replace("{store}", str(store)))
    table, warning = load_prices(path)
    assert warning is None and table.currency == "€"
    assert table.model_for(store) == "small"
    assert table.model_for(store / "session") == "small"  # a session directory inside it
    assert table.model_for(tmp_path / "elsewhere") == "big"
    small = table.prices["small"]
    assert small.cache_read == small.input == 1.0  # cache prices default to the input price
    tokens = Tokens(2, 1_000_000, 600_000, 300_000, 100_000)
    big = table.prices["big"]
    assert big.cost(tokens) == pytest.approx(0.1 * 3 + 0.6 * 0.3 + 0.3 * 3.75 + 0.1 * 15)
    assert Priced.of(table, store) == Priced("small", small, table)
    assert table.format(1234.5) == "€1,234" and format_money(0.0004) == "<$0.001"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[prices.x\ninput = 1", "line 1"),
        ("[prices.x]\ninput = 1", "needs `output`"),
        ('[prices.x]\ninput = "1"\noutput = 1', "must be a number"),
        ("[prices.x]\ninput = -1\noutput = 1", "0 or more"),
        ("[prices.x]\ninput = 1\noutput = 1\ncached = 1", "unknown keys: cached"),
        ("cost = 3", "`cost` must be a table"),
    ],
)
def test_a_bad_config_is_one_clear_warning_and_no_prices(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text)
    table, warning = load_prices(path)
    assert table.prices == {} and warning is not None
    assert str(path) in warning and message in warning and "\n" not in warning


def test_no_config_file_means_no_prices_and_no_warning(tmp_path: Path) -> None:
    assert load_prices(tmp_path / "absent.toml") == (PriceTable(), None)


def test_where_the_config_file_is_looked_for(tmp_path: Path) -> None:
    assert config_path({"SEGVIEW_CONFIG": str(tmp_path / "c.toml")}) == tmp_path / "c.toml"
    assert config_path({"XDG_CONFIG_HOME": str(tmp_path)}) == tmp_path / "segview/config.toml"
    assert config_path({}) == Path.home() / ".config/segview/config.toml"
