"""*main*: a 10-turn coding session fixing a failing test in the durations library.

Reasoning, tool calls (one failing test run, one failed edit, a linter error), Markdown
answers, attached files, a pasted traceback, ``llm_usage`` per request and a
``config_changed`` before a design question.
"""

from __future__ import annotations

from segview.store import FileRefSegment, FsStore

from .durations import (
    CONFIG,
    CONFIG_HIGH,
    PARSE_PY,
    TEST_PARSE_PY,
    TESTS_16,
    tests_fail_on_ms,
    tests_pass,
)
from .durations import CORPUS as DURATIONS
from .session import Session, args, attachment, paste
from .texts import Corpus

CORPUS = Corpus("main_session")

INIT_PY = "src/durations/__init__.py"
ISO_PY = "src/durations/iso.py"

# the parser's two patterns as the session changes them
TOKEN_V1 = r'_TOKEN = re.compile(r"(\d+(?:\.\d+)?)(h|m|s|ms)")'
TOKEN_V2 = r'_TOKEN = re.compile(r"(\d+(?:\.\d+)?)(ms|h|m|s)")'
TOKEN_V3 = r'_TOKEN = re.compile(r"(\d+(?:\.\d+)?)(ms|h|m|s)", re.IGNORECASE)'
DURATION_V1 = r'_DURATION = re.compile(r"(?:\d+(?:\.\d+)?(?:ms|h|m|s))+")'
DURATION_V2 = r'_DURATION = re.compile(r"\s*(?:\d+(?:\.\d+)?(?:ms|h|m|s)\s*)+")'
DURATION_V3 = r'_DURATION = re.compile(r"\s*(?:\d+(?:\.\d+)?(?:ms|h|m|s)\s*)+", re.IGNORECASE)'

TESTS_27 = [("tests/test_format.py", 3), ("tests/test_iso.py", 11), ("tests/test_parse.py", 13)]


def write_main(store: FsStore) -> Session:
    s = Session.start(store, "main", system_prompt=DURATIONS.text("prompt.md"), config=CONFIG)
    _diagnose(s)
    _fix(s)
    _regression(s)
    _case_insensitive(s)
    s.config(CONFIG_HIGH, after=(240, 300))  # the user raises the effort before a question
    _design_question(s)
    _iso_8601(s)
    _docs(s)
    _checks(s)
    _performance(s)
    s.ask(
        "Perfect. Summarise today's changes in three bullets for the PR description.",
        after=(100, 160),
    )
    s.answer(CORPUS.text("answer_10.md"))
    return s


def _diagnose(s: Session) -> None:
    """Turn 1: explain the failure, change nothing."""
    s.ask(
        "CI has been red on main since last night's merge. Can you find out why ",
        FileRefSegment(path=TEST_PARSE_PY),
        " fails? Don't change anything yet, just explain.",
        after=(0.004, 0.02),
    )
    s.system(attachment(TEST_PARSE_PY, DURATIONS.file("test_parse_v1.py")))
    s.think(
        "The user wants a diagnosis only, no edits. The attached tests expect 250ms == 0.25 "
        "and 1m500ms == 60.5. Run the file first to see the actual values, then read the parser.",
        ["Reproduce the failure before reading code"],
    )
    tests_fail_on_ms(s)
    s.think(
        "15000.0 for '250ms' is 250 x 60, so the 'm' unit matched. 30060.0 for '1m500ms' is "
        "60 + 500 x 60: same cause. Probably the alternation lists 'm' before 'ms'.",
        ["250ms is read as 250 minutes", "Suspect the order of the unit alternation"],
    )
    s.read(PARSE_PY, DURATIONS.file("parse_v1.py"))
    grep = args(pattern="_TOKEN|UNITS", path="src")
    s.call("grep", grep).returns("4 matches in 2 files", CORPUS.text("grep_tokens.txt"))
    s.answer(CORPUS.text("answer_01.md"))


