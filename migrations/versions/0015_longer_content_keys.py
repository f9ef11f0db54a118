"""content keys long enough for an import's source (60) and bron-id (100), and a project's failure lesson

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-08 00:15:00
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

TABLES = ('projects', 'lessons')


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.alter_column('content_key', existing_type=sa.String(length=120), type_=sa.String(length=240),
                                  existing_nullable=True)


def downgrade():
    for table in TABLES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.alter_column('content_key', existing_type=sa.String(length=240), type_=sa.String(length=120),
                                  existing_nullable=True)
