"""Tokens sent by mail: what each one may do, for whom, until when.

Only the SHA-256 of a token is stored; the token itself exists in the mail
alone. A row is deleted when the token is used, when a newer token of the
same kind is issued for the user, and when the user's password changes.
"""

from __future__ import annotations

from sqlalchemy import Float, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from models import db

VERIFY_EMAIL = "verify_email"
RESET_PASSWORD = "reset_password"
MAGIC_LINK = "magic_link"


class MailToken(db.Model):
    __tablename__ = "mail_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    # The address the token was mailed to: for verify_email, the address it
    # proves (a pending change lives here until it is verified).
    email: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[float] = mapped_column(Float)
    expires_at: Mapped[float] = mapped_column(Float, index=True)
