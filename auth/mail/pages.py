"""The built-in pages mailed links open when EMAIL_LINK_URL is unset.

Opening a link changes nothing: mail scanners fetch links before people do.
The page shows a button; the browser's form post spends the token (and, for
a magic link, signs in the browser that posted it). The pages run no script:
the API's page CSP allows none.
"""

from __future__ import annotations

import time

from flask import Response, make_response, render_template, url_for

from auth.core.errors import AuthError
from auth.core.texts import N_
from auth.mail import tokens
from auth.web.headers import style_nonce
from models.mail_token import MAGIC_LINK, RESET_PASSWORD, VERIFY_EMAIL

PAGES = {
    VERIFY_EMAIL: {
        "title": N_("Confirm your email address"),
        "button": N_("Confirm"),
        "endpoint": "mail.verify_email",
        "hint": N_("Confirming links this address to your account."),
    },
    RESET_PASSWORD: {
        "title": N_("Choose a new password"),
        "button": N_("Set password"),
        "endpoint": "mail.reset_password",
        "hint": N_("Every session of your account ends, and this browser signs in with the new password."),
    },
    MAGIC_LINK: {
        "title": N_("Sign in"),
        "button": N_("Sign in"),
        "endpoint": "mail.magic_link_verify",
        "hint": N_("This browser will be signed in."),
    },
}


#: Where a person whose link failed asks for a new one: (endpoint, label).
AGAIN = {
    VERIFY_EMAIL: ("account_page.page", N_("Send a new confirmation link from your account page")),
    RESET_PASSWORD: ("mail.forgot_password_page", N_("Ask for a new reset link")),
    MAGIC_LINK: ("mail.magic_link_page", N_("Ask for a new sign-in link")),
}

#: The pages that ask for a mail: (title, intro, button, endpoint of the form's POST).
REQUESTS = {
    RESET_PASSWORD: (
        N_("Forgot your password?"),
        N_("Enter the email address of your account; we mail you a link to choose a new password."),
        N_("Send reset link"),
        "mail.forgot_password",
    ),
    MAGIC_LINK: (
        N_("Sign in by email"),
        N_("Enter the email address of your account; we mail you a link that signs you in."),
        N_("Email me a link"),
        "mail.magic_link",
    ),
}


def render_request(kind: str, *, sent: str | None = None, error: str | None = None, status: int = 200) -> Response:
    """The form that asks for a reset or sign-in mail; ``sent`` after the post (the same for every address)."""
    title, intro, button, endpoint = REQUESTS[kind]
    html = render_template(
        "mail/request.html",
        title=title,
        intro=intro,
        button=button,
        action=url_for(endpoint),
        sent=sent,
        error=error,
        nonce=style_nonce(),
    )
    return make_response(html, status)


def render_page(
    kind: str, *, token: str | None, error: str | None = None, done: str | None = None, status: int = 200
) -> Response:
    page = PAGES[kind]
    html = render_template(
        "mail/page.html",
        kind=kind,
        token=token,
        error=error,
        done=done,
        title=page["title"],
        button=page["button"],
        hint=page["hint"],
        action=url_for(page["endpoint"]),
        again={"url": url_for(AGAIN[kind][0]), "label": AGAIN[kind][1]},
        nonce=style_nonce(),
    )
    return make_response(html, status)


def link_page(kind: str, token: str | None) -> Response:
    """GET: the form for a live token, or a page saying what is wrong (never a 500)."""
    if not token or len(token) > 256:
        return render_page(kind, token=None, error=N_("This link is incomplete; open the whole link from the mail."))
    try:
        tokens.peek(token, kind, now=time.time())
    except AuthError as error:
        return render_page(kind, token=None, error=error.message)
    return render_page(kind, token=token)
