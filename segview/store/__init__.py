"""A faithful Python port of the agent runtime's ``session-store`` crate, every version.

Typed models of the union of every format version (``model``; ``FormatVersion`` names the
versions), a serde-compatible codec (``codec``), the filesystem store (``fs_store``), replay
(``replay``) and the write operations (``ops``), each following the rules of the version
they are given or infer. No UI code here.

The names are imported when first used (PEP 562): the store scanner and the readers of the
index need neither pydantic nor the models, which take most of segview's start-up.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .codec import DecodeError as DecodeError
    from .codec import UnknownKindError as UnknownKindError
    from .codec import decode_entry as decode_entry
    from .codec import encode_entry as encode_entry
    from .codec import format_f32 as format_f32
    from .codec import format_f64 as format_f64
    from .errors import AlreadyExists as AlreadyExists
    from .errors import Corrupt as Corrupt
    from .errors import IoError as IoError
    from .errors import NotFound as NotFound
    from .errors import StoreError as StoreError
    from .errors import StoreIOError as StoreIOError
    from .fs_store import FsStore as FsStore
    from .fs_store import Problem as Problem
    from .fs_store import SkippedFile as SkippedFile
    from .fs_store import TolerantRead as TolerantRead
    from .fs_store import UnknownEntry as UnknownEntry
    from .model import *
    from .ops import *
    from .replay import RestoredState as RestoredState
    from .replay import apply_entry as apply_entry
    from .replay import collect_state as collect_state
    from .replay import flatten_segments as flatten_segments
    from .replay import system_text as system_text

_MODULE_OF = {
    "DecodeError": "codec",
    "UnknownKindError": "codec",
    "decode_entry": "codec",
    "encode_entry": "codec",
    "format_f32": "codec",
    "format_f64": "codec",
    "AlreadyExists": "errors",
    "Corrupt": "errors",
    "IoError": "errors",
    "NotFound": "errors",
    "StoreError": "errors",
    "StoreIOError": "errors",
    "FsStore": "fs_store",
    "Problem": "fs_store",
    "SkippedFile": "fs_store",
    "TolerantRead": "fs_store",
    "UnknownEntry": "fs_store",
    "RestoredState": "replay",
    "apply_entry": "replay",
    "collect_state": "replay",
    "flatten_segments": "replay",
    "system_text": "replay",
    "FormatVersion": "version",
}


def __getattr__(name: str) -> Any:
    if name == "__all__":  # ``from segview.store import *``: every name
        from .model import __all__ as model_all
        from .ops import __all__ as ops_all

        value: Any = [*_MODULE_OF, *model_all, *ops_all]
    elif name in _MODULE_OF:
        value = getattr(importlib.import_module(f"{__name__}.{_MODULE_OF[name]}"), name)
    else:
        for module in ("model", "ops"):
            found = importlib.import_module(f"{__name__}.{module}")
            if name in found.__all__:
                value = getattr(found, name)
                break
        else:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value
