"""room removals that hold, whiteboard text, undo and student drawing

Revision ID: da00851c235c
Revises: ff6da9c1933d
Create Date: 2026-12-02 04:24:34.381031

"""
from alembic import op
import sqlalchemy as sa
import classroom.models.types


# revision identifiers, used by Alembic.
revision = 'da00851c235c'
down_revision = 'ff6da9c1933d'
branch_labels = None
depends_on = None


def upgrade():
    
    with op.batch_alter_table('board_strokes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('text', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('line', sa.Integer(), nullable=True))

    with op.batch_alter_table('participants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('removed_at', classroom.models.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('browser_key', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('can_draw', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.create_index(batch_op.f('ix_participants_browser_key'), ['browser_key'], unique=False)




def downgrade():
    
    with op.batch_alter_table('participants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_participants_browser_key'))
        batch_op.drop_column('can_draw')
        batch_op.drop_column('browser_key')
        batch_op.drop_column('removed_at')

    with op.batch_alter_table('board_strokes', schema=None) as batch_op:
        batch_op.drop_column('line')
        batch_op.drop_column('text')


