"""Sharing a conversation with people who have neither segview nor the store.

* ``lineage_replay``: the path from a root segment to a segment as one replay — chapters at
  each fork or compaction, the history items each entry added, the turn ends (plain data).
* ``redact``: masking what looks like a secret (API keys, tokens, e-mail addresses, home
  paths) in that data, with a count per kind.
* ``html``: one self-contained HTML file that replays it in any browser (no network, no
  external script or font; log text is data, never markup).
* ``cast``: an asciicast v2 recording of the app's own replay, rendered headless.
* ``serve``: the app in a browser through textual-serve (``served_app`` is what each browser
  session runs).

``lineage_replay``, ``redact`` and ``html`` never import Textual.
"""
