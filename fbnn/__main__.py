"""``python -m fbnn ...``: see :mod:`fbnn.cli`."""

import sys

from fbnn.cli import main

if __name__ == "__main__":
    sys.exit(main())
