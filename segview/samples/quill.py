"""quill, the static site generator that the long segment works on.

What the project is made of (its modules and functions) and what the day brings (bugs,
features, questions) is data: ``corpus/long_day/quill.toml``. ``Quill`` is the project as
one session sees it: it shows functions through ``grep`` and ``read_file`` and counts the
tests as the day goes on.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from typing import Any

from .session import Session, args
from .texts import Corpus

CORPUS = Corpus("long_day")


@dataclass(frozen=True, slots=True)
class Function:
    module: str
    name: str
    does: str  # "renders one page through its layout and returns the HTML"
    signature: str  # "(page: Page, config: Config) -> str"
    body: tuple[str, ...]  # the lines after the docstring

    @property
    def summary(self) -> str:
        """What the function does, as its docstring says it."""
        return f"{self.does[0].upper() + self.does[1:]}."

    @property
    def docstring(self) -> str:
        return f'    """{self.summary}"""'


@dataclass(frozen=True, slots=True)
class Bug:
    module: str
    function: str
    report: str  # what the user says
    cause: str
    before: str  # the line at fault
    after: str  # what replaces it
    test: str  # the regression test's name


@dataclass(frozen=True, slots=True)
class GenericBug:
    """A kind of bug that can be found in any function (``{func}`` in its texts)."""

    report: str
    cause: str
    before: str
    after: str
    test_suffix: str

    def found_in(self, function: Function) -> Bug:
        name = function.name
        test = f"test_{name.strip('_')}_{self.test_suffix}"
        report, cause = self.report.format(func=name), self.cause.format(func=name)
        return Bug(function.module, name, report, cause, self.before, self.after, test)


@dataclass(frozen=True, slots=True)
class Feature:
    request: str
    module: str
    function: str
    code: str  # the lines added before the function's ``return``


@dataclass(frozen=True, slots=True)
class Question:
    question: str
    answer: str


@dataclass(frozen=True, slots=True)
class Project:
    modules: dict[str, str]  # path: what the module is for
    functions: list[Function]  # by module path, then in file order
    bugs: list[Bug]
    generic_bugs: list[GenericBug]
    features: list[Feature]
    questions: list[Question]
    test_cases: list[str]
    block_bodies: dict[str, str]  # a line that opens a block: the block's body

    def function(self, name: str) -> Function:
        return next(f for f in self.functions if f.name == name)


def load_project() -> Project:
    data: dict[str, Any] = tomllib.loads(CORPUS.file("quill.toml"))
    functions = [
        Function(m["path"], f["name"], f["does"], f["signature"], tuple(f["body"].split("\n")))
        for m in sorted(data["module"], key=lambda m: str(m["path"]))
        for f in m["function"]
    ]
    return Project(
        modules={m["path"]: m["description"] for m in data["module"]},
        functions=functions,
        bugs=[Bug(**b) for b in data["bug"]],
        generic_bugs=[GenericBug(**b) for b in data["generic_bug"]],
        features=[Feature(**f) for f in data["feature"]],
        questions=[Question(**q) for q in data["question"]],
        test_cases=list(data["test_cases"]),
        block_bodies=dict(data["block_bodies"]),
    )


def test_file(module: str) -> str:
    """``quill/render.py`` → ``tests/test_render.py``."""
    return "tests/test_" + module.split("/")[1]


class Quill:
    """The project during one session: what the tools show of it, and its test count."""

    def __init__(self, s: Session, project: Project) -> None:
        self.s = s
        self.project = project
        self.tests = 64

    def source(self, function: Function, snippet: str | None = None) -> list[str]:
        """The lines of ``function``; ``snippet`` (a line a bug report is about) is in them."""
        lines = [f"def {function.name}{function.signature}:", function.docstring, *function.body]
        if snippet is not None and all(line.strip() != snippet for line in function.body):
            block = ["    " + snippet]
            if snippet.endswith(":"):
                block.append(self.project.block_bodies.get(snippet, "        pass"))
            lines[-1:-1] = block
        return lines

    def read(self, function: Function, snippet: str | None = None) -> None:
        """Find the function with grep, then read just its lines."""
        s, module = self.s, function.module
        first = s.rng.randint(12, 140)
        lines = self.source(function, snippet)
        grep = args(pattern=f"def {function.name}\\b", path="quill")
        s.call("grep", grep).returns("1 match", f"{module}:{first}:{lines[0]}")
        last = first + len(lines) - 1
        numbered = "\n".join(f"{n:>4}  {line}" for n, line in enumerate(lines, first))
        read = args(path=module, start_line=first, end_line=last)
        s.call("read_file", read).returns(f"{module} (lines {first}-{last})", numbered)

    def run_tests(self, *, failing: str | None = None) -> None:
        s = self.s
        seconds = f"{s.rng.uniform(1.2, 2.4):.2f}"
        call = s.call("run_tests", args(paths=["tests"]))
        if failing:
            passed = self.tests - 1
            out = (
                f"FAILED tests/{failing} - AssertionError\n1 failed, {passed} passed in {seconds}s"
            )
            call.returns(f"1 failed, {passed} passed (exit code 1)", out, is_error=True)
        else:
            call.returns(f"{self.tests} passed", f"{self.tests} passed in {seconds}s")

    def sha(self) -> str:
        return "".join(self.s.rng.choice("0123456789abcdef") for _ in range(7))
