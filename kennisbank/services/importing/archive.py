"""The whole knowledge base as one ZIP: `kennisbank.json` (themes, colleagues, networks and memberships,
projects, lessons, lessons used, attachments' records) and `bijlagen/<sha256>` for the files. Imported
into an empty kennisbank it reproduces it: exporting that one again gives the same JSON (tested).

Items are named by keys that travel — a theme by its slug, a colleague by e-mail address, a project or
lesson by its bron-id (`kb-<id>` unless it came from an import) — never by database ids. Passwords are
not exported: colleagues log in on the new instance with their organisation's account, or get a new
password from the beheerder. History (revisions, voortoetsen, the audit log) stays where it was.
"""
from __future__ import annotations

import hashlib
import io
import json
import zipfile

from sqlalchemy import func, select

from ...extensions import db
from ...ground import files
from ...ground.errors import DomainError, NotAllowed
from ...models import (Attachment, AttachmentBlob, InnovationStage, Lesson, LessonKind, LessonUse, LessonUseSource,
                       Membership, MembershipRole, Network, NetworkKind, Project, ProjectStatus, ReviewState, Theme,
                       User)
from ..access import audit, permissions
from ..access.external_login import NO_PASSWORD
from .exporting import bron_id

VERSION = 1


def _day(value) -> str | None:
    return value.isoformat() if value else None


def _emails(users) -> list[str]:
    return sorted(user.email for user in users)


def _slugs(themes) -> list[str]:
    return sorted(theme.slug for theme in themes)


def snapshot() -> dict:
    """Everything the archive holds, as plain data (also what the round-trip test compares)."""
    q = db.session.scalars
    themes = q(select(Theme).order_by(Theme.slug)).all()
    users = q(select(User).order_by(User.email)).all()
    networks = q(select(Network).order_by(Network.slug)).all()
    projects = sorted(q(select(Project)).all(), key=bron_id)
    lessons = sorted(q(select(Lesson)).all(), key=bron_id)
    attachments = q(select(Attachment).order_by(Attachment.id)).all()
    items = {("project", p.id): bron_id(p) for p in projects} | {("lesson", le.id): bron_id(le) for le in lessons}
    return {
        "versie": VERSION,
        "themas": [{"slug": t.slug, "naam": t.name, "omschrijving": t.description, "synthese": t.synthesis,
                    "eigenaren": _emails(t.owners), "verwijderd": t.is_deleted} for t in themes],
        "mensen": [{"email": u.email, "naam": u.name, "afdeling": u.department, "organisatie": u.organisation,
                    "beheerder": u.is_admin, "actief": u.active, "vertrekt": _day(u.leaves_on)} for u in users],
        "netwerken": [{"slug": n.slug, "naam": n.name, "soort": n.kind.value, "omschrijving": n.description,
                       "url": n.url, "themas": _slugs(n.themes), "verwijderd": n.is_deleted,
                       "leden": sorted(({"email": m.user.email, "rol": m.role.value, "persoonlijk": m.personal_capacity,
                                         "sinds": _day(m.since), "tot": _day(m.until), "toelichting": m.note}
                                        for m in n.memberships), key=lambda m: (m["email"], m["sinds"]))}
                      for n in networks],
        "projecten": [{"bron_id": bron_id(p), "titel": p.title, "gemeente": p.municipality_code,
                       "organisatie": p.organisation, "afdeling": p.department, "vraag": p.question, "doel": p.goal,
                       "aanpak": p.approach, "partners": p.partners, "financiering": p.funding, "gebied": p.area,
                       "startdatum": _day(p.start_date), "einddatum": _day(p.end_date), "resultaat": p.outcome,
                       "trefwoorden": list(p.tags), "links": p.links, "status": p.status.value, "fase": p.stage.value,
                       "afsluiting": p.closure_note, "projectleider": p.lead.email, "team": _emails(p.team),
                       "themas": _slugs(p.themes), "verwijderd": p.is_deleted} for p in projects],
        "lessen": [{"bron_id": bron_id(le), "titel": le.title, "soort": le.kind.value, "context": le.context,
                    "wat_gebeurde": le.what_happened, "les": le.lesson_learned, "advies": le.advice,
                    "overdraagbaarheid": le.transferability, "trefwoorden": list(le.tags),
                    "auteur": le.author.email, "namens_team": le.on_behalf_of_team,
                    "project": bron_id(le.project) if le.project else None,
                    "netwerk": le.network.slug if le.network else None, "toetsing": le.review_state.value,
                    "getoetst_door": le.reviewed_by.email if le.reviewed_by else None,
                    "opmerking": le.review_remark, "verklaart_stop": le.explains_stop, "themas": _slugs(le.themes),
                    "verwijderd": le.is_deleted} for le in lessons],
        "gebruik": sorted(({"les": bron_id(u.lesson), "project": bron_id(u.project), "door": u.user.email,
                            "bron": u.source.value, "notitie": u.note}
                           for p in projects for u in p.lesson_uses), key=lambda u: (u["project"], u["les"])),
        "bijlagen": sorted(({"bij": f"{a.item_type}:{items[(a.item_type, a.item_id)]}", "naam": a.file_name,
                             "type": a.media_type, "sha256": a.blob.sha256, "tekststatus": a.text_state,
                             "tekst": a.text, "door": a.uploaded_by.email, "verwijderd": a.is_deleted}
                            for a in attachments if (a.item_type, a.item_id) in items),
                           key=lambda a: (a["bij"], a["naam"], a["sha256"])),
    }


