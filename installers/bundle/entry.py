"""The bundle's program: the same ``kiosk`` command line as the installed package."""

import sys

from kiosk.cli import main

if __name__ == "__main__":
    sys.exit(main())
