"""The email endpoints: verification, password reset, magic links, and their pages.

Each POST that spends a token takes JSON from a frontend or the built-in
page's form post; the form gets an HTML page back, JSON gets JSON.
"""

from __future__ import annotations

import time

from flask import Blueprint, Response, jsonify, redirect, request, url_for
from flask_babel import gettext
from sqlalchemy.exc import IntegrityError

from auth.core.accounts import find_by_verified_email, refuse_if_locked, set_password
from auth.core.addresses import check_email, email_key
from auth.core.audit import audit
from auth.core.errors import AccountLocked, AuthError, Conflict, ReauthRequired, Unauthorized
from auth.core.policy import check_password
from auth.core.state import auth_state
from auth.core.texts import N_
from auth.mail import flows, tokens
from auth.mail.limits import mail_address_limit, mail_ip_limit
from auth.mail.pages import link_page, render_page, render_request
from auth.mail.state import mail_state, require_magic_links, require_mail
from auth.web.guard import current_principal, login_required, not_impersonated, refuse_api_key
from auth.web.limits import limited
from auth.web.payload import is_form_post, read_fields
from auth.web.recent import recent_sign_in_required
from auth.web.signin_flow import complete_sign_in, complete_sign_in_in_browser
from models import User, db
from models.mail_token import MAGIC_LINK, RESET_PASSWORD, VERIFY_EMAIL

bp = Blueprint("mail", __name__, url_prefix="/auth", template_folder="templates")

ACCEPTED = N_("If that address belongs to a verified account, a mail is on its way.")
ALREADY_VERIFIED = N_("This address is already verified for your account.")


@bp.before_request
def _mail_configured() -> None:
    require_mail()


@bp.app_context_processor
def _mail_pages() -> dict[str, object]:
    """``mail_pages`` for the built-in sign-in page's links (and the account page's email slot)."""
    settings = mail_state().settings
    return {"mail_pages": {"forgot": settings.enabled, "magic": settings.enabled and settings.allow_magic_links}}


def _accepted(message: str = ACCEPTED) -> Response:
    response = jsonify(success=True, message=message)
    response.status_code = 202
    return response


def _on_page(kind: str, token: str | None, error: AuthError) -> Response:
    """A failed form post from a built-in page: the page again, with the reason."""
    spent = error.code == tokens.InvalidLink.code or isinstance(error, AccountLocked)
    live = None if spent else token
    return render_page(kind, token=live, error=error.message, status=error.status)


def _sign_in_on_page(kind: str, user: User, method: str) -> Response:
    """``complete_sign_in_in_browser`` for a built-in page's form; a locked account
    (the token is spent by then) gets the page with the reason, not a JSON reply."""
    try:
        return complete_sign_in_in_browser(user, method=method, next_url=None)
    except AccountLocked as error:
        return render_page(kind, token=None, error=error.message, status=error.status)


# --- email address -------------------------------------------------------------------


ACCOUNT_PAGE = "/auth/account"


@bp.post("/email")
@limited(mail_ip_limit, mail_address_limit)
def change_email() -> Response:
    """Set or change the address: it counts once the link mailed to it is opened.

    JSON gets JSON; the account page's form gets a 303 back to the page with a
    notice or an error code (a missing session goes to the sign-in page).
    """
    if not is_form_post():
        return _change_email()
    try:
        reply = _change_email()
    except Unauthorized:
        return redirect(url_for("auth.signin_page", next=ACCOUNT_PAGE), code=303)
    except ReauthRequired:
        return redirect(f"{ACCOUNT_PAGE}?error=reauth-needed#email-heading", code=303)
    except AuthError:
        return redirect(f"{ACCOUNT_PAGE}?error=bad-email#email-heading", code=303)
    notice = "email-unchanged" if (reply.get_json() or {}).get("message") == ALREADY_VERIFIED else "email-sent"
    return redirect(f"{ACCOUNT_PAGE}?notice={notice}#email-heading", code=303)


@login_required
@refuse_api_key
@not_impersonated
@recent_sign_in_required
def _change_email() -> Response:
    principal = current_principal()
    user = db.session.get(User, int(principal.user_id))
    if user is None:
        raise Unauthorized("This user no longer exists.")
    address = check_email(read_fields("email")["email"])
    if user.email_key == email_key(address):
        return _accepted(ALREADY_VERIFIED)
    if user.email_verified_at is None:
        user.email = address  # nothing verified to keep: show the pending address
        db.session.commit()
    tokens.end_all(user.id)  # a reset or magic link mailed to the old address dies with the change
    flows.ask_verification(user.id, address, notify_old=True)
    audit("email_change_requested", user_id=user.id, session_id=principal.session_id)
    return _accepted("A confirmation link is on its way to the new address.")


@bp.get("/email/verify")
def verify_email_page() -> Response:
    return link_page(VERIFY_EMAIL, request.args.get("token"))


