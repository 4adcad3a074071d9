"""``segview diff`` through the real entry point."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from segview.cli import main
from segview.compare import compare
from segview.lineage import Lineage
from segview.store import (
    FsStore,
    RestoredState,
    TextSegment,
    create_segment,
    fork_at,
    save_turn_end,
    save_user_input,
)
from tests.test_compare import (
    FORK_MID,
    MAIN,
    SAMPLE_LOGS,
    after_turn,
    raw,
    side_totals,
    user_inputs,
)

Capture = pytest.CaptureFixture[str]


@pytest.fixture
def demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    dest = tmp_path / "sample_logs"
    shutil.copytree(SAMPLE_LOGS, dest)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SEGVIEW_CONFIG", str(tmp_path / "no-config.toml"))
    return dest


def run(capsys: Capture, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def row(out: str, label: str) -> list[str]:
    """The two values of a totals row (``label   A   B``)."""
    for line in out.splitlines():
        parts = re.split(r"\s{2,}", line.strip())
        if parts[0] == label and len(parts) == 3:
            return parts[1:]
    raise AssertionError(f"no row {label!r} in:\n{out}")


def test_diff_of_the_demo_fork_and_main(demo: Path, capsys: Capture) -> None:
    code, out, err = run(capsys, "diff", "sample_logs", "01926c6", "01926b8")
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0].startswith("A  01926c6  fork of 01926b8 after turn 4")
    assert lines[1].startswith("B  01926b8  root · 10 turns")
    assert "common ancestor: 01926b8 (A leaves it after its turn 4; B is it)" in lines
    assert "shared: 4 turns, 47 items (01926b8 turns 1-4)" in lines
    i = lines.index("diverges at turn 5 (user input)")
    fork_input = user_inputs(raw(demo, FORK_MID))[0]
    main_input = user_inputs(raw(demo, MAIN))[4]
    assert lines[i + 1].startswith("  A: " + fork_input[:80])
    assert lines[i + 2].startswith("  B: " + main_input[:80])
    # the totals of each side after the shared turns, as the files say
    a = side_totals(raw(demo, FORK_MID))
    b = side_totals(after_turn(raw(demo, MAIN), 4))
    assert row(out, "turns") == [str(a["turns"]), str(b["turns"])]
    assert row(out, "tool calls") == [str(a["tool_calls"]), str(b["tool_calls"])]
    assert row(out, "errors") == [str(a["errors"]), str(b["errors"])]
    assert row(out, "input tokens") == [f"{a['input']:,}", f"{b['input']:,}"]
    assert row(out, "output tokens") == [f"{a['output']:,}", f"{b['output']:,}"]
    assert row(out, "requests") == [str(a["requests"]), str(b["requests"])]
    assert row(out, "wall time") == ["25.3 s", "1 min 37 s"]
    assert (a["wall_ms"], b["wall_ms"]) == (25_308, 97_584)
    assert "cost" not in out  # no prices configured: no money shown
    # turn by turn: every turn after the divergence has its heading
    for n in range(5, 11):
        assert any(line.startswith(f"── turn {n} ·") for line in lines), n


def test_diff_json_is_the_models_data(demo: Path, capsys: Capture) -> None:
    code, out, _ = run(capsys, "diff", "sample_logs", "01926c6", "01926b8", "--json")
    assert code == 0
    data = json.loads(out)
    expected = compare(Lineage.open(demo), FORK_MID, MAIN).to_json()
    assert {k: v for k, v in data.items() if k != "cost"} == json.loads(json.dumps(expected))
    assert data["cost"] is None
    assert data["divergence"]["b_user"] == user_inputs(raw(demo, MAIN))[4]


def test_diff_with_prices_shows_the_cost_of_each_side(
    demo: Path, capsys: Capture, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        f'[cost]\nmodel = "m"\n[cost.stores]\n"{demo}" = "demo-model"\n'
        "[prices.demo-model]\ninput = 3\noutput = 15\ncache_read = 0.3\ncache_write = 3.75\n"
    )
    monkeypatch.setenv("SEGVIEW_CONFIG", str(config))
    _, out, _ = run(capsys, "diff", "sample_logs", "01926c6", "01926b8")
    a = side_totals(raw(demo, FORK_MID))
    write = a["input"] - a["cache_read"]  # the demo writes every uncached token to the cache
    cost = (a["cache_read"] * 0.3 + write * 3.75 + a["output"] * 15) / 1e6
    assert row(out, "cost (demo-model)")[0] == f"${cost:.3f}"
    _, out, _ = run(capsys, "diff", "sample_logs", "01926c6", "01926b8", "--json")
    assert json.loads(out)["cost"]["a"] == pytest.approx(cost)


def test_diff_of_a_segment_with_itself_and_of_unrelated_ones(demo: Path, capsys: Capture) -> None:
    code, out, _ = run(capsys, "diff", "sample_logs", "01926b8", "01926b8")
    assert code == 0 and "no divergence: the two conversations are the same" in out
    _, out, _ = run(capsys, "diff", "sample_logs", "019224c", "01926b8")
    assert "common ancestor: none (unrelated segments: compared from their start)" in out
    assert "diverges at turn 1 (user input)" in out


def test_diff_usage_errors_are_one_line(demo: Path, capsys: Capture) -> None:
    code, out, err = run(capsys, "diff", "sample_logs", "0192", "01926b8")
    assert code == 1 and out == "" and err.count("\n") == 1 and "ambiguous" in err
    code, out, err = run(capsys, "diff", "sample_logs", "ffff", "01926b8")
    assert code == 1 and err.count("\n") == 1 and "'ffff'" in err
    code, out, err = run(capsys, "diff", "nowhere", "a", "b")
    assert code == 2 and out == "" and err.count("\n") == 1 and "nowhere" in err


def test_diff_escapes_log_text(tmp_path: Path, capsys: Capture) -> None:
    store = FsStore(tmp_path)
    root = create_segment(store, RestoredState())
    save_user_input(store, root, [TextSegment(content="hello")])
    save_turn_end(store, root, 1)
    fork = fork_at(store, root, 1)
    hostile = "evil \x1b[2J\x1b]52;c;aGk=\x07 \u202eright-to-left\u202c \x9b31m"
    save_user_input(store, fork, [TextSegment(content=hostile + "\nsecond line")])
    save_turn_end(store, fork, 1)
    save_user_input(store, root, [TextSegment(content="benign")])
    save_turn_end(store, root, 2)
    code, out, _ = run(capsys, "diff", str(tmp_path), fork, root, "--full")
    assert code == 0
    for bad in ("\x1b", "\x07", "\u202e", "\u202c", "\x9b"):
        assert bad not in out
    assert "\\x1b[2J" in out and "\\u202e" in out
