"""``python -m segview``: the same as the ``segview`` command."""

import sys

from segview.cli import main

sys.exit(main())
