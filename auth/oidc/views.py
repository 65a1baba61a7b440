"""The identity-provider endpoints: start, callback, link, list, unlink.

Browser-facing steps (``start``, ``callback``) answer with redirects; every
failure goes back to the sign-in page with ``?error=<code>`` (explained there
by a sentence from ``SENTENCES``) and is audited. The JSON endpoints answer
like the rest of the API.
"""

from __future__ import annotations

import hmac
import time
from urllib.parse import urlencode

from flask import Blueprint, Response, jsonify, redirect, request, url_for

from auth.core.audit import audit
from auth.core.errors import AccountLocked, Conflict, NotFound, ReauthRequired, Unauthorized
from auth.core.state import auth_state
from auth.oidc import flow
from auth.oidc.client import Profile, ProviderError
from auth.oidc.identities import LinkRefused, identities_of, link, unlink, user_for_sign_in
from auth.oidc.state import oidc_state
from auth.web.cookies import read_access, read_refresh
from auth.web.guard import authenticate, current_principal, login_required, not_impersonated, refuse_api_key
from auth.web.origins import safe_next
from auth.web.payload import is_form_post, json_body, read_fields
from auth.web.recent import recent_sign_in_required
from auth.web.signin_flow import complete_sign_in_in_browser
from models import User, db

bp = Blueprint("oidc", __name__, url_prefix="/auth", template_folder="templates")


@bp.app_context_processor
def _providers_for_pages() -> dict[str, object]:
    """``oidc_providers`` for the built-in sign-in page's buttons; ``oidc_identities(user_id)``
    for the account page's slot."""
    oidc = oidc_state()

    def identities(user_id: int) -> list[dict[str, str]]:
        return [
            {"id": str(i.id), "provider": i.provider, "label": oidc.label(i.provider), "email": i.email or ""}
            for i in identities_of(user_id)
        ]

    return {"oidc_providers": oidc.providers(), "oidc_identities": identities}


@bp.get("/oidc/providers")
def providers() -> Response:
    return jsonify(success=True, providers=oidc_state().providers())


@bp.get("/oidc/<name>/start")
def start(name: str) -> Response:
    settings = auth_state().settings
    client = oidc_state().clients.get(name)
    next_url = safe_next(settings, request.args.get("next"))
    if client is None:
        return _failed(name, "unknown_provider", "no such provider", next_url)
    link_session = None
    if "link" in request.args:
        link_session = flow.session_of_ticket(settings, name, request.args["link"])
        if link_session is None or link_session != _browser_session():
            return _failed(name, "link_expired", "link ticket missing, expired or not this browser's", next_url)
    try:
        authorization = client.authorization(_callback_url(name))
    except ProviderError as error:
        return _failed(name, error.code, error.detail, next_url)
    response = redirect(authorization.url, code=302)
    flow.save(
        response,
        settings,
        flow.Flow(
            provider=name,
            state=authorization.state,
            nonce=authorization.nonce,
            code_verifier=authorization.code_verifier,
            next_url=next_url,
            link_session=link_session,
        ),
    )
    return response


@bp.get("/oidc/<name>/callback")
def callback(name: str) -> Response:
    settings = auth_state().settings
    started = flow.load(request, settings, name)
    next_url = safe_next(settings, started.next_url) if started else None
    client = oidc_state().clients.get(name)
    if client is None:
        return _failed(name, "unknown_provider", "no such provider", None)
    if "error" in request.args:
        # Before the state check: some providers leave state out of error replies,
        # and an error grants nothing, whoever sends it.
        code = "access_denied" if request.args["error"] == "access_denied" else "provider_error"
        return _failed(name, code, request.args["error"][:64], next_url)
    if started is None or not hmac.compare_digest(started.state.encode(), request.args.get("state", "").encode()):
        return _failed(name, "state_mismatch", "no sign-in started in this browser, or another one", next_url)
    if not request.args.get("code"):
        return _failed(name, "provider_error", "the callback has no code", next_url)
    try:
        profile = client.profile(
            code=request.args["code"],
            redirect_uri=_callback_url(name),
            code_verifier=started.code_verifier,
            nonce=started.nonce,
        )
        if started.link_session:
            return _linked(name, started.link_session, profile, next_url)
        user = user_for_sign_in(oidc_state().settings, name, profile)
    except (ProviderError, LinkRefused) as error:
        return _failed(name, error.code, getattr(error, "detail", error.code), next_url)
    try:
        response = complete_sign_in_in_browser(user, method=f"oidc:{name}", next_url=next_url)
    except AccountLocked:  # already audited as locked_refused; the browser gets the page, not JSON
        return _failed(name, "account_locked", "the account is locked", next_url)
    flow.clear(response, settings)
    return response


ACCOUNT_PAGE = "/auth/account"


