"""Entry point of the packaged app: the same ``factory-app`` command as the installed console script.

With no arguments (or a scenario file) it opens the desktop app; otherwise it runs a headless
subcommand (``evaluate``, ``export``, ``render``...) and exits with that command's code.
"""

import sys

from factory_app.cli import main

if __name__ == "__main__":
    sys.exit(main())
