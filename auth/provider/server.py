"""The authorization server of one app: Authlib's, wired to our grants and storage.

Error replies from the token, revocation and introspection endpoints keep
OAuth's JSON shape (``error``, ``error_description``, what relying parties
read) and add this API's ``success: false`` and ``message``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from authlib.common.security import generate_token
from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7662 import IntrospectionEndpoint
from authlib.oauth2.rfc9207 import IssuerParameter
from flask import Response

from auth.provider import store
from auth.provider.clients import Client, find_client
from auth.provider.grants import (
    AuthorizationCode,
    ClientCredentials,
    IdToken,
    RefreshToken,
    S256Only,
    TokenRecord,
    query_token,
    save_token,
)

TOKEN_TYPES = ["access_token", "refresh_token"]
SENTENCES = {
    "invalid_grant": "The code or refresh token is not valid (used, expired, revoked, or not this client's).",
    "invalid_client": "The client could not be authenticated.",
    "unauthorized_client": "This client may not use that grant.",
    "unsupported_grant_type": "This server does not support that grant type.",
    "invalid_request": "The request is missing a parameter or has a wrong one.",
    "invalid_scope": "The scope asked for is not allowed.",
}


class Server(AuthorizationServer):
    def handle_response(self, status_code: int, payload: Any, headers: Any) -> Response:
        if status_code >= 400 and isinstance(payload, dict) and "error" in payload:
            payload = {
                **payload,
                "success": False,
                "message": payload.get("error_description") or SENTENCES.get(payload["error"], payload["error"]),
            }
        return super().handle_response(status_code, payload, headers)


class Revocation(RevocationEndpoint):
    CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]
    SUPPORTED_TOKEN_TYPES = TOKEN_TYPES

    def query_token(self, token_string: str, token_type_hint: str | None) -> TokenRecord | None:
        return query_token(token_string, token_type_hint)

    def revoke_token(self, token: TokenRecord, request: Any) -> None:
        """Either half ends the whole grant: its access and refresh tokens, every rotation."""
        store.revoke_family(token.row.family, reason="revoked_by_app")


class Introspection(IntrospectionEndpoint):
    CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]
    SUPPORTED_TOKEN_TYPES = TOKEN_TYPES

    def __init__(self, issuer: Callable[[], str]) -> None:
        super().__init__()
        self._issuer = issuer

    def query_token(self, token_string: str, token_type_hint: str | None) -> TokenRecord | None:
        return query_token(token_string, token_type_hint)

    def check_permission(self, token: TokenRecord, client: Client, request: Any) -> bool:
        """An app may introspect its own tokens only."""
        return token.check_client(client)

    def introspect_token(self, token: TokenRecord) -> dict[str, Any]:
        row = token.row
        payload: dict[str, Any] = {
            "active": True,
            "client_id": row.client_id,
            "scope": row.scope,
            "token_type": "Bearer" if token.kind == "access_token" else "refresh_token",
            "iat": int(row.issued_at),
            "exp": int(row.expires_at if token.kind == "access_token" else row.refresh_expires_at or row.expires_at),
            "iss": self._issuer(),
        }
        if row.user_id is not None:
            payload.update(sub=str(row.user_id), sid=row.session_id)
            user = token.get_user()
            if user is not None:
                payload["username"] = user.username
        return payload


class Issuer(IssuerParameter):
    def __init__(self, issuer: Callable[[], str]) -> None:
        self._issuer = issuer

    def get_issuer(self) -> str:
        return self._issuer()


def build_server(issuer: Callable[[], str], access_ttl: int) -> Server:
    server = Server(query_client=find_client, save_token=save_token)
    server.register_token_generator(
        "default",
        BearerTokenGenerator(
            access_token_generator=lambda *args, **kwargs: generate_token(43),
            refresh_token_generator=lambda *args, **kwargs: generate_token(48),
            expires_generator=lambda client, grant_type: access_ttl,
        ),
    )
    server.register_grant(AuthorizationCode, [S256Only(required=True), IdToken(issuer)])
    server.register_grant(RefreshToken)
    server.register_grant(ClientCredentials)
    server.register_endpoint(Revocation())
    server.register_endpoint(Introspection(issuer))
    server.register_extension(Issuer(issuer))
    return server