def _fix(s: Session) -> None:
    """Turn 2: the longest unit first, and validation of the whole string."""
    s.ask("Yes, go ahead with both, and add tests for the garbage case.", after=(45, 80))
    s.think(
        "Reorder to (ms|h|m|s). For validation add a second pattern for the whole string "
        "and use fullmatch; findall can stay for extracting the tokens.",
        ["Longest unit first", "Validate the whole string with fullmatch"],
    )
    diff = f"@@ -14 +14,2 @@\n-{TOKEN_V1}\n+{TOKEN_V2}\n+{DURATION_V1}"
    s.edit(PARSE_PY, TOKEN_V1, f"{TOKEN_V2}\n{DURATION_V1}", diff)
    check = (
        "    if not _DURATION.fullmatch(text):\n"
        '        raise ValueError(f"could not parse duration {text!r}")\n'
    )
    added = "\n".join(f"+{line}" for line in check.splitlines())
    s.edit(
        PARSE_PY, "    total = 0.0\n", check + "    total = 0.0\n", f"@@ -19,0 +20,2 @@\n{added}"
    )
    test = (
        '@pytest.mark.parametrize("text", ["", "5x", "1h30", "ms"])\n'
        "def test_rejects_garbage(text):\n"
        "    with pytest.raises(ValueError):\n"
        "        parse_duration(text)\n\n\n"
    )
    compound = "def test_compound_durations():"
    s.edit(TEST_PARSE_PY, compound, test + compound, "@@ -13,0 +14,6 @@")
    tests_pass(s, [("tests/test_format.py", 3), ("tests/test_parse.py", 9)], "0.05")
    s.answer(CORPUS.text("answer_02.md"))


def _regression(s: Session) -> None:
    """Turn 3: the stricter parser broke staging (a pasted traceback)."""
    traceback = CORPUS.text("traceback.txt")
    s.ask(
        "Deployed to staging and the scheduler now crashes on startup:\n",
        paste(1, traceback),
        "\nIs that us?",
        after=(420, 560),
    )
    s.think(
        "The new fullmatch validation rejects the space in '1h 30m'. Before, findall skipped "
        "it. Check whether callers or docs rely on whitespace.",
        ["The stricter validation rejects spaces", "Check the docs and callers"],
    )
    grep = args(pattern=r"parse_duration\(|[Ww]hitespace", path=".")
    s.call("grep", grep).returns("5 matches in 4 files", CORPUS.text("grep_callers.txt"))
    s.edit(PARSE_PY, DURATION_V1, DURATION_V2, "@@ -15 +15 @@")
    spaces = '("1h 30m", 5400.0), (" 2m ", 120.0)],'
    s.edit(TEST_PARSE_PY, '("250ms", 0.25)],', f'("250ms", 0.25), {spaces}', "@@ -8 +8 @@")
    tests_pass(s, [("tests/test_format.py", 3), ("tests/test_parse.py", 11)], "0.05")
    s.answer(CORPUS.text("answer_03.md"))


def _case_insensitive(s: Session) -> None:
    """Turn 4: units in any case, asked about a referenced file."""
    s.ask(
        "Can we make the units case-insensitive too? Someone wrote `2H` in ",
        FileRefSegment(path="config/jobs.example.toml"),
        " and I'd rather accept it than explain it.",
        after=(300, 420),
    )
    s.system(attachment("config/jobs.example.toml", CORPUS.file("jobs.example.toml")))
    s.think(
        "Compile both patterns with re.IGNORECASE and lower-case the unit before the lookup. "
        "Mention that M means minutes here, not months.",
        ["IGNORECASE on both patterns", "Normalise the unit before the lookup"],
    )
    lookup = "        total += float(number) * UNITS[unit]"
    s.edit(PARSE_PY, lookup, lookup.replace("[unit]", "[unit.lower()]"), "@@ -24 +24 @@")
    s.edit(PARSE_PY, TOKEN_V2, TOKEN_V3, "@@ -14 +14 @@")
    s.edit(PARSE_PY, DURATION_V2, DURATION_V3, "@@ -15 +15 @@")
    upper = '(" 2m ", 120.0), ("2H", 7200.0), ("1M30S", 90.0)],'
    s.edit(TEST_PARSE_PY, '(" 2m ", 120.0)],', upper, "@@ -8 +8 @@")
    tests_pass(s, TESTS_16, "0.06")
    s.answer(CORPUS.text("answer_04.md"))


