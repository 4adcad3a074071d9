"""``segview serve``: the real server on a free local port, the app driven in headless Chromium.

The page draws the app in a terminal emulator (xterm.js). The tests read what it shows from
the emulator's own buffer (its public API), found through a small hook installed before the
page's script runs.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from segview.samples import DEMO_SEGMENTS

WAIT = 60.0  # seconds: a generous limit for the app to get somewhere, not a speed test
FIRST = DEMO_SEGMENTS["system_items"]  # the newest root: the segment the app opens first

# The page's terminal object keeps its xterm.js Terminal in ``.terminal``; catch the object
# when it sets its ``fitAddon`` so the test can read the terminal's buffer.
HOOK = """
Object.defineProperty(Object.prototype, "fitAddon", {
  configurable: true,
  set(value) {
    Object.defineProperty(this, "fitAddon", {value, writable: true, configurable: true});
    window.__segviewTerminal = this;
  },
});
"""

SCREEN_TEXT = """() => {
  const t = window.__segviewTerminal;
  if (!t || !t.terminal) return "";
  const b = t.terminal.buffer.active;
  const rows = [];
  for (let y = 0; y < b.length; y++) rows.push(b.getLine(y).translateToString(true));
  return rows.join("\\n");
}"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Served:
    def __init__(self, proc: subprocess.Popen[str], port: int, line: str) -> None:
        self.proc = proc
        self.port = port
        self.line = line

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"


@pytest.fixture
def serve() -> Iterator[Callable[..., Served]]:
    """``serve(store, *args)``: ``segview serve`` in its own process group, stopped after."""
    started: list[subprocess.Popen[str]] = []

    def start(store: Path, *args: str) -> Served:
        port = free_port()
        proc = subprocess.Popen(
            [sys.executable, "-m", "segview", "serve", str(store), "--port", str(port), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
            start_new_session=True,
        )
        started.append(proc)
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line, proc.stderr.read() if proc.stderr else "no output"
        return Served(proc, port, line.rstrip("\n"))

    yield start
    for proc in started:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.add_init_script(HOOK)
    yield page
    context.close()


def screen(page: Any) -> str:
    return str(page.evaluate(SCREEN_TEXT))


def wait_for_text(page: Any, *needles: str) -> str:
    deadline = time.monotonic() + WAIT
    text = ""
    while time.monotonic() < deadline:
        text = screen(page)
        if all(n in text for n in needles):
            return text
        page.wait_for_timeout(100)
    raise AssertionError(f"the page never showed {needles!r}; it shows:\n{text}")


def open_app(page: Any, served: Served) -> str:
    page.goto(served.url, wait_until="domcontentloaded")
    text = wait_for_text(page, "turn 10 / 10", "01926b8", "01924c5")  # the tree is there
    page.focus(".xterm-helper-textarea")
    return text


def test_the_app_in_a_browser_steps_a_turn(
    serve: Callable[..., Served], page: Any, demo_store: Path, shots: Path
) -> None:
    assert demo_store == Path.cwd() / "sample_logs"
    served = serve(Path("sample_logs"))
    assert served.line.startswith("segview: serving sample_logs at http://127.0.0.1:")
    assert "anyone who can open this address can read the store and fork in it" in served.line
    text = open_app(page, served)
    assert FIRST in text
    page.keyboard.press("Home")
    wait_for_text(page, "turn 0 / 10")
    page.keyboard.press("]")
    text = wait_for_text(page, "turn 1 / 10")
    assert "turn 0 / 10" not in text
    page.screenshot(path=str(shots / "serve-browser.png"))


def test_read_only_refuses_fork_and_export(
    serve: Callable[..., Served], page: Any, demo_store: Path
) -> None:
    before = sorted(p.name for p in demo_store.iterdir())
    served = serve(demo_store, "--read-only")
    assert "read-only" in served.line and "fork and export are off" in served.line
    text = open_app(page, served)
    assert "Read-only: fork here and export are turned off" in " ".join(text.split())
    page.keyboard.press("f")
    wait_for_text(page, "read-only: forking")
    page.keyboard.press("e")
    wait_for_text(page, "read-only: export")
    assert sorted(p.name for p in demo_store.iterdir()) == before
    assert not list(Path.cwd().glob("segview-*"))


def test_a_port_in_use_is_a_clear_error(demo_store: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        proc = subprocess.run(
            [sys.executable, "-m", "segview", "serve", str(demo_store), "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert proc.returncode == 1
    assert proc.stderr.startswith(f"segview: cannot serve on 127.0.0.1:{port}: ")
    assert "Traceback" not in proc.stderr
