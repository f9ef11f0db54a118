"""The audit log: what is recorded (who, what, when, from where), that the app cannot change it, its
retention, and the administrator's page with filters and CSV export."""
import csv
import html
import io
import json
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from kennisbank.models import AuditEvent, ProjectStatus
from kennisbank.models.base import utcnow
from kennisbank.services.access import api_tokens, audit
from kennisbank.services.registry import editing, handovers

from .conftest import PASSWORD, csrf_token


def events(db) -> list[tuple[str, int | None, str]]:
    return [(e.event, e.actor_id, e.target) for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def test_logins_failures_and_logouts_are_recorded_with_the_address(db, client, auth, make_user):
    anne = make_user(email="anne@gemeente.example")
    auth.login("anne@gemeente.example", "fout")
    auth.login("onbekend@gemeente.example", "fout")
    auth.login("anne@gemeente.example")
    auth.logout()
    assert events(db) == [("login_failed", None, f"user:{anne.id}"), ("login_failed", None, ""),
                          ("login", anne.id, f"user:{anne.id}"), ("logout", anne.id, f"user:{anne.id}")]
    rows = db.session.scalars(select(AuditEvent)).all()
    assert {row.remote_addr for row in rows} == {"127.0.0.1"}
    assert all("onbekend" not in row.detail and "fout" not in row.detail for row in rows)  # no typed secrets


def test_a_lock_is_recorded_once(db, client, auth, make_user):
    from kennisbank.models import LoginThrottle
    from kennisbank.services.access import login_throttle

    make_user(email="anne@gemeente.example")
    auth.login("anne@gemeente.example", "fout")
    row = db.session.scalars(select(LoginThrottle).where(LoginThrottle.scope == "account")).one()
    row.failures, row.last_failure_at = login_throttle.POLICIES["account"].lock_after - 1, utcnow() - timedelta(hours=0.5)
    db.session.commit()
    auth.login("anne@gemeente.example", "fout")
    auth.login("anne@gemeente.example", "fout")  # refused before checking: counted in the log line only
    assert [e[0] for e in events(db)] == ["login_failed", "login_failed", "login_blocked"]


def test_administrator_actions_tokens_and_voortoets_decisions_are_recorded(db, make_user, make_project, make_theme):
    from kennisbank.services.gates import voortoets

    admin, leaving = make_user(is_admin=True), make_user()
    record, token = api_tokens.create_token("Intranet", leaving, by=admin)
    assert api_tokens.user_for_token(token) == leaving
    assert api_tokens.user_for_token(token) == leaving  # the same day: recorded once
    api_tokens.revoke(record, admin)
    api_tokens.revoke(record, admin)  # already revoked: nothing new
    project = make_project(lead=admin, status=ProjectStatus.CONCEPT)
    voortoets.override_start(project, admin, "Spoedopdracht van het college, geen tijd voor een voortoets.")
    editing.soft_delete(project, admin)
    editing.restore(project, admin)
    from kennisbank.services.registry import themes

    theme = themes.create_theme("Klimaatadaptatie", "Hitte en water", admin)
    themes.set_owners(theme, [leaving], admin)
    handovers.set_departure(leaving, admin, utcnow().date())
    handovers.deactivate_user(leaving, admin, project_successors={}, theme_successors={theme.id: admin})
    handovers.reactivate_user(leaving, admin)
    db.session.commit()
    assert [e[0] for e in events(db)] == [
        "token_created", "token_used", "token_revoked", "start_override", "item_deleted", "item_restored",
        "theme_created", "theme_owners_changed", "departure_set", "account_deactivated", "account_reactivated"]
    assert events(db)[1][1] == leaving.id  # a token acts as its user
    assert events(db)[4][2] == f"project:{project.id}"


def test_verdicts_and_completion_are_recorded(db, make_user, make_project, make_lesson):
    from kennisbank.models import PriorWorkCheck, PriorWorkSuggestion, Verdict
    from kennisbank.services.gates import voortoets

    lead = make_user()
    project = make_project(lead=lead, status=ProjectStatus.CONCEPT)
    lesson = make_lesson()
    lesson_id = lesson.id
    check = PriorWorkCheck(basis_text="x")
    db.session.add(check)
    check.project = project
    check.suggestions.append(PriorWorkSuggestion(item_type="lesson", item_id=lesson_id, rank=1))
    db.session.flush()
    voortoets.give_verdict(check, check.suggestions[0].id, Verdict.RELEVANT, "", lead)
    voortoets.complete_check(check, "We nemen de les over de aanbesteding mee en bellen de auteur.", lead)
    db.session.commit()
    rows = db.session.scalars(select(AuditEvent)).all()
    assert [(r.event, r.target) for r in rows] == [("voortoets_verdict", f"project:{project.id}"),
                                                   ("voortoets_completed", f"project:{project.id}")]
    assert json.loads(rows[0].detail) == {"item": f"lesson:{lesson.id}", "verdict": "relevant"}


def test_the_app_can_neither_change_nor_delete_an_event(db, make_user):
    audit.record("login", make_user())
    db.session.commit()
    row = db.session.scalars(select(AuditEvent)).one()
    row.event = "logout"
    with pytest.raises(PermissionError, match="niet worden gewijzigd"):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.scalars(select(AuditEvent)).one())
    with pytest.raises(PermissionError):
        db.session.flush()
    db.session.rollback()
    assert db.session.scalars(select(AuditEvent.event)).all() == ["login"]


