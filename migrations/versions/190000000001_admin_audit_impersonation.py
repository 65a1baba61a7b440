"""admin console: audit_events, impersonated sessions, lock reason and end, byte-order keys

Revision ID: 190000000001
Revises: 150000000021
Create Date: 2026-12-05 11:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "190000000001"
down_revision = "150000000021"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "audit_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("event", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("session_id", sa.String(length=32), nullable=True),
        sa.Column("ip", sa.String(length=64), nullable=True),
        sa.Column("user_agent", sa.String(length=256), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_audit_events_created", "audit_events", ["created_at", "id"])
    op.create_index("ix_audit_events_user", "audit_events", ["user_id", "created_at", "id"])
    op.create_index("ix_audit_events_event", "audit_events", ["event", "created_at", "id"])
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("locked_reason", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("locked_until", sa.Float(), nullable=True))
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("impersonator_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("admin_session_id", sa.String(length=32), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        # Byte order, as SQLite compares: prefix search is one range of the unique index.
        op.execute('ALTER TABLE users ALTER COLUMN username_key TYPE VARCHAR(64) COLLATE "C"')
        op.execute('ALTER TABLE users ALTER COLUMN email_key TYPE VARCHAR(254) COLLATE "C"')


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute('ALTER TABLE users ALTER COLUMN username_key TYPE VARCHAR(64) COLLATE "default"')
        op.execute('ALTER TABLE users ALTER COLUMN email_key TYPE VARCHAR(254) COLLATE "default"')
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.drop_column("admin_session_id")
        batch_op.drop_column("impersonator_id")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("locked_until")
        batch_op.drop_column("locked_reason")
    op.drop_index("ix_audit_events_event", table_name="audit_events")
    op.drop_index("ix_audit_events_user", table_name="audit_events")
    op.drop_index("ix_audit_events_created", table_name="audit_events")
    op.drop_table("audit_events")
