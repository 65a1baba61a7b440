"""The built-in invitation page: ``GET /auth/invitations/accept?token=``.

It shows what the invitation is for and, to the account it was sent to
(signed in, with that address verified), a button that posts the form to
``POST /auth/invitations/accept``. Someone signed out is sent to the
sign-in page and brought back here afterwards.
"""

from __future__ import annotations

from urllib.parse import quote

from flask import Response, make_response, render_template, request

from auth.core.errors import AuthError
from auth.core.state import auth_state
from auth.core.texts import N_
from auth.orgs import invitations
from auth.orgs.views import bp
from auth.web.account_page import _visitor
from auth.web.csrf import csrf_token_for
from auth.web.headers import style_nonce
from models import User, db

ERRORS = {
    "invalid_token": N_("This invitation is invalid, already used or expired; ask for a new one."),
    "wrong_address": N_("This invitation is for another email address."),
}


@bp.get("/invitations/accept")
def accept_page() -> Response:
    token = request.args.get("token", "")
    here = f"{invitations.BUILTIN_PAGE}?token={quote(token)}"
    try:
        invitation, org = invitations.peek(token)
    except AuthError as error:
        return _page(error=error.message)
    visitor = _visitor()
    user = db.session.get(User, int(visitor.principal.user_id)) if visitor is not None else None
    settings = auth_state().settings
    response = _page(
        org=org,
        role=invitation.role,
        token=token,
        user=user,
        addressed=user is not None and invitations.addressed_to(invitation, user),
        signin_url=f"/auth/login?next={quote(here, safe='')}",
        error=ERRORS.get(request.args.get("error", "")),
        csrf_token=csrf_token_for(settings.jwt_secret, visitor.principal.session_id)
        if visitor is not None and settings.csrf_mode == "double-submit"
        else None,
    )
    for value in visitor.set_cookies if visitor is not None else ():
        response.headers.add("Set-Cookie", value)
    return response


def _page(status: int = 200, **context: object) -> Response:
    response = make_response(render_template("orgs/accept.html", nonce=style_nonce(), **context))
    response.status_code = status
    return response
