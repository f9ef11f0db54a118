"""The audit log: who did what, when, from where. Append-only — the app never changes or deletes a row,
except `prune` by age — and every event also goes to the JSON log as a security event of the same name.

The database holds to that too: a trigger refuses UPDATE and DELETE on audit_events (PostgreSQL: except
inside the function kennisbank_audit_prune; SQLite: except while the prune's permit row exists). And each
event carries the hash of the event before it and its own, so `check` (`kb audit-check`) finds an event
changed or removed with SQL by someone allowed to bypass the trigger.

An event is added to the caller's transaction, so it is kept exactly when what it describes is kept;
refusals and failed logins, where nothing else is saved, are committed by the caller all the same.
"""
from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app, has_request_context, request
from sqlalchemy import delete, event, func, insert, inspect, select, text
from sqlalchemy.orm import Session

from ...extensions import db
from ...ground import csv_out
from ...models import AuditEvent, User, audit_prune_permits
from ...models.base import utcnow
from ..pagination import Page, paginate

# Event names, with the Dutch label the beheer page shows.
EVENTS = {
    "login": "Ingelogd",
    "login_failed": "Inloggen mislukt",
    "login_blocked": "Inloggen tijdelijk geblokkeerd",
    "logout": "Uitgelogd",
    "sessions_revoked": "Sessies beëindigd",
    "oidc_refused": "Inloggen via organisatie geweigerd",
    "account_created": "Account aangemaakt",
    "account_linked": "Account gekoppeld aan organisatie-account",
    "role_changed": "Rol gewijzigd",
    "account_deactivated": "Account gedeactiveerd",
    "account_reactivated": "Account geheractiveerd",
    "departure_set": "Vertrekdatum vastgelegd",
    "token_created": "API-token aangemaakt",
    "token_revoked": "API-token ingetrokken",
    "token_used": "API-token gebruikt",
    "item_deleted": "Verwijderd",
    "item_restored": "Teruggezet",
    "theme_created": "Thema aangemaakt",
    "theme_owners_changed": "Themaeigenaren gewijzigd",
    "start_override": "Project gestart zonder voortoets",
    "voortoets_verdict": "Voortoets: oordeel",
    "voortoets_completed": "Voortoets afgerond",
    "demo_loaded": "Demodata geladen",
    "audit_exported": "Auditlog geëxporteerd",
    "import_checked": "Import gecontroleerd (proefimport)",
    "import_done": "Import uitgevoerd",
    "export_done": "Alles geëxporteerd",
    "list_exported": "Lijst geëxporteerd",
    "audit_pruned": "Auditlog opgeschoond",
}
LOCK_KEY = 7_245_031_114  # serialises the chain's appends on PostgreSQL (next to the notify run's key)
_LAST_HASH = "kennisbank_audit_last_hash"


def record(what: str, actor: User | None = None, target: object | str = "", **detail) -> AuditEvent:
    """Add the event `what` (a key of EVENTS) to the current transaction and write it to the JSON log."""
    if what not in EVENTS:
        raise ValueError(f"unknown audit event {what!r}")
    address = (request.remote_addr or "") if has_request_context() else ""
    target_text = target if isinstance(target, str) else f"{type(target).__name__.lower()}:{target.id}"
    row = AuditEvent(event=what, actor_id=actor.id if actor is not None else None, target=target_text[:80],
                     detail=json.dumps(detail, ensure_ascii=False, sort_keys=True, default=str) if detail else "",
                     remote_addr=address[:64])
    db.session.add(row)
    from ...ground.logs import security_event  # here: the ops package loads its views, which load the services

    security_event(what, user_id=row.actor_id, target=target_text, detail=detail)
    return row


@event.listens_for(Session, "before_flush")
def _append_only(session, flush_context, instances) -> None:
    """No code path may change or delete an audit event through the ORM (pruning uses a bulk delete);
    new events are chained to the last one."""
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEvent):
            raise PermissionError("Het auditlog kan niet worden gewijzigd of verwijderd.")
    new = sorted((obj for obj in session.new if isinstance(obj, AuditEvent)), key=lambda o: inspect(o).insert_order)
    if new:
        _chain(session, new)


def event_hash(prev_hash: str, row: AuditEvent) -> str:
    """The hash of an event: what it says and the hash of the one before it."""
    fields = [prev_hash, row.at.isoformat(timespec="microseconds"), row.event, row.actor_id, row.target, row.detail,
              row.remote_addr]
    return hashlib.sha256(json.dumps(fields, ensure_ascii=False).encode()).hexdigest()


def _chain(session, rows: list[AuditEvent]) -> None:
    """Give new events their place in the chain. On PostgreSQL one transaction at a time appends (an advisory
    lock held to its commit), so two never chain to the same event; SQLite writes one at a time anyway."""
    last = session.info.get(_LAST_HASH)
    if last is None:
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
        last = session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)) or ""
    for row in rows:
        row.at = row.at or utcnow()
        row.target, row.detail, row.remote_addr = row.target or "", row.detail or "", row.remote_addr or ""
        row.prev_hash, row.hash = last, event_hash(last, row)
        last = row.hash
    session.info[_LAST_HASH] = last


