"""``segview tree``, ``ls`` and ``check`` print again what they printed while nothing it was
made from changed (``segview.cli.kept``), and never a kept output that is stale or damaged:
after each change (a label, a line appended, a file rewritten, added or removed, the price
table, a skipped file, the path given) or each kind of damage, a command prints what
``--no-index`` prints, on both streams, with the same exit status."""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from segview.cli import kept, main
from segview.index import INDEX_NAME
from segview.store import FsStore, TurnEnd, UserInput
from segview.store.model import TextSegment
from tests.conftest import GOLDEN_STORES

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "sample_logs"
HEAD_STORES = Path(__file__).parent / "golden_head" / "stores"


@pytest.fixture
def built(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The outputs a command made (not printed again from the index)."""
    calls: list[str] = []

    class Counting(kept.Recording):
        def __init__(self, output: kept.KeptOutput | None) -> None:
            calls.append("made")
            super().__init__(output)

    monkeypatch.setattr(kept, "Recording", Counting)
    yield calls


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


TreeCheck = Callable[[], None]


def checker(
    capsys: pytest.CaptureFixture[str], built: list[str], *argv: str
) -> tuple[TreeCheck, TreeCheck]:
    """``changed()``: the command builds the forest and prints what ``--no-index`` prints;
    ``unchanged()``: it prints the same without building anything."""

    def changed() -> None:
        expected = run(capsys, *argv, "--no-index")
        built.clear()
        assert run(capsys, *argv) == expected, argv
        assert len(built) == 1, "the output was not made again after a change"
        unchanged_after(expected)

    def unchanged_after(expected: tuple[int, str, str]) -> None:
        built.clear()
        assert run(capsys, *argv) == expected, argv
        assert built == [], "the kept output was not used"

    def unchanged() -> None:
        unchanged_after(run(capsys, *argv, "--no-index"))

    return changed, unchanged


def copy(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


@pytest.mark.parametrize(
    "source",
    [SAMPLE, GOLDEN_STORES / "basic", HEAD_STORES / "head_basic", HEAD_STORES / "head_compat"],
    ids=lambda p: p.name,
)
@pytest.mark.parametrize("json", [False, True], ids=["text", "json"])
@pytest.mark.parametrize("command", ["tree", "ls", "check"])
def test_kept_while_unchanged_and_made_again_after_each_change(
    command: str,
    source: Path,
    json: bool,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    built: list[str],
) -> None:
    store = copy(source, tmp_path / "store")
    argv = [command, str(store), *(["--json"] if json else [])]
    changed, unchanged = checker(capsys, built, *argv)
    changed()  # cold: made, and kept
    unchanged()
    segments = sorted(p for p in store.rglob("*.jsonl") if not p.name.endswith(".trace.jsonl"))
    target = segments[-1]
    fs = FsStore(target.parent)
    segment_id = target.name.removesuffix(".jsonl")
    # a label (a sidecar the store's files do not show)
    assert main(["label", str(store), segment_id, "kept or not"]) == 0
    capsys.readouterr()
    changed()
    # a turn appended, as the runtime appends
    fs.append(segment_id, UserInput(ts=1_900_000_000_000, segments=[TextSegment(content="more")]))
    fs.append(segment_id, TurnEnd(ts=1_900_000_000_001, turn_count=99))
    changed()
    # rewritten at the same size, its modification time set back
    st = target.stat()
    data = target.read_bytes()
    target.write_bytes(data.replace(b'"more"', b'"MORE"'))
    os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns))
    changed()
    # a file that is not a segment (skipped, said on stderr), then a file removed
    (target.parent / "notes.jsonl").write_text("{}\n")
    changed()
    built.clear()
    code, out, err = run(capsys, *argv)
    assert built == []
    if command == "check":  # a problem of the store: said again, with the exit status
        assert code == 1 and "notes.jsonl" in out
    elif command == "tree" and not json:
        assert "1 file skipped" in err
    segments[0].unlink()
    changed()


@pytest.mark.parametrize("command", ["tree", "ls"])
def test_the_price_table_is_an_input_of_the_json_output(
    command: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    built: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store = copy(SAMPLE, tmp_path / "store")
    config = tmp_path / "config.toml"
    monkeypatch.setenv("SEGVIEW_CONFIG", str(config))
    argv = [command, str(store), "--json"]
    changed, unchanged = checker(capsys, built, *argv)
    changed()
    config.write_text("[prices.default]\ninput = 3\noutput = 15\ncache_read = 0.3\n")
    changed()
    assert '"currency": "$"' in run(capsys, *argv)[1]
    config.write_text("[prices.default]\ninput = 4\noutput = 15\ncache_read = 0.3\n")
    changed()
    config.write_text("[prices\n")  # its warning, on stderr, printed again with the output
    changed()
    assert "no prices" in run(capsys, *argv)[2]
    unchanged()
    # the text output prints no cost: the price table is not one of its inputs
    _, text_unchanged = checker(capsys, built, command, str(store))
    run(capsys, command, str(store))
    config.write_text("[prices.default]\ninput = 5\noutput = 15\n")
    text_unchanged()


def test_the_path_given_is_an_input(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    built: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An empty store prints its path as given: the same directory named another way has
    an output of its own."""
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.chdir(tmp_path)
    for given in (str(empty), "empty", "./empty", str(empty)):
        expected = run(capsys, "tree", given, "--no-index")
        assert f"no segments in {Path(given)}\n" == expected[1]
        assert run(capsys, "tree", given) == expected
        assert run(capsys, "tree", given) == expected


def kept_values(db: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(db) as con:
        return con.execute("SELECT root, name FROM outputs ORDER BY name").fetchall()


@pytest.mark.parametrize("how", ["a byte flipped", "cut short", "another key", "emptied"])
def test_a_damaged_kept_output_is_made_again(
    how: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    built: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store = copy(SAMPLE, tmp_path / "store")
    monkeypatch.setenv("SEGVIEW_CACHE_DIR", str(tmp_path / "cache"))
    db = tmp_path / "cache" / INDEX_NAME
    for json in ([], ["--json"]):
        changed, _ = checker(capsys, built, "tree", str(store), *json)
        changed()
    assert kept_values(db) == [(str(store), "tree"), (str(store), "tree --json")]
    with sqlite3.connect(db) as con:
        for (value,) in con.execute("SELECT value FROM outputs").fetchall():
            if how == "a byte flipped":
                damaged = value[:-40] + bytes([value[-40] ^ 0x01]) + value[-39:]
            elif how == "cut short":
                damaged = value[: len(value) // 2]
            elif how == "another key":
                damaged = value
                con.execute("UPDATE outputs SET key = zeroblob(16) WHERE value = ?", (value,))
            else:
                damaged = b""
            con.execute("UPDATE outputs SET value = ? WHERE value = ?", (damaged, value))
    for json in ([], ["--json"]):
        changed, _ = checker(capsys, built, "tree", str(store), *json)
        changed()
