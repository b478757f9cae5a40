"""``python -m factory_app`` is the same as the ``factory-app`` command."""

import sys

from factory_app.cli import main

sys.exit(main())
