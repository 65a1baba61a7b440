"""``flask auth doctor`` on the mail settings: reachability and where links lead."""

from __future__ import annotations

from tests.mailsink import MailSink
from tests.servers import free_port


def doctor(app) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=["auth", "doctor"])
    return result.exit_code, result.output


def test_a_reachable_mail_server_is_ok(make_app, sink: MailSink) -> None:
    code, output = doctor(make_app(MAIL_URL=sink.url, EMAIL_LINK_URL="http://localhost:3000"))
    assert code == 0, output
    assert f"Connected to smtp://127.0.0.1:{sink.port}" in output
    assert "EMAIL_LINK_URL http://localhost:3000 is on an allowed origin" in output


def test_an_unreachable_mail_server_is_an_error_without_the_password(make_app) -> None:
    code, output = doctor(make_app(MAIL_URL=f"smtp://ops:pw-secret@127.0.0.1:{free_port()}?timeout=1"))
    assert code == 1
    assert "Cannot send mail through smtp://ops@127.0.0.1" in output
    assert "pw-secret" not in output


def test_links_to_an_untrusted_origin_are_an_error(make_app, sink: MailSink) -> None:
    code, output = doctor(make_app(MAIL_URL=sink.url, EMAIL_LINK_URL="https://elsewhere.example"))
    assert code == 1
    assert "EMAIL_LINK_URL https://elsewhere.example is neither a FRONTEND_URL origin nor the API" in output


def test_links_to_the_api_itself_are_allowed(make_app, sink: MailSink) -> None:
    code, output = doctor(make_app(MAIL_URL=sink.url, EMAIL_LINK_URL="http://localhost:3001"))
    assert code == 0, output


def test_dev_without_mail_url_prints_to_the_console(make_app) -> None:
    code, output = doctor(make_app())
    assert code == 0 and "MAIL_URL=console:" in output


def test_prod_without_mail_url_says_email_is_off(make_app) -> None:
    app = make_app(ENVIRONMENT="PROD", FRONTEND_URL="https://app.example.com")
    result = app.test_cli_runner().invoke(args=["auth", "doctor", "--api-url", "https://api.example.com"])
    assert "MAIL_URL is unset: email verification, password reset and magic links answer 404" in result.output


def standalone(tmp_path, **env: str):
    """``python -m auth.ops.doctor``: the bare command reading the raw environment."""
    from click.testing import CliRunner

    from auth.ops.doctor import doctor_group
    from tests.conftest import base_env

    return CliRunner().invoke(doctor_group, ["doctor"], env={**base_env(tmp_path), **env})


def test_standalone_checks_mail_too(tmp_path, sink: MailSink) -> None:
    result = standalone(tmp_path, MAIL_URL=sink.url)
    assert result.exit_code == 0, result.output
    assert f"Connected to smtp://127.0.0.1:{sink.port}" in result.output


def test_standalone_explains_a_mail_url_the_server_refuses(tmp_path) -> None:
    result = standalone(tmp_path, MAIL_URL="smtp://ops:pw-secret@mail.test?starttls=maybe")
    assert result.exit_code == 1
    assert "The server refuses to start: MAIL_URL ?starttls= must be auto or required" in result.output
    assert "pw-secret" not in result.output
