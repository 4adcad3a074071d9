"""The demo's segments: their names, their ids, and the time each id embeds."""

from __future__ import annotations

DEMO_SEGMENTS: dict[str, str] = {
    "main": "01926b80-f80e-7fda-abe5-925c8c52fefc",
    "fork_turn0": "01927084-ab3b-7246-a51d-a2c05a21a600",
    "fork_mid": "01926c67-1da6-7491-a960-761f5a544665",
    "fork_of_fork": "01926cb6-1232-7884-9f14-cc52b9b80066",
    "compacted_1": "01926ba4-e126-771f-82bb-eabea3d38591",
    "compacted_2": "01926bb0-9835-7141-956a-d59e7dd9a1fe",
    "system_items": "01927109-0426-7f89-afea-1444715752f1",
    "input_segments": "0192675a-c596-7487-b43a-32cc53818f30",
    "legacy": "019224c7-93fe-7b2e-969a-23c9d3624068",
    "long": "01924c5b-3d69-7e22-a589-888d0792ce8d",
    "truncated": "019258f2-3d95-7023-acbc-945fb42704b7",
}
"""The demo's segments by name (the package docstring says what each one shows)."""

TRUNCATED_SEGMENT = "truncated"
"""The one segment whose last line is deliberately cut off."""


def segment_created_ms(segment_id: str) -> int:
    """The creation time (ms since the epoch) embedded in a UUID v7."""
    return int(segment_id.replace("-", "")[:12], 16)
