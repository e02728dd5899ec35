"""The `fraudwatch` command line: the composition root that wires settings to every part."""

from fraudwatch.cli.app import app, main

__all__ = ["app", "main"]
