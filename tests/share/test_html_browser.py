"""The HTML replay page in a real browser (headless Chromium): it plays, steps, and never runs
anything from the log."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from segview.cli import main
from segview.samples import DEMO_SEGMENTS
from tests.hostile import SENTINEL, write_hostile_store

FORK_OF_FORK = DEMO_SEGMENTS["fork_of_fork"]
COMPACTED_2 = DEMO_SEGMENTS["compacted_2"]
WAIT_MS = 60_000  # a generous limit for the page to get somewhere, not a speed test

# Record every turn end the moment it is added, and anything the page's policy blocks.
OBSERVE = """
window.__turns = [];
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__violations.push(e.violatedDirective + " " + e.blockedURI);
});
new MutationObserver((records) => {
  for (const r of records) {
    for (const n of r.addedNodes) {
      if (n.nodeType === 1 && n.classList.contains("turn-end")) {
        window.__turns.push([n.dataset.ch, n.dataset.turn,
                             document.querySelectorAll("#conversation .turn-end").length]);
      }
    }
  }
}).observe(document, {childList: true, subtree: true});
"""


def export(store: Path, segment: str, out: Path) -> Path:
    assert main(["export", str(store), segment, "--html", str(out)]) == 0
    return out


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.add_init_script(OBSERVE)
    page.dialogs = []
    page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.requests = []
    page.on("request", lambda r: page.requests.append(r.url))
    yield page
    context.close()


def open_page(page: Any, path: Path) -> None:
    page.goto(path.resolve().as_uri())
    page.wait_for_selector("body[data-ready=true]", timeout=WAIT_MS)


def play_to_the_end(page: Any) -> None:
    page.select_option("#speed", "50")
    page.select_option("#timing", "paced")
    page.click("#play")
    # (locator waits: the page's policy forbids the string evaluation wait_for_function uses)
    page.wait_for_selector("#finished:text-is('end of the replay')", timeout=WAIT_MS)


def test_play_shows_the_turns_in_order_chapter_by_chapter(
    page: Any, demo_store: Path, tmp_path: Path, shots: Path
) -> None:
    open_page(page, export(demo_store, FORK_OF_FORK, tmp_path / "replay.html"))
    # the page opens on the whole conversation
    assert page.locator("#conversation .turn-end").count() == 7
    assert page.locator(".chapter-head").count() == 3
    page.evaluate("window.__turns = []")
    play_to_the_end(page)
    turns = page.evaluate("window.__turns")
    # each turn end appeared once, in replay order, one after the other
    assert [(ch, t) for ch, t, _n in turns] == [
        ("0", "1"),
        ("0", "2"),
        ("0", "3"),
        ("0", "4"),
        ("1", "1"),
        ("2", "1"),
        ("2", "2"),
    ]
    assert [n for _ch, _t, n in turns] == list(range(1, 8))
    assert "step 86 / 86" in page.inner_text("#position")
    text = page.inner_text("#conversation")
    assert (
        text.index("Chapter 1 of 3") < text.index("Chapter 2 of 3") < text.index("Chapter 3 of 3")
    )
    assert "fork of 01926b8 at turn 4" in text and "this segment's own turns start here" in text
    # inherited items are marked, the segment's own are not
    assert page.locator(".item.inherited").count() > 0
    assert page.locator('.item[data-ch="2"]:not(.inherited)').count() > 0
    assert page.locator('.item[data-ch="2"].inherited').count() == 0
    # reasoning and tool output start collapsed
    assert page.locator(".item-reasoning details[open]").count() == 0
    assert page.locator(".result details[open]").count() == 0
    assert page.dialogs == [] and page.errors == [] and page.evaluate("window.__violations") == []
    assert all(url.startswith("file://") for url in page.requests), page.requests
    # the picture: the first turn of the fork, under its chapter's heading
    page.click('#chapters button[data-ch="1"]')
    page.keyboard.press("]")
    assert "chapter 2 / 3" in page.inner_text("#position")
    page.locator('.chapter-head[data-ch="1"]').evaluate("e => e.scrollIntoView()")
    page.screenshot(path=str(shots / "html-replay.png"))


def test_step_by_turn_and_the_speed_keys(page: Any, demo_store: Path, tmp_path: Path) -> None:
    open_page(page, export(demo_store, COMPACTED_2, tmp_path / "replay.html"))
    page.keyboard.press("Home")
    assert page.locator("#conversation .turn-end").count() == 0
    assert "step 0 /" in page.inner_text("#position")
    page.keyboard.press("]")  # the root chapter's start
    page.keyboard.press("]")
    assert page.locator("#conversation .turn-end").count() == 1
    assert "turn 1" in page.inner_text("#position")
    for _ in range(10):
        page.keyboard.press("]")
    # past turn 10 the compaction chapter starts: what came before is folded away
    assert page.locator("details.replaced").count() == 1
    assert "replaced by the compaction summary" in page.inner_text("details.replaced > summary")
    assert "chapter 2 / 3" in page.inner_text("#position")
    page.keyboard.press("[")
    assert page.locator("details.replaced").count() == 0
    page.keyboard.press("+")
    page.keyboard.press("+")
    assert page.input_value("#speed") == "5"
    page.keyboard.press("-")
    assert page.input_value("#speed") == "2"
    # a chapter in the list jumps to its start
    page.click('#chapters button[data-ch="2"]')
    assert "chapter 3 / 3" in page.inner_text("#position")
    assert page.dialogs == [] and page.errors == []


def test_hostile_log_text_is_shown_as_text_and_never_runs(
    page: Any, tmp_path: Path, shots: Path
) -> None:
    corpus = write_hostile_store(tmp_path / "hostile", big_bytes=100_000)
    for n, seg in enumerate(corpus.segments):
        open_page(page, export(corpus.root, seg, tmp_path / f"hostile-{n}.html"))
        play_to_the_end(page)
        # nothing from the log became an element
        for tag in ("img", "a", "iframe", "object", "embed", "form", "svg", "link"):
            assert page.locator(tag).count() == 0, (seg, tag)
        assert page.locator("script").count() == 2
        body = page.inner_text("body")
        if not seg.endswith("dead"):
            assert SENTINEL in body
    # the values are drawn as the text they are
    open_page(page, export(corpus.root, corpus.segments[-3], tmp_path / "links.html"))
    page.click("#end")
    body = page.inner_text("#conversation")
    assert "<a href='javascript:alert(1)'>h0st1le</a>" in body
    assert "[click here](javascript:alert('h0st1le'))" in body
    assert page.dialogs == [] and page.errors == []
    assert page.evaluate("window.__violations") == []
    assert all(url.startswith("file://") for url in page.requests), page.requests
