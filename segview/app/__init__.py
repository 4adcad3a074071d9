"""The Textual application: ``SegviewApp`` and its widgets, screens and styles."""

from __future__ import annotations

from .app import SegviewApp

__all__ = ["SegviewApp"]
