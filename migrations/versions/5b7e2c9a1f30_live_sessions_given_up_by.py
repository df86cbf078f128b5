"""live sessions: the teachers who gave a session up, never asked to substitute for it again

Revision ID: 5b7e2c9a1f30
Revises: 40ff481cb80f
Create Date: 2026-12-02 10:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '5b7e2c9a1f30'
down_revision = '40ff481cb80f'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('live_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('given_up_by', sa.JSON(), nullable=False, server_default='[]'))


def downgrade():
    with op.batch_alter_table('live_sessions', schema=None) as batch_op:
        batch_op.drop_column('given_up_by')
