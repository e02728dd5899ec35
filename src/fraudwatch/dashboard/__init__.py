"""The analyst dashboard (Shiny for Python, Core): monitoring, detection, review queue, operations.

`create_app` builds it; `fraudwatch serve dashboard` runs it. See docs/dashboard.md.
"""

from fraudwatch.dashboard.app import create_app

__all__ = ["create_app"]
