"""Where mail goes, and the one function that hands a message over.

The standard library's ``smtplib`` and ``email`` do the work: they speak
SMTP with STARTTLS, implicit TLS and AUTH, build MIME correctly, and add no
dependency to keep patched (docs/email.md says more).

``MAIL_URL`` forms:

- ``smtp://[user:pass@]host[:port]`` (port 587): STARTTLS when the server
  offers it; ``?starttls=required`` refuses to send in the clear.
- ``smtps://[user:pass@]host[:port]`` (port 465): TLS from the first byte.
- ``console:``: print each message to standard output (development).

``?timeout=SECONDS`` (default 10) bounds every network wait.
"""

from __future__ import annotations

import smtplib
import socket
import ssl
import sys
from dataclasses import dataclass
from email.message import EmailMessage
from functools import cache
from urllib.parse import parse_qs, unquote, urlsplit

from auth.core.settings import ConfigError

DEFAULT_PORTS = {"smtp": 587, "smtps": 465}


class StartTLSUnavailable(smtplib.SMTPException):
    """The server does not offer STARTTLS and the URL requires it."""


@dataclass(frozen=True)
class Destination:
    scheme: str
    host: str = ""
    port: int = 0
    username: str | None = None
    password: str | None = None
    starttls_required: bool = False
    timeout: float = 10.0

    def describe(self) -> str:
        """For logs and the doctor: never the password."""
        if self.scheme == "console":
            return "console:"
        user = f"{self.username}@" if self.username else ""
        return f"{self.scheme}://{user}{self.host}:{self.port}"


def parse_mail_url(url: str) -> Destination:
    """``MAIL_URL`` as a Destination, or ConfigError naming the variable (never echoing a password)."""
    if url.strip().lower() == "console:":
        return Destination("console")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise ConfigError("MAIL_URL is not a valid URL (its port?)") from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        raise ConfigError("MAIL_URL must be smtp://host[:port], smtps://host[:port] or console:")
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    unknown = set(query) - {"starttls", "timeout"}
    if unknown:
        raise ConfigError(f"MAIL_URL has unknown options: {', '.join(sorted(unknown))}")
    starttls = query.get("starttls", "auto").lower()
    if starttls not in ("auto", "required") or (starttls == "required" and scheme == "smtps"):
        raise ConfigError("MAIL_URL ?starttls= must be auto or required (and only with smtp://)")
    try:
        timeout = float(query.get("timeout", "10"))
    except ValueError:
        timeout = -1.0
    if not 0.1 <= timeout <= 60:
        raise ConfigError("MAIL_URL ?timeout= must be a number of seconds between 0.1 and 60")
    return Destination(
        scheme=scheme,
        host=parts.hostname,
        port=port or DEFAULT_PORTS[scheme],
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        starttls_required=starttls == "required",
        timeout=timeout,
    )


@cache
def _local_hostname() -> str:
    """The name given in EHLO, looked up once: smtplib would resolve it again for every mail."""
    return socket.getfqdn()


def connect(destination: Destination) -> smtplib.SMTP:
    """An open, authenticated SMTP connection; raises OSError or SMTPException."""
    context = ssl.create_default_context()
    name = _local_hostname()
    if destination.scheme == "smtps":
        client: smtplib.SMTP = smtplib.SMTP_SSL(
            destination.host, destination.port, local_hostname=name, timeout=destination.timeout, context=context
        )
    else:
        client = smtplib.SMTP(destination.host, destination.port, local_hostname=name, timeout=destination.timeout)
    try:
        client.ehlo()
        if destination.scheme == "smtp":
            if client.has_extn("starttls"):
                client.starttls(context=context)
                client.ehlo()
            elif destination.starttls_required:
                raise StartTLSUnavailable("the server does not offer STARTTLS")
        if destination.username:
            client.login(destination.username, destination.password or "")
    except BaseException:
        client.close()
        raise
    return client


def console_text(message: EmailMessage) -> str:
    """The mail as a person reads it: the headers and the decoded plain-text part.

    ``as_string()`` would print the transfer encoding (quoted-printable turns
    ``=`` into ``=3D`` and breaks long lines with ``=``), so a printed link
    could not be copied.
    """
    headers = "\n".join(f"{name}: {message[name]}" for name in ("From", "To", "Subject", "Date") if message[name])
    part = message.get_body(preferencelist=("plain",))
    body = part.get_content() if part is not None else "(no plain-text part)"
    return f"{headers}\n\n{body.rstrip()}"


def deliver(destination: Destination, message: EmailMessage) -> None:
    """Send one message; raises OSError or SMTPException on failure."""
    if destination.scheme == "console":
        sys.stdout.write(f"----- mail (MAIL_URL=console:) -----\n{console_text(message)}\n----- end of mail -----\n")
        sys.stdout.flush()
        return
    client = connect(destination)
    try:
        client.send_message(message)
    finally:
        try:
            client.quit()
        except (OSError, smtplib.SMTPException):
            client.close()
