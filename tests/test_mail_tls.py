"""Mail over TLS: STARTTLS, implicit TLS (smtps) and AUTH against a real aiosmtpd server.

The server's certificate comes from a throwaway CA made here; the client
trusts it through ``SSL_CERT_FILE`` (read by ``ssl.create_default_context``),
so certificate checking stays on, as in production.
"""

from __future__ import annotations

import datetime
import ipaddress
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.smtp import AuthResult
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.mailsink import MailSink

# aiosmtpd cannot tell that an implicit-TLS connection is encrypted, and warns about AUTH on it.
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


def _certificate(folder: Path) -> tuple[Path, Path, Path]:
    """(ca.pem, server.pem, server.key): a CA and a certificate for 127.0.0.1 it signed."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "mail test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    paths = folder / "ca.pem", folder / "server.pem", folder / "server.key"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return paths


@pytest.fixture
def server_tls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ssl.SSLContext:
    ca, cert, key = _certificate(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(ca))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


def _authenticator(server, session, envelope, mechanism, auth_data) -> AuthResult:
    ok = auth_data.login == b"mailer" and auth_data.password == b"p@ss:word"
    return AuthResult(success=ok)


def _run(sink: MailSink) -> Iterator[MailSink]:
    sink.start()
    try:
        yield sink
    finally:
        sink.stop()


@pytest.fixture
def starttls_sink(server_tls: ssl.SSLContext) -> Iterator[MailSink]:
    yield from _run(
        MailSink(tls_context=server_tls, require_starttls=True, authenticator=_authenticator, auth_required=True)
    )


@pytest.fixture
def smtps_sink(server_tls: ssl.SSLContext) -> Iterator[MailSink]:
    yield from _run(
        MailSink(ssl_context=server_tls, authenticator=_authenticator, auth_required=True, auth_require_tls=False)
    )


CREDENTIALS = "mailer:p%40ss%3Aword@"


def test_starttls_then_auth(make_app, starttls_sink: MailSink) -> None:
    url = starttls_sink.url.replace("://", f"://{CREDENTIALS}") + "?starttls=required"
    result = make_app(MAIL_URL=url).test_cli_runner().invoke(args=["mail", "test", "ops@mail.test"])
    assert result.exit_code == 0, result.output
    assert starttls_sink.wait_for("ops@mail.test")["Subject"] == "Test mail from flask-auth"


def test_implicit_tls_then_auth(make_app, smtps_sink: MailSink) -> None:
    url = smtps_sink.url.replace("://", f"://{CREDENTIALS}")
    result = make_app(MAIL_URL=url).test_cli_runner().invoke(args=["mail", "test", "ops@mail.test"])
    assert result.exit_code == 0, result.output
    assert smtps_sink.wait_for("ops@mail.test")


def test_a_wrong_password_is_refused_and_not_printed(make_app, starttls_sink: MailSink) -> None:
    url = starttls_sink.url.replace("://", "://mailer:wrong-secret@") + "?timeout=3"
    result = make_app(MAIL_URL=url).test_cli_runner().invoke(args=["mail", "test", "ops@mail.test"])
    assert result.exit_code != 0 and "failed: SMTP" in result.output
    assert "wrong-secret" not in result.output
    assert starttls_sink.received == []


def test_an_untrusted_certificate_is_refused(make_app, smtps_sink: MailSink, monkeypatch) -> None:
    monkeypatch.delenv("SSL_CERT_FILE")
    url = smtps_sink.url.replace("://", f"://{CREDENTIALS}")
    result = make_app(MAIL_URL=url).test_cli_runner().invoke(args=["mail", "test", "ops@mail.test"])
    assert result.exit_code != 0 and "SSLCertVerificationError" in result.output
    assert smtps_sink.received == []


def test_the_doctor_reports_tls(make_app, smtps_sink: MailSink) -> None:
    url = smtps_sink.url.replace("://", f"://{CREDENTIALS}")
    result = make_app(MAIL_URL=url).test_cli_runner().invoke(args=["auth", "doctor"])
    assert f"Connected to smtps://mailer@127.0.0.1:{smtps_sink.port} over TLS" in result.output
    assert "p@ss" not in result.output
