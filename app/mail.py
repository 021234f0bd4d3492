"""Email through the SMTP server the operator configured (stdlib ``smtplib``).

Configured by ``SMTP_HOST`` (unset: no email), ``SMTP_PORT`` (587), ``SMTP_USER`` /
``SMTP_PASSWORD`` (optional), ``SMTP_FROM`` (the sender; default ``frontdesk@<host>``) and
``SMTP_SECURITY``: ``starttls`` (default), ``ssl`` (implicit TLS, port 465) or ``none``.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage

from app.config import Settings


class MailNotConfigured(RuntimeError):
    """No ``SMTP_HOST``: this deployment cannot send email."""


class MailFailed(RuntimeError):
    """The SMTP server refused the message or could not be reached."""


def configured(settings: Settings) -> bool:
    return bool(settings.smtp_host)


def send(settings: Settings, *, to: str, subject: str, body: str) -> None:
    """Send one plain-text email. Raises ``MailNotConfigured`` or ``MailFailed``."""
    if not settings.smtp_host:
        raise MailNotConfigured("SMTP_HOST is not set")
    message = EmailMessage()
    message["From"] = settings.smtp_from or f"frontdesk@{settings.smtp_host}"
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    security = (settings.smtp_security or "starttls").lower()
    try:
        if security == "ssl":
            server: smtplib.SMTP = smtplib.SMTP_SSL(
                settings.smtp_host, settings.smtp_port, timeout=15, context=ssl.create_default_context()
            )
        else:
            server = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=15)
        with server:
            if security == "starttls":
                server.starttls(context=ssl.create_default_context())
            if settings.smtp_user:
                server.login(settings.smtp_user, settings.smtp_password or "")
            server.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailFailed(f"could not send email through {settings.smtp_host}: {exc}") from exc