def _design_question(s: Session) -> None:
    """Turn 5: a question thought through at high effort; no tools."""
    s.ask(
        "Bigger question, think it through before answering: should we also accept "
        "ISO 8601 durations like `PT1H30M`? No code yet.",
        after=(20, 40),
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
    s.answer(CORPUS.text("answer_05.md"))


def _iso_8601(s: Session) -> None:
    """Turn 6: implement the proposal; the first edit of ``__init__.py`` misses."""
    s.ask("Go with your proposal.", after=(90, 150))
    iso = args(path=ISO_PY, content=CORPUS.file("iso.py"))
    s.call("write_file", iso).returns(f"wrote {ISO_PY} (25 lines)")
    missed = args(
        path=INIT_PY,
        old_string="from .parse import parse_duration\n",
        new_string="from .iso import parse_iso8601\nfrom .parse import parse_duration\n",
    )
    s.call("edit_file", missed).returns(
        f"old_string not found in {INIT_PY}",
        "No exact match for old_string. The file may differ from what you expect "
        "(whitespace, other names on the line); read it before editing.",
        is_error=True,
    )
    s.think("The import line must be different. Read the file.", ["Read __init__.py first"])
    s.read(INIT_PY, CORPUS.file("init.py"))
    s.edit(
        INIT_PY,
        'from .parse import UNITS, parse_duration\n\n__all__ = ["UNITS", "parse_duration"]',
        "from .iso import parse_iso8601\nfrom .parse import UNITS, parse_duration\n\n"
        '__all__ = ["UNITS", "parse_duration", "parse_iso8601"]',
        "@@ -3,3 +3,4 @@",
    )
    validate = "    if not _DURATION.fullmatch(text):"
    delegate = '    if text.strip()[:1] in ("P", "p"):\n        return parse_iso8601(text)\n'
    s.edit(PARSE_PY, validate, delegate + validate, "@@ -21,0 +22,2 @@")
    imports = "import re\n\nfrom .iso import parse_iso8601\n"
    s.edit(PARSE_PY, "import re\n", imports, "@@ -5,0 +6,2 @@")
    test_iso = args(path="tests/test_iso.py", content=CORPUS.file("test_iso.py"))
    s.call("write_file", test_iso).returns("wrote tests/test_iso.py (22 lines)")
    tests_pass(s, TESTS_27, "0.07")
    s.answer(CORPUS.text("answer_06.md"))


def _docs(s: Session) -> None:
    """Turn 7: README and CHANGELOG."""
    s.ask("Nice. Update the README and the CHANGELOG.", after=(120, 200))
    s.read("README.md", CORPUS.file("readme.md"))
    s.read("CHANGELOG.md", CORPUS.file("changelog.md"))
    development = "## Development\n"
    section = CORPUS.file("readme_iso_8601.md") + "\n" + development
    s.edit("README.md", development, section, "@@ -23,0 +24,11 @@")
    title = "# Changelog\n\n"
    unreleased = title + CORPUS.file("changelog_unreleased.md") + "\n"
    s.edit("CHANGELOG.md", title, unreleased, "@@ -2,0 +3,8 @@")
    s.answer(CORPUS.text("answer_07.md"))


def _checks(s: Session) -> None:
    """Turn 8: tests, ruff (one complaint) and mypy; a commit message."""
    s.ask("Run everything (tests, ruff, mypy) and write me a commit message.", after=(150, 240))
    tests_pass(s, TESTS_27, "0.07")
    ruff = CORPUS.text("ruff_f401.txt")
    s.run("ruff check .", ruff, exit_code=1, took=(0.2, 0.5))
    s.edit(ISO_PY, "import math\nimport re\n", "import re\n", "@@ -5 +4,0 @@")
    clean = "All checks passed!\nSuccess: no issues found in 4 source files"
    s.run("ruff check . && mypy src", clean, took=(2.5, 4.0))
    s.answer(CORPUS.text("answer_08.md"))


def _performance(s: Session) -> None:
    """Turn 9: two timings."""
    s.ask(
        "How fast is it? The scheduler parses a few thousand of these at startup.",
        after=(200, 320),
    )
    setup = "python -m timeit -s 'from durations import parse_duration' "
    timings = (
        ("1h 30m 15s", "200000 loops, best of 5: 1.41 usec per loop"),
        ("PT1H30M15S", "100000 loops, best of 5: 2.12 usec per loop"),
    )
    for text, output in timings:
        s.run(f"{setup}'parse_duration(\"{text}\")'", output, took=(3.0, 5.0))
    s.answer(CORPUS.text("answer_09.md"))
