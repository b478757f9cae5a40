"""Headless subcommands of ``factory-app``; each module has ``add_parser`` and ``run``."""
