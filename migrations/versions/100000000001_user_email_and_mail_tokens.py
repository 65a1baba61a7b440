"""users.email, email_key, email_verified_at; mail_tokens

Revision ID: 100000000001
Revises: 0901recent01
Create Date: 2026-11-27 21:20:00

"""
from alembic import op
import sqlalchemy as sa


revision = '100000000001'
down_revision = '0901recent01'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email', sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column('email_key', sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column('email_verified_at', sa.Float(), nullable=True))
        batch_op.create_index(batch_op.f('ix_users_email_key'), ['email_key'], unique=True)
    op.create_table(
        'mail_tokens',
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('created_at', sa.Float(), nullable=False),
        sa.Column('expires_at', sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('token_hash'),
    )
    with op.batch_alter_table('mail_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mail_tokens_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_mail_tokens_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('mail_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mail_tokens_user_id'))
        batch_op.drop_index(batch_op.f('ix_mail_tokens_expires_at'))
    op.drop_table('mail_tokens')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_email_key'))
        batch_op.drop_column('email_verified_at')
        batch_op.drop_column('email_key')
        batch_op.drop_column('email')
