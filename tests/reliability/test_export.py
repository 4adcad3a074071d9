"""The Markdown export of hostile logs: no control character, no link that hides its target, no
HTML, no heading or fence from the log that changes the document around it.

Each export is parsed with a CommonMark parser (markdown-it, as Markdown viewers read it): the
only HTML in it is the export's own ``<details>`` block, and it holds no link and no image.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from markdown_it.token import Token

from segview.app import export
from segview.app.export import ExportContext, markdown_from_log, state_to_markdown
from segview.store import (
    FsStore,
    MessageItem,
    ReasoningItem,
    RestoredState,
    TextPart,
    TextSegment,
    ToolCallItem,
    ToolResultItem,
    collect_state,
    create_segment,
    save_delta,
    save_turn_end,
    save_user_input,
)
from tests.hostile import SENTINEL, all_values, write_hostile_store
from tests.reliability.fuzz import UNSAFE

MD = MarkdownIt("commonmark").enable(["table", "strikethrough"])
OWN_HTML = {"<details><summary>reasoning</summary>\n", "</details>\n"}


def tokens(markdown: str) -> list[Token]:
    out: list[Token] = []
    stack = list(MD.parse(markdown))
    while stack:
        token = stack.pop(0)
        out.append(token)
        stack[:0] = token.children or []
    return out


def assert_safe(markdown: str) -> None:
    assert UNSAFE.search(markdown.replace("\n", "").replace("\t", "")) is None
    for token in tokens(markdown):
        assert token.type not in ("link_open", "image", "html_inline"), token
        if token.type == "html_block":
            assert token.content in OWN_HTML, token.content
        if token.content:
            assert UNSAFE.search(token.content.replace("\n", "").replace("\t", "")) is None


def text_of(markdown: str) -> str:
    """What a viewer shows of ``markdown`` (the text of every inline and code token)."""
    return "".join(t.content for t in tokens(markdown) if t.type in ("text", "code_inline"))


def test_the_hostile_store_exports_safely(tmp_path: Path) -> None:
    corpus = write_hostile_store(tmp_path / "store", big_bytes=20_000)
    store = FsStore(corpus.root)
    for sid in corpus.segments:
        read = store.read_tolerant(sid)
        state = collect_state(read.entries)
        ctx = ExportContext(store=str(corpus.root), segment_id=sid, position="turn 1 / 4")
        markdown = state_to_markdown(state, ctx)
        assert_safe(markdown)
        assert SENTINEL in markdown or sid == corpus.segments[-1]
        headings = [t for t in tokens(markdown) if t.type == "heading_open"]
        assert sum(t.tag == "h1" for t in headings) == 1  # the export's own title only


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("see [docs](https://evil.example/x)", "see docs (`https://evil.example/x`)"),
        ("[click here](javascript:alert('x'))", "click here (`javascript:alert('x')`)"),
        ("![pixel](https://evil.example/p.png)", "pixel (image: `https://evil.example/p.png`)"),
        ('[t](<https://a b> "title")', "t (`https://a b`)"),
        ("[a [nested] link](https://evil.example)", "[a [nested] link\\](https://evil.example)"),
        (
            "[ref]: https://evil.example\n\n[click][ref]",
            "\\[ref]: https://evil.example\n\n[click][ref]",
        ),
        ("<a href='https://evil.example'>docs</a>", "\\<a href='https://evil.example'>docs\\</a>"),
        ("&#x202e;reversed &#27;[2J &amp;", "\\&#x202e;reversed \\&#27;[2J \\&amp;"),
        ("code `[x](y)` and `<b>` stay", "code `[x](y)` and `<b>` stay"),
        ("```\n[x](y) <b>\n```", "```\n[x](y) <b>\n```"),
        ("a < b and c > d, x[0] = f(y)", "a < b and c > d, x[0] = f(y)"),
    ],
)
def test_markdown_from_a_log_shows_where_links_point(text: str, shown: str) -> None:
    out = markdown_from_log(text)
    assert out == shown
    assert_safe(out)


def test_links_keep_their_text_and_show_their_url() -> None:
    out = markdown_from_log("read [the **docs**](https://example.org/a_(b)) now")
    assert text_of(out) == "read the docs (https://example.org/a_(b)) now"


def test_a_fence_left_open_is_closed() -> None:
    out = markdown_from_log("```python\nprint(1)\n# not a heading")
    assert out.endswith("\n```")
    doc = "\n\n".join(["## before", out, "## after"])
    assert [t.tag for t in tokens(doc) if t.type == "heading_open"] == ["h2", "h2"]


def test_what_the_neutraliser_misses_goes_into_a_code_block(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(export, "_neutralised", lambda text: text)  # a neutraliser that fails
    out = markdown_from_log("[click](javascript:alert(1)) ``` <b>x</b>")
    assert out == "````\n[click](javascript:alert(1)) ``` <b>x</b>\n````"
    assert_safe(out)


def test_names_and_ids_cannot_break_the_document() -> None:
    evil = "x` [click](javascript:1) `\n# forged heading\n"
    state = RestoredState(
        system_prompt="```\n</details>",
        history=[
            MessageItem(role="user", content=[TextPart(text="```unclosed\n## inside")]),
            ToolCallItem(call_id=evil, name=evil, arguments="```"),
            ToolResultItem(call_id=evil, summary=evil, content="````\n" + evil),
            ReasoningItem(text="</details><a href=x>y</a>", summary=[evil]),
        ],
    )
    ctx = ExportContext(store=evil, segment_id=evil, position="turn 0 / 0")
    markdown = state_to_markdown(state, ctx)
    assert_safe(markdown)
    # the document's own headings only (Markdown of the log stays inside its item)
    headings = [t for t in tokens(markdown) if t.type == "heading_open" and t.level == 0]
    assert [t.tag for t in headings] == ["h1", "h2", "h2", "h3", "h3", "h3"]


REPLY_WITH_HEADINGS = """# Summary

