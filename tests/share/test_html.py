"""The HTML replay page as a file: self-contained, its data escaped, secrets masked on demand."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path

import pytest

from segview.cli import main
from segview.lineage import Lineage
from segview.samples import DEMO_SEGMENTS
from segview.share.html import DATA_ID, build_html, embed_json
from segview.share.lineage_replay import build_replay
from segview.store import FsStore, RestoredState, create_segment, save_turn_end, save_user_input
from segview.store.model import TextSegment
from tests.hostile import SENTINEL, write_hostile_store

FORK_OF_FORK = DEMO_SEGMENTS["fork_of_fork"]

_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)
_STYLE = re.compile(r"<style>(.*?)</style>", re.DOTALL)
_TEXTS = re.compile(
    r'(?<=<title>).*?(?=</title>)|(?<=<h1 id="title">).*?(?=</h1>)|(?<=<div id="meta">).*?(?=</div>)',
    re.DOTALL,
)
_DATA = re.compile(rf'<script type="application/json" id="{DATA_ID}">(.*?)</script>', re.DOTALL)


def export(store: Path, segment: str, out: Path, *extra: str) -> str:
    assert main(["export", str(store), segment, "--html", str(out), *extra]) == 0
    return out.read_text(encoding="utf-8")


def without_data(html: str) -> str:
    return _DATA.sub("", html)


def sha(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()


def test_the_page_loads_nothing_and_runs_only_its_own_script(demo_store: Path) -> None:
    html = export(demo_store, FORK_OF_FORK, Path("replay.html"))
    page = without_data(html)
    for needle in ("src=", "href=", "url(", "@import", "://", "<link", "<iframe", "<img"):
        assert needle not in page, needle
    (script,) = _SCRIPT.findall(page)
    (style,) = _STYLE.findall(page)
    assert "innerHTML" not in script and "eval(" not in script and "outerHTML" not in script
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', html)
    assert policy is not None
    rules = policy.group(1).replace("&#x27;", "'")
    assert "default-src 'none'" in rules
    assert f"script-src '{sha(script)}'" in rules and f"style-src '{sha(style)}'" in rules
    assert "unsafe" not in rules


def test_the_embedded_data_is_the_replay(demo_store: Path) -> None:
    html = export(demo_store, FORK_OF_FORK, Path("replay.html"))
    (data,) = _DATA.findall(html)
    parsed = json.loads(data)
    replay = build_replay(Lineage.open(demo_store), FORK_OF_FORK, store_label=str(demo_store))
    expected = replay.to_json()
    assert {k: parsed[k] for k in expected} == expected
    assert parsed["redacted"] is False and parsed["generator"].startswith("segview ")
    # the title is in the page for readers without JavaScript too
    assert "<title>Too risky. Undo the return type change" in html


@pytest.mark.parametrize(
    "value",
    [
        "</script><script>alert(1)</script>",
        "</SCRIPT >",
        "<!-- <script>",
        "<img src=x onerror=alert(1)>",
        "a\u2028b\u2029c",
        "&lt;&amp;",
        "]]>",
    ],
)
def test_embedded_json_cannot_close_its_element(value: str) -> None:
    data = {"text": value, "nested": [value, {"k": value}]}
    text = embed_json(data)
    for bad in ("<", ">", "&", "\u2028", "\u2029"):
        assert bad not in text
    assert json.loads(text) == data


def test_hostile_log_text_stays_inside_the_data(tmp_path: Path) -> None:
    corpus = write_hostile_store(tmp_path / "hostile", big_bytes=200_000)
    for seg in corpus.segments:
        html = export(corpus.root, seg, tmp_path / f"{seg}.html")
        assert html.count("</script>") == 2  # the data element's and the player's
        assert html.lower().count("<script") == 2
        page = without_data(html)
        # log text outside the data: only the title (and the meta line), escaped
        texts = _TEXTS.findall(page)
        assert len(texts) == 3 and all("<" not in t and ">" not in t for t in texts)
        rest = _TEXTS.sub("", page)
        assert SENTINEL not in rest
        for bad in ("<img", "<a ", "onerror", "javascript:", "\u2028", "\u2029"):
            assert bad not in rest, (seg, bad)
        assert "\u2028" not in html and "\u2029" not in html
        (data,) = _DATA.findall(html)
        assert SENTINEL in json.loads(data)["events"].__repr__() or seg.endswith("dead")


def test_redact_masks_secrets_and_reports_counts_on_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "store"
    root.mkdir()
    store = FsStore(root)
    seg = create_segment(store, RestoredState(system_prompt="you are helpful"), ts=1_000)
    key = "sk-proj-" + "Zz9" * 12
    secret = f"deploy with {key} and mail ops@example.com; the repo is /home/ada/proj"
    save_user_input(store, seg, [TextSegment(content="hello")], ts=1_010)
    save_turn_end(store, seg, 1, ts=1_020)
    save_user_input(store, seg, [TextSegment(content=secret)], ts=1_030)
    save_user_input(store, seg, [TextSegment(content=f"again: {key}")], ts=1_040)
    save_turn_end(store, seg, 2, ts=1_050)

    plain = export(root, seg, tmp_path / "plain.html")
    assert key in plain and "ops@example.com" in plain
    capsys.readouterr()

    masked = export(root, seg, tmp_path / "masked.html", "--redact")
    err = capsys.readouterr().err
    assert "segview: redacted 1 API key, 1 e-mail address, 1 home path (4 places)" in err
    assert key not in masked and "ops@example.com" not in masked and "/home/ada" not in masked
    assert "[redacted API key]" in masked and "~/proj" in masked
    (data,) = _DATA.findall(masked)
    assert json.loads(data)["redacted"] is True


def test_build_html_is_deterministic(demo_store: Path) -> None:
    lineage = Lineage.open(demo_store)
    a = build_html(build_replay(lineage, FORK_OF_FORK, store_label="s"))
    b = build_html(build_replay(lineage, FORK_OF_FORK, store_label="s"))
    assert a == b
