"""users.mfa_failures: wrong second-factor codes in a row (MFA_FAILURE_CAP); unverified addresses claim nothing

Also clears ``email_key`` where the address was never verified: identity
providers' unverified addresses were stored as claimed before (issue 18), and
an unverified address must block nobody and receive no mailed link.

Revision ID: 180000000001
Revises: 140000000001
Create Date: 2026-12-05 11:40:00

"""

import sqlalchemy as sa
from alembic import op

revision = "180000000001"
down_revision = "140000000001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("mfa_failures", sa.Integer(), nullable=False, server_default="0"))
    op.execute("UPDATE users SET email_key = NULL WHERE email_verified_at IS NULL")


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("mfa_failures")