## What changed

Setext title
============

> ### quoted
> Quoted setext
> -------------

- #### in a list

```
# a comment in code, not a heading
```

###### deepest"""


def test_the_logs_headings_stay_below_the_exports_own(tmp_path: Path) -> None:
    """A reply's ``#`` / ``##`` / setext headings become levels 4 to 6: the export's own
    headings (the segment, its parts, its items) are the only ones at levels 1 to 3, and the
    reply's keep their text, in order."""
    store = FsStore(tmp_path)
    sid = "0190e000-0001-7000-8000-000000000001"
    create_segment(store, RestoredState(), ts=1, segment_id=sid)
    save_user_input(store, sid, [TextSegment(content="## my own heading\nplease summarise")], ts=2)
    reply = MessageItem(role="assistant", content=[TextPart(text=REPLY_WITH_HEADINGS)])
    save_delta(store, sid, [reply], ts=3)
    save_turn_end(store, sid, 1, ts=4)
    state = collect_state(store.read_all(sid))
    ctx = ExportContext(store=str(tmp_path), segment_id=sid, position="turn 1 / 1")
    markdown = state_to_markdown(state, ctx)
    assert_safe(markdown)
    found = tokens(markdown)
    headings = [
        (t.tag, found[k + 1].content) for k, t in enumerate(found) if t.type == "heading_open"
    ]
    assert [h for h in headings if h[0] in ("h1", "h2", "h3")] == [
        ("h1", f"Segment {sid} at turn 1 / 1"),
        ("h2", "Conversation"),
        ("h3", "1. user"),
        ("h3", "2. assistant"),
    ]
    assert [h for h in headings if h[0] not in ("h1", "h2", "h3")] == [
        ("h5", "my own heading"),
        ("h4", "Summary"),
        ("h5", "What changed"),
        ("h4", "Setext title"),
        ("h6", "quoted"),
        ("h5", "Quoted setext"),
        ("h6", "in a list"),
        ("h6", "deepest"),
    ]
    assert "# a comment in code, not a heading" in markdown  # code is left as it is


def test_every_hostile_value_in_every_field(tmp_path: Path) -> None:
    for value in all_values(tmp_path / "x.svg"):
        state = RestoredState(
            system_prompt=value,
            history=[
                MessageItem(role="assistant", content=[TextPart(text=value)]),
                ToolCallItem(call_id=value, name=value, arguments=value),
                ToolResultItem(call_id=value, summary=value, content=value),
                ReasoningItem(text=value, summary=[value, value]),
            ],
        )
        ctx = ExportContext(store=value, segment_id=value, position="turn 1 / 1")
        markdown = state_to_markdown(state, ctx)
        assert_safe(markdown)
        if "javascript:" in value:  # where a link points is on screen
            assert "javascript:alert(" in text_of(markdown)
