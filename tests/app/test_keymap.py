"""Keys can be remapped: the ``[keymap]`` table of the config file gives a binding (by its id)
other keys, which then work, and show in the footer, the help screen and the palette; an entry
that cannot be used is ignored with a one-line warning naming the file and the entry."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from segview.app import SegviewApp
from segview.app.commands import SegviewCommands
from segview.app.key_config import load_keymap, parse_keymap, valid_key
from segview.app.keymap import KEYS, bindings, key_display, remapped
from segview.app.screens.fork_dialog import ForkDialog
from segview.app.screens.help import HelpScreen

from . import expected
from .helpers import MAIN, SIZE, opened, press, screen_text, wait_for

AppFactory = Callable[..., SegviewApp]


def write_config(text: str) -> Path:
    """The config file the app reads (``$SEGVIEW_CONFIG``, the test's own)."""
    path = Path(os.environ["SEGVIEW_CONFIG"])
    path.write_text(text, encoding="utf-8")
    return path


def messages(app: SegviewApp) -> list[str]:
    return [n.message for n in app._notifications]


def test_every_binding_has_an_id_of_its_own() -> None:
    ids = [spec.binding_id for spec in KEYS]
    assert len(ids) == len(set(ids))
    for scope in ("screen", "conversation", "compare"):
        for binding in bindings(scope):
            assert not isinstance(binding, tuple) and binding.id in ids
    assert {"fork", "next_turn", "previous_turn", "quit", "help"} <= set(ids)


async def test_remapped_keys_work_and_show_everywhere(
    make_app: AppFactory, demo_store: Path
) -> None:
    write_config(
        '[keymap]\nfork = "F"\nnext_turn = "l,right_square_bracket"\nprevious_turn = "h"\n'
    )
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, MAIN)
        assert messages(app) == []
        counts = expected.turn_counts(demo_store, MAIN)
        last = counts[-1]
        await press(pilot, "h")  # previous turn, by its new key
        await wait_for(pilot, lambda: app.main.turn_count == counts[-2], "a turn back with h")
        await press(pilot, "left_square_bracket")  # its old key is gone
        await pilot.pause(0.2)
        assert app.main.turn_count == counts[-2]
        await press(pilot, "l")
        await wait_for(pilot, lambda: app.main.turn_count == last, "a turn on with l")
        await press(pilot, "h", "right_square_bracket")  # the other key given stays
        await wait_for(pilot, lambda: app.main.turn_count == last, "a turn on with ]")
        # the footer names the new keys
        footer = screen_text(app).splitlines()[-1]
        assert "F Fork" in footer and "l Next" in footer and "h Prev" in footer
        assert "f Fork" not in footer
        # the palette too
        names = [hit.text async for hit in SegviewCommands(app.screen).discover()]
        assert "Fork here (F)" in names and "Next turn (l / ])" in names
        # f no longer forks; F does
        await press(pilot, "f")
        await pilot.pause(0.2)
        assert not isinstance(app.screen, ForkDialog)
        await press(pilot, "F")
        await wait_for(pilot, lambda: isinstance(app.screen, ForkDialog), "the fork dialog")
        await press(pilot, "escape")
        await wait_for(pilot, lambda: app.screen is app.main, "the dialog closed")
        # and the help screen
        await press(pilot, "question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), "the help screen")
        await pilot.pause()
        rows = screen_text(app)
        assert re.search(r" F +Fork the segment after the current turn", rows)
        assert re.search(r" l / \] +Step to the next turn\.", rows)
        assert re.search(r" h +Step to the previous turn", rows)


async def test_entries_that_cannot_be_used_are_ignored_with_a_warning(
    make_app: AppFactory,
) -> None:
    path = write_config(
        '[keymap]\nfrobnicate = "z"\nsearch = "ctrl+nothing"\nhelp = 3\nfork = "F"\n'
    )
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, MAIN)
        warnings = messages(app)
        assert len(warnings) == 3
        for warning, entry in zip(
            warnings,
            ('frobnicate = "z"', 'search = "ctrl+nothing"', "help = 3"),
            strict=True,
        ):
            assert warning.startswith(f"{path}: [keymap] {entry}: ") and "\n" not in warning
        await press(pilot, "F")  # the good entry is applied
        await wait_for(pilot, lambda: isinstance(app.screen, ForkDialog), "the fork dialog")


