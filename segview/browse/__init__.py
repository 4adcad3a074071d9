"""The model of browsing a store, with no Textual: what the app shows, as plain Python.

* ``session``: the store being browsed — its lineage kept current, forks.
* ``cursor``: one open segment — its stops (turn 0, every turn, an unfinished turn), the
  position, the state and what each position shows (turn info, the items a turn added).
* ``player``: the replay of a segment entry by entry, paced by the log's own timestamps.
* ``forest``, ``positions``, ``sources``, ``pacing``: the pieces they are built from.

The app's screen drives these objects and renders what they return; they never call it.
"""
