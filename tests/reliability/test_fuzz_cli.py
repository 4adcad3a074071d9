"""The command line over mutated golden and hostile logs (``tests/reliability/fuzz.py``): no
traceback, no exit status but 0, 1 and 2, no control character on stdout or stderr, no file of
the store changed, no command still running after a generous time limit.

A few hundred cases run here; ``python benchmarks/fuzz_cli.py`` runs any number of them.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.reliability import fuzz

CASES = 300
SEED = 20_241_008


@pytest.fixture(scope="module")
def bases(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return fuzz.base_stores(tmp_path_factory.mktemp("fuzz-bases"))


def test_the_command_line_survives_mutated_logs(bases: list[Path], tmp_path: Path) -> None:
    outcomes = []
    for n in range(CASES):
        work = tmp_path / f"case-{n}"
        work.mkdir()
        outcomes.append(fuzz.run_case(bases, work, SEED + n))
    assert fuzz.describe_failures(outcomes) == ""
    # the cases reach every command and every exit status
    assert set(Counter(o.argv[0] for o in outcomes)) == {
        "ls",
        "tree",
        "check",
        "show",
        "cat",
        "fork",
        "search",
    }
    assert {0, 1, 2} <= {o.exit_code for o in outcomes}
    assert set(fuzz.MUTATIONS) <= {m for o in outcomes for m in o.mutations}


def misbehave(how: str) -> Callable[[list[str]], int]:
    def main(argv: list[str]) -> int:
        if how == "escape":
            print("title \x1b]0;x\x07")
        elif how == "bidi on stderr":
            print("\u202e", file=sys.stderr)
        elif how == "traceback":
            raise ValueError("boom")
        elif how == "status":
            return 3
        elif how == "write":
            for path in Path(argv[1]).rglob("*.jsonl"):
                path.write_bytes(b"")
        elif how == "hang":
            time.sleep(5)
        return 0

    return main


@pytest.mark.parametrize(
    ("how", "found"),
    [
        ("escape", "control character '\\x1b' on stdout"),
        ("bidi on stderr", "control character '\\u202e' on stderr"),
        ("traceback", "traceback: ValueError: boom"),
        ("status", "exit status 3"),
        ("write", "changed: "),
        ("hang", "still running after 0.5 s"),
    ],
)
def test_the_fuzzer_sees_what_it_looks_for(
    how: str, found: str, bases: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fuzz, "main", misbehave(how))
    outcome = fuzz.run_case(bases, tmp_path, SEED, timeout=0.5)
    assert [f for f in outcome.failures if f.startswith(found)], outcome.failures
