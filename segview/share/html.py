"""One self-contained HTML file that replays a conversation in any browser.

The page holds everything it needs: the styles and the player inline, the replay as JSON in a
``<script type="application/json">`` element. It loads nothing (no network, no external
script, font or image) and runs nothing but its own player: its Content-Security-Policy
allows exactly the hashes of its own ``<script>`` and ``<style>``. Log text is data: the JSON
is escaped so that it cannot close its element (``<``, ``>``, ``&``, U+2028 and U+2029 are
written as ``\\u`` escapes), and the player sets every text with ``textContent``.

No Textual here.
"""

from __future__ import annotations

import base64
import hashlib
from functools import cache
from html import escape
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from segview import __version__
from segview.lineage import Lineage
from segview.text import one_line

from .lineage_replay import LineageReplay, build_replay

if TYPE_CHECKING:
    from .redact import Redactor

__all__ = ["build_html", "embed_json", "page_policy", "replay_page"]

DATA_ID = "segview-replay"

_JSON_ESCAPES = {
    ord("<"): "\\u003c",
    ord(">"): "\\u003e",
    ord("&"): "\\u0026",
    0x2028: "\\u2028",
    0x2029: "\\u2029",
}


def embed_json(data: Any) -> str:
    """``data`` as JSON text that is safe inside ``<script type="application/json">``:
    it never holds ``<``, ``>``, ``&`` or a line or paragraph separator, so no value can end
    the element or open a comment, and ``JSON.parse`` reads back exactly ``data``."""
    return orjson.dumps(data).decode("utf-8").translate(_JSON_ESCAPES)


@cache
def _asset(name: str) -> str:
    return (files("segview.share") / "assets" / name).read_text(encoding="utf-8")


def _sha256(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "sha256-" + base64.b64encode(digest).decode("ascii")


def page_policy(script: str, style: str) -> str:
    """The Content-Security-Policy: nothing loads, only the page's own script and style run."""
    return (
        "default-src 'none'; "
        f"script-src '{_sha256(script)}'; "
        f"style-src '{_sha256(style)}'; "
        "img-src 'none'; font-src 'none'; connect-src 'none'; media-src 'none'; "
        "object-src 'none'; frame-src 'none'; base-uri 'none'; form-action 'none'"
    )


_PAGE = """\
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{policy}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="segview {version}">
<title>{title}</title>
<style>{style}</style>
</head>
<body>
<header id="top">
<h1 id="title">{title}</h1>
<div id="meta">{meta}</div>
</header>
<nav id="controls" aria-label="replay">
<button type="button" id="play" aria-pressed="false">▶ Play</button>
<button type="button" id="start" title="the start (Home)">start</button>
<button type="button" id="prev" title="previous turn ([)">◀ turn</button>
<button type="button" id="next" title="next turn (])">turn ▶</button>
<button type="button" id="end" title="the end (End)">end</button>
<label>speed <select id="speed" title="+ / -"></select></label>
<label>timing <select id="timing">
<option value="log">the log's own</option>
<option value="paced">paced</option>
</select></label>
<progress id="progress" max="1" value="1"></progress>
<span id="position"></span>
<span id="finished"></span>
</nav>
<div id="layout">
<aside id="chapters"><h2>Chapters</h2><ol id="chapter-list"></ol></aside>
<main id="conversation"></main>
</div>
<noscript><p>This replay is drawn by JavaScript, which is turned off for this page.</p></noscript>
<footer>{footer}</footer>
<script type="application/json" id="{data_id}">{data}</script>
<script>{script}</script>
</body>
</html>
"""


def build_html(replay: LineageReplay, *, redactor: Redactor | None = None) -> str:
    """The page replaying ``replay``; with a ``redactor``, every string of the replay is
    masked first (its ``counts`` say what was masked)."""
    data = replay.to_json()
    if redactor is not None:
        data = redactor.tree(data)
    data["generator"] = f"segview {__version__}"
    data["redacted"] = redactor is not None
    script, style = _asset("replay.js"), _asset("replay.css")
    chapters = len(replay.chapters)
    turns = len(replay.turns)
    meta = (
        f"segment {data['target']} · store {data['store']} · "
        f"{chapters} chapter{'s' * (chapters != 1)} · {turns} turn end{'s' * (turns != 1)}"
    )
    if replay.until_turn is not None:
        meta += f" · up to turn {replay.until_turn}"
    footer = "Exported by segview: keys space (play/pause), ] and [ (turns), + and - (speed)."
    if redactor is not None:
        footer += " Strings that looked like secrets were masked (" + redactor.report() + ")."
    return _PAGE.format(
        policy=escape(page_policy(script, style)),
        version=escape(__version__),
        title=escape(one_line(str(data["title"]), 120)),
        meta=escape(one_line(meta)),
        footer=escape(footer),
        style=style,
        data_id=DATA_ID,
        data=embed_json(data),
        script=script,
    )


def replay_page(
    store: str | Path,
    segment_id: str,
    until_turn: int | None = None,
    store_label: str | None = None,
    *,
    redactor: Redactor | None = None,
) -> str:
    """The replay page of ``segment_id`` (a full id or a unique prefix) in the store at
    ``store``, from its root up to its turn ``until_turn`` (None: its whole log). Raises
    ``StoreError`` (an unreadable store), ``LookupError`` (no such segment) or ``ValueError``
    (no such turn)."""
    lineage = Lineage.open(store)
    node = lineage.resolve(segment_id)
    replay = build_replay(lineage, node.id, until_turn=until_turn, store_label=store_label)
    return build_html(replay, redactor=redactor)
