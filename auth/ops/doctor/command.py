"""The ``flask auth doctor`` command and ``python -m auth.ops.doctor``."""

from __future__ import annotations

import os
import sys

import click
from flask import current_app, has_app_context
from flask.cli import ScriptInfo

from auth.core.settings import Settings
from auth.ops.doctor.config import diagnose_env
from auth.ops.doctor.cookies import DEV_API_URL, check
from auth.ops.doctor.findings import render
from auth.ops.doctor.mail import diagnose_mail, diagnose_mail_env

doctor_group = click.Group("auth", help="Check the auth server's deployment.")


@doctor_group.command("doctor")
@click.option(
    "--api-url",
    envvar="API_URL",
    metavar="URL",
    help="The API's public URL as browsers see it (default: $API_URL; in DEV http://localhost:3001).",
)
@click.pass_context
def doctor(ctx: click.Context, api_url: str | None) -> None:
    """Tell whether browsers will accept and send the auth cookies; exit 1 on any error.

    Inside ``flask`` the loaded app's settings are checked; run standalone
    (``python -m auth.ops.doctor``) it reads the environment itself, so it can
    explain a configuration the server refuses to start with.
    """
    settings = _app_settings(ctx)
    findings = diagnose_env(os.environ, api_url) if settings is None else check(settings, api_url)
    if settings is None:
        findings += diagnose_mail_env(os.environ, api_url)
    else:
        default_api = DEV_API_URL if settings.is_dev else None
        findings += diagnose_mail(current_app.extensions["mail"].settings, settings, api_url or default_api)
    for line in render(findings):
        click.echo(line)
    ctx.exit(1 if any(f.level == "error" for f in findings) else 0)


def _app_settings(ctx: click.Context) -> Settings | None:
    """The loaded app's settings under ``flask`` (or its test runner); None when run standalone."""
    if has_app_context() and "auth" in current_app.extensions:
        return current_app.extensions["auth"].settings
    info = ctx.find_object(ScriptInfo)
    if info is None:
        return None
    app = info.load_app()
    ctx.with_resource(app.app_context())
    return app.extensions["auth"].settings


def main() -> None:
    """``python -m auth.ops.doctor [--api-url URL]``: read ``.env``/``.flaskenv`` as ``flask`` does, then check."""
    from flask.cli import load_dotenv

    load_dotenv()
    doctor.main(args=sys.argv[1:], prog_name="python -m auth.ops.doctor")