@event.listens_for(Session, "after_transaction_end")
def _forget_last_hash(session, transaction) -> None:
    # Read again at the next append: a savepoint rolled back may have taken the last event with it.
    session.info.pop(_LAST_HASH, None)


@dataclass
class AuditFilters:
    event: str = ""
    actor: str = ""  # part of a name or e-mail address
    since: date | None = None
    until: date | None = None


def _query(filters: AuditFilters):
    query = select(AuditEvent)
    if filters.event in EVENTS:
        query = query.where(AuditEvent.event == filters.event)
    if filters.actor.strip():
        pattern = f"%{filters.actor.strip().lower()}%"
        query = query.where(AuditEvent.actor.has(User.name.ilike(pattern) | User.email.ilike(pattern)))
    if filters.since:
        query = query.where(AuditEvent.at >= datetime.combine(filters.since, datetime.min.time()))
    if filters.until:
        query = query.where(AuditEvent.at < datetime.combine(filters.until + timedelta(days=1), datetime.min.time()))
    return query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())


def search(filters: AuditFilters, page: int, per_page: int = 50) -> Page:
    return paginate(_query(filters), page, per_page)


def export_csv(filters: AuditFilters, by: User) -> str:
    """Every matching event as CSV (the export itself is an event)."""
    rows = db.session.scalars(_query(filters)).all()
    out = io.StringIO()
    writer = csv_out.writer(out)
    writer.writerow(["tijdstip (UTC)", "gebeurtenis", "wie", "e-mailadres", "waarop", "details", "adres"])
    for row in rows:
        writer.writerow([row.at.isoformat(timespec="seconds"), row.event, row.actor.name if row.actor else "",
                         row.actor.email if row.actor else "", row.target, row.detail, row.remote_addr])
    record("audit_exported", by, "audit", rows=len(rows), filter_event=filters.event, filter_actor=filters.actor)
    return out.getvalue()


def prune(now: datetime | None = None) -> int:
    """Delete events older than the retention (KENNISBANK_AUDIT_RETENTION_DAYS) — the oldest run of them, so
    the chain stays whole — through the database's own prune path, and record that as an event (cutoff,
    count, the hash of the last event removed, which the first one kept must name). Returns how many."""
    days = int(current_app.config["AUDIT_RETENTION_DAYS"])
    cutoff = (now or utcnow()) - timedelta(days=days)
    first_kept = db.session.scalar(select(func.min(AuditEvent.id)).where(AuditEvent.at >= cutoff))
    if first_kept is None:
        first_kept = (db.session.scalar(select(func.max(AuditEvent.id))) or 0) + 1
    last_removed = db.session.scalar(select(AuditEvent.hash).where(AuditEvent.id < first_kept)
                                     .order_by(AuditEvent.id.desc()).limit(1))
    removed = 0
    if last_removed is not None:
        if db.session.get_bind().dialect.name == "postgresql":
            removed = db.session.scalar(text("SELECT kennisbank_audit_prune(:before)"), {"before": first_kept})
        else:
            db.session.execute(insert(audit_prune_permits).values(id=1))
            removed = db.session.execute(delete(AuditEvent).where(AuditEvent.id < first_kept)).rowcount or 0
            db.session.execute(delete(audit_prune_permits))
    record("audit_pruned", None, "audit", cutoff=cutoff.isoformat(timespec="seconds"), removed=removed,
           last_removed_hash=last_removed or "")
    return removed


@dataclass
class ChainCheck:
    events: int
    problem: str = ""  # in Dutch; empty when the chain is whole


def _anchor() -> str:
    """The hash the oldest event kept must name: the last one removed by the latest prune that removed any."""
    for detail in db.session.scalars(select(AuditEvent.detail).where(AuditEvent.event == "audit_pruned")
                                     .order_by(AuditEvent.id.desc())):
        facts = json.loads(detail or "{}")
        if facts.get("removed"):
            return facts.get("last_removed_hash", "")
    return ""


def check() -> ChainCheck:
    """Walk the log in order: every event's hash must match what it says, and name the event before it."""
    expected, count = _anchor(), 0
    rows = db.session.execute(select(AuditEvent).order_by(AuditEvent.id).execution_options(yield_per=1000))
    try:
        for (row,) in rows:
            count += 1
            where = f"gebeurtenis {row.id} ({row.event}, {row.at.isoformat(sep=' ', timespec='seconds')})"
            if row.prev_hash != expected:
                return ChainCheck(count, f"Vóór {where} ontbreken gebeurtenissen, of ze staan in een andere "
                                         "volgorde.")
            if event_hash(row.prev_hash, row) != row.hash:
                return ChainCheck(count, f"{where[0].upper()}{where[1:]} is gewijzigd na het schrijven.")
            expected = row.hash
    finally:
        rows.close()  # stopped early on PostgreSQL: its server-side cursor is closed all the same
    return ChainCheck(count)
