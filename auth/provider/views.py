"""The OpenID provider's endpoints: discovery, authorize (with consent), token,
userinfo, revocation, introspection and RP-initiated logout.

Browser-facing steps (authorize, logout) end on a page or a redirect back to
the app: an error that cannot go back to a verified redirect URI is an HTML
page, never a redirect to an unverified one. The app-facing endpoints answer
in OAuth's JSON.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlencode

from authlib.common.urls import add_params_to_uri
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import scope_to_list
from authlib.oauth2.rfc6750 import BearerTokenValidator
from authlib.oidc.core.errors import ConsentRequiredError
from flask import Blueprint, Response, current_app, jsonify, make_response, redirect, render_template, request, url_for
from joserfc import jwt
from joserfc.errors import JoseError

from auth.core.audit import audit
from auth.core.errors import NotFound, Unauthorized
from auth.core.state import auth_state
from auth.core.texts import N_
from auth.core.urls import origin_of
from auth.provider import consent
from auth.provider.claims import user_claims
from auth.provider.clients import SCOPES, find_client
from auth.provider.grants import EndUser, TokenRecord, end_user_of
from auth.provider.state import EXTENSION, issuer, provider_state
from auth.provider.store import token_by
from auth.web.cookies import clear_auth_cookies, read_access, read_refresh
from auth.web.csrf import csrf_token_for
from auth.web.guard import authenticate
from auth.web.headers import allow_form_target, style_nonce
from auth.web.replies import session_reply
from auth.web.views import rotate_refresh
from models import Session, db

bp = Blueprint("provider", __name__, template_folder="templates")

RESUMED = "resumed"
LOGIN_PROMPTS = ("prompt", "max_age", RESUMED)


@bp.before_request
def _only_when_enabled() -> None:
    if EXTENSION not in current_app.extensions:
        raise NotFound(N_("This server is not an OpenID provider (OIDC_PROVIDER_ENABLED is off)."))


@bp.get("/.well-known/openid-configuration")
def discovery() -> Response:
    base = issuer()
    algorithm = provider_state().key.algorithm
    return jsonify(
        issuer=base,
        authorization_endpoint=f"{base}/oauth2/authorize",
        token_endpoint=f"{base}/oauth2/token",
        userinfo_endpoint=f"{base}/oauth2/userinfo",
        jwks_uri=f"{base}/.well-known/jwks.json",
        revocation_endpoint=f"{base}/oauth2/revoke",
        introspection_endpoint=f"{base}/oauth2/introspect",
        end_session_endpoint=f"{base}/oauth2/logout",
        response_types_supported=["code"],
        response_modes_supported=["query"],
        grant_types_supported=["authorization_code", "refresh_token", "client_credentials"],
        subject_types_supported=["public"],
        id_token_signing_alg_values_supported=[algorithm],
        scopes_supported=list(SCOPES),
        claims_supported=[
            "sub",
            "iss",
            "aud",
            "exp",
            "iat",
            "auth_time",
            "nonce",
            "sid",
            "amr",
            "acr",
            "preferred_username",
            "name",
            "email",
            "email_verified",
            "roles",
            "org",
        ],
        code_challenge_methods_supported=["S256"],
        token_endpoint_auth_methods_supported=["client_secret_basic", "client_secret_post", "none"],
        revocation_endpoint_auth_methods_supported=["client_secret_basic", "client_secret_post", "none"],
        introspection_endpoint_auth_methods_supported=["client_secret_basic", "client_secret_post"],
        prompt_values_supported=["none", "login", "consent"],
        authorization_response_iss_parameter_supported=True,
        claims_parameter_supported=False,
        request_parameter_supported=False,
        request_uri_parameter_supported=False,
    )


@bp.route("/oauth2/authorize", methods=["GET", "POST"])
def authorize() -> Response:
    server = provider_state().server
    end_user = _browser_user()
    prompts = (request.values.get("prompt") or "").split()
    try:
        if end_user is not None and _too_old(end_user, request.values.get("max_age")):
            end_user = None
        if end_user is None and request.args.get(RESUMED) is None:
            return _resume("provider.authorize")  # the access cookie may have expired: let the refresh cookie speak
        grant = server.get_consent_grant(end_user=end_user)
        if end_user is None or (grant.prompt == "login" and request.method == "GET"):
            return _to_sign_in()
        client = grant.request.client
        scopes = scope_to_list(grant.request.scope) or []
        if request.method == "POST":
            if request.form.get("decision") != "allow":
                audit("app_consent_denied", user_id=end_user.user.id, client_id=client.get_client_id())
                return server.create_authorization_response(grant=grant, grant_user=None)
            consent.remember(end_user.user.id, client, scopes)
            audit("app_consent_given", user_id=end_user.user.id, client_id=client.get_client_id(), scopes=scopes)
        elif consent.needs_consent(end_user.user.id, client, scopes, prompts):
            if "none" in prompts:
                raise ConsentRequiredError(redirect_uri=grant.request.payload.redirect_uri)
            return _consent_page(end_user, client.name, scopes)
        audit(
            "app_authorized", user_id=end_user.user.id, session_id=end_user.session_id, client_id=client.get_client_id()
        )
        return server.create_authorization_response(grant=grant, grant_user=end_user)
    except OAuth2Error as error:
        return _authorize_error(error)


@bp.post("/oauth2/token")
def token() -> Response:
    return provider_state().server.create_token_response()


@bp.post("/oauth2/revoke")
def revoke() -> Response:
    return provider_state().server.create_endpoint_response("revocation")


@bp.post("/oauth2/introspect")
def introspect() -> Response:
    return provider_state().server.create_endpoint_response("introspection")


class _AccessTokens(BearerTokenValidator):
    def authenticate_token(self, token_string: str) -> TokenRecord | None:
        row = token_by(access=token_string)
        return TokenRecord(row, "access_token") if row is not None else None


_access_tokens = _AccessTokens()


@bp.route("/oauth2/userinfo", methods=["GET", "POST"])
def userinfo() -> Response:
    header = request.headers.get("Authorization", "")
    kind, _, token_string = header.partition(" ")
    try:
        if kind.lower() != "bearer" or not token_string:
            raise _InvalidToken("Send the access token as 'Authorization: Bearer <token>'.")
        record = _access_tokens.authenticate_token(token_string.strip())
        _access_tokens.validate_token(record, ["openid"], request)
        user = record.get_user() if record is not None else None
        if user is None:
            raise _InvalidToken("This access token was issued to an app, not for a user.")
    except OAuth2Error as error:
        status, body, _headers = error()
        reply = jsonify(success=False, message=body.get("error_description") or body["error"], **body)
        reply.status_code = status
        reply.headers["WWW-Authenticate"] = f'Bearer error="{body["error"]}"'
        return reply
    assert record is not None
    return jsonify(user_claims(user, scope_to_list(record.get_scope()) or [], record.row.session_id))


@bp.route("/oauth2/logout", methods=["GET", "POST"])
def logout() -> Response:
    """RP-initiated logout: end the session here (and with it the apps' tokens), then back to the app.

    With a valid ``id_token_hint`` it happens at once; without one, the browser
    is asked first (a plain link elsewhere must not sign anyone out).
    """
    data = request.values
    hint = _verified_hint(data.get("id_token_hint"))
    if data.get("id_token_hint") and hint is None:
        return _error_page("invalid_request", N_("The id_token_hint is not a token this server issued."))
    client_id = data.get("client_id") or (_audience(hint) if hint else None)
    client = find_client(client_id)
    target = data.get("post_logout_redirect_uri")
    if target and (client is None or target not in client.row.post_logout_redirect_uris):
        return _error_page("invalid_request", N_("That post_logout_redirect_uri is not registered for this app."))
    browser = _browser_user()
    if browser is None and hint is None and request.values.get(RESUMED) is None:
        return _resume("provider.logout")  # is there a session behind an expired access cookie?
    if hint is None and request.method == "GET" and browser is not None:
        fields = [(k, data[k]) for k in ("post_logout_redirect_uri", "state", "client_id") if data.get(k)]
        if target and origin_of(target):
            allow_form_target(origin_of(target) or "")
        return _page("provider/logout.html", signed_out=False, fields=fields, csrf_token=_csrf_token(browser))
    ended = []
    if hint is not None and isinstance(hint.get("sid"), str):
        session = db.session.get(Session, hint["sid"])
        if session is not None and str(session.user_id) == str(hint.get("sub")):
            ended.append(session.id)
    if browser is not None and (hint is None or str(browser.user.id) == str(hint.get("sub"))):
        ended.append(browser.session_id)
    if ended:
        auth_state().sessions.revoke(sorted(set(ended)), now=time.time())
        for session_id in sorted(set(ended)):
            audit("logout", session_id=session_id, by="app", client_id=client_id)
    if target:
        response = redirect(add_params_to_uri(target, [("state", data["state"])]) if data.get("state") else target)
    else:
        response = _page("provider/logout.html", signed_out=True)
    if browser is not None and browser.session_id in ended:
        clear_auth_cookies(response, auth_state().settings)
    return response


@bp.get("/auth/provider/resume")
def resume() -> Response:
    """Back to an authorize request with a fresh access cookie, minted from the refresh cookie.

    The refresh cookie is scoped to ``/auth``, so ``/oauth2/authorize`` never
    sees it: when its access cookie has expired (after ``ACCESS_TOKEN_TTL``)
    the browser comes here, where the session rotates as on any refresh, and
    goes back marked ``resumed`` (so a browser that keeps no cookies meets the
    sign-in page instead of a loop). No live session: the sign-in page.
    """
    target = request.args.get("next", "")
    if not target.startswith((url_for("provider.authorize") + "?", url_for("provider.logout") + "?")):
        raise NotFound(N_("Nothing to resume."))
    back = target + "&" + urlencode({RESUMED: "1"})
    state = auth_state()
    try:
        issued = rotate_refresh(read_refresh(request))
    except Unauthorized:
        return redirect(back, code=303)
    reply = session_reply(state, issued, {})
    response = redirect(back, code=303)
    for value in reply.headers.getlist("Set-Cookie"):
        response.headers.add("Set-Cookie", value)
    return response


class _InvalidToken(OAuth2Error):
    error = "invalid_token"
    status_code = 401


def _browser_user() -> EndUser | None:
    """Who this browser is signed in as here (its access cookie), if anyone."""
    try:
        principal = authenticate(auth_state(), read_access(request), time.time())
    except Unauthorized:
        return None
    return end_user_of(int(principal.user_id), principal.session_id)


def _resume(endpoint: str) -> Response:
    """Via ``resume`` (under ``/auth``, where the refresh cookie is sent) and back to this request, as a GET."""
    fields = [(k, v) for k, v in request.values.items(multi=True) if k not in ("decision", "csrf_token")]
    back = url_for(endpoint) + "?" + urlencode(fields)
    return redirect(url_for("provider.resume", next=back), code=303)


def _too_old(end_user: EndUser, max_age: str | None) -> bool:
    if max_age is None or not max_age.isdigit():
        return False
    return time.time() - end_user.auth_time > int(max_age)


def _to_sign_in() -> Response:
    """The built-in sign-in page, coming back to this request without ``prompt=login``/``max_age``
    (the fresh sign-in satisfies them, and ``auth_time`` tells the app when it was)."""
    kept = [(k, v) for k, v in request.args.items(multi=True) if k not in LOGIN_PROMPTS]
    back = url_for("provider.authorize") + "?" + urlencode(kept)
    query = {"next": back}
    if request.args.get("login_hint"):
        query["login_hint"] = request.args["login_hint"][:64]
    return redirect(url_for("auth.signin_page") + "?" + urlencode(query), code=303)


def _authorize_error(error: OAuth2Error) -> Response:
    """Back to the app with ``error`` and ``iss`` when its redirect URI was verified; else a page."""
    redirect_uri = error.redirect_uri
    client = find_client(request.values.get("client_id"))
    if not redirect_uri or client is None or not client.check_redirect_uri(redirect_uri):
        audit("app_authorize_refused", error=error.error, client_id=(request.values.get("client_id") or "")[:48])
        return _error_page(error.error, error.get_error_description() or N_("The request is not valid."))
    params = [("error", error.error)]
    if error.description:
        params.append(("error_description", error.description))
    if request.values.get("state"):
        params.append(("state", request.values["state"]))
    params.append(("iss", issuer()))
    return redirect(add_params_to_uri(redirect_uri, params), code=302)


def _consent_page(end_user: EndUser, client_name: str, scopes: list[str]) -> Response:
    app_origin = origin_of(request.args["redirect_uri"])
    if app_origin:
        allow_form_target(app_origin)
    kept = [(k, v) for k, v in request.args.items(multi=True) if k not in ("prompt", RESUMED)]
    return _page(
        "provider/consent.html",
        client_name=client_name,
        username=end_user.user.username,
        sentences=consent.sentences(scopes),
        action=url_for("provider.authorize") + "?" + urlencode(kept),
        csrf_token=_csrf_token(end_user),
    )


def _csrf_token(end_user: EndUser) -> str | None:
    settings = auth_state().settings
    return csrf_token_for(settings.jwt_secret, end_user.session_id) if settings.csrf_mode == "double-submit" else None


def _page(template: str, status: int = 200, **context: Any) -> Response:
    response = make_response(render_template(template, nonce=style_nonce(), **context), status)
    response.headers["Cache-Control"] = "no-store"
    return response


def _error_page(code: str, message: str) -> Response:
    return _page("provider/error.html", status=400, code=code, message=message)


def _verified_hint(value: str | None) -> dict[str, Any] | None:
    """The claims of an ID token this server signed (expired ones too: logout comes later), else None."""
    if not value:
        return None
    key = provider_state().key
    try:
        claims = dict(jwt.decode(value, key.private, algorithms=[key.algorithm]).claims)
    except (JoseError, ValueError, TypeError):
        return None
    return claims if claims.get("iss") == issuer() else None


def _audience(claims: dict[str, Any]) -> str | None:
    aud = claims.get("aud")
    if isinstance(aud, list):
        return aud[0] if aud and isinstance(aud[0], str) else None
    return aud if isinstance(aud, str) else None
