"""A fuzzer for the app: damaged and hostile stores, random key sessions, through Pilot.

Each case copies a base store (the golden stores, the current version's, the hostile store),
damages it the way ``fuzz.py`` does, opens the app on it headless and presses a random burst of
keys (every key of the app, dialogs answered or dismissed, text typed into searches), then
quits. A case fails when the app raised or stopped on its own, when it did not finish in time,
when the screen shows a character a terminal would act on, or when a file changed that the keys
did not ask to write (only new segments from a fork, notes beside the store and exports in the
working directory may appear).

``tests/reliability/test_fuzz_app.py`` runs a few cases in the suite;
``benchmarks/fuzz_app.py`` runs any number and prints the counts.
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import shutil
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from segview.app import SegviewApp
from tests.app.svg_screen import screen_cells
from tests.reliability.fuzz import (
    SEGMENT_NAME,
    mutate_store,
    run_each,
    tree_hashes,
)

UNSAFE_ON_SCREEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
SIZES = [(80, 24), (100, 30), (140, 45)]
KEYS = [
    "right_square_bracket",
    "left_square_bracket",
    "home",
    "end",
    "G",
    "j",
    "k",
    "ctrl+d",
    "ctrl+u",
    "x",
    "X",
    "p",
    "plus",
    "minus",
    "r",
    "i",
    "o",
    "t",
    "T",
    "y",
    "Y",
    "question_mark",
    "escape",
    "n",
    "N",
    "dollar_sign",
    "m",
    "c",
    "tab",
    "enter",
    "down",
    "up",
]
DIALOGS = {
    "g": [["1", "enter"], ["9", "9", "enter"], ["escape"], ["g"]],
    "slash": [["e", "enter"], ["x", "escape"], ["[", "/", "]", "enter"]],
    "S": [["t", "u", "r", "n", "enter"], ["(", "ctrl+r", "escape"], ["escape"]],
    "f": [["escape"], ["enter"]],
    "e": [["escape"], ["m"]],
    "L": [["escape"], ["l", "a", "b", "enter"]],
    "a": [["escape"], ["n", "o", "t", "e", "enter"]],
    "ctrl+p": [["escape"], ["t", "u", "r", "n", "escape"]],
}


@dataclass
class AppOutcome:
    seed: int
    store: str
    size: tuple[int, int]
    keys: list[str] = field(default_factory=list)
    mutations: list[str] = field(default_factory=list)
    seconds: float = 0.0
    failures: list[str] = field(default_factory=list)

    def describe(self) -> str:
        keys = " ".join(self.keys)
        return (
            f"seed {self.seed} on {self.store} at {self.size[0]}x{self.size[1]} after "
            f"{self.mutations}, keys [{keys}]: {'; '.join(self.failures)}"
        )


def choose_keys(rng: random.Random, count: int) -> list[str]:
    keys: list[str] = []
    while len(keys) < count:
        if rng.random() < 0.25:
            opener = rng.choice(list(DIALOGS))
            keys += [opener, *rng.choice(DIALOGS[opener])]
        else:
            keys.append(rng.choice(KEYS))
    return keys


def screen_text(app: SegviewApp) -> str:
    screen = screen_cells(app.export_screenshot())
    rows = sorted({y for y, _col in screen.text})
    return "\n".join(screen.row_text(y) for y in rows)


async def _session(
    app: SegviewApp, size: tuple[int, int], keys: list[str], out: AppOutcome
) -> None:
    async with app.run_test(size=size) as pilot:
        deadline = time.monotonic() + 20
        while app.main.loaded_segment is None and not app.main.pane.empty:
            if time.monotonic() > deadline:
                out.failures.append("no segment shown after 20 s")
                break
            await pilot.pause(0.02)
        for n, key in enumerate(keys):
            await pilot.press(key)
            if n % 12 == 11:
                await pilot.pause()
                shown = screen_text(app)
                if m := UNSAFE_ON_SCREEN.search(shown):
                    out.failures.append(f"on screen: {m.group()!r}")
                    break
            if not app.is_running:
                out.failures.append(f"stopped after {key!r}")
                return
        await pilot.pause()
        if UNSAFE_ON_SCREEN.search(screen_text(app)):
            out.failures.append("a control character on screen at the end")
        while app.screen is not app.main and len(app.screen_stack) > 1:
            await pilot.press("escape")
            await pilot.pause()
        await pilot.press("q")
        await pilot.pause()


def run_app_case(
    bases: list[Path], work: Path, seed: int, *, keys: int = 40, timeout: float = 90.0
) -> AppOutcome:
    """One case in the fresh directory ``work``; the working directory is ``work`` meanwhile
    (exports land there)."""
    rng = random.Random(seed)
    base = rng.choice(bases)
    store = Path(shutil.copytree(base, work / base.name))
    out = AppOutcome(seed, base.name, rng.choice(SIZES))
    out.mutations = mutate_store(store, rng)
    out.keys = choose_keys(rng, keys)
    before = tree_hashes(work)
    app = SegviewApp(store, now=1_729_000_000_000, watch=rng.random() < 0.3, poll_interval=0.1)
    started = time.perf_counter()
    cwd = os.getcwd()
    os.chdir(work)
    try:
        asyncio.run(asyncio.wait_for(_session(app, out.size, out.keys, out), timeout))
    except TimeoutError:
        out.failures.append(f"still running after {timeout:g} s")
    except Exception as exc:
        last = traceback.format_exception(exc)[-1].strip()
        out.failures.append(f"raised {last}")
    finally:
        os.chdir(cwd)
    out.seconds = time.perf_counter() - started
    after = tree_hashes(work)
    changed = sorted(p for p in before if after.get(p) != before[p])
    if changed:
        out.failures.append(f"changed: {changed}")
    for path in sorted(after.keys() - before.keys()):
        p = Path(path)
        allowed = (
            ((p.parent == store or p.parent.parent == store) and SEGMENT_NAME.fullmatch(p.name))
            or ".segview" in p.parts
            or (p.parent == work and p.suffix in (".md", ".html"))
        )
        if not allowed:
            out.failures.append(f"new file: {path}")
    return out


def run_app_cases(
    count: int,
    root: Path,
    *,
    first_seed: int = 0,
    keys: int = 40,
    progress: Callable[[int], None] | None = None,
) -> list[AppOutcome]:
    return run_each(
        count,
        root,
        lambda bases, work, seed: run_app_case(bases, work, seed, keys=keys),
        first_seed=first_seed,
        progress=progress,
    )
