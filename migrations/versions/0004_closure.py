"""closure: lesson explains why a project stopped; a user's known departure date

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 10:55:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('lessons') as batch_op:
        batch_op.add_column(sa.Column('explains_stop', sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table('users') as batch_op:
        batch_op.add_column(sa.Column('leaves_on', sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table('users') as batch_op:
        batch_op.drop_column('leaves_on')
    with op.batch_alter_table('lessons') as batch_op:
        batch_op.drop_column('explains_stop')
