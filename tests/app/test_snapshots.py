"""SVG snapshots of the main screens (the same scenes as ``screenshots/``).

Update after an intended change of the look: ``pytest tests/app/test_snapshots.py
--snapshot-update``, then look at the SVGs before committing them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from segview.app.screenshots import SCENES, SIZE, Scene, scene_app


@pytest.mark.parametrize("scene", SCENES, ids=[s.name for s in SCENES])
def test_screen(scene: Scene, demo_store: Path, snap_compare: Callable[..., bool]) -> None:
    assert demo_store.name == "sample_logs"  # the header shows this relative path
    assert snap_compare(scene_app(scene), terminal_size=SIZE, run_before=scene.run)
