"""The /auth endpoints: parse the request, call the services, reply."""

from __future__ import annotations

import time

from flask import Blueprint, Response, jsonify, redirect, request, url_for

from auth.core.accounts import check_password, create_user, find_user, set_password
from auth.core.addresses import check_email
from auth.core.audit import audit
from auth.core.errors import AuthError, BadRequest, InvalidCredentials, NotFound, Unauthorized
from auth.core.events import announce, user_registered
from auth.core.policy import check_password as check_new_password
from auth.core.policy import check_username
from auth.core.sessions import DeadRefreshToken, Issued, RefreshReuse
from auth.core.state import auth_state
from auth.core.tokens import session_of
from auth.web.cookies import clear_auth_cookies, read_access, read_refresh
from auth.web.errors import error_reply
from auth.web.guard import (
    authenticate_request,
    current_principal,
    login_required,
    not_impersonated,
    refuse_api_key,
)
from auth.web.limits import limited, password_limit, refresh_limit, register_limit
from auth.web.login_limits import login_limits
from auth.web.payload import is_form_post, read_fields
from auth.web.recent import reauth_method
from auth.web.replies import session_reply
from auth.web.signin_flow import complete_sign_in, complete_sign_in_in_browser
from auth.web.signin_page import error_sentence, render_registration, render_signed_in, render_signin, signed_in_user
from models import User, db

bp = Blueprint("auth", __name__, url_prefix="/auth")


def rotate_refresh(token: str | None) -> Issued:
    """Rotate a refresh token (audited); Unauthorized or DeadRefreshToken when it cannot be."""
    if not token:
        raise Unauthorized("Not authenticated: no refresh token.")
    state = auth_state()
    try:
        issued = state.sessions.rotate(token, now=time.time())
    except RefreshReuse as reuse:
        audit("refresh_reuse_detected", user_id=reuse.user_id, session_id=reuse.session_id)
        raise
    audit("refresh", user_id=issued.session.user_id, session_id=issued.session.id)
    return issued


@bp.errorhandler(DeadRefreshToken)
def _dead_refresh_token(error: DeadRefreshToken) -> Response:
    """Expire the cookies too, so the browser stops presenting a token that can never work."""
    response = error_reply(error.status, error.message, code=error.code)
    clear_auth_cookies(response, auth_state().settings)
    return response


def wants_page() -> bool:
    """A browser navigation (it prefers HTML), as opposed to a fetch or API client wanting JSON."""
    best = request.accept_mimetypes.best_match(("application/json", "text/html"))
    return best == "text/html" and request.accept_mimetypes["text/html"] > request.accept_mimetypes["application/json"]


@bp.get("/login")
def signin_page() -> Response:
    """The sign-in form; for a browser already signed in, who it is and where to go."""
    current = None if request.args.get("mfa") == "1" else signed_in_user()
    if current is not None:
        return render_signed_in(*current)
    return render_signin(
        next_url=request.args.get("next"),
        error=error_sentence(request.args.get("error")),
        mfa=request.args.get("mfa") == "1",
    )


@bp.post("/login")
@limited(*login_limits)
def login() -> Response:
    try:
        state = auth_state()
        state.gate.refuse_if_full()
        fields = read_fields("username", "password", optional=("next",))
        user = find_user(fields["username"])
        if not check_password(state, user, fields["password"]) or user is None:
            audit("login_failed", user_id=user.id if user else None, known_user=user is not None)
            raise InvalidCredentials()
        if is_form_post():
            return complete_sign_in_in_browser(user, method="password", next_url=fields.get("next"))
        return complete_sign_in(user, method="password", payload={"message": "User logged in"})
    except AuthError as error:
        if is_form_post():
            return render_signin(
                error=error.message,
                status=error.status,
                next_url=request.form.get("next"),
                username=request.form.get("username", ""),
            )
        raise


@bp.get("/is-authenticated")
def is_authenticated() -> Response:
    state = auth_state()
    try:
        authenticate_request(state, time.time())
        return jsonify(success=True)
    except Unauthorized:
        refresh_token = read_refresh(request)
        if refresh_token is None:
            raise
    return session_reply(state, rotate_refresh(refresh_token), {})


@bp.post("/refresh")
@refresh_limit
def refresh() -> Response:
    return session_reply(auth_state(), rotate_refresh(read_refresh(request)), {"message": "Token refreshed"})


@bp.post("/logout")
def logout() -> Response:
    state = auth_state()
    access, refresh_token = read_access(request), read_refresh(request)
    session_id = session_of(access, state.keys, issuer=state.settings.jwt_issuer) if access else None
    if session_id is None and refresh_token:
        session_id = state.sessions.session_id_for(refresh_token)
    if session_id is not None:
        state.sessions.revoke([session_id], now=time.time())
        audit("logout", session_id=session_id)
    # The built-in pages' sign-out button is a form post: take the browser back to the sign-in page.
    response = redirect(url_for("auth.signin_page"), code=303) if is_form_post() else None
    response = response or jsonify(success=True, message="Logged out")
    clear_auth_cookies(response, state.settings)
    return response


@bp.post("/logout-all")
@login_required
@refuse_api_key
def logout_all() -> Response:
    state = auth_state()
    principal = current_principal()
    ended = state.sessions.revoke_user(int(principal.user_id), now=time.time())
    audit("logout_all", user_id=principal.user_id, session_id=principal.session_id, sessions=len(ended))
    response = jsonify(success=True, message=f"Signed out of {len(ended)} session(s)")
    clear_auth_cookies(response, state.settings)
    return response


