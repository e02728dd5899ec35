"""Who the analyst is: the hosting platform's user header when there is one, else a sign-in."""

from __future__ import annotations

import json
from collections.abc import Mapping

# Headers a reverse proxy or hosting platform sets to the signed-in user, in order of trust.
USER_HEADERS = ("x-forwarded-user", "x-auth-request-user")
CREDENTIAL_HEADERS = ("rstudio-connect-credentials", "shiny-server-credentials")
MAX_NAME = 128


def analyst_from_headers(headers: Mapping[str, str]) -> str | None:
    """Return the user named by the request headers, or None if no header names one.

    Posit Connect sends `RStudio-Connect-Credentials: {"user": "ana", ...}`; proxies send
    `X-Forwarded-User` or `X-Auth-Request-User`. Header names are matched case-insensitively.

    >>> analyst_from_headers({"RStudio-Connect-Credentials": '{"user": "ana", "groups": []}'})
    'ana'
    >>> analyst_from_headers({"X-Forwarded-User": " bo "}) is None
    False
    """
    lowered = {key.lower(): value for key, value in headers.items()}
    for name in CREDENTIAL_HEADERS:
        raw = lowered.get(name)
        if not raw:
            continue
        try:
            user = json.loads(raw).get("user")
        except (ValueError, AttributeError):
            continue
        if isinstance(user, str) and clean_name(user):
            return clean_name(user)
    for name in USER_HEADERS:
        if clean_name(lowered.get(name, "")):
            return clean_name(lowered[name])
    return None


def clean_name(name: str | None) -> str | None:
    """Return a typed or sent name trimmed and capped at the column width, or None if blank."""
    if name is None:
        return None
    cleaned = " ".join(name.split())[:MAX_NAME]
    return cleaned or None
