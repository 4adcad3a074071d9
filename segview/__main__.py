"""``python -m segview``: the same as the ``segview`` command."""

from segview.cli import run

run()