@bp.get("/me")
def me() -> Response:
    """The user as JSON; a browser navigating here is sent to the signed-in page instead."""
    response = redirect(url_for("auth.signin_page"), code=303) if wants_page() else _me()
    response.vary.add("Accept")  # the reply depends on it
    return response


@login_required
def _me() -> Response:
    principal = current_principal()
    user = db.session.get(User, int(principal.user_id))
    if user is None:
        raise Unauthorized("This user no longer exists.")
    body: dict[str, object] = {"user": {**user.as_json(), "has_password": user.has_password}}
    if principal.actor_id is not None:
        admin = db.session.get(User, int(principal.actor_id))
        body["impersonated_by"] = {"id": principal.actor_id, "username": admin.username if admin else ""}
    return jsonify(success=True, **body)


@bp.get("/sessions")
@login_required
@refuse_api_key
def sessions() -> Response:
    principal = current_principal()
    live = auth_state().sessions.live_for_user(int(principal.user_id), time.time())
    return jsonify(
        success=True,
        sessions=[
            {
                "id": s.id,
                "created_at": _iso(s.created_at),
                "last_used_at": _iso(s.last_used_at),
                "user_agent": s.user_agent,
                "ip": s.ip,
                "current": s.id == principal.session_id,
            }
            for s in live
        ],
    )


@bp.delete("/sessions/<session_id>")
@login_required
@refuse_api_key
def end_session(session_id: str) -> Response:
    state = auth_state()
    principal = current_principal()
    session = state.sessions.find_live(session_id, time.time())
    if session is None or str(session.user_id) != principal.user_id:
        raise NotFound("No such session.")
    state.sessions.revoke([session.id], now=time.time())
    audit("session_revoked", user_id=principal.user_id, session_id=session.id)
    response = jsonify(success=True, message="Session ended")
    if session.id == principal.session_id:
        clear_auth_cookies(response, state.settings)
    return response


@bp.get("/register")
def registration_page() -> Response:
    """The built-in registration form (404 when registration is off)."""
    if not auth_state().settings.allow_registration:
        raise NotFound("Registration is disabled on this server.")
    return render_registration(next_url=request.args.get("next"))


@bp.post("/register")
@register_limit
def register() -> Response:
    """JSON: 201 and signed in. The built-in form: the same, ending on a page (or the form with the reason)."""
    state = auth_state()
    if not state.settings.allow_registration:
        raise NotFound("Registration is disabled on this server.")
    try:
        form = is_form_post()
        fields = read_fields("username", "password", optional=("next",) if form else ("email",))
        name = check_username(fields["username"])
        check_new_password(fields["password"], name, state.breaches)
        # The form always sends its optional email field; left empty, it means none.
        given = request.form.get("email", "").strip() if form else fields.get("email")
        email = check_email(given) if given is not None and (given or not form) else None
        user = create_user(state, name, fields["password"], email=email)
    except AuthError as error:
        if is_form_post():
            return render_registration(
                error=error.message,
                status=error.status,
                next_url=request.form.get("next"),
                username=request.form.get("username", ""),
                email=request.form.get("email", ""),
            )
        raise
    announce(user_registered, user_id=user.id, email=email)
    if is_form_post():
        return complete_sign_in_in_browser(user, method="register", next_url=fields.get("next"), event="register")
    return complete_sign_in(
        user, method="register", event="register", payload={"message": "User registered"}, status=201
    )


@bp.post("/password")
@login_required
@refuse_api_key
@not_impersonated
@password_limit
def change_password() -> Response:
    state = auth_state()
    principal = current_principal()
    fields = read_fields("current_password", "new_password")
    user = db.session.get(User, int(principal.user_id))
    if user is None:
        raise Unauthorized("This user no longer exists.")
    if not check_password(state, user, fields["current_password"]):
        audit("password_change_failed", user_id=user.id, session_id=principal.session_id)
        raise InvalidCredentials("The current password is wrong.")
    check_new_password(fields["new_password"], user.username, state.breaches)
    set_password(state, user, fields["new_password"])
    ended = state.sessions.revoke_user(user.id, now=time.time(), keep=principal.session_id)
    audit("password_changed", user_id=user.id, session_id=principal.session_id, sessions_ended=len(ended))
    return jsonify(success=True, message="Password changed; other sessions were signed out")


@bp.post("/reauthenticate")
@login_required
@refuse_api_key
@password_limit
def reauthenticate() -> Response:
    """Renew this session's recent sign-in with the password or another registered method."""
    state = auth_state()
    principal = current_principal()
    user = db.session.get(User, int(principal.user_id))
    if user is None:
        raise Unauthorized("This user no longer exists.")
    body = read_fields(optional=("password", "method", "code"))
    if "password" in body:
        proved, method = check_password(state, user, body["password"]), "password"
    else:
        method = body.get("method", "")
        check = reauth_method(method)
        if check is None or "code" not in body:
            raise BadRequest('Send {"password"}, or {"method", "code"} for a second factor you have.')
        proved = check(user, body["code"])
    if not proved:
        audit("reauthenticate_failed", user_id=user.id, session_id=principal.session_id, method=method)
        raise InvalidCredentials("That did not confirm who you are.")
    state.sessions.mark_authenticated(principal.session_id, now=time.time())
    audit("reauthenticated", user_id=user.id, session_id=principal.session_id, method=method)
    return jsonify(success=True, message="Confirmed; sensitive changes are allowed for a few minutes")


def _iso(timestamp: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(timestamp))
