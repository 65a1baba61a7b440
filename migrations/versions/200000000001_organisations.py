"""organisations, memberships, org_invitations, membership_changes; sessions.active_org_id

Revision ID: 200000000001
Revises: 190000000001
Create Date: 2026-12-05 11:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "200000000001"
down_revision = "190000000001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "organisations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_organisations_slug"), ["slug"], unique=True)
        batch_op.create_index(batch_op.f("ix_organisations_created_by"), ["created_by"], unique=False)

    op.create_table(
        "memberships",
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["organisations.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("org_id", "user_id"),
    )
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_memberships_user_id"), ["user_id"], unique=False)

    op.create_table(
        "org_invitations",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("email_key", sa.String(length=254), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("invited_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["organisations.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["invited_by"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    with op.batch_alter_table("org_invitations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_org_invitations_org_id"), ["org_id"], unique=False)

    op.create_table(
        "membership_changes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("membership_changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_membership_changes_created_at"), ["created_at"], unique=False)

    # Plain ADD COLUMN, not a batch copy: on SQLite a copy re-creates sessions,
    # and refresh_tokens' ON DELETE CASCADE would empty that table.
    op.add_column("sessions", sa.Column("active_org_id", sa.Integer(), nullable=True))


def downgrade():
    op.drop_column("sessions", "active_org_id")
    op.drop_table("membership_changes")
    op.drop_table("org_invitations")
    op.drop_table("memberships")
    op.drop_table("organisations")
