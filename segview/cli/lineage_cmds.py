"""``segview tree`` and ``segview check`` (the lineage model's commands)."""

from __future__ import annotations

import argparse
from typing import Any

COMMANDS: tuple[str, ...] = ()


def register(sub: Any) -> None:
    del sub


__all__ = ["COMMANDS", "register", "argparse"]
