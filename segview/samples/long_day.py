"""*long*: a 200-turn working day on quill, for stepping and replay.

Realistic pauses (the user reads and types between turns, now and then a long break), a
growing context, bug fixes, features, questions and chores drawn in a fixed pseudo-random
order, two CI notification turns, a provider error and its retry, a run stopped at the
tool-call limit, and effort changes.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from segview.store import FsStore, RequestConfig, SystemNotification

from .quill import CORPUS, Bug, Feature, Project, Quill, load_project, test_file
from .session import Seconds, Session, args

CONFIG = RequestConfig(max_tokens=8192, temperature=0.3, stop_sequences=[], reasoning="medium")

NOTIFICATION_TURNS = (37, 151)
RENAME_TURN = 121  # stops at the tool-call limit; turn 122 finishes the job
RETRY_TURN = 89  # the provider fails; the user asks again
EFFORT_CHANGES = {73: "high", 160: "medium"}
REGRESSIONS = "# --- regressions ---\n"


def write_long_day(store: FsStore) -> None:
    s = Session.start(store, "long", system_prompt=CORPUS.text("prompt.md"), config=CONFIG)
    day = _Day(s, load_project())
    while True:
        n = s.turn_count + 1
        pause: Seconds = (600.0, 1500.0) if s.rng.random() < 0.04 else (25.0, 200.0)
        if n == 1:
            pause = (0.004, 0.02)
        if n in NOTIFICATION_TURNS:
            _notification(s, n, pause)
            continue
        if n == RENAME_TURN:
            day.rename(pause)
            continue
        kind = next(day.schedule, None)
        if kind is None:
            break
        if n in EFFORT_CHANGES:
            effort = EFFORT_CHANGES[n]
            s.config(CONFIG.model_copy(update={"reasoning": effort}), after=(10, 30))
        s.invoke(after=pause)
        if n == RETRY_TURN:
            day.retry()  # this turn's drawn kind is skipped
        else:
            day.turns[kind]()
        s.end_turn()
        if n % 100 == 0:
            s.extension("memory.extract", {"processed_through_entry": s.entry_count()})


def _schedule(project: Project, rng: random.Random) -> list[str]:
    """The kinds of the ordinary turns, in a fixed pseudo-random order."""
    kinds = (
        ["bug"] * len(project.bugs)
        + ["feature"] * len(project.features)
        + ["question"] * len(project.questions)
        + ["generic_bug"] * 40
        + ["explain"] * 24
        + ["test"] * 30
        + ["docstring"] * 20
        + ["command"] * 56
    )
    rng.shuffle(kinds)
    return kinds


def _notification(s: Session, n: int, pause: Seconds) -> None:
    """A turn started by a CI notification, not by the user."""
    build = 2400 + n
    passed = n == NOTIFICATION_TURNS[0]
    outcome = "passed" if passed else "failed on windows-latest (test_slugify_accents)"
    body = f"[Notification]\nCI: workflow `tests` on main #{build} {outcome}"
    s.event("notify", SystemNotification(message=f"CI #{build} {outcome}", body=body), after=pause)
    if passed:
        s.answer("CI is green on all platforms.")
    else:
        s.answer(
            "Windows CI fails in `test_slugify_accents`: the test reads its fixture without "
            '`encoding="utf-8"`, so Windows decodes it as cp1252. I can fix that next.'
        )


class _Day:
    """The turns of the day; each kind of ordinary turn draws its next subject in order."""

    def __init__(self, s: Session, project: Project) -> None:
        self.s = s
        self.q = Quill(s, project)
        self.project = project
        self.schedule = iter(_schedule(project, s.rng))
        self.bugs = iter(project.bugs)
        self.features = iter(project.features)
        self.questions = iter(project.questions)
        generic = [b.found_in(f) for b in project.generic_bugs for f in project.functions]
        s.rng.shuffle(generic)
        self.generic_bugs = iter(generic)
        explained = list(project.functions)
        s.rng.shuffle(explained)
        self.explained = iter(explained)
        self.turns: dict[str, Callable[[], None]] = {
            "bug": lambda: self.fix(next(self.bugs)),
            "generic_bug": lambda: self.fix(next(self.generic_bugs)),
            "feature": lambda: self.feature(next(self.features)),
            "question": self.question,
            "explain": self.explain,
            "test": self.add_test,
            "docstring": self.docstring,
            "command": self.command,
        }

    def fix(self, bug: Bug) -> None:
        s, q, module = self.s, self.q, bug.module
        s.user(bug.report)
        s.think(f"Look at {bug.function} in {module} first.", [f"Locate {bug.function}"])
        q.read(self.project.function(bug.function), bug.before)
        s.think(bug.cause, ["Found the cause"])
        s.edit(module, bug.before, bug.after)
        tests = test_file(module)
        s.edit(tests, REGRESSIONS, f"{REGRESSIONS}\n\ndef {bug.test}():\n    ...\n")
        q.tests += 1
        if s.rng.random() < 0.25:
            q.run_tests(failing=f"{tests[6:]}::{bug.test}")
            s.think("The new test's expectation was wrong, not the fix.", ["Fix the test"])
            s.edit(tests, "    ...\n", "    assert ...\n")
        q.run_tests()
        diff = "- " + bug.before + "\n+ " + bug.after.replace("\n    ", "\n+ ")
        s.say(
            f"**Cause:** {bug.cause}\n\n**Fix** in `{module}`:\n\n```diff\n{diff}\n```\n\n"
            f"Added the regression test `{bug.test}`; all {q.tests} tests pass."
        )

    def _add_code(self, feature: Feature) -> None:
        """The feature's code, before the ``return`` of its function."""
        self.s.edit(feature.module, "    return", f"    {feature.code}\n    return")

    def feature(self, feature: Feature) -> None:
        s, q, func = self.s, self.q, feature.function
        s.user(feature.request)
        q.read(self.project.function(func))
        s.think(f"Add it in {func} and keep the default behaviour unchanged.", [f"Extend {func}"])
        self._add_code(feature)
        q.tests += 2
        q.run_tests()
        s.say(
            f"Done — in `{feature.module}` (`{func}`):\n\n```python\n{feature.code}\n```\n\n"
            f"Covered by two new tests; {q.tests} pass. The default behaviour is unchanged."
        )

    def question(self) -> None:
        question = next(self.questions)
        self.s.user(question.question)
        self.s.think(
            "A design question; answer from the codebase as I know it.", ["Answer directly"]
        )
        self.s.say(question.answer)

    def explain(self) -> None:
        s = self.s
        function = next(self.explained, None) or s.rng.choice(self.project.functions)
        module, func = function.module, function.name
        s.user(f"Remind me what `{func}` in `{module}` does. Is it safe to call twice?")
        self.q.read(function)
        description = self.project.modules[module]
        s.say(
            f"`{func}` {function.does}. It lives in `{module}`: "
            f"{description[0].lower() + description[1:]}\n\n"
            "It only reads its arguments and returns a new value, so calling it twice is safe. "
            "The only side effect is debug logging."
        )

    def add_test(self) -> None:
        s, q = self.s, self.q
        function = s.rng.choice(self.project.functions)
        case = s.rng.choice(self.project.test_cases)
        func, tests = function.name, test_file(function.module)
        s.user(f"Add a test for `{func}` with {case}.")
        name = "test_" + func.strip("_") + "_" + "_".join(case.replace("-", " ").split()[-2:])
        s.edit(tests, REGRESSIONS, f"def {name}(tmp_site):\n    ...\n\n\n{REGRESSIONS}")
        q.tests += 1
        q.run_tests()
        s.say(f"Added `{name}` to `{tests}`; it passes ({q.tests} tests in total).")

    def docstring(self) -> None:
        s = self.s
        function = s.rng.choice(self.project.functions)
        func, summary = function.name, function.summary
        s.user(f"Give `{func}` a docstring example.")
        example = f'    """{summary}\n\n    >>> {func}(...)\n    """'
        s.edit(function.module, function.docstring, example)
        s.say(f"Added a doctest-style example to `{func}`.")

    def command(self) -> None:
        s, q = self.s, self.q
        kind = s.rng.randint(0, 3)
        if kind == 0:
            s.user("What's uncommitted right now?")
            call = s.call("run_command", args(command="git status --short"))
            files = sorted({s.rng.choice(sorted(self.project.modules)) for _ in range(3)})
            call.returns("exit code 0", "\n".join(f" M {f}" for f in files))
            s.say(f"{len(files)} modified files, nothing staged: {', '.join(files)}.")
        elif kind == 1:
            s.user("Commit what we have, short message.")
            sha = q.sha()
            message = "Fix rendering edge cases"
            s.run(
                f"git commit -qam '{message}' && git log --oneline -1",
                f"{sha} (HEAD -> main) {message}",
            )
            s.say(f"Committed as `{sha}`.")
        elif kind == 2:
            s.user("How long does a full build of the docs site take now?")
            pages = s.rng.randint(180, 240)
            secs = s.rng.uniform(1.8, 3.2)
            s.run(
                "quill build --verbose ../docs-site",
                f"parsed {pages} pages in {secs * 0.2:.2f}s\nrendered {pages} pages in "
                f"{secs * 0.7:.2f}s\nbuilt {pages} pages in {secs:.2f}s",
                took=(secs, secs + 0.5),
            )
            s.say(f"**{secs:.1f} s** for {pages} pages; rendering is about 70% of it.")
        else:
            s.user("Which tests are the slowest?")
            s.run(
                "pytest -q --durations=3",
                f"{q.tests} passed in 2.31s\n\n======== slowest 3 durations ========\n"
                "0.41s call     tests/test_server.py::test_reload_on_save\n"
                "0.22s call     tests/test_render.py::test_render_site\n"
                "0.09s setup    tests/test_cli.py::test_build_example_site",
                took=(2.5, 3.5),
            )
            s.say(
                "`test_reload_on_save` takes 0.4 s because it waits for a real file-system "
                "event. Everything else is under 0.25 s — not worth optimising."
            )

    def retry(self) -> None:
        """The provider fails mid-run (no turn_end); the user sends the request again."""
        s, q = self.s, self.q
        feature = self.project.features[2]
        s.user(feature.request)
        q.read(self.project.function(feature.function))
        s.wait(30, 40)
        s.errored("provider error: 529 overloaded")
        s.ask("Try again please.", after=(20, 40))
        s.think("Continue where the failed run stopped.", ["Retry"])
        self._add_code(feature)
        q.run_tests()
        s.say("Done on the second attempt: `sitemap.xml` is written next to `feed.xml`.")

    def rename(self, pause: Seconds) -> None:
        """A run that stops at the tool-call limit, and the turn that finishes the job."""
        s, q = self.s, self.q
        s.ask("Rename `Page.meta` to `Page.front_matter` everywhere.", after=pause)
        files = sorted(self.project.modules)
        call = s.call("grep", args(pattern=r"\.meta\b", path="quill"))
        matches = "\n".join(f"{f}:{s.rng.randint(10, 90)}:    meta = page.meta" for f in files)
        call.returns(f"{len(files)} matches in {len(files)} files", matches)
        for f in files[:5]:
            s.edit(f, "page.meta", "page.front_matter")
        s.end_turn("limit_reached")
        s.ask("continue", after=(15, 40))
        for f in files[5:]:
            s.edit(f, "page.meta", "page.front_matter")
        q.run_tests()
        s.answer(f"Renamed in all {len(files)} modules; {q.tests} tests pass.")
