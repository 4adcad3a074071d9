"""``python -m segview.samples DIR``: write the demo store into DIR."""

import sys

from segview.samples import main

sys.exit(main())