def test_an_unknown_event_name_is_a_programming_error(app):
    with pytest.raises(ValueError, match="unknown audit event"):
        audit.record("iets")


def test_prune_removes_exactly_what_is_older_than_the_retention(app, db, runner):
    app.config["AUDIT_RETENTION_DAYS"] = 30
    now = utcnow()
    for age in (timedelta(days=30, seconds=5), timedelta(days=29, hours=23)):
        db.session.add(AuditEvent(event="login", at=now - age))
    db.session.commit()
    result = runner.invoke(args=["kb", "audit-prune"])
    assert result.exit_code == 0 and "1 auditgebeurtenissen ouder dan 30 dagen verwijderd" in result.output
    kept = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [e.event for e in kept] == ["login", "audit_pruned"]  # the prune is itself an event
    assert json.loads(kept[1].detail)["removed"] == 1 and json.loads(kept[1].detail)["cutoff"]


def _as_admin(auth, make_user):
    admin = make_user(email="beheer@gemeente.example", name="Bea Heer", is_admin=True)
    auth.login("beheer@gemeente.example")
    return admin


def test_the_beheer_page_filters_by_event_person_and_period(db, client, auth, make_user):
    make_user(email="anne@gemeente.example", name="Anne Aalders")
    auth.login("anne@gemeente.example", "fout")
    _as_admin(auth, make_user)
    today = utcnow().date().isoformat()
    only_failures = client.get("/beheer/audit?gebeurtenis=login_failed").get_data(as_text=True)
    assert "Inloggen mislukt" in only_failures and "<td>Ingelogd</td>" not in only_failures
    by_person = client.get("/beheer/audit?wie=bea").get_data(as_text=True)
    assert "<td>Ingelogd</td>" in by_person and "Inloggen mislukt</td>" not in by_person
    assert "Geen gebeurtenissen gevonden." in client.get("/beheer/audit?tot=2000-01-01").get_data(as_text=True)
    assert "<td>Ingelogd</td>" in client.get(f"/beheer/audit?van={today}&tot={today}").get_data(as_text=True)
    odd = client.get("/beheer/audit?van=gisteren")
    assert odd.status_code == 200 and "'gisteren' bij 'Van' is geen datum" in html.unescape(odd.get_data(as_text=True))


def test_the_export_is_csv_of_the_filter_and_is_itself_recorded(db, client, auth, make_user):
    admin = _as_admin(auth, make_user)
    response = client.get("/beheer/audit.csv?gebeurtenis=login")
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][:3] == ["tijdstip (UTC)", "gebeurtenis", "wie"]
    assert [(r[1], r[3]) for r in rows[1:]] == [("login", "beheer@gemeente.example")]
    assert events(db)[-1][:2] == ("audit_exported", admin.id)


def test_oidc_and_throttling_events_reach_the_json_log_too(app, client, make_user):
    """audit.record writes the same event to the JSON log (tests/test_ops.py checks the format)."""
    import logging

    seen = []

    class Keep(logging.Handler):
        def emit(self, record):
            seen.append(getattr(record, "security_event", None))

    handler = Keep()
    logging.getLogger("kennisbank.security").addHandler(handler)
    try:
        make_user(email="anne@gemeente.example")
        client.post("/inloggen", data={"csrf_token": csrf_token(client, "/inloggen"),
                                       "email": "anne@gemeente.example", "password": PASSWORD})
    finally:
        logging.getLogger("kennisbank.security").removeHandler(handler)
    assert seen == ["login"]


