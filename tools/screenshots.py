"""Regenerate ``screenshots/*.svg`` from a fresh copy of the demo store.

``python tools/screenshots.py [OUTDIR]`` (from the repository root) drives the real app
(Textual's ``run_test``) through the scenes of ``tests/app/helpers.py`` (at 140x45, and the
main view at 80x24, 120x40 and 200x60 too) and saves each screen as SVG. The snapshot tests
run the same scenes, so the pictures in the README are the screens the tests check.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the scenes live in the tests: tests/app/helpers.py

from segview.app.state import STATE_ENV  # noqa: E402
from segview.cost import CONFIG_ENV  # noqa: E402
from segview.samples import copy_demo_store  # noqa: E402
from tests.app.helpers import SCENES, Scene, scene_app  # noqa: E402


async def save_scenes(outdir: Path, scenes: Sequence[Scene] = SCENES) -> list[Path]:
    """Run every scene on a fresh copy of the demo store and save ``outdir/<name>.svg``."""
    outdir = outdir.resolve()
    outdir.mkdir(parents=True, exist_ok=True)
    saved: list[Path] = []
    here = Path.cwd()
    with tempfile.TemporaryDirectory(prefix="segview-shots-") as tmp:
        copy_demo_store(Path(tmp) / "sample_logs")
        os.chdir(tmp)  # the header shows the store as "sample_logs", as in the README
        # no prices (no money shown), no remapped keys, no remembered theme
        own = {CONFIG_ENV: str(Path(tmp) / "no-config.toml"), STATE_ENV: str(Path(tmp) / "state")}
        before = {name: os.environ.get(name) for name in own}
        os.environ.update(own)
        try:
            for scene in scenes:
                app = scene_app(scene)
                async with app.run_test(size=scene.size) as pilot:
                    await scene.run(pilot)
                    name = app.save_screenshot(f"{scene.name}.svg", str(outdir))
                    saved.append(Path(name))
        finally:
            os.chdir(here)
            for variable, value in before.items():
                if value is None:
                    os.environ.pop(variable, None)
                else:
                    os.environ[variable] = value
    return saved


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python tools/screenshots.py",
        description="Regenerate the app's screenshots (SVG) from a fresh copy of the demo store.",
    )
    parser.add_argument("outdir", nargs="?", default="screenshots", help="default: screenshots")
    ns = parser.parse_args(argv)
    for path in asyncio.run(save_scenes(Path(ns.outdir))):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
