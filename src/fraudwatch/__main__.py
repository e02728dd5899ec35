"""`python -m fraudwatch` runs the CLI."""

from fraudwatch.cli import main

main()
