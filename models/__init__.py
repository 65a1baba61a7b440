"""The database extension and the models it serves."""

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)

from models.api_key import ApiKey  # noqa: E402
from models.audit import AuditEvent  # noqa: E402
from models.identity import Identity  # noqa: E402
from models.mail_token import MailToken  # noqa: E402
from models.mfa import MfaAttempt, Passkey, RecoveryCode, TotpSecret, WebAuthnChallenge  # noqa: E402
from models.org import Invitation, Membership, MembershipChange, Organisation  # noqa: E402
from models.provider import OAuthClient, OAuthCode, OAuthConsent, OAuthToken, SessionMethods  # noqa: E402
from models.revocation import REVOKED, Revocation  # noqa: E402
from models.session import RefreshToken, Session  # noqa: E402
from models.user import User  # noqa: E402

__all__ = [
    "REVOKED",
    "ApiKey",
    "AuditEvent",
    "Identity",
    "Invitation",
    "MailToken",
    "Membership",
    "MembershipChange",
    "MfaAttempt",
    "OAuthClient",
    "OAuthCode",
    "OAuthConsent",
    "OAuthToken",
    "Organisation",
    "Passkey",
    "RecoveryCode",
    "RefreshToken",
    "Revocation",
    "Session",
    "SessionMethods",
    "TotpSecret",
    "User",
    "WebAuthnChallenge",
    "db",
]
