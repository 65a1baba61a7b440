"""The built-in pages' and mails' language (Flask-Babel).

A page's language is, in order: ``?lang=xx`` on the request (which also sets
the ``lang`` cookie, so the choice is remembered), the ``lang`` cookie,
the browser's ``Accept-Language``, English. A mail is written in the language
of the request that asked for it (``current_language()`` captured there, then
``in_language()`` on the mail worker, which has no request).
JSON replies stay English: their stable ``error`` codes are what a frontend translates.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

from flask import Flask, Response, has_request_context, request
from flask_babel import Babel, force_locale, get_locale, gettext

from auth.core.state import auth_state
from auth.web.origins import safe_next

#: The languages the catalogues in ``translations/`` cover; the first is the fallback.
LANGUAGES: dict[str, str] = {"en": "English", "de": "Deutsch", "fr": "Français", "es": "Español"}
DEFAULT = "en"
COOKIE = "lang"
COOKIE_MAX_AGE = 365 * 24 * 3600
TRANSLATIONS = Path(__file__).resolve().parents[2] / "translations"


def init_i18n(app: Flask) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    Babel(app, locale_selector=_select, default_locale=DEFAULT)
    app.after_request(_remember_choice)
    app.jinja_env.filters["translated"] = _translated
    app.context_processor(lambda: {"language": current_language(), "language_links": _language_links})


def current_language() -> str:
    """The language of the page (or mail) being made: one of LANGUAGES."""
    locale = get_locale()
    return locale.language if locale is not None and locale.language in LANGUAGES else DEFAULT


@contextmanager
def in_language(language: str) -> Iterator[None]:
    """Render in ``language`` (a mail on the worker, in the language of the request that asked for it)."""
    with force_locale(language if language in LANGUAGES else DEFAULT):
        yield


def _translated(text: str | None) -> str:
    """A sentence marked with ``N_`` (an error, a notice), in the page's language.

    Unlike Jinja's ``_``, it never %-formats, so a sentence carrying user input stays intact.
    """
    return gettext(text) if text else ""


def _select() -> str:
    if not has_request_context():  # a CLI command (``flask mail test``)
        return DEFAULT
    chosen = _asked()
    if chosen is not None:
        return chosen
    cookie = request.cookies.get(COOKIE, "")
    if cookie in LANGUAGES:
        return cookie
    return request.accept_languages.best_match(list(LANGUAGES), default=DEFAULT) or DEFAULT


def _asked() -> str | None:
    lang = request.args.get("lang", "")
    return lang if lang in LANGUAGES else None


def _remember_choice(response: Response) -> Response:
    """``?lang=xx`` on a page sets the cookie; an unsupported value is ignored."""
    chosen = _asked()
    if chosen is not None and response.mimetype == "text/html" and request.cookies.get(COOKIE) != chosen:
        secure = request.is_secure
        response.set_cookie(COOKIE, chosen, max_age=COOKIE_MAX_AGE, path="/", secure=secure, samesite="Lax")
    return response


def _language_links() -> list[tuple[str, str, str, bool]]:
    """(code, name, href, current) for the pages' language chooser: this page with ``?lang=``.

    Only a ``next`` an allowed origin would be sent to is carried over: the page
    echoes nothing else a link brought (an error text, a foreign address).
    """
    here = current_language()
    query = []
    next_url = safe_next(auth_state().settings, request.args.get("next"))
    if next_url:
        query.append(("next", next_url))
    return [
        (code, name, f"{request.path}?{urlencode([*query, ('lang', code)])}", code == here)
        for code, name in LANGUAGES.items()
    ]