def export_zip(by: User) -> bytes:
    if not permissions.is_admin(by):
        raise NotAllowed("Alleen een beheerder kan de hele kennisbank exporteren.")
    data = snapshot()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("kennisbank.json", json.dumps(data, ensure_ascii=False, indent=1))
        for digest in sorted({a["sha256"] for a in data["bijlagen"]}):
            blob = db.session.scalar(select(AttachmentBlob).where(AttachmentBlob.sha256 == digest))
            archive.writestr(f"bijlagen/{digest}", blob.content)
    audit.record("export_done", by, "archief", projects=len(data["projecten"]), lessons=len(data["lessen"]),
                 attachments=len(data["bijlagen"]))
    return out.getvalue()


def _date(value):
    from datetime import date

    return date.fromisoformat(value) if value else None


def import_zip(content: bytes) -> dict[str, int]:
    """Fill an empty kennisbank from an archive. :raises DomainError: not empty, or not such an archive."""
    from ...models.base import utcnow

    if any(db.session.scalar(select(func.count()).select_from(model)) for model in (Project, Lesson, Network)):
        raise DomainError("Een archief kan alleen in een lege kennisbank worden ingelezen (zonder projecten, lessen "
                          "of netwerken). Gebruik voor aanvullen de import van projecten en lessen.")
    if not content.startswith(b"PK\x03\x04"):
        files.refuse("Dit is geen kennisbank-archief (een ZIP-bestand uit 'Alles exporteren').")
    files.check_zip(content)
    archive = zipfile.ZipFile(io.BytesIO(content))
    try:
        data = json.loads(archive.read("kennisbank.json"))
    except (KeyError, ValueError):
        files.refuse("In dit ZIP-bestand staat geen leesbaar kennisbank.json.")
    if data.get("versie") != VERSION:
        files.refuse(f"Dit archief heeft versie {data.get('versie')!r}; deze kennisbank leest versie {VERSION}.")
    now = utcnow()
    gone = lambda flag: now if flag else None  # noqa: E731
    users = {u.email: u for u in db.session.scalars(select(User))}
    for item in data["mensen"]:
        if item["email"] not in users:
            users[item["email"]] = User(email=item["email"], name=item["naam"], department=item["afdeling"],
                                        organisation=item["organisatie"], is_admin=item["beheerder"],
                                        active=item["actief"], leaves_on=_date(item["vertrekt"]),
                                        password_hash=NO_PASSWORD, deactivated_at=None if item["actief"] else now)
            db.session.add(users[item["email"]])
    themes = {t.slug: t for t in db.session.scalars(select(Theme))}
    for item in data["themas"]:
        theme = themes.get(item["slug"]) or Theme(slug=item["slug"])
        theme.name, theme.description, theme.synthesis = item["naam"], item["omschrijving"], item["synthese"]
        theme.owners, theme.deleted_at = [users[e] for e in item["eigenaren"]], gone(item["verwijderd"])
        themes[item["slug"]] = theme
        db.session.add(theme)
    networks = {}
    for item in data["netwerken"]:
        network = Network(slug=item["slug"], name=item["naam"], kind=NetworkKind(item["soort"]),
                          description=item["omschrijving"], url=item["url"],
                          themes=[themes[s] for s in item["themas"]], deleted_at=gone(item["verwijderd"]))
        for member in item["leden"]:
            network.memberships.append(Membership(
                user=users[member["email"]], role=MembershipRole(member["rol"]),
                personal_capacity=member["persoonlijk"], since=_date(member["sinds"]), until=_date(member["tot"]),
                note=member["toelichting"]))
        networks[item["slug"]] = network
        db.session.add(network)
    projects = {}
    for item in data["projecten"]:
        status = ProjectStatus(item["status"])
        project = Project(
            content_key=f"import:{item['bron_id']}", title=item["titel"], municipality_code=item["gemeente"],
            organisation=item["organisatie"], department=item["afdeling"], question=item["vraag"],
            goal=item["doel"], approach=item["aanpak"], partners=item["partners"], funding=item["financiering"],
            area=item["gebied"], start_date=_date(item["startdatum"]), end_date=_date(item["einddatum"]),
            outcome=item["resultaat"], tags=item["trefwoorden"], links=item["links"], status=status,
            stage=InnovationStage(item["fase"]), closure_note=item["afsluiting"], lead=users[item["projectleider"]],
            team=[users[e] for e in item["team"]], themes=[themes[s] for s in item["themas"]],
            deleted_at=gone(item["verwijderd"]),
            started_at=now if status != ProjectStatus.CONCEPT else None,
            closed_at=now if status in (ProjectStatus.CLOSED, ProjectStatus.STOPPED) else None)
        projects[item["bron_id"]] = project
        db.session.add(project)
    lessons = {}
    for item in data["lessen"]:
        lesson = Lesson(
            content_key=f"import:{item['bron_id']}", title=item["titel"], kind=LessonKind(item["soort"]),
            context=item["context"], what_happened=item["wat_gebeurde"], lesson_learned=item["les"],
            advice=item["advies"], transferability=item["overdraagbaarheid"], tags=item["trefwoorden"],
            author=users[item["auteur"]], on_behalf_of_team=item["namens_team"],
            project=projects.get(item["project"]) if item["project"] else None,
            network=networks.get(item["netwerk"]) if item["netwerk"] else None,
            review_state=ReviewState(item["toetsing"]),
            reviewed_by=users[item["getoetst_door"]] if item["getoetst_door"] else None,
            reviewed_at=now if item["getoetst_door"] else None, review_remark=item["opmerking"],
            explains_stop=item["verklaart_stop"], themes=[themes[s] for s in item["themas"]],
            deleted_at=gone(item["verwijderd"]))
        lessons[item["bron_id"]] = lesson
        db.session.add(lesson)
    db.session.flush()
    for item in data["gebruik"]:
        db.session.add(LessonUse(lesson=lessons[item["les"]], project=projects[item["project"]],
                                 user=users[item["door"]], source=LessonUseSource(item["bron"]), note=item["notitie"]))
    blobs: dict[str, AttachmentBlob] = {}
    for item in data["bijlagen"]:
        digest = item["sha256"]
        if digest not in blobs:
            blob_content = archive.read(f"bijlagen/{digest}")
            if hashlib.sha256(blob_content).hexdigest() != digest:
                files.refuse(f"Bijlage {item['naam'][:80]} is beschadigd in het archief.")
            blobs[digest] = AttachmentBlob(sha256=digest, content=blob_content)
        kind, _, key = item["bij"].partition(":")
        owner = (projects if kind == "project" else lessons)[key]
        db.session.add(Attachment(item_type=kind, item_id=owner.id, file_name=item["naam"],
                                  media_type=item["type"], size=len(blobs[digest].content), blob=blobs[digest],
                                  text_state=item["tekststatus"], text=item["tekst"],
                                  uploaded_by=users[item["door"]], deleted_at=gone(item["verwijderd"])))
    db.session.flush()
    return {"mensen": len(data["mensen"]), "themas": len(data["themas"]), "netwerken": len(networks),
            "projecten": len(projects), "lessen": len(lessons), "bijlagen": len(data["bijlagen"])}
