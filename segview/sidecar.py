"""Where labels and notes are kept: ``STORE/.segview/SEGMENT.notes.jsonl``, beside the
segment's log (``segview.notes`` reads and writes them)."""

from __future__ import annotations

__all__ = ["NOTES_SUFFIX", "SIDECAR_DIR"]

SIDECAR_DIR = ".segview"
NOTES_SUFFIX = ".notes.jsonl"
