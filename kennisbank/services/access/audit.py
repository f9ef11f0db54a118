"""The audit log: who did what, when, from where. Append-only — the app never changes or deletes a row,
except `prune` by age — and every event also goes to the JSON log as a security event of the same name.

An event is added to the caller's transaction, so it is kept exactly when what it describes is kept;
refusals and failed logins, where nothing else is saved, are committed by the caller all the same.
"""
from __future__ import annotations

import io
import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app, has_request_context, request
from sqlalchemy import delete, event, select
from sqlalchemy.orm import Session

from ...extensions import db
from ...ground import csv_out
from ...models import AuditEvent, User
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
}


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
    """No code path may change or delete an audit event through the ORM (pruning uses a bulk delete)."""
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEvent):
            raise PermissionError("Het auditlog kan niet worden gewijzigd of verwijderd.")


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
    """Delete events older than the retention (KENNISBANK_AUDIT_RETENTION_DAYS); returns how many."""
    days = int(current_app.config["AUDIT_RETENTION_DAYS"])
    cutoff = (now or utcnow()) - timedelta(days=days)
    result = db.session.execute(delete(AuditEvent).where(AuditEvent.at < cutoff))
    return result.rowcount or 0