@bp.post("/oidc/<name>/link")
def start_link(name: str) -> Response:
    """Where to send the browser to link a provider: this server's start URL with a short-lived ticket.

    JSON gets ``{"url"}``; the account page's form is sent there (303), or
    back to the page with an error code.
    """
    if not is_form_post():
        return _start_link(name)
    try:
        return redirect(_start_link(name).get_json()["url"], code=303)
    except ReauthRequired:
        return redirect(f"{ACCOUNT_PAGE}?error=reauth-needed#providers-heading", code=303)
    except Unauthorized:
        return redirect(url_for("auth.signin_page", next=ACCOUNT_PAGE), code=303)
    except NotFound:
        return redirect(f"{ACCOUNT_PAGE}?error=unknown-provider#providers-heading", code=303)


@login_required
@refuse_api_key
@not_impersonated
@recent_sign_in_required
def _start_link(name: str) -> Response:
    state = auth_state()
    if name not in oidc_state().clients:
        raise NotFound("No such sign-in provider.")
    next_url = None
    if is_form_post() or json_body() is not None:
        next_url = safe_next(state.settings, read_fields(optional=("next",)).get("next"))
    ticket = flow.link_ticket(state.settings, name, current_principal().session_id)
    query = {"link": ticket, **({"next": next_url} if next_url else {})}
    return jsonify(success=True, url=f"{url_for('oidc.start', name=name, _external=True)}?{urlencode(query)}")


@bp.get("/identities")
@login_required
@refuse_api_key
def list_identities() -> Response:
    oidc = oidc_state()
    return jsonify(
        success=True,
        identities=[
            {
                "id": str(identity.id),
                "provider": identity.provider,
                "label": oidc.label(identity.provider),
                "email": identity.email,
                "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(identity.created_at)),
            }
            for identity in identities_of(int(current_principal().user_id))
        ],
    )


@bp.delete("/identities/<identity_id>")
@login_required
@refuse_api_key
@not_impersonated
def remove_identity(identity_id: str) -> Response:
    principal = current_principal()
    user = db.session.get(User, int(principal.user_id))
    if user is None:
        raise Unauthorized("This user no longer exists.")
    if not (identity_id.isascii() and identity_id.isdigit()) or len(identity_id) > 18:
        raise NotFound("No such linked identity.")
    removed = unlink(user, int(identity_id))
    audit("identity_unlinked", user_id=user.id, session_id=principal.session_id, provider=removed.provider)
    return jsonify(success=True, message="Identity unlinked")


@bp.post("/identities/<identity_id>/unlink")
def unlink_form(identity_id: str) -> Response:
    """The account page's "unlink" form: ``DELETE /auth/identities/<id>``, answered with a 303 back to the page."""
    try:
        remove_identity(identity_id)
    except Unauthorized:
        return redirect(url_for("auth.signin_page", next=ACCOUNT_PAGE), code=303)
    except Conflict:
        return redirect(f"{ACCOUNT_PAGE}?error=last-way-in#providers-heading", code=303)
    except NotFound:
        return redirect(f"{ACCOUNT_PAGE}?error=no-such-identity#providers-heading", code=303)
    return redirect(f"{ACCOUNT_PAGE}?notice=identity-unlinked#providers-heading", code=303)


def _linked(name: str, session_id: str, profile: Profile, next_url: str | None) -> Response:
    """Finish a link: the session that asked must still be live; then back to ``next``."""
    state = auth_state()
    session = state.sessions.find_live(session_id, time.time())
    user = db.session.get(User, session.user_id) if session is not None else None
    if user is None or session is None:
        return _failed(name, "link_expired", "the session that asked to link has ended", next_url)
    link(user, name, profile)
    audit("identity_linked", user_id=user.id, session_id=session.id, provider=name)
    response = redirect(next_url or url_for("auth.signin_page"), code=303)
    flow.clear(response, state.settings)
    return response


def _failed(name: str, code: str, detail: str, next_url: str | None) -> Response:
    """Audit the failure and send the browser to the sign-in page with the code."""
    audit("oidc_failed", provider=name[:32], error=code, detail=detail[:200])
    query = {"error": code, **({"next": next_url} if next_url else {})}
    response = redirect(f"{url_for('auth.signin_page')}?{urlencode(query)}", code=303)
    flow.clear(response, auth_state().settings)
    return response


def _callback_url(name: str) -> str:
    return url_for("oidc.callback", name=name, _external=True)


def _browser_session() -> str | None:
    """The session whose cookies this request carries, if any."""
    state = auth_state()
    try:
        return authenticate(state, read_access(request), time.time()).session_id
    except Unauthorized:
        refresh = read_refresh(request)
        return state.sessions.session_id_for(refresh) if refresh else None