# The service itself, at its boundaries ------------------------------------------------------------------

def test_record_names_its_target_and_keeps_details_as_sorted_json(app, db, make_user):
    from datetime import datetime

    person = make_user()
    with app.test_request_context("/", environ_base={"REMOTE_ADDR": "10.1.2.3"}):
        row = audit.record("role_changed", person, person, to="themaeigenaar", by_hand=True)
    assert (row.actor_id, row.target, row.detail, row.remote_addr) == (
        person.id, f"user:{person.id}", '{"by_hand": true, "to": "themaeigenaar"}', "10.1.2.3")
    bare = audit.record("login_failed", None, "x" * 100)
    assert (bare.actor_id, bare.target, bare.detail, bare.remote_addr) == (None, "x" * 80, "", "")
    db.session.commit()
    assert isinstance(row.at, datetime)


def test_filters_take_whole_days_either_end_and_people_by_name_or_address(db, make_user):
    from datetime import date, datetime

    anne = make_user(name="Anne Aalders", email="anne@gemeente.example")
    bob = make_user(name="Bob Bakker", email="b.bakker@gemeente.example")
    day = date(2026, 3, 10)
    for actor, event, at in [(anne, "login", datetime(2026, 3, 9, 23, 59, 59)), (anne, "logout", datetime(2026, 3, 10)),
                             (bob, "login", datetime(2026, 3, 10, 23, 59, 59)), (bob, "login", datetime(2026, 3, 11))]:
        db.session.add(AuditEvent(event=event, actor_id=actor.id, at=at))
    db.session.commit()

    def found(**kw):
        return [(e.event, e.actor_id, e.at.day) for e in audit.search(audit.AuditFilters(**kw), 1).items]

    assert found(since=day, until=day) == [("login", bob.id, 10), ("logout", anne.id, 10)]
    assert found(actor=" AALDERS ") == [("logout", anne.id, 10), ("login", anne.id, 9)]
    assert found(actor="b.bakker@") == [("login", bob.id, 11), ("login", bob.id, 10)]
    assert found(event="login", since=day) == [("login", bob.id, 11), ("login", bob.id, 10)]
    assert len(found(event="geen_gebeurtenis")) == 4


def test_the_export_writes_every_column_and_records_its_filter(db, make_user):
    from datetime import datetime

    admin = make_user(name="Bea Heer", email="beheer@gemeente.example")
    db.session.add(AuditEvent(event="login", actor_id=admin.id, at=datetime(2026, 3, 10, 8, 5, 1, 999), target="t",
                              detail='{"a": 1}', remote_addr="10.0.0.1"))
    db.session.add(AuditEvent(event="login_failed", at=datetime(2026, 3, 10, 9)))
    db.session.commit()
    rows = list(csv.reader(io.StringIO(audit.export_csv(audit.AuditFilters(actor="bea"), admin))))
    assert rows == [["tijdstip (UTC)", "gebeurtenis", "wie", "e-mailadres", "waarop", "details", "adres"],
                    ["2026-03-10T08:05:01", "login", "Bea Heer", "beheer@gemeente.example", "t", '{"a": 1}',
                     "10.0.0.1"]]
    everything = list(csv.reader(io.StringIO(audit.export_csv(audit.AuditFilters(event="login_failed"), admin))))
    assert everything[1][:5] == ["2026-03-10T09:00:00", "login_failed", "", "", ""]
    exported = db.session.scalars(select(AuditEvent).where(AuditEvent.event == "audit_exported")
                                  .order_by(AuditEvent.id)).all()
    assert [(e.actor_id, e.target, json.loads(e.detail)) for e in exported] == [
        (admin.id, "audit", {"rows": 1, "filter_event": "", "filter_actor": "bea"}),
        (admin.id, "audit", {"rows": 1, "filter_event": "login_failed", "filter_actor": ""})]


def test_prune_answers_how_many_it_removed(app, db):
    app.config["AUDIT_RETENTION_DAYS"] = 10
    now = utcnow()
    db.session.add_all([AuditEvent(event="login", at=now - timedelta(days=10, seconds=1)),
                        AuditEvent(event="login", at=now - timedelta(days=10, seconds=2)),
                        AuditEvent(event="login", at=now - timedelta(days=9))])
    db.session.commit()
    assert audit.prune(now) == 2 and audit.prune(now) == 0


