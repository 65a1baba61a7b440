"""A real SMTP server in the test process (aiosmtpd), and what it received.

``MailSink`` listens on a free port on 127.0.0.1 and keeps every message;
``serve_http()`` adds a tiny HTTP endpoint (``GET /last?to=ADDRESS``) that
answers the latest mail to an address as JSON, for the browser harness that
runs in another process.
"""

from __future__ import annotations

import json
import re
import threading
import time
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from aiosmtpd.controller import Controller

from tests.servers import free_port

LINK = re.compile(r"https?://\S+?\?token=[A-Za-z0-9_\-]+")


class _Handler:
    def __init__(self, sink: MailSink) -> None:
        self.sink = sink

    async def handle_DATA(self, server, session, envelope) -> str:
        message = message_from_bytes(envelope.content, policy=default)
        with self.sink.lock:
            for rcpt in envelope.rcpt_tos:
                self.sink.received.append((rcpt.lower(), message))  # type: ignore[arg-type]
        return "250 OK"


class MailSink:
    """``controller_options`` go to aiosmtpd's Controller: ``ssl_context`` for implicit
    TLS (smtps), ``tls_context`` to offer STARTTLS, ``auth_*`` for AUTH.
    """

    def __init__(self, **controller_options: object) -> None:
        self.lock = threading.Lock()
        self.received: list[tuple[str, EmailMessage]] = []
        self.port = free_port()
        self.implicit_tls = "ssl_context" in controller_options
        self.controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port, **controller_options)
        self.http: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"{'smtps' if self.implicit_tls else 'smtp'}://127.0.0.1:{self.port}"

    def start(self) -> MailSink:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()
        if self.http is not None:
            self.http.shutdown()
            self.http.server_close()

    def to(self, address: str) -> list[EmailMessage]:
        with self.lock:
            return [message for rcpt, message in self.received if rcpt == address.lower()]

    def wait_for(self, address: str, count: int = 1, timeout: float = 10.0) -> EmailMessage:
        """The ``count``-th mail to ``address``, waiting for it to arrive."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            messages = self.to(address)
            if len(messages) >= count:
                return messages[count - 1]
            time.sleep(0.02)
        raise AssertionError(f"no mail #{count} to {address} within {timeout}s; got {len(self.to(address))}")

    def serve_http(self) -> str:
        """Start ``GET /last?to=ADDRESS`` on a free port; returns its base URL."""
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                query = parse_qs(urlsplit(self.path).query)
                messages = sink.to(query.get("to", [""])[0])
                body = json.dumps(summary(messages[-1]) if messages else None).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.http = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        threading.Thread(target=self.http.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self.http.server_address[1]}"


def text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None, "the mail has no plain-text body"
    return part.get_content()


def html_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    assert part is not None, "the mail has no HTML body"
    return part.get_content()


def link_in(message: EmailMessage) -> str:
    """The one link the mail carries, the same in both bodies."""
    links = set(LINK.findall(text_of(message)))
    assert len(links) == 1, f"expected one link in the text body, found {links}"
    (link,) = links
    assert link in html_of(message).replace("&amp;", "&"), "the HTML body lacks the text body's link"
    return link


def summary(message: EmailMessage) -> dict[str, object]:
    links = LINK.findall(text_of(message))
    return {
        "to": message["To"],
        "subject": message["Subject"],
        "text": text_of(message),
        "link": links[0] if links else None,
    }
