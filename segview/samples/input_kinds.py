"""*input_segments*: every kind of typed user input, on tally (a Rust timesheet tool).

Plain text, a paste, an ``@file`` reference, a ``#knowledge`` reference, a ``/workflow``
invocation, and one message that mixes them all.
"""

from __future__ import annotations

from segview.store import (
    FileRefSegment,
    FsStore,
    KnowledgeRefSegment,
    RequestConfig,
    SystemKnowledge,
    SystemWorkflow,
    WorkflowInvokeSegment,
)

from .session import Session, args, attachment, paste
from .texts import Corpus

CORPUS = Corpus("input_kinds")

CONFIG = RequestConfig(max_tokens=8192, stop_sequences=[], reasoning="medium")
BOM_FIX = "Read timesheets that start with a UTF-8 byte-order mark (Excel exports)."


def write_input_kinds(store: FsStore) -> None:
    s = Session.start(
        store, "input_segments", system_prompt=CORPUS.text("prompt.md"), config=CONFIG
    )
    _text_and_paste(s)
    _file_and_knowledge(s)
    _workflows(s)


def _text_and_paste(s: Session) -> None:
    """Turn 1: plain text; turn 2: text with a paste (an Excel export, with its BOM)."""
    s.ask(
        "What does the `--since` flag of `tally report` accept? I can't find it in the docs.",
        after=(0.004, 0.02),
    )
    grep = args(pattern="since", path="src")
    s.call("grep", grep).returns("3 matches in 2 files", CORPUS.text("grep_since.txt"))
    s.answer(CORPUS.text("answer_1.md"))

    timesheet = "\ufeff" + CORPUS.text("timesheet.csv")
    s.ask(
        "It fails on this file from Excel:\n",
        paste(1, timesheet),
        "\nerror: missing column `date`",
        after=(60, 120),
    )
    s.think(
        "The pasted file starts with U+FEFF. The header's first column is then '\\u{feff}date', "
        "not 'date'.",
        ["The file starts with a byte-order mark"],
    )
    s.answer(
        "The file starts with a **UTF-8 byte-order mark** (`U+FEFF`), which Excel adds to CSV "
        "exports. The header's first column is therefore `\\u{feff}date`, so the lookup for "
        "`date` fails. The parser should strip a leading BOM from the header line."
    )


def _file_and_knowledge(s: Session) -> None:
    """Turn 3: a file reference; turn 4: a knowledge reference."""
    parse_rs = "src/parse.rs"
    s.ask(
        "Here's the parser, make it skip the BOM: ", FileRefSegment(path=parse_rs), after=(45, 90)
    )
    s.system(attachment(parse_rs, CORPUS.file("parse.rs")))
    columns = "    let columns = Columns::from_header(&header)?;"
    strip = (
        "    let header = header.strip_prefix('\\u{feff}').unwrap_or(&header);\n"
        "    let columns = Columns::from_header(header)?;"
    )
    s.edit(parse_rs, columns, strip, "@@ -9 +9,2 @@")
    s.run("cargo test --quiet", CORPUS.text("cargo_test.txt"), took=(6.0, 11.0))
    s.answer(CORPUS.text("answer_3.md"))

    slug = "rust-error-handling"
    s.ask(
        "Does our new error for this follow ", KnowledgeRefSegment(slug=slug), "?", after=(60, 120)
    )
    s.system(SystemKnowledge(slug=slug, body=CORPUS.text("rust_error_handling.md")))
    s.answer(CORPUS.text("answer_4.md"))


def _workflows(s: Session) -> None:
    """Turn 5: a workflow invocation; turn 6: every kind in one message."""
    s.ask(WorkflowInvokeSegment(slug="changelog"), after=(40, 80))
    s.system(SystemWorkflow(slug="changelog", body=CORPUS.text("changelog_workflow.md")))
    unreleased = "## Unreleased\n"
    fixed = f"{unreleased}\n### Fixed\n\n- {BOM_FIX}\n"
    s.edit("CHANGELOG.md", unreleased, fixed, "@@ -3,0 +4,4 @@")
    s.answer(f"Added under *Unreleased → Fixed*: “{BOM_FIX}”")

    s.ask(
        "Ship it: ",
        WorkflowInvokeSegment(slug="release"),
        " following ",
        KnowledgeRefSegment(slug="release-checklist"),
        ", with the notes from ",
        FileRefSegment(path="CHANGELOG.md"),
        " and this summary:\n",
        paste(2, CORPUS.text("release_notes.txt")),
        after=(90, 150),
    )
    s.system(
        attachment("CHANGELOG.md", f"# Changelog\n\n{fixed}"),
        SystemKnowledge(slug="release-checklist", body=CORPUS.text("release_checklist.md")),
        SystemWorkflow(slug="release", body=CORPUS.text("release_workflow.md")),
    )
    checks = "cargo clippy --quiet -- -D warnings && cargo test --quiet"
    s.run(checks, CORPUS.text("cargo_test.txt"), took=(12.0, 20.0))
    release = (
        'sed -i \'s/^version = "0.6.2"/version = "0.7.0"/\' Cargo.toml && cargo check --quiet '
        "&& git commit -qam 'Release v0.7.0' && git tag -a v0.7.0 -m 'tally 0.7.0' "
        "&& git log --oneline -1"
    )
    tagged = "a3f09e2 (HEAD -> main, tag: v0.7.0) Release v0.7.0"
    s.run(release, tagged, took=(3.0, 6.0))
    s.answer(CORPUS.text("answer_6.md"))