def test_record_keeps_dutch_text_dates_and_the_address_as_given(app, db, make_user):
    import logging
    from datetime import date

    seen = []

    class Keep(logging.Handler):
        def emit(self, record):
            seen.append((record.getMessage(), record.security_event, record.user_id, record.target, record.detail))

    person = make_user()
    handler = Keep()
    logging.getLogger("kennisbank.security").addHandler(handler)
    try:
        with app.test_request_context("/", environ_base={"REMOTE_ADDR": ""}):
            quiet = audit.record("departure_set", person)
        with app.test_request_context("/", environ_base={"REMOTE_ADDR": "f" * 70}):
            row = audit.record("departure_set", person, person, reason="beëindigd", leaves_on=date(2030, 6, 1))
    finally:
        logging.getLogger("kennisbank.security").removeHandler(handler)
    assert (quiet.target, quiet.remote_addr) == ("", "")
    assert row.detail == '{"leaves_on": "2030-06-01", "reason": "beëindigd"}' and row.remote_addr == "f" * 64
    assert seen == [("departure_set", "departure_set", person.id, "", {}),
                    ("departure_set", "departure_set", person.id, f"user:{person.id}",
                     {"reason": "beëindigd", "leaves_on": date(2030, 6, 1)})]


def test_the_log_pages_by_fifty_newest_first_and_ties_by_order_of_writing(db):
    from datetime import datetime

    same, older = datetime(2026, 3, 10, 12), datetime(2026, 3, 9, 12)
    db.session.add(AuditEvent(event="logout", at=same))  # written first: shown after the later one
    db.session.add(AuditEvent(event="login_failed", at=older))
    db.session.add(AuditEvent(event="login", at=same))
    db.session.add_all([AuditEvent(event="token_used", at=datetime(2026, 1, 1)) for _ in range(48)])
    db.session.commit()
    first = audit.search(audit.AuditFilters(), 1).items
    assert len(first) == 50 and [e.event for e in first[:3]] == ["login", "logout", "login_failed"]
    assert len(audit.search(audit.AuditFilters(), 2).items) == 1
    # Filtered, the database may read the rows in another order (here through the index on event).
    db.session.add(AuditEvent(event="logout", at=same, target="user:2"))
    db.session.commit()
    logouts = audit.search(audit.AuditFilters(event="logout"), 1).items
    assert [e.target for e in logouts] == ["user:2", ""]


def test_prune_keeps_what_is_exactly_as_old_as_the_retention(app, db):
    app.config["AUDIT_RETENTION_DAYS"] = 10
    now = utcnow()
    db.session.add(AuditEvent(event="login", at=now - timedelta(days=10)))
    db.session.commit()
    assert audit.prune(now) == 0



# Held by the database itself: triggers, and a chain of hashes that `kb audit-check` follows ---------------------

def _raw(db, statement: str) -> None:
    db.session.commit()  # the test's own reads end first (PostgreSQL: TRUNCATE and ALTER TABLE wait for them)
    with db.engine.connect() as connection:
        connection.execute(text(statement))
        connection.commit()


def _bypass_the_guard(db) -> None:
    """What someone with full rights over the database could do: switch the triggers off."""
    if db.engine.dialect.name == "postgresql":
        _raw(db, "ALTER TABLE audit_events DISABLE TRIGGER USER")
    else:
        _raw(db, "DROP TRIGGER audit_events_no_update")
        _raw(db, "DROP TRIGGER audit_events_no_delete")


def _events(db, n: int) -> list[int]:
    for number in range(n):
        audit.record("login", None, f"user:{number}")
        db.session.commit()
    return db.session.scalars(select(AuditEvent.id).order_by(AuditEvent.id)).all()


@pytest.mark.parametrize("statement", ["UPDATE audit_events SET detail = 'anders'",
                                       "DELETE FROM audit_events WHERE id = (SELECT min(id) FROM audit_events)",
                                       "DELETE FROM audit_events"])
def test_the_database_refuses_to_change_or_delete_an_event(db, statement):
    from sqlalchemy.exc import DatabaseError

    _events(db, 3)
    with pytest.raises(DatabaseError, match="append-only"):
        _raw(db, statement)
    if db.engine.dialect.name == "postgresql":
        with pytest.raises(DatabaseError, match="append-only"):
            _raw(db, "TRUNCATE audit_events")
    assert len(db.session.scalars(select(AuditEvent)).all()) == 3 and audit.check().problem == ""


