"""The turns of one segment, and the replayed state after any entry (``Timeline``)."""

from segview.gcpause import gc_paused

from .timeline import Timeline
from .turns import CHECKPOINT_EVERY, PREVIEW_WIDTH, LoadCancelled, Turn

__all__ = ["CHECKPOINT_EVERY", "PREVIEW_WIDTH", "LoadCancelled", "Timeline", "Turn", "gc_paused"]
