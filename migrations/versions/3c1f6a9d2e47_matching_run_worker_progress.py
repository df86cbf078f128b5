"""matching runs: kind, instance snapshot, live progress, stop flag, worker heartbeat

Revision ID: 3c1f6a9d2e47
Revises: 12ba38da0702
Create Date: 2026-11-27 23:05:00

"""
from alembic import op
import sqlalchemy as sa
import classroom.models.types


revision = '3c1f6a9d2e47'
down_revision = '12ba38da0702'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('matching_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=10), nullable=False, server_default='full'))
        batch_op.add_column(sa.Column('instance', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('progress', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('stop_requested', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('worker', sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column('heartbeat_at', classroom.models.types.UTCDateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('matching_runs', schema=None) as batch_op:
        batch_op.drop_column('heartbeat_at')
        batch_op.drop_column('worker')
        batch_op.drop_column('stop_requested')
        batch_op.drop_column('progress')
        batch_op.drop_column('instance')
        batch_op.drop_column('kind')