def test_events_are_chained_and_the_check_says_the_log_is_whole(db, runner):
    ids = _events(db, 4)
    rows = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert rows[0].prev_hash == "" and all(rows[n].prev_hash == rows[n - 1].hash for n in range(1, 4))
    assert len({row.hash for row in rows}) == 4 and len(ids) == 4
    result = runner.invoke(args=["kb", "audit-check"])
    assert result.exit_code == 0 and "Het auditlog klopt: 4 gebeurtenissen, de keten is ongebroken." in result.output


def test_an_event_edited_with_sql_is_found(db, runner):
    ids = _events(db, 4)
    _bypass_the_guard(db)
    _raw(db, f"UPDATE audit_events SET target = 'user:99' WHERE id = {ids[2]}")
    result = runner.invoke(args=["kb", "audit-check"])
    assert result.exit_code == 1
    assert f"Het auditlog is aangetast: Gebeurtenis {ids[2]} (login," in result.output and "is gewijzigd" in result.output


@pytest.mark.parametrize("which", [1, 0])  # one from the middle; the oldest, as if pruned by hand
def test_an_event_deleted_with_sql_is_found(db, which):
    ids = _events(db, 4)
    _bypass_the_guard(db)
    _raw(db, f"DELETE FROM audit_events WHERE id = {ids[which]}")
    problem = audit.check().problem
    assert problem.startswith(f"Vóór gebeurtenis {ids[which + 1]} (login") and "ontbreken gebeurtenissen" in problem


def test_the_prune_keeps_the_chain_and_an_event_rolled_back_leaves_no_gap(app, db):
    app.config["AUDIT_RETENTION_DAYS"] = 10
    now = utcnow()
    db.session.add_all([AuditEvent(event="login", at=now - timedelta(days=20)),
                        AuditEvent(event="login", at=now - timedelta(days=15))])
    db.session.commit()
    _events(db, 2)
    with db.session.begin_nested():
        audit.record("logout")
    try:
        with db.session.begin_nested():
            audit.record("logout", None, "teruggedraaid")
            db.session.flush()
            raise RuntimeError
    except RuntimeError:
        pass
    audit.record("login")
    db.session.commit()
    assert audit.prune(now) == 2
    db.session.commit()
    check = audit.check()
    assert check.problem == "" and check.events == 5  # 2 + logout + login + the prune's own event
    assert "teruggedraaid" not in db.session.scalars(select(AuditEvent.target)).all()


def test_the_readme_role_for_the_app_cannot_change_events_even_without_the_triggers(app, db):
    """README's grants, run as they stand on the real PostgreSQL server: the app's role appends, prunes
    through the function, and cannot update or delete an event itself."""
    import re

    from sqlalchemy.exc import DatabaseError

    from .conftest import REPO

    if db.engine.dialect.name != "postgresql":
        pytest.skip("roles and grants are PostgreSQL's")
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = re.search(r"-- as the owner of the database, after `flask db upgrade`\n(.*?)\n\n", readme, re.S).group(1)
    grants = [line.strip() for line in block.splitlines() if line.strip() and not line.strip().startswith("CREATE ROLE")]
    _events(db, 3)
    db.session.commit()
    with db.engine.begin() as connection:
        connection.execute(text("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'kennisbank_app') "
                                "THEN CREATE ROLE kennisbank_app; END IF; END $$"))
        for grant in grants:
            connection.execute(text(grant.rstrip(";")))
        connection.execute(text("ALTER TABLE audit_events DISABLE TRIGGER USER"))  # only the grants hold now
    for statement in ("UPDATE audit_events SET target = 'user:9'", "DELETE FROM audit_events"):
        with pytest.raises(DatabaseError, match="permission denied"), db.engine.begin() as connection:
            connection.execute(text("SET ROLE kennisbank_app"))
            connection.execute(text(statement))
    with db.engine.begin() as connection:
        connection.execute(text("ALTER TABLE audit_events ENABLE TRIGGER USER"))
        connection.execute(text("SET ROLE kennisbank_app"))
        connection.execute(text("INSERT INTO audit_events (at, event, target, detail, remote_addr, prev_hash, hash) "
                                "VALUES (now(), 'login', '', '', '', '', '')"))
        first_two = connection.execute(text("SELECT min(id) + 2 FROM audit_events")).scalar()
        assert connection.execute(text("SELECT kennisbank_audit_prune(:before)"), {"before": first_two}).scalar() == 2
        connection.execute(text("RESET ROLE"))
