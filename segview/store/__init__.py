"""A faithful Python port of the agent runtime's ``session-store`` crate, every version.

Typed models of the union of every format version (``model``; ``FormatVersion`` names the
versions), a serde-compatible codec (``codec``), the filesystem store (``fs_store``), replay
(``replay``) and the write operations (``ops``), each following the rules of the version
they are given or infer. No UI code here.
"""

from .codec import (
    DecodeError,
    UnknownKindError,
    decode_entry,
    encode_entry,
    format_f32,
    format_f64,
)
from .errors import AlreadyExists, Corrupt, IoError, NotFound, StoreError, StoreIOError
from .fs_store import FsStore, Problem, SkippedFile, TolerantRead, UnknownEntry
from .model import *  # noqa: F403
from .model import __all__ as _model_all
from .ops import *  # noqa: F403
from .ops import __all__ as _ops_all
from .replay import RestoredState, apply_entry, collect_state, flatten_segments, system_text

__all__ = [
    "AlreadyExists",
    "Corrupt",
    "DecodeError",
    "FsStore",
    "IoError",
    "NotFound",
    "Problem",
    "RestoredState",
    "SkippedFile",
    "StoreError",
    "StoreIOError",
    "TolerantRead",
    "UnknownEntry",
    "UnknownKindError",
    "apply_entry",
    "collect_state",
    "decode_entry",
    "encode_entry",
    "flatten_segments",
    "format_f32",
    "format_f64",
    "system_text",
    *_model_all,
    *_ops_all,
]
