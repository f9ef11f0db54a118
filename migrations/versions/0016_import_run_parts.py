"""an import's uploaded file kept in parts of at most a megabyte, with its size

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-08 00:40:00
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'import_run_parts',
        sa.Column('run_id', sa.Integer(), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(['run_id'], ['import_runs.id'], name=op.f('fk_import_run_parts_run_id_import_runs'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('run_id', 'seq', name=op.f('pk_import_run_parts')),
    )
    with op.batch_alter_table('import_runs') as batch_op:
        batch_op.add_column(sa.Column('size', sa.Integer(), nullable=False, server_default='0'))
    # Earlier uploads become one part each (their files were kept whole, so they fit in memory as they did).
    op.execute("INSERT INTO import_run_parts (run_id, seq, data) SELECT id, 0, content FROM import_runs")
    op.execute("UPDATE import_runs SET size = length(content)")
    with op.batch_alter_table('import_runs') as batch_op:
        batch_op.drop_column('content')


def downgrade():
    with op.batch_alter_table('import_runs') as batch_op:
        batch_op.add_column(sa.Column('content', sa.LargeBinary(), nullable=False, server_default=''))
    runs = sa.table('import_runs', sa.column('id', sa.Integer()), sa.column('content', sa.LargeBinary()))
    parts = sa.table('import_run_parts', sa.column('run_id', sa.Integer()), sa.column('seq', sa.Integer()),
                     sa.column('data', sa.LargeBinary()))
    connection = op.get_bind()
    for (run_id,) in connection.execute(sa.select(runs.c.id)).all():
        pieces = connection.execute(sa.select(parts.c.data).where(parts.c.run_id == run_id).order_by(parts.c.seq))
        connection.execute(runs.update().where(runs.c.id == run_id).values(content=b"".join(p for (p,) in pieces)))
    with op.batch_alter_table('import_runs') as batch_op:
        batch_op.drop_column('size')
    op.drop_table('import_run_parts')
