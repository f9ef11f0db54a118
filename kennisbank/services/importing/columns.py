"""Which column holds which field: the template's Dutch headers, the names Dutch lists use, and the choices
an importer made before (remembered per importer and kind of import, never over a name kennisbank knows)."""
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


SHARED_START = (Field("bron_id", "Bron-id", ("bronid", "bron id", "id", "extern id", "referentie", "kenmerk",
                                             "nummer", "nr", "projectnummer extern"),
                      hint="uw eigen nummer; opnieuw importeren werkt dezelfde rij bij"),)
SHARED_END = (Field("themes", "Thema's", ("thema", "themas", "themaveld", "domein", "beleidsveld", "beleidsterrein"),
                    hint="namen, gescheiden door komma's"),
              Field("tags", "Trefwoorden", ("trefwoord", "tags", "labels", "zoekwoorden")))

# How Dutch municipal lists name their columns (the template's header first). Compared after header_key():
# case, accents, quotes and punctuation do not count.
FIELDS = {
    "projecten": SHARED_START + (
        Field("title", "Titel", ("naam", "naam project", "naam initiatief", "projectnaam", "initiatief",
                                 "titel project", "project", "projecttitel", "onderwerp"), required=True),
        Field("question", "Vraag", ("maatschappelijk vraagstuk", "vraagstuk", "omschrijving", "beschrijving",
                                    "toelichting", "korte omschrijving", "probleem", "probleemstelling", "opgave",
                                    "aanleiding"), required=True),
        Field("municipality", "Gemeente", ("gemeentenaam", "cbs code", "gemeentecode"), hint="of vul Organisatie in"),
        Field("organisation", "Organisatie", ("organisatienaam", "instantie")),
        Field("department", "Afdeling", ("directie", "team", "cluster", "sector", "dienst")),
        Field("goal", "Doel", ("doelen", "doelstelling", "doelstellingen", "beoogd resultaat", "ambitie")),
        Field("approach", "Aanpak", ("werkwijze", "methode", "activiteiten", "plan van aanpak")),
        Field("partners", "Partners", ("partner", "samenwerkingspartners", "betrokken partijen", "samenwerking")),
        Field("funding", "Financiering", ("budget", "subsidie", "kosten", "begroting", "financiering bron")),
        Field("area", "Gebied", ("wijk", "locatie", "buurt", "stadsdeel")),
        Field("start_date", "Startdatum", ("start", "begindatum", "begin", "datum start", "startjaar",
                                           "gestart op")),
        Field("end_date", "Einddatum", ("eind", "einde", "afgerond op", "datum einde", "opleverdatum",
                                        "datum afgerond")),
        Field("status", "Status", ("projectstatus", "stand van zaken"),
              hint="gestart, afgesloten of gestopt (concept alleen als u dat kiest)"),
        Field("stage", "Fase", ("innovatiefase", "projectfase"), hint="verkenning, pilot, opschaling of implementatie"),
        Field("lead", "Projectleider", ("projectleider e mail", "e mail projectleider", "trekker", "eigenaar",
                                        "contactpersoon", "verantwoordelijke", "projecteigenaar"),
              hint="e-mailadres van een medewerker; leeg: uzelf"),
        Field("outcome", "Resultaat", ("uitkomst", "opbrengst", "resultaten", "behaald resultaat", "effect")),
        Field("links", "Links", ("link", "url", "website", "meer informatie")),
        Field("obstacles", "Knelpunten", ("knelpunt", "waar tegenaan gelopen", "waar liepen we tegenaan",
                                          "wat ging er mis", "wat werkte niet", "obstakels", "belemmeringen"),
              hint="wordt een les van de soort mislukking bij het project"),
        Field("obstacle_advice", "Advies", ("advies voor het volgende project", "aanbeveling", "aanbevelingen",
                                            "tip", "tips"), hint="het advies bij die les"),
    ) + SHARED_END,
    "lessen": SHARED_START + (
        Field("title", "Titel", ("naam", "titel les", "les titel", "onderwerp"), required=True),
        Field("kind", "Soort", ("soort les", "type", "categorie", "soort leerervaring"), required=True,
              hint="succes, mislukking, verbeterpunt of inzicht"),
        Field("advice", "Advies", ("advies voor het volgende project", "aanbeveling", "aanbevelingen", "tip",
                                   "tips"), required=True),
        Field("context", "Context", ("aanleiding", "situatie", "achtergrond")),
        Field("what_happened", "Wat gebeurde er", ("gebeurtenis", "wat ging er mis", "wat gebeurde",
                                                   "waar tegenaan gelopen", "knelpunten", "knelpunt")),
        Field("lesson_learned", "Les", ("geleerde les", "wat is de les", "lessons learned", "leerpunt")),
        Field("transferability", "Overdraagbaarheid", ("toepasbaarheid", "overdraagbaar")),
        Field("project", "Project (bron-id)", ("project", "project bron id", "projectnummer")),
        Field("author", "Auteur", ("auteur e mail", "schrijver", "opgesteld door"),
              hint="e-mailadres van een medewerker; leeg: uzelf (alleen een beheerder schrijft op naam van een ander)"),
    ) + SHARED_END,
}
# Whole-file values the mapping page offers: one value for each row that has none.
DEFAULTABLE = {"projecten": ("municipality", "organisation", "department", "themes", "status", "stage", "lead"),
               "lessen": ("kind", "themes", "author")}
