"""imports: whole-file values, value translations, the source that scopes bron-ids, the stored check;
remembered column names per importer

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 21:00:00
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('import_runs') as batch_op:
        batch_op.add_column(sa.Column('defaults', sa.JSON(), nullable=False, server_default='{}'))
        batch_op.add_column(sa.Column('translations', sa.JSON(), nullable=False, server_default='{}'))
        batch_op.add_column(sa.Column('source', sa.String(length=100), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('report', sa.JSON(), nullable=False, server_default='{}'))
    # Column choices were remembered for everyone and overrode the built-in headers; they are now kept per
    # importer. The old shared ones cannot be given an owner, so they go.
    op.execute("DELETE FROM import_column_aliases")
    with op.batch_alter_table('import_column_aliases') as batch_op:
        batch_op.drop_index('uq_import_column_aliases_kind_key')
        batch_op.add_column(sa.Column('user_id', sa.Integer(), nullable=False))
        batch_op.create_foreign_key(batch_op.f('fk_import_column_aliases_user_id_users'), 'users', ['user_id'],
                                    ['id'])
        batch_op.create_index('uq_import_column_aliases_user_kind_key', ['user_id', 'kind', 'header_key'],
                              unique=True)


def downgrade():
    with op.batch_alter_table('import_column_aliases') as batch_op:
        batch_op.drop_index('uq_import_column_aliases_user_kind_key')
        batch_op.drop_constraint(batch_op.f('fk_import_column_aliases_user_id_users'), type_='foreignkey')
        batch_op.drop_column('user_id')
        batch_op.create_index('uq_import_column_aliases_kind_key', ['kind', 'header_key'], unique=True)
    with op.batch_alter_table('import_runs') as batch_op:
        batch_op.drop_column('report')
        batch_op.drop_column('source')
        batch_op.drop_column('translations')
        batch_op.drop_column('defaults')
