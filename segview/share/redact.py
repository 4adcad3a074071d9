"""Mask what looks like a secret before a conversation leaves the machine.

``Redactor.text`` replaces, in order: private key blocks, JSON web tokens and bearer tokens,
API keys with a well-known shape (OpenAI/Anthropic ``sk-…``, AWS ``AKIA…``, Google ``AIza…``,
GitHub ``ghp_…``/``github_pat_…``, Slack ``xox…-``, GitLab, npm, PyPI, Hugging Face,
Stripe), the value of assignments such as ``password=…`` or ``"api_key": "…"``, the password
of a URL (``scheme://user:PASSWORD@host``), e-mail addresses, and home directories
(``/home/NAME``, ``/Users/NAME``, ``C:\\Users\\NAME`` become ``~``). Each mask says what it
replaced (``[redacted API key]``); ``counts`` says how many different values of each kind
were masked.

It is a pattern match, not a guarantee: a secret of no known shape passes through.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from segview.text import plural

__all__ = ["KINDS", "Redactor"]

# kind -> (singular, plural) for the report, in the order the report lists them
KINDS: dict[str, tuple[str, str]] = {
    "private_key": ("private key", "private keys"),
    "token": ("token", "tokens"),
    "api_key": ("API key", "API keys"),
    "secret": ("secret value", "secret values"),
    "email": ("e-mail address", "e-mail addresses"),
    "home_path": ("home path", "home paths"),
}

_PRIVATE_KEY = re.compile(
    r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----.*?-----END (?:[A-Z0-9]+ )*PRIVATE KEY-----",
    re.DOTALL,
)
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")
_BEARER = re.compile(r"(?i)(\b(?:bearer|token)\s+)([A-Za-z0-9._~+/-]{20,}=*)")
_API_KEY = re.compile(
    r"\b(?:"
    r"sk-(?:proj-|ant-(?:api\d\d-|admin\d\d-)?)?[A-Za-z0-9_-]{20,}"
    r"|(?:AKIA|ASIA)[0-9A-Z]{16}"
    r"|AIza[0-9A-Za-z_-]{35}"
    r"|gh[pousr]_[A-Za-z0-9]{30,}"
    r"|github_pat_[A-Za-z0-9_]{22,}"
    r"|xox[abposr]-[A-Za-z0-9-]{10,}"
    r"|glpat-[A-Za-z0-9_-]{20,}"
    r"|npm_[A-Za-z0-9]{36}"
    r"|pypi-[A-Za-z0-9_-]{40,}"
    r"|hf_[A-Za-z0-9]{30,}"
    r"|(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{20,}"
    r")"
)
_SECRET = re.compile(
    r"(?i)((?<![a-z0-9])(?:api[_-]?key|apikey|secret(?:[_-]?key)?|client[_-]?secret|password|passwd|pwd"
    r"|access[_-]?token|auth[_-]?token|refresh[_-]?token|private[_-]?key|access[_-]?key)"
    r"""["']?\s*[:=]\s*["']?)(?!\[redacted)([^\s"',;&]{6,})"""
)
_URL_PASSWORD = re.compile(r"(\b[a-z][a-z0-9+.-]*://[^/\s:@]+:)(?!\[redacted)([^/\s@]+)(@)")
_EMAIL = re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")
_HOME = re.compile(
    r"(?<![\w.~-])(?:/home/|/Users/)(?!\[redacted)[^/\s\"'<>:;,|]+"
    r"|\b[A-Za-z]:\\Users\\[^\\\s\"'<>:;,|]+"
    r"|(?<![\w/])/root(?=/|\b)"
)


def _mask(kind: str) -> str:
    return f"[redacted {KINDS[kind][0]}]"


@dataclass
class Redactor:
    """Masks secrets in text and in JSON-like data; ``found`` keeps each masked value by kind
    (``counts``: how many different values of each kind, ``places``: how many were masked)."""

    found: dict[str, set[str]] = field(default_factory=dict)
    places: int = 0

    @property
    def counts(self) -> Counter[str]:
        return Counter({kind: len(values) for kind, values in self.found.items()})

    def text(self, text: str) -> str:
        if not text:
            return text
        text = self._sub(_PRIVATE_KEY, "private_key", text)
        text = self._sub(_JWT, "token", text)
        text = self._sub(_BEARER, "token", text, group=2)
        text = self._sub(_API_KEY, "api_key", text)
        text = self._sub(_SECRET, "secret", text, group=2)
        text = self._sub(_URL_PASSWORD, "secret", text, group=2)
        text = self._sub(_EMAIL, "email", text)
        return self._sub(_HOME, "home_path", text, replacement="~")

    def _sub(
        self,
        pattern: re.Pattern[str],
        kind: str,
        text: str,
        *,
        group: int = 0,
        replacement: str | None = None,
    ) -> str:
        mask = _mask(kind) if replacement is None else replacement

        def one(match: re.Match[str]) -> str:
            self.found.setdefault(kind, set()).add(match.group(group))
            self.places += 1
            if group == 0:
                return mask
            whole, start = match.group(0), match.start(0)
            a, b = match.start(group) - start, match.end(group) - start
            return whole[:a] + mask + whole[b:]

        return pattern.sub(one, text)

    def tree(self, data: Any) -> Any:
        """``data`` (dicts, lists, strings, numbers) with every string masked."""
        walk: Callable[[Any], Any] = self.tree
        if isinstance(data, str):
            return self.text(data)
        if isinstance(data, dict):
            return {k: walk(v) for k, v in data.items()}
        if isinstance(data, list):
            return [walk(v) for v in data]
        return data

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def report(self) -> str:
        """``redacted 2 API keys, 1 e-mail address (5 places)``: the different values of each
        kind, and how many places were masked (or that nothing was found)."""
        counts = self.counts
        if not self.total:
            return "redacted nothing: no string looked like a secret"
        parts = [
            plural(counts[kind], one, many) for kind, (one, many) in KINDS.items() if counts[kind]
        ]
        return f"redacted {', '.join(parts)} ({plural(self.places, 'place')})"