KINDS = {"projecten": "Projecten", "lessen": "Lessen"}


def header_key(text: str) -> str:
    """'Thema’s *' and 'thema's' and 'THEMAS' are one column."""
    text = unicodedata.normalize("NFKD", str(text))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    text = re.sub(r"['’`]", "", text)
    return re.sub(r"[^0-9a-z]+", " ", text).strip()


def field(kind: str, name: str) -> Field:
    return next(f for f in FIELDS[kind] if f.name == name)


def _built_in(kind: str) -> dict[str, str]:
    known = {}
    for f in FIELDS[kind]:
        for text in (f.header, f.name, *f.synonyms):
            known.setdefault(header_key(text), f.name)
    return known


def recognised(kind: str, header: list[str]) -> int:
    """How many cells of a row are column names kennisbank knows (to find the header row)."""
    known = _built_in(kind)
    return sum(1 for text in header if header_key(text) in known)


def _aliases(kind: str, user_id: int | None) -> dict[str, str]:
    """Built-in names, then the importer's own remembered choices for names kennisbank does not know."""
    known = _built_in(kind)
    if user_id is not None:
        remembered = db.session.execute(select(ImportColumnAlias.header_key, ImportColumnAlias.field).where(
            ImportColumnAlias.kind == kind, ImportColumnAlias.user_id == user_id)).all()
        for key, name in remembered:
            known.setdefault(key, name)
    return known


def map_headers(kind: str, header: list[str], chosen: dict[str, str] | None = None,
                user_id: int | None = None) -> dict[int, str]:
    """Column index -> field name; `chosen` (header text -> field, or '' to skip) wins over what is known.
    A field is taken by its first column only."""
    known = _aliases(kind, user_id)
    valid = {f.name for f in FIELDS[kind]}
    mapping: dict[int, str] = {}
    for index, text in enumerate(header):
        name = (chosen or {}).get(text)
        if name is None:
            name = known.get(header_key(text), "")
        if name in valid and name not in mapping.values():
            mapping[index] = name
    return mapping


def remember(kind: str, chosen: dict[str, str], user_id: int) -> None:
    """Keep the importer's choices for names kennisbank does not know, so their next file maps by itself."""
    valid = {f.name for f in FIELDS[kind]}
    built_in = _built_in(kind)
    for text, name in chosen.items():
        key = header_key(text)[:200]
        if not key or name not in valid or key in built_in:
            continue
        row = db.session.scalar(select(ImportColumnAlias).where(
            ImportColumnAlias.user_id == user_id, ImportColumnAlias.kind == kind, ImportColumnAlias.header_key == key))
        if row is None:
            db.session.add(ImportColumnAlias(user_id=user_id, kind=kind, header_key=key, field=name))
        else:
            row.field = name
    db.session.flush()
