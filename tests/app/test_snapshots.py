"""Snapshots of the main screens: the scenes of ``screenshots/`` (``helpers.SCENES``).

Each scene is compared with its stored SVG by what it shows on screen (characters, text
styles, background colours per cell; see ``svg_screen``), not by the SVG's text, which
depends on how Textual happened to split the lines. After an intended change of the look:
``SEGVIEW_UPDATE_SNAPSHOTS=1 pytest tests/app/test_snapshots.py``, then look at the SVGs
before committing them.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from .helpers import SCENES, Scene, scene_app
from .svg_screen import first_difference, screen_cells

STORED = Path(__file__).parent / "__snapshots__" / "test_snapshots"
UPDATE = os.environ.get("SEGVIEW_UPDATE_SNAPSHOTS") == "1"


@pytest.mark.parametrize("scene", SCENES, ids=[s.name for s in SCENES])
async def test_screen(scene: Scene, demo_store: Path) -> None:
    assert demo_store.name == "sample_logs"  # the header shows this relative path
    app = scene_app(scene)
    async with app.run_test(size=scene.size) as pilot:
        await scene.run(pilot)
        svg = app.export_screenshot()
    stored = STORED / f"test_screen[{scene.name}].svg"
    if UPDATE or not stored.exists():
        stored.parent.mkdir(parents=True, exist_ok=True)
        stored.write_text(svg)
        assert not UPDATE or stored.exists()
        if not UPDATE:
            pytest.fail(f"no stored snapshot for {scene.name}: wrote {stored}; check and commit it")
    difference = first_difference(screen_cells(stored.read_text()), screen_cells(svg))
    assert difference is None, f"{scene.name}: {difference}"
