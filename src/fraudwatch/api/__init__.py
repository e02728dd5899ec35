"""The real-time scoring API (`fraudwatch serve api`): FastAPI over the warehouse and registry."""

from fraudwatch.api.app import DEFAULT_RELOAD_SECONDS, MissingApiKeyError, create_app

__all__ = ["DEFAULT_RELOAD_SECONDS", "MissingApiKeyError", "create_app"]
