"""What every command shares: the resolved settings, the engine, and the one-line user error."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Engine

from fraudwatch.config import Settings, get_settings
from fraudwatch.warehouse import WarehouseConfigError, create_warehouse_engine


class UserError(Exception):
    """A problem the user can fix; printed as one line, exit code 1."""


@dataclass
class CliState:
    """Options given before the command (`fraudwatch --database-url URL COMMAND`)."""

    database_url: str | None = None


state = CliState()


def settings() -> Settings:
    """Return the settings, with the command line's --database-url taking precedence."""
    base = get_settings()
    if state.database_url:
        return base.model_copy(update={"database_url": state.database_url})
    return base


def engine() -> Engine:
    """Return an engine for the configured warehouse, or raise a UserError saying what is wrong."""
    try:
        return create_warehouse_engine(settings().database_url)
    except WarehouseConfigError as error:
        raise UserError(str(error)) from None
