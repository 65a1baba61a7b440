"""The per-process cache of verified tokens never outlives expiry or revocation."""

from __future__ import annotations

import time

import pytest

from auth.core.errors import Unauthorized
from auth.core.token_cache import VerifiedTokens
from auth.web.guard import authenticate


def test_cached_token_still_expires(app, make_user, login, client):
    make_user()
    login()
    token = client.get_cookie("access_token").value
    state = app.extensions["auth"]
    with app.app_context():
        claims_now = state.verified_tokens.get(token)
        assert claims_now is None
        authenticate(state, token, now=time.time())
        cached = state.verified_tokens.get(token)
        assert cached is not None
        with pytest.raises(Unauthorized, match="expired"):
            authenticate(state, token, now=cached.expires_at)


def test_cached_token_is_refused_once_revoked(app, make_user, login, client):
    make_user()
    login()
    token = client.get_cookie("access_token").value
    reader = app.test_client(use_cookies=False)
    assert reader.get("/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert app.extensions["auth"].verified_tokens.get(token) is not None
    assert client.post("/auth/logout").status_code == 200
    assert reader.get("/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_only_verified_tokens_are_kept(app, make_user, login, client):
    make_user()
    login()
    forged = client.get_cookie("access_token").value[:-2] + "xx"
    reader = app.test_client(use_cookies=False)
    assert reader.get("/auth/me", headers={"Authorization": f"Bearer {forged}"}).status_code == 401
    assert app.extensions["auth"].verified_tokens.get(forged) is None


def test_the_cache_is_bounded_oldest_out():
    cache = VerifiedTokens(max_entries=2)
    for name in ("a", "b", "c"):
        cache.put(name, object())  # type: ignore[arg-type]
    assert cache.get("a") is None and cache.get("b") is not None and cache.get("c") is not None
