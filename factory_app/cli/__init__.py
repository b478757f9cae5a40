"""``factory-app``: the command line. Each command module has ``add_parser`` and ``run``; the entry
point (:func:`factory_app.cli.main.main`) imports only the command it runs."""

from factory_app.cli.main import main

__all__ = ["main"]
