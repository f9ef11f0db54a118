"""vocabulary: broader concepts of a group

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-26 07:30:00
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('vocabulary_entries') as batch_op:
        batch_op.add_column(sa.Column('broader', sa.Text(), nullable=False, server_default=''))


def downgrade():
    with op.batch_alter_table('vocabulary_entries') as batch_op:
        batch_op.drop_column('broader')
