"""users.locked_at: accounts an operator has locked

Revision ID: 140000000001
Revises: 120000000001
Create Date: 2026-11-27 21:20:00

"""

import sqlalchemy as sa
from alembic import op

revision = "140000000001"
down_revision = '120000000001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("locked_at", sa.Float(), nullable=True))


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("locked_at")
