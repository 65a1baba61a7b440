"""/auth/mfa: the second step of a sign-in, the user's factors, TOTP and recovery codes."""

from __future__ import annotations

import time
from pathlib import Path

from flask import Blueprint, Response, jsonify, request

from auth.core.audit import audit
from auth.core.errors import AuthError, Conflict, InvalidCredentials, NotFound, TooManyRequests, Unauthorized
from auth.core.state import auth_state
from auth.core.texts import N_
from auth.mfa import attempts, failure_cap, totp
from auth.mfa.factors import CODE_METHODS, check_code, refusal
from auth.mfa.passkeys import passkey_json, passkeys_of
from auth.mfa.state import mfa_state
from auth.web.cookies import clear_mfa_pending, read_mfa_pending
from auth.web.errors import error_reply
from auth.web.guard import current_principal, login_required, not_impersonated, refuse_api_key
from auth.web.login_limits import login_limits
from auth.web.payload import is_form_post, read_fields
from auth.web.recent import recent_sign_in_required
from auth.web.signin_flow import start_session
from auth.web.signin_page import render_signin, signed_in
from models import User, db

bp = Blueprint("mfa", __name__, url_prefix="/auth/mfa", template_folder=str(Path(__file__).with_name("templates")))

verify_limit = login_limits[0]  # per client IP, failures only


def _user() -> User:
    user = db.session.get(User, int(current_principal().user_id))
    if user is None:
        raise Unauthorized("This user no longer exists.")
    return user


class AttemptEnded(TooManyRequests):
    message = N_("Too many wrong codes: this sign-in has ended; wait a few minutes, then sign in again.")
    code = "mfa_attempt_ended"


class NoAttempt(Unauthorized):
    message = N_("No sign-in is waiting for a second factor (or it expired); sign in again.")
    code = "mfa_no_attempt"


@bp.post("/verify")
@verify_limit
def verify() -> Response:
    """Finish a sign-in waiting for its second factor, named by the ``mfa_pending`` cookie."""
    try:
        return _verify()
    except AuthError as error:
        if is_form_post():
            page = render_signin(
                error=error.message,
                status=error.status,
                next_url=request.form.get("next"),
                mfa=True,
                mfa_method=request.form.get("method", "totp"),
            )
            if error.retry_after is not None:
                page.headers["Retry-After"] = str(error.retry_after)
            return page
        raise


def _verify() -> Response:
    now = time.time()
    fields = read_fields("method", "code", optional=("next",))
    attempt = attempts.find(read_mfa_pending(request), now=now)
    if attempt is None:
        raise NoAttempt()
    if attempts.is_ended(attempt):
        raise AttemptEnded(retry_after=attempts.seconds_left(attempt, now))
    if fields["method"] not in CODE_METHODS:
        raise InvalidCredentials(f"Send a code with method {' or '.join(CODE_METHODS)}.")
    user = db.session.get(User, attempt.user_id)
    if user is None:
        raise NoAttempt()
    # Counted before the check, atomically: see auth.mfa.attempts and auth.mfa.failure_cap.
    if not attempts.take_try(attempt):
        raise AttemptEnded(retry_after=attempts.seconds_left(attempt, now))
    failure_cap.take(user.id)
    if not check_code(fields["method"], user, fields["code"]):
        failures = attempts.failures_of(attempt)
        audit("mfa_failed", user_id=user.id, method=fields["method"], failures=failures)
        if failures >= attempts.MAX_FAILURES:
            audit("mfa_attempt_ended", user_id=user.id, failures=failures)
            raise AttemptEnded(retry_after=attempts.seconds_left(attempt, now))
        raise InvalidCredentials(refusal(fields["method"], user, fields["code"]))
    failure_cap.clear(user.id)
    if not attempts.finish(attempt):
        raise NoAttempt()
    audit("mfa_used", user_id=user.id, method=fields["method"])
    if fields["method"] == "recovery_code":
        audit("recovery_code_used", user_id=user.id, left=mfa_state().recovery.left(user.id))
    reply = start_session(
        user, method=f"{attempt.first_method}+{fields['method']}", payload={"message": "User logged in"}
    )
    clear_mfa_pending(reply, auth_state().settings)
    return signed_in(reply, user, attempt.next_url) if is_form_post() else reply


@bp.errorhandler(NoAttempt)
def _no_attempt(error: AuthError) -> Response:
    """The cookie names no live attempt: expire it too. (An ended attempt keeps
    its cookie until it expires, so every retry answers 429, not 401.)"""
    response = error_reply(error.status, error.message, code=error.code)
    clear_mfa_pending(response, auth_state().settings)
    return response


@bp.get("")
@login_required
@refuse_api_key
def overview() -> Response:
    user = _user()
    return jsonify(
        success=True,
        totp=totp.is_active(user.id),
        recovery_codes_left=mfa_state().recovery.left(user.id),
        passkeys=[passkey_json(p) for p in passkeys_of(user.id)],
    )


@bp.post("/totp/setup")
@login_required
@refuse_api_key
@not_impersonated
@recent_sign_in_required
def totp_setup() -> Response:
    user = _user()
    setup = totp.begin_setup(mfa_state().box, user, issuer=mfa_state().settings.rp_name, now=time.time())
    audit("totp_setup_started", user_id=user.id, session_id=current_principal().session_id)
    return jsonify(success=True, secret=setup.secret, otpauth_uri=setup.otpauth_uri, qr_svg=setup.qr_svg)


@bp.post("/totp/confirm")
@login_required
@refuse_api_key
@not_impersonated
def totp_confirm() -> Response:
    user = _user()
    code = read_fields("code")["code"]
    state = mfa_state()
    if not totp.confirm(state.box, user.id, code, now=time.time()):
        audit("totp_confirm_failed", user_id=user.id)
        raise InvalidCredentials("That code does not match the new secret; start the setup again if it keeps failing.")
    codes = state.recovery.regenerate(user.id, now=time.time())
    audit("totp_enrolled", user_id=user.id, session_id=current_principal().session_id)
    audit("recovery_codes_generated", user_id=user.id)
    return jsonify(success=True, message="Authenticator app enabled", recovery_codes=codes)


@bp.delete("/totp")
@login_required
@refuse_api_key
@not_impersonated
@recent_sign_in_required
def totp_remove() -> Response:
    user = _user()
    if not totp.remove(user.id):
        raise NotFound("No authenticator app is set up.")
    mfa_state().recovery.remove_all(user.id)
    audit("totp_removed", user_id=user.id, session_id=current_principal().session_id)
    return jsonify(success=True, message="Authenticator app removed; its recovery codes no longer work")


@bp.post("/recovery-codes")
@login_required
@refuse_api_key
@not_impersonated
@recent_sign_in_required
def recovery_codes() -> Response:
    user = _user()
    if not totp.is_active(user.id):
        raise Conflict("Recovery codes go with an authenticator app; enable one first.")
    codes = mfa_state().recovery.regenerate(user.id, now=time.time())
    audit("recovery_codes_generated", user_id=user.id, session_id=current_principal().session_id)
    return jsonify(success=True, message="New recovery codes; the old ones no longer work", recovery_codes=codes)
