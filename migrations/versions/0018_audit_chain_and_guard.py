"""the audit log held by the database: a trigger refuses UPDATE and DELETE (except the prune), and each
event carries the hash of the one before it

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-08 01:00:00
"""
import hashlib
import json

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

# As in kennisbank/models/security.py (kept here as they were when this migration was written).
POSTGRES_GUARD = [
    """CREATE OR REPLACE FUNCTION kennisbank_audit_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('kennisbank.audit_prune', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit_events is append-only: events are never changed or deleted, except by kennisbank_audit_prune';
END $$""",
    """CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION kennisbank_audit_guard()""",
    """CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION kennisbank_audit_guard()""",
    """CREATE OR REPLACE FUNCTION kennisbank_audit_prune(before_id integer) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE removed integer;
BEGIN
    PERFORM set_config('kennisbank.audit_prune', 'on', true);
    DELETE FROM audit_events WHERE id < before_id;
    GET DIAGNOSTICS removed = ROW_COUNT;
    PERFORM set_config('kennisbank.audit_prune', 'off', true);
    RETURN removed;
END $$""",
]
SQLITE_GUARD = [
    """CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END""",
    """CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
WHEN (SELECT count(*) FROM audit_prune_permits) = 0
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END""",
]


def _hash(prev_hash, at, event, actor_id, target, detail, remote_addr):
    fields = [prev_hash, at.isoformat(timespec="microseconds"), event, actor_id, target, detail, remote_addr]
    return hashlib.sha256(json.dumps(fields, ensure_ascii=False).encode()).hexdigest()


def upgrade():
    op.create_table('audit_prune_permits', sa.Column('id', sa.Integer(), nullable=False),
                    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_prune_permits')))
    with op.batch_alter_table('audit_events') as batch_op:
        batch_op.add_column(sa.Column('prev_hash', sa.String(length=64), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('hash', sa.String(length=64), nullable=False, server_default=''))
    events = sa.table('audit_events', sa.column('id', sa.Integer()), sa.column('at', sa.DateTime()),
                      sa.column('event', sa.String()), sa.column('actor_id', sa.Integer()),
                      sa.column('target', sa.String()), sa.column('detail', sa.Text()),
                      sa.column('remote_addr', sa.String()), sa.column('prev_hash', sa.String()),
                      sa.column('hash', sa.String()))
    connection = op.get_bind()
    last = ""  # the events so far start the chain
    rows = connection.execute(sa.select(events.c.id, events.c.at, events.c.event, events.c.actor_id, events.c.target,
                                        events.c.detail, events.c.remote_addr).order_by(events.c.id)).all()
    for row in rows:
        own = _hash(last, row.at, row.event, row.actor_id, row.target or "", row.detail or "", row.remote_addr or "")
        connection.execute(events.update().where(events.c.id == row.id).values(prev_hash=last, hash=own))
        last = own
    for statement in POSTGRES_GUARD if connection.dialect.name == "postgresql" else SQLITE_GUARD:
        op.execute(statement)


def downgrade():
    connection = op.get_bind()
    if connection.dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_events_no_truncate ON audit_events")
        op.execute("DROP TRIGGER audit_events_append_only ON audit_events")
        op.execute("DROP FUNCTION kennisbank_audit_prune(integer)")
        op.execute("DROP FUNCTION kennisbank_audit_guard()")
    else:
        op.execute("DROP TRIGGER audit_events_no_delete")
        op.execute("DROP TRIGGER audit_events_no_update")
    with op.batch_alter_table('audit_events') as batch_op:
        batch_op.drop_column('hash')
        batch_op.drop_column('prev_hash')
    op.drop_table('audit_prune_permits')
