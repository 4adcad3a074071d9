"""The demo's long texts, kept as plain files in ``corpus/`` next to this module.

``corpus/<folder>/`` holds the texts of one part of the demo: prompts, answers, tool output,
and the files of the simulated projects. Every file ends with one newline: ``Corpus.file``
gives a file's whole content (a project file, as a tool shows it), ``Corpus.text`` gives it
without that newline (an answer, a prompt, a tool's output).
"""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable

_ROOT: Traversable = files("segview.samples") / "corpus"
_read: dict[str, str] = {}


class Corpus:
    """The texts of one folder of ``corpus/``."""

    def __init__(self, folder: str) -> None:
        self.folder = folder

    def file(self, name: str) -> str:
        """The whole content of ``corpus/<folder>/<name>`` (read once)."""
        key = f"{self.folder}/{name}"
        if key not in _read:
            _read[key] = (_ROOT / self.folder / name).read_text(encoding="utf-8")
        return _read[key]

    def text(self, name: str) -> str:
        """The content of ``corpus/<folder>/<name>`` without its final newline."""
        return self.file(name).removesuffix("\n")


def corpus_files() -> set[str]:
    """Every file of the corpus, as ``folder/name``."""
    return {f"{d.name}/{f.name}" for d in _ROOT.iterdir() if d.is_dir() for f in d.iterdir()}


def loaded() -> set[str]:
    """The files read so far, as ``folder/name``."""
    return set(_read)
