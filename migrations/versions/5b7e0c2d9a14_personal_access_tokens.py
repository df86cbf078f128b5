"""personal access tokens

Revision ID: 5b7e0c2d9a14
Revises: 5b7e2c9a1f30
Create Date: 2026-12-02 10:50:00.000000

"""
from alembic import op
import sqlalchemy as sa
import classroom.models.types


# revision identifiers, used by Alembic.
revision = '5b7e0c2d9a14'
down_revision = '5b7e2c9a1f30'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('access_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('prefix', sa.String(length=16), nullable=False),
    sa.Column('secret_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', classroom.models.types.UTCDateTime(), nullable=False),
    sa.Column('last_used_at', classroom.models.types.UTCDateTime(), nullable=True),
    sa.Column('expires_at', classroom.models.types.UTCDateTime(), nullable=True),
    sa.Column('revoked_at', classroom.models.types.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_access_tokens_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_access_tokens')),
    sa.UniqueConstraint('secret_hash', name=op.f('uq_access_tokens_secret_hash'))
    )
    with op.batch_alter_table('access_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_access_tokens_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('access_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_access_tokens_user_id'))
    op.drop_table('access_tokens')
