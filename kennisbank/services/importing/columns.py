"""Which column holds which field: the template's Dutch headers, everyday synonyms, and the mappings a
beheerder chose before (remembered per kind of import)."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy import select

from ...extensions import db
from ...models import ImportColumnAlias


@dataclass(frozen=True)
class Field:
    name: str
    header: str  # as in the template
    synonyms: tuple[str, ...] = ()
    required: bool = False
    hint: str = ""


SHARED_START = (Field("bron_id", "Bron-id", ("bronid", "bron id", "id", "extern id", "referentie", "kenmerk"),
                      hint="uw eigen nummer; opnieuw importeren werkt dezelfde rij bij"),
                Field("title", "Titel", ("naam", "titel les", "projectnaam"), required=True))
SHARED_END = (Field("themes", "Thema's", ("thema", "themas", "themaveld"), hint="namen, gescheiden door komma's"),
              Field("tags", "Trefwoorden", ("trefwoord", "tags", "labels")))

FIELDS = {
    "projecten": SHARED_START + (
        Field("question", "Vraag", ("maatschappelijk vraagstuk", "vraagstuk", "omschrijving", "beschrijving",
                                    "probleem"), required=True),
        Field("municipality", "Gemeente", ("gemeentenaam", "cbs code"), hint="of vul Organisatie in"),
        Field("organisation", "Organisatie", ("organisatienaam",)),
        Field("department", "Afdeling", ("directie", "team")),
        Field("goal", "Doel", ("doelen", "doelstelling")),
        Field("approach", "Aanpak", ("werkwijze", "methode")),
        Field("partners", "Partners", ("partner", "samenwerkingspartners")),
        Field("funding", "Financiering", ("budget", "subsidie")),
        Field("area", "Gebied", ("wijk", "locatie")),
        Field("start_date", "Startdatum", ("start", "begindatum", "begin")),
        Field("end_date", "Einddatum", ("eind", "einde", "afgerond op")),
        Field("status", "Status", ("projectstatus",), hint="concept, gestart, afgesloten of gestopt"),
        Field("stage", "Fase", ("innovatiefase",), hint="verkenning, pilot, opschaling of implementatie"),
        Field("lead", "Projectleider", ("projectleider e mail", "eigenaar", "contactpersoon"),
              hint="e-mailadres van een medewerker; leeg: uzelf"),
        Field("outcome", "Resultaat", ("uitkomst", "opbrengst", "resultaten")),
        Field("links", "Links", ("link", "url", "website")),
    ) + SHARED_END,
    "lessen": SHARED_START + (
        Field("kind", "Soort", ("soort les", "type", "categorie"), required=True,
              hint="succes, mislukking, verbeterpunt of inzicht"),
        Field("advice", "Advies", ("advies voor het volgende project", "aanbeveling"), required=True),
        Field("context", "Context", ("aanleiding", "situatie")),
        Field("what_happened", "Wat gebeurde er", ("gebeurtenis", "wat ging er mis", "wat gebeurde")),
        Field("lesson_learned", "Les", ("geleerde les", "wat is de les", "lessons learned")),
        Field("transferability", "Overdraagbaarheid", ("toepasbaarheid",)),
        Field("project", "Project (bron-id)", ("project", "project bron id", "projectnummer")),
        Field("author", "Auteur", ("auteur e mail", "schrijver", "opgesteld door"),
              hint="e-mailadres van een medewerker; leeg: uzelf"),
    ) + SHARED_END,
}
KINDS = {"projecten": "Projecten", "lessen": "Lessen"}


def header_key(text: str) -> str:
    """'Thema’s *' and 'thema's' and 'THEMAS' are one column."""
    text = unicodedata.normalize("NFKD", str(text))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    text = re.sub(r"['’`]", "", text)
    return re.sub(r"[^0-9a-z]+", " ", text).strip()


def field(kind: str, name: str) -> Field:
    return next(f for f in FIELDS[kind] if f.name == name)


def _aliases(kind: str) -> dict[str, str]:
    known = {}
    for f in FIELDS[kind]:
        for text in (f.header, f.name, *f.synonyms):
            known[header_key(text)] = f.name
    remembered = db.session.execute(select(ImportColumnAlias.header_key, ImportColumnAlias.field)
                                    .where(ImportColumnAlias.kind == kind)).all()
    known.update(dict(remembered))
    return known


def map_headers(kind: str, header: list[str], chosen: dict[str, str] | None = None) -> dict[int, str]:
    """Column index -> field name; `chosen` (header text -> field, or '' to skip) wins over what is known.
    A field is taken by its first column only."""
    known = _aliases(kind)
    valid = {f.name for f in FIELDS[kind]}
    mapping: dict[int, str] = {}
    for index, text in enumerate(header):
        name = (chosen or {}).get(text)
        if name is None:
            name = known.get(header_key(text), "")
        if name in valid and name not in mapping.values():
            mapping[index] = name
    return mapping


def remember(kind: str, chosen: dict[str, str]) -> None:
    """Keep the beheerder's choices, so the same spreadsheet maps by itself next time."""
    valid = {f.name for f in FIELDS[kind]}
    for text, name in chosen.items():
        key = header_key(text)
        if not key or name not in valid:
            continue
        row = db.session.scalar(select(ImportColumnAlias).where(ImportColumnAlias.kind == kind,
                                                                ImportColumnAlias.header_key == key))
        if row is None:
            db.session.add(ImportColumnAlias(kind=kind, header_key=key[:200], field=name))
        else:
            row.field = name
    db.session.flush()
