"""The forks of *main*: at turn 0, after turn 4, and a fork of that fork after its turn 1.

Forks restart their turn count at 1 (replaying a fork gives turn count 0 before its first
turn), as the agent runtime does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .durations import CORPUS as DURATIONS
from .durations import (
    PARSE_PY,
    TEST_PARSE_PY,
    TESTS_16,
    pytest_output,
    tests_fail_on_ms,
    tests_pass,
)
from .session import Session, args
from .texts import Corpus

if TYPE_CHECKING:
    from segview.store import FsStore

CORPUS = Corpus("forks")

RETURNS_FLOAT = "def parse_duration(text: str) -> float:"
RETURNS_TIMEDELTA = "def parse_duration(text: str) -> timedelta:"
ASSERT_TIMEDELTA = "    assert parse_duration(text) == timedelta(seconds=seconds)"


def write_forks(store: FsStore) -> None:
    """The three forks; *fork_of_fork* is written after its source *fork_mid*."""
    _timedelta(Session.fork(store, "fork_mid", "main", 4))
    _parse_timedelta(Session.fork(store, "fork_of_fork", "fork_mid", 1))
    _smallest_fix(Session.fork(store, "fork_turn0", "main", 0))


def _smallest_fix(s: Session) -> None:
    """*fork_turn0*: *main* at turn 0, before its first turn.

    The same failing test, asked differently: the smallest fix, then a question about it.
    """
    s.ask(
        "tests/test_parse.py has been failing since #41 was merged. Fix it with the "
        "smallest diff you can.",
        after=(2, 6),
    )
    tests_fail_on_ms(s)
    s.think(
        "250ms parses as 250 minutes: the m alternative wins over ms. Reordering the "
        "alternation is a one-line fix.",
        ["ms is matched as m", "Reorder the alternation"],
    )
    s.read(PARSE_PY, DURATIONS.file("parse_v1.py"))
    s.edit(PARSE_PY, "(h|m|s|ms)", "(ms|h|m|s)", CORPUS.text("fixed_diff.txt"))
    five = [(TEST_PARSE_PY, 5)]
    tests_pass(s, five, "0.03", paths=[TEST_PARSE_PY], took=(1.0, 1.5))
    s.answer(CORPUS.text("fork_turn0_answer_1.md"))

    s.ask("Thanks. Does `5x` still parse to 0.0?", after=(60, 120))
    command = "python -c 'from durations import parse_duration as p; print(p(\"5x\"))'"
    s.run(command, "0.0", took=(0.3, 0.6))
    s.answer(CORPUS.text("fork_turn0_answer_2.md"))


def _timedelta(s: Session) -> None:
    """*fork_mid*: *main* after its turn 4; a timedelta instead of ISO 8601.

    The change breaks the callers' arithmetic, which the second turn weighs.
    """
    s.ask(
        "Let's skip ISO 8601 for now. Instead, make `parse_duration` return a "
        "`datetime.timedelta` — every caller converts the float anyway.",
        after=(3, 8),
    )
    s.think(
        "Changing the return type breaks callers that do arithmetic on floats. Find the "
        "callers and the tests first.",
        ["Find every caller before changing the return type"],
    )
    grep = args(pattern=r"parse_duration\(", path=".")
    s.call("grep", grep).returns("4 matches in 3 files", CORPUS.text("fork_mid_grep.txt"))
    s.edit(PARSE_PY, RETURNS_FLOAT, RETURNS_TIMEDELTA, "@@ -18 +18 @@")
    returns = "    return timedelta(seconds=total)\n"
    s.edit(PARSE_PY, "    return total\n", returns, "@@ -27 +27 @@")
    s.call("run_tests", args(paths=["tests"])).returns(
        "13 failed, 3 passed (exit code 1)",
        pytest_output(CORPUS.text("fork_mid_pytest_failures.txt")),
        is_error=True,
        took=(1.0, 1.6),
    )
    asserts = "    assert parse_duration(text) == seconds"
    s.edit(TEST_PARSE_PY, asserts, ASSERT_TIMEDELTA, "@@ -11 +11 @@")
    tests_pass(s, TESTS_16, "0.06")
    s.answer(CORPUS.text("fork_mid_answer_1.md"))

    s.ask(
        "Hmm, the scheduler does `time.sleep(parse_duration(...))`. How would we roll this out?",
        after=(120, 240),
    )
    s.answer(CORPUS.text("fork_mid_answer_2.md"))


def _parse_timedelta(s: Session) -> None:
    """*fork_of_fork*: *fork_mid* after its turn 1, a fork of a fork.

    The user backs out of the breaking change: ``parse_duration`` returns a float again and
    ``parse_timedelta`` is added next to it, then documented in the README.
    """
    s.ask(
        "Too risky. Undo the return type change and add `parse_timedelta()` next to "
        "`parse_duration()` instead.",
        after=(4, 9),
    )
    s.edit(PARSE_PY, RETURNS_TIMEDELTA, RETURNS_FLOAT, "@@ -18 +18 @@")
    function = (
        "def parse_timedelta(text: str) -> timedelta:\n"
        '    """Like :func:`parse_duration`, as a :class:`~datetime.timedelta`."""\n'
        "    return timedelta(seconds=parse_duration(text))\n"
    )
    returns = "    return timedelta(seconds=total)\n"
    s.edit(PARSE_PY, returns, "    return total\n\n\n" + function, "@@ -27 +27,6 @@")
    both = (
        "    assert parse_duration(text) == seconds\n"
        "    assert parse_timedelta(text) == timedelta(seconds=seconds)"
    )
    s.edit(TEST_PARSE_PY, ASSERT_TIMEDELTA, both, "@@ -11 +11,2 @@")
    tests_pass(s, TESTS_16, "0.06")
    s.answer(CORPUS.text("fork_of_fork_answer_1.md"))

    s.ask("Add it to the README, one short example.", after=(90, 180))
    development = "## Development\n"
    example = CORPUS.file("readme_timedelta.md") + "\n" + development
    s.edit("README.md", development, example, "@@ -23,0 +24,8 @@")
    s.answer("Added to the README's *Usage* section, right after the whitespace note.")
