"""rooms: server processes with heartbeats; each attendance interval names its process

Revision ID: 7904dffecb29
Revises: 3c1f6a9d2e47
Create Date: 2026-11-28 01:27:54.368485

"""
from alembic import op
import sqlalchemy as sa
import classroom.models.types


# revision identifiers, used by Alembic.
revision = '7904dffecb29'
down_revision = '3c1f6a9d2e47'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('room_servers',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('started_at', classroom.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('seen_at', classroom.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_room_servers'))
    )
    with op.batch_alter_table('room_servers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_room_servers_seen_at'), ['seen_at'], unique=False)

    with op.batch_alter_table('attendance_intervals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('server_id', sa.String(length=32), nullable=True))
        batch_op.create_index(batch_op.f('ix_attendance_intervals_server_id'), ['server_id'], unique=False)



def downgrade():
    with op.batch_alter_table('attendance_intervals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attendance_intervals_server_id'))
        batch_op.drop_column('server_id')

    with op.batch_alter_table('room_servers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_room_servers_seen_at'))

    op.drop_table('room_servers')
