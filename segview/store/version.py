"""The format versions (FORMAT.md section 9.6), in a module of their own: what the store
scanner and the readers need without the models."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["FormatVersion"]


class FormatVersion(StrEnum):
    """The version of the format whose rules apply (FORMAT.md section 9.6).

    ``REFERENCE`` is the reference commit ``22f5d023``; ``CURRENT`` the current upstream
    ``b12e0785``. ``AUTO`` means "infer it": a ``segment_start`` with ``session_id``, or a
    segment in a session directory or worker aggregate, follows the current rules; anything
    else the reference rules.
    """

    AUTO = "auto"
    REFERENCE = "reference"
    CURRENT = "current"
