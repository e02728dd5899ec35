"""Settings: the one reader of the environment (variables prefixed FRAUDWATCH_, or a .env file)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_FILE = "fraudwatch.db"


def default_database_url() -> str:
    """Return the embedded default: a SQLite file in the current working directory."""
    return f"sqlite:///{Path.cwd() / DEFAULT_DATABASE_FILE}"


class Settings(BaseSettings):
    """Everything fraudwatch can be told from outside its code.

    Secrets (API key, SMTP password, database passwords inside the URL) come from the
    environment or a `.env` file that git ignores, never from code.
    """

    model_config = SettingsConfigDict(
        env_prefix="FRAUDWATCH_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    database_url: str = Field(default_factory=default_database_url)
    model_dir: Path = Path("models")

    high_value_amount: float = 5000.0
    high_risk_threshold: float = 0.7
    alert_budget_share: float = 0.01

    api_key: SecretStr | None = None

    alert_email_to: str | None = None
    alert_email_from: str = "fraudwatch@localhost"
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    alert_webhook_url: str | None = None

    dashboard_refresh_seconds: float = 5.0


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process-wide settings, read once."""
    return Settings()
