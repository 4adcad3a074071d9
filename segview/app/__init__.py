"""The Textual application: ``SegviewApp`` and its widgets, screens and styles.

The app draws its first frame before the store's models are imported (pydantic and the
models' validators took a third of its start-up). Its modules name the models, the timeline
and the replay in annotations only (under ``TYPE_CHECKING``) and import them in the
functions that use them: the loader's thread imports them with the first segment it opens
(``MainScreen._load``), before anything of a segment is drawn. ``tests/test_cli_startup.py``
keeps it so.
"""

from __future__ import annotations

from .app import SegviewApp

__all__ = ["SegviewApp"]
