"""The compaction chain: *main* → *compacted_1* → *compacted_2*.

Each compaction starts from a summary of its source plus the source's last two items, and
continues the source's turn count, as the agent runtime does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .session import Session
from .texts import Corpus

if TYPE_CHECKING:
    from segview.store import FsStore

CORPUS = Corpus("compactions")


def write_compactions(store: FsStore, main: Session) -> None:
    s = Session.compact(store, "compacted_1", main, CORPUS.text("summary_1.md"), keep_last=2)
    _bump_version(s)
    _commit_and_build(s)
    _annotated_tag(s)

    s2 = Session.compact(store, "compacted_2", s, CORPUS.text("summary_2.md"), keep_last=2)
    s2.ask("Draft a short announcement for the #eng channel.", after=(180, 260))
    s2.answer(CORPUS.text("announcement.md"))

    s2.ask("Shorter: two sentences, and lead with the ISO support.", after=(60, 120))
    s2.answer(
        "durations 0.4.0 understands ISO 8601 durations like `PT1H30M`, accepts units in any "
        "case and rejects invalid input with a `ValueError`. It also fixes `ms` being read as "
        "minutes since 0.3.1, so please `pip install -U durations`."
    )


def _bump_version(s: Session) -> None:
    """Turn 11."""
    s.ask(
        "Let's cut a release: bump the version to 0.4.0 and date the changelog.", after=(140, 220)
    )
    s.read("pyproject.toml", CORPUS.file("durations_pyproject.toml"))
    s.edit("pyproject.toml", 'version = "0.3.1"', 'version = "0.4.0"', "@@ -3 +3 @@")
    init = "src/durations/__init__.py"
    s.edit(init, '__version__ = "0.3.1"', '__version__ = "0.4.0"', "@@ -7 +7 @@")
    s.edit("CHANGELOG.md", "## Unreleased", "## 0.4.0 — 2024-10-08", "@@ -3 +3 @@")
    s.run("git diff --stat", CORPUS.text("git_diff_stat.txt"))
    s.answer(
        "Version bumped to **0.4.0** in `pyproject.toml` and `__init__.py`, and the "
        "changelog's *Unreleased* heading is now `## 0.4.0 — 2024-10-08`. Together with "
        "today's fixes the working tree has 8 changed files (+88 −11). Nothing is committed yet."
    )


def _commit_and_build(s: Session) -> None:
    """Turn 12."""
    s.ask("Commit it, tag v0.4.0 and build the wheel. Don't push.", after=(60, 120))
    commit = "git commit -am 'Release 0.4.0: fix ms parsing, ISO 8601 durations' && git tag v0.4.0"
    s.run(commit, CORPUS.text("git_commit.txt"))
    s.run("python -m build", CORPUS.text("python_build.txt"), took=(6.0, 9.0))
    s.answer(CORPUS.text("answer_12.md"))


def _annotated_tag(s: Session) -> None:
    """Turn 13."""
    s.ask(
        "The release script just failed: the tag must be annotated, it reads its message.",
        after=(420, 480),
    )
    s.run(
        "git tag -d v0.4.0 && git tag -a v0.4.0 -m 'durations 0.4.0' && git cat-file -t v0.4.0",
        "Deleted tag 'v0.4.0' (was 5d41c7e)\ntag",
    )
    s.answer(
        "Recreated `v0.4.0` as an annotated tag with the message *durations 0.4.0* "
        "(`git cat-file -t v0.4.0` now says `tag`, not `commit`). Still nothing pushed."
    )
