"""Alerts for failed scoring runs: an email over SMTP and/or a JSON POST to a webhook.

Both are optional and configured in `Settings` (alert_email_to / alert_email_from / smtp_host /
smtp_port / smtp_user / smtp_password, alert_webhook_url). Sending never raises: a failing
channel is logged and reported, so an alert problem never masks the run's own error.
"""

from __future__ import annotations

import json
import logging
import smtplib
import urllib.request
from dataclasses import asdict
from email.message import EmailMessage
from typing import Any, Final

from fraudwatch.config import Settings
from fraudwatch.scoring.run import RunResult

log = logging.getLogger(__name__)

TIMEOUT_SECONDS: Final = 10.0


def alert_payload(result: RunResult) -> dict[str, Any]:
    """Return the JSON body of a failure alert: event, run fields and a one-line summary."""
    return {
        "event": "fraudwatch.scoring_run_failed",
        "summary": summary(result),
        **asdict(result),
    }


def summary(result: RunResult) -> str:
    """Return one line saying which run failed and why."""
    return (
        f"fraudwatch scoring run {result.run_id} ({result.trigger}) failed after "
        f"{result.n_scored} scored, {result.n_rejected} rejected: {result.error}"
    )


def send_email(settings: Settings, result: RunResult) -> None:
    """Send the failure alert by SMTP (STARTTLS when offered and a login is configured)."""
    if not settings.smtp_host or not settings.alert_email_to:
        raise ValueError("set smtp_host and alert_email_to to send alert emails")
    message = EmailMessage()
    message["Subject"] = f"[fraudwatch] scoring run failed: {result.error}"[:200]
    message["From"] = settings.alert_email_from
    message["To"] = settings.alert_email_to
    message.set_content(summary(result) + "\n\n" + json.dumps(alert_payload(result), indent=2))
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=TIMEOUT_SECONDS) as smtp:
        smtp.ehlo()
        if settings.smtp_user:
            if smtp.has_extn("starttls"):
                smtp.starttls()
                smtp.ehlo()
            password = settings.smtp_password.get_secret_value() if settings.smtp_password else ""
            smtp.login(settings.smtp_user, password)
        smtp.send_message(message)


def post_webhook(settings: Settings, result: RunResult) -> None:
    """POST the failure alert as JSON to the webhook; raise on a non-2xx answer."""
    if not settings.alert_webhook_url:
        raise ValueError("set alert_webhook_url to post alerts to a webhook")
    if not settings.alert_webhook_url.startswith(("http://", "https://")):
        raise ValueError(f"alert_webhook_url must be http(s), not {settings.alert_webhook_url!r}")
    request = urllib.request.Request(
        settings.alert_webhook_url,
        data=json.dumps(alert_payload(result), default=str).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
        if not 200 <= response.status < 300:
            raise OSError(f"webhook answered HTTP {response.status}")


def send_alerts(settings: Settings, result: RunResult) -> dict[str, str]:
    """Send the failure alert on every configured channel; return channel -> 'sent' or error.

    Never raises: each channel's failure is logged and returned.
    """
    outcome: dict[str, str] = {}
    channels = []
    if settings.alert_email_to and settings.smtp_host:
        channels.append(("email", send_email))
    if settings.alert_webhook_url:
        channels.append(("webhook", post_webhook))
    for name, send in channels:
        try:
            send(settings, result)
            outcome[name] = "sent"
        except Exception as error:
            log.error("could not send the %s alert for run %s: %s", name, result.run_id, error)
            outcome[name] = f"failed: {type(error).__name__}: {error}"
    return outcome
