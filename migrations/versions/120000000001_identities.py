"""identities; users.email, email_key, email_verified_at

Revision ID: 120000000001
Revises: 110000000001
Create Date: 2026-11-27 21:10:00

The email columns are also added by the email capability's revision; each
adds them only when they are missing, so either order of the two works.
"""
from alembic import op
import sqlalchemy as sa


revision = '120000000001'
down_revision = '110000000001'
branch_labels = None
depends_on = None

EMAIL_COLUMNS = (
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('email_key', sa.String(length=254), nullable=True),
    sa.Column('email_verified_at', sa.Float(), nullable=True),
)


def _user_columns():
    return {column['name'] for column in sa.inspect(op.get_bind()).get_columns('users')}


def upgrade():
    # Plain ADD COLUMN, not a batch copy: on SQLite a copy drops and re-creates
    # users, and the sessions' ON DELETE CASCADE would empty the sessions table.
    present = _user_columns()
    for column in EMAIL_COLUMNS:
        if column.name not in present:
            op.add_column('users', column.copy())
    if 'email_key' not in present:
        op.create_index(op.f('ix_users_email_key'), 'users', ['email_key'], unique=True)

    op.create_table('identities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider', sa.String(length=32), nullable=False),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('provider', 'subject', name='uq_identities_provider_subject')
    )
    with op.batch_alter_table('identities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_identities_user_id'), ['user_id'], unique=False)


def downgrade():
    # The email columns stay: the email capability's revision owns them too.
    with op.batch_alter_table('identities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_identities_user_id'))
    op.drop_table('identities')
