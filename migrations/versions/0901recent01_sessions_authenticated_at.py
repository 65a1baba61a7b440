"""sessions.authenticated_at: when the user last proved who they are

Revision ID: 0901recent01
Revises: e9e3822e3fb4
Create Date: 2026-11-27 21:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0901recent01'
down_revision = 'e9e3822e3fb4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('authenticated_at', sa.Float(), nullable=True))
    # Existing sessions last proved who they are when they began.
    op.execute("UPDATE sessions SET authenticated_at = created_at")


def downgrade():
    with op.batch_alter_table('sessions', schema=None) as batch_op:
        batch_op.drop_column('authenticated_at')