@pytest.mark.parametrize(
    ("config", "why"),
    [
        ('[keymap\nfork = "F"\n', "Expected ']'"),
        ("keymap = 3\n", "[keymap] must be a table"),
        ("\xff", "not UTF-8"),
    ],
)
async def test_a_config_file_that_cannot_be_used_remaps_nothing(
    make_app: AppFactory, config: str, why: str
) -> None:
    path = Path(os.environ["SEGVIEW_CONFIG"])
    path.write_bytes(config.encode("utf-8") if config != "\xff" else b"\xff")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, MAIN)
        keymap_warnings = [m for m in messages(app) if "keys not remapped" in m]
        assert len(keymap_warnings) == 1 and why in keymap_warnings[0]
        assert keymap_warnings[0].startswith(str(path))
        assert app.key_table == KEYS
        await press(pilot, "f")  # the keys are the defaults
        await wait_for(pilot, lambda: isinstance(app.screen, ForkDialog), "the fork dialog")


async def test_a_remapped_key_another_binding_has_is_named_in_a_warning(
    make_app: AppFactory,
) -> None:
    path = write_config('[keymap]\nfork = "n"\n')
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, MAIN)
        assert messages(app) == [
            f'{path}: [keymap] fork = "n": n is also the key of next_match; give one of them '
            "another key"
        ]


def test_the_keymap_table_parsed() -> None:
    source = Path("/c/config.toml")
    keymap, warnings = parse_keymap(
        {"next_turn": " l , ] ", "toggle_tokens": "ctrl+t", "copy_turn": "$,y"}, source
    )
    assert keymap == {
        "next_turn": "l,right_square_bracket",
        "toggle_tokens": "ctrl+t",
        "copy_turn": "dollar_sign,y",
    }
    # $ leaves toggle_tokens, which took ctrl+t: no clash
    assert warnings == []
    _, warnings = parse_keymap({"next_turn": "", "search": "a,,b"}, source)
    assert warnings == [
        f'{source}: [keymap] next_turn = "": not a key: ""; ignored',
        f'{source}: [keymap] search = "a,,b": not a key: ""; ignored',
    ]
    # swapping two keys is no clash
    assert parse_keymap({"next_match": "N", "previous_match": "n"}, source)[1] == []
    # a compare key and a key of the main screen may be the same
    assert parse_keymap({"close": "q"}, source)[1] == []


def test_key_names() -> None:
    for key in ("F", "l", "right_square_bracket", "dollar_sign", "ctrl+x", "f5", "home", "plus"):
        assert valid_key(key), key
    for key in ("", "ctrl+", "hyperdrive", "ctrl+nothing", "wobble+x", " "):
        assert not valid_key(key), key
    assert key_display("l,right_square_bracket") == "l / ]"
    assert key_display("ctrl+d") == "ctrl+d"
    assert key_display("dollar_sign") == "$"


def test_remapped_keeps_the_rest() -> None:
    table = remapped({"fork": "F"})
    changed = [(a, b) for a, b in zip(KEYS, table, strict=True) if a != b]
    assert [(b.keys, b.display, b.action) for _a, b in changed] == [("F", "F", "fork_here")]


def test_no_config_file_no_keymap(tmp_path: Path) -> None:
    assert load_keymap(tmp_path / "none.toml") == ({}, [])
    (tmp_path / "prices.toml").write_text('[cost]\nmodel = "m"\n')
    assert load_keymap(tmp_path / "prices.toml") == ({}, [])
