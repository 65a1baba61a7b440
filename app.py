"""The application factory: settings, extensions, blueprints, error handlers, CLI.

``flask run`` finds the module-level ``app`` through ``.flaskenv``;
``gunicorn app:app`` serves the same object in production.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping
from pathlib import Path

from dotenv import load_dotenv
from flask import Flask
from flask_migrate import Migrate
from werkzeug.middleware.proxy_fix import ProxyFix

from auth.admin import init_admin
from auth.apikeys import init_api_keys
from auth.core.admission import HashGate
from auth.core.audit import add_context_provider, add_listener, commit_pending_events
from auth.core.breaches import BreachedPasswords
from auth.core.devices import DeviceTokens
from auth.core.keys import load_keys
from auth.core.live_sessions import LiveSessions
from auth.core.metrics import count_event
from auth.core.passwords import Passwords
from auth.core.polling import PollLoop
from auth.core.revocation import RevocationView
from auth.core.sessions import SessionStore
from auth.core.settings import ConfigError, Settings
from auth.core.state import AuthState
from auth.core.token_cache import VerifiedTokens
from auth.mail import init_mail
from auth.mfa import init_mfa
from auth.oidc import init_oidc
from auth.ops.cli import init_cli
from auth.ops.settings import OpsSettings
from auth.orgs import init_orgs
from auth.provider import init_provider
from auth.web.account_page import bp as account_page_bp
from auth.web.config_view import bp as config_bp
from auth.web.cors import init_cors
from auth.web.csrf import init_csrf
from auth.web.errors import register_error_handlers
from auth.web.headers import init_headers, static_headers
from auth.web.i18n import init_i18n
from auth.web.limits import init_limits
from auth.web.openapi_view import bp as openapi_bp
from auth.web.ops_views import bp as ops_bp
from auth.web.request_context import request_fields
from auth.web.request_metrics import init_request_metrics
from auth.web.service_views import bp as service_bp
from auth.web.views import bp as auth_bp
from models import db
from models.engine import engine_options, tune_sqlite

migrate = Migrate()
CONFIG_ERROR_EXIT = 3
ROOT = Path(__file__).resolve().parent


def create_app(config: Mapping[str, str] | None = None) -> Flask:
    """Build the app from the environment, overridden key by key by ``config``.

    Raises ConfigError, naming the variable, when a setting is wrong.
    """
    app = Flask(__name__, instance_relative_config=True, instance_path=str(ROOT / "instance"))
    env = {**os.environ, **(config or {})}
    if env.get("INSTANCE_PATH"):
        app.instance_path = env["INSTANCE_PATH"]
    settings = Settings.from_env(env, app.instance_path)
    ops = OpsSettings.from_env(env, settings.revocation_poll_seconds)

    app.config.from_mapping(
        SQLALCHEMY_DATABASE_URI=settings.database_url,
        SQLALCHEMY_ENGINE_OPTIONS=engine_options(
            settings.database_url, pool_size=settings.db_pool_size, max_overflow=settings.db_max_overflow
        ),
        MAX_CONTENT_LENGTH=settings.max_body_bytes,
        MAX_FORM_MEMORY_SIZE=settings.max_body_bytes,
        JSON_SORT_KEYS=False,
    )
    if settings.database_url.startswith("sqlite:///"):
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if settings.trusted_proxy_count:
        hops = settings.trusted_proxy_count
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)  # type: ignore[method-assign]

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    with app.app_context():
        tune_sqlite(db.engine)

    live_sessions = LiveSessions()
    poll_loop = PollLoop(settings.revocation_poll_seconds, app.app_context)
    revocations = RevocationView(
        poll_seconds=settings.revocation_poll_seconds,
        horizon_seconds=settings.access_token_ttl,
        redis_url=settings.redis_url,
        on_end=live_sessions.forget,
        max_stale_seconds=ops.revocation_max_stale_seconds,
        loop=poll_loop,
    )
    app.extensions["auth"] = AuthState(
        settings=settings,
        keys=load_keys(settings),
        passwords=Passwords(settings),
        gate=HashGate(settings.hash_concurrency, settings.hash_queue),
        revocations=revocations,
        sessions=SessionStore(settings, revocations),
        static_headers=static_headers(settings),
        verified_tokens=VerifiedTokens(),
        breaches=BreachedPasswords(settings.hibp_url),
        live_sessions=live_sessions,
        devices=DeviceTokens(settings.jwt_secret, settings.jwt_previous_secrets, settings.device_token_ttl),
        poll_loop=poll_loop,
    )
    app.extensions["ops"] = ops

    init_request_metrics(app)
    init_cors(app, settings)
    init_csrf(app)
    init_limits(app, enabled=settings.ratelimit_enabled, redis_url=settings.redis_url)
    init_headers(app)
    init_i18n(app)
    register_error_handlers(app)
    app.teardown_appcontext(commit_pending_events)  # after the error handlers' own: runs before them
    app.register_blueprint(auth_bp)
    app.register_blueprint(account_page_bp)
    app.register_blueprint(config_bp)
    app.register_blueprint(service_bp)
    app.register_blueprint(openapi_bp)
    init_oidc(app, env)
    init_mail(app, env, settings)
    init_mfa(app, env, settings)
    init_api_keys(app, env, settings)
    init_admin(app, env, settings)
    init_orgs(app, env, app.extensions["auth"])
    init_provider(app, env, settings)
    app.register_blueprint(ops_bp)
    init_cli(app)
    add_context_provider(request_fields)
    add_listener(count_event)
    _init_logging()
    return app


def _init_logging() -> None:
    audit_log = logging.getLogger("auth.audit")
    if not audit_log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        audit_log.addHandler(handler)
        audit_log.setLevel(logging.INFO)
        audit_log.propagate = True


_app: Flask | None = None


def __getattr__(name: str) -> Flask:
    """``app``, built on first use: ``flask run`` and ``gunicorn app:app`` get it,
    while ``from app import create_app`` (tests, tools) builds nothing.

    A configuration error stops the process with one line and exit status 3,
    which gunicorn's arbiter reads as "worker failed to boot" and halts on
    (instead of respawning the worker forever).
    """
    global _app
    if name != "app":
        raise AttributeError(name)
    if _app is None:
        load_dotenv(ROOT / ".env")
        try:
            _app = create_app()
        except ConfigError as error:
            sys.stderr.write(f"Configuration error: {error} (python -m auth.ops.doctor explains the cookie settings)\n")
            raise SystemExit(CONFIG_ERROR_EXIT) from None
    return _app
