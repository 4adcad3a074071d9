"""The committed demo store: the repository's ``sample_logs/``, also shipped in the wheel.

The wheel carries it as ``segview/_demo_store/`` (``pyproject.toml`` maps it there); a
checkout or an editable install reads the repository's ``sample_logs/`` itself. ``segview
--demo`` and the screenshot script copy it instead of generating it again.
"""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

from .ids import DEMO_SEGMENTS


def committed_store() -> Traversable:
    """Where the committed demo store is; ``FileNotFoundError`` if it is nowhere."""
    packaged = files("segview") / "_demo_store"
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parents[2] / "sample_logs"
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError("the demo store is not part of this installation of segview")


def copy_demo_store(dest: Path) -> list[str]:
    """Copy the demo's segments from the committed store into ``dest``; returns their ids.

    ``dest`` is created if missing; a file of the demo already there is never overwritten
    (``FileExistsError``). Other files of the committed store (a fork made in a checkout's
    ``sample_logs/``) are not copied.
    """
    source = committed_store()
    dest.mkdir(parents=True, exist_ok=True)
    for segment_id in DEMO_SEGMENTS.values():
        name = f"{segment_id}.jsonl"
        data = (source / name).read_bytes()
        with open(dest / name, "xb") as out:
            out.write(data)
    return list(DEMO_SEGMENTS.values())
