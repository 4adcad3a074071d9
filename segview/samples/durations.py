"""durations, the small Python library that the main session and its forks work on."""

from __future__ import annotations

from collections.abc import Sequence

from segview.store import RequestConfig

from .session import Seconds, Session, args
from .texts import Corpus

CORPUS = Corpus("durations")

CONFIG = RequestConfig(max_tokens=8192, stop_sequences=[], reasoning="medium")
CONFIG_HIGH = RequestConfig(max_tokens=16384, stop_sequences=[], reasoning="high")

PARSE_PY = "src/durations/parse.py"
TEST_PARSE_PY = "tests/test_parse.py"
TESTS_16 = [("tests/test_format.py", 3), ("tests/test_parse.py", 13)]
"""The test files and their test counts once units are case-insensitive."""


def pytest_output(body: str) -> str:
    """pytest's output: its header, then ``body``."""
    return CORPUS.file("pytest_header.txt") + body


def pytest_pass(files: Sequence[tuple[str, int]], seconds: str) -> str:
    """The output of a green pytest run over ``(file, number of tests)``."""
    total = sum(n for _, n in files)
    rows, done = [], 0
    for path, n in files:
        done += n
        rows.append(f"{path} {'.' * n}".ljust(73) + f"[{done * 100 // total:>3}%]")
    body = "\n".join(rows)
    summary = f" {total} passed in {seconds}s "
    return pytest_output(f"collected {total} items\n\n{body}\n\n{summary.center(80, '=')}")


def tests_pass(
    s: Session,
    files: Sequence[tuple[str, int]],
    seconds: str,
    *,
    paths: Sequence[str] = ("tests",),
    took: Seconds = (1.0, 1.6),
) -> None:
    """``run_tests`` with every test passing."""
    total = sum(n for _, n in files)
    output = pytest_pass(files, seconds)
    s.call("run_tests", args(paths=list(paths))).returns(f"{total} passed", output, took=took)


def tests_fail_on_ms(s: Session) -> None:
    """The first run of the parser's tests: ``250ms`` is read as 250 minutes."""
    output = pytest_output(CORPUS.text("pytest_failures.txt"))
    summary = "2 failed, 3 passed (exit code 1)"
    s.call("run_tests", args(paths=[TEST_PARSE_PY])).returns(
        summary, output, is_error=True, took=(1.1, 1.8)
    )