@bp.post("/email/verify")
def verify_email() -> Response:
    token = request.form.get("token") if is_form_post() else None
    try:
        spent = tokens.spend(read_fields("token")["token"], VERIFY_EMAIL, now=time.time())
        user = _mark_verified(spent.user_id, spent.email)
    except AuthError as error:
        if is_form_post():
            return _on_page(VERIFY_EMAIL, token, error)
        raise
    audit("email_verified", user_id=user.id)
    if is_form_post():
        return render_page(
            VERIFY_EMAIL,
            token=None,
            done=gettext("%(email)s is confirmed for %(username)s.", email=user.email, username=user.username),
        )
    return jsonify(success=True, message="Email address verified", user=user.as_json())


def _mark_verified(user_id: int, address: str) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise tokens.InvalidLink()
    owner = find_by_verified_email(address)
    if owner is not None and owner.id != user.id:
        raise Conflict("That email address now belongs to another account.")
    user.email, user.email_key, user.email_verified_at = address, email_key(address), time.time()
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Conflict("That email address now belongs to another account.") from None
    tokens.end_all(user.id)
    return user


# --- password reset ------------------------------------------------------------------


@bp.get("/password/forgot")
def forgot_password_page() -> Response:
    """The built-in form that asks for a reset mail; ``?sent=1`` after it was posted."""
    return render_request(RESET_PASSWORD, sent=ACCEPTED if request.args.get("sent") == "1" else None)


@bp.post("/password/forgot")
@limited(mail_ip_limit, mail_address_limit)
def forgot_password() -> Response:
    """202 alike for every well-formed address: the lookup happens on the outbox's worker.

    The built-in form gets a 303 to the same "a mail is on its way" page for every address.
    """
    try:
        flows.ask_reset(check_email(read_fields("email")["email"]))
    except AuthError as error:
        if is_form_post():
            return render_request(RESET_PASSWORD, error=error.message, status=error.status)
        raise
    if is_form_post():
        return redirect(url_for("mail.forgot_password_page", sent="1"), code=303)
    return _accepted()


@bp.get("/password/reset")
def reset_password_page() -> Response:
    return link_page(RESET_PASSWORD, request.args.get("token"))


@bp.post("/password/reset")
def reset_password() -> Response:
    """Set the password, end every session, then sign this browser in (the second factor still applies).

    Refused, changing nothing, when the token was mailed to an address that is
    no longer the user's verified one, or when the account is locked.
    """
    token = request.form.get("token") if is_form_post() else None
    state = auth_state()
    try:
        fields = read_fields("token", "new_password")
        row = tokens.peek(fields["token"], RESET_PASSWORD, now=time.time())
        user = db.session.get(User, row.user_id)
        if user is None or user.email_key != email_key(row.email):
            raise tokens.InvalidLink()
        refuse_if_locked(user)
        check_password(fields["new_password"], user.username, state.breaches)
        tokens.spend(fields["token"], RESET_PASSWORD, now=time.time())
    except AuthError as error:
        if is_form_post():
            return _on_page(RESET_PASSWORD, token, error)
        raise
    set_password(state, user, fields["new_password"])
    ended = state.sessions.revoke_user(user.id, now=time.time())
    audit("password_reset", user_id=user.id, sessions_ended=len(ended))
    if is_form_post():
        return _sign_in_on_page(RESET_PASSWORD, user, "password_reset")
    return complete_sign_in(user, method="password_reset", payload={"message": "Password reset; signed in"})


# --- magic links ---------------------------------------------------------------------


@bp.post("/magic-link")
@limited(mail_ip_limit, mail_address_limit)
def magic_link() -> Response:
    """202 alike for every well-formed address; the built-in form gets a 303 to the same page for every address."""
    require_magic_links()
    try:
        flows.ask_magic_link(check_email(read_fields("email")["email"]))
    except AuthError as error:
        if is_form_post():
            return render_request(MAGIC_LINK, error=error.message, status=error.status)
        raise
    if is_form_post():
        return redirect(url_for("mail.magic_link_page", sent="1"), code=303)
    return _accepted()


@bp.get("/magic-link")
def magic_link_page() -> Response:
    """The mailed link's page with ``?token=``; without one, the form that asks for a link."""
    require_magic_links()
    if "token" not in request.args:
        return render_request(MAGIC_LINK, sent=ACCEPTED if request.args.get("sent") == "1" else None)
    return link_page(MAGIC_LINK, request.args.get("token"))


@bp.post("/magic-link/verify")
def magic_link_verify() -> Response:
    require_magic_links()
    token = request.form.get("token") if is_form_post() else None
    try:
        spent = tokens.spend(read_fields("token")["token"], MAGIC_LINK, now=time.time())
        user = db.session.get(User, spent.user_id)
        if user is None or user.email_key != email_key(spent.email):
            raise tokens.InvalidLink()
    except AuthError as error:
        if is_form_post():
            return _on_page(MAGIC_LINK, token, error)
        raise
    if is_form_post():
        return _sign_in_on_page(MAGIC_LINK, user, "magic_link")
    return complete_sign_in(user, method="magic_link", payload={"message": "User logged in"})
