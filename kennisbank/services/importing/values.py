"""One cell into a field value, or a Dutch message saying what is wrong with it (and what was meant)."""
from __future__ import annotations

import difflib
import re
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from ...extensions import db
from ...ground import municipalities
from ...ground.errors import DomainError
from ...models import InnovationStage, LessonKind, ProjectStatus, Theme, User
from ..access.users import find_by_email


class CellProblem(ValueError):
    """The message is for the user, in Dutch."""


EXCEL_EPOCH = date(1899, 12, 30)
STATUS_WORDS = {**{s.value: s for s in ProjectStatus}, "lopend": ProjectStatus.STARTED,
                "loopt": ProjectStatus.STARTED, "actief": ProjectStatus.STARTED, "in uitvoering": ProjectStatus.STARTED,
                "afgerond": ProjectStatus.CLOSED, "klaar": ProjectStatus.CLOSED, "gereed": ProjectStatus.CLOSED,
                "gestaakt": ProjectStatus.STOPPED, "stopgezet": ProjectStatus.STOPPED,
                "beeindigd": ProjectStatus.STOPPED, "idee": ProjectStatus.CONCEPT}
STAGE_WORDS = {s.value: s for s in InnovationStage} | {"proef": InnovationStage.PILOT,
                                                       "experiment": InnovationStage.PILOT}
KIND_WORDS = {k.value: k for k in LessonKind} | {
    "mislukt": LessonKind.FAILURE, "fout": LessonKind.FAILURE, "wat ging mis": LessonKind.FAILURE,
    "faal": LessonKind.FAILURE, "geslaagd": LessonKind.SUCCESS, "goed": LessonKind.SUCCESS,
    "verbetering": LessonKind.IMPROVEMENT, "leerpunt": LessonKind.IMPROVEMENT, "les": LessonKind.INSIGHT}


def _maybe(word: str, options, what: str = "") -> str:
    """' Bedoelt u <what> <closest>?' when one option is close to `word`."""
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.75)
    return f" Bedoelt u {what + ' ' if what else ''}{close[0]}?" if close else ""


def text(value, limit: int | None = None) -> str:
    result = value.isoformat() if isinstance(value, (date, datetime)) else str(value).strip()
    if isinstance(value, float) and value.is_integer():
        result = str(int(value))
    if limit and len(result) > limit:
        raise CellProblem(f"Dit is {len(result)} tekens lang; hoogstens {limit} past.")
    return result


def a_date(value) -> date | None:
    """Dates as dates, as Excel serial numbers, or as text: 12-03-2021, 12/3/2021, 2021-03-12."""
    if value in ("", None):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and 1 <= value < 2958466:  # Excel's serial day numbers
        return EXCEL_EPOCH + timedelta(days=int(value))
    raw = str(value).strip()
    if re.fullmatch(r"\d{5}(\.0+)?", raw):
        return EXCEL_EPOCH + timedelta(days=int(float(raw)))
    for pattern in ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y", "%Y-%m-%d %H:%M:%S", "%d-%m-%y"):
        try:
            return datetime.strptime(raw, pattern).date()
        except ValueError:
            continue
    raise CellProblem(f"'{raw[:40]}' is geen datum. Gebruik dag-maand-jaar, bijvoorbeeld 12-03-2021.")


def _word(value, words: dict, what: str, default=None):
    raw = text(value).lower().replace("ë", "e")
    if not raw:
        return default
    if raw in words:
        return words[raw]
    choices = ", ".join(sorted({v.value for v in words.values()}))
    raise CellProblem(f"'{text(value)[:40]}' is geen {what}: kies uit {choices}.{_maybe(raw, words)}")


def status(value) -> ProjectStatus:
    return _word(value, STATUS_WORDS, "status", ProjectStatus.CONCEPT)


def stage(value) -> InnovationStage | None:
    return _word(value, STAGE_WORDS, "fase")


def lesson_kind(value) -> LessonKind:
    kind = _word(value, KIND_WORDS, "soort les")
    if kind is None:
        raise CellProblem("Vul de soort les in: succes, mislukking, verbeterpunt of inzicht.")
    return kind


def municipality(value) -> str | None:
    raw = text(value)
    if not raw:
        return None
    try:
        return municipalities.resolve(raw).code
    except DomainError as error:
        raise CellProblem(error.message) from None


def split(value) -> list[str]:
    return [part.strip() for part in re.split(r"[,;\n]", text(value)) if part.strip()]


def tags(value) -> list[str]:
    """As written (order and case kept, so an export imports back unchanged), each once."""
    seen: dict[str, str] = {}
    for tag in split(value):
        seen.setdefault(tag.lower(), tag)
    return list(seen.values())


def themes(value) -> list[Theme]:
    wanted = split(value)
    if not wanted:
        return []
    known = db.session.scalars(select(Theme).where(Theme.deleted_at.is_(None))).all()
    by_key = {t.name.lower(): t for t in known} | {t.slug: t for t in known}
    found, unknown = [], []
    for name in wanted:
        theme = by_key.get(name.lower())
        (found if theme else unknown).append(theme or name)
    if unknown:
        first = unknown[0]
        meant = _maybe(first.lower(), {t.name.lower() for t in known}, "het thema")
        raise CellProblem(f"'{first[:60]}' is geen thema.{meant} Maak het eerst aan (Beheer) of laat het weg.")
    return sorted(set(found), key=lambda t: t.name)


def colleague(value, default: User) -> User:
    """A colleague by e-mail address, or by full name as lists write it ("Jan de Vries") when exactly one
    person has that name; one who has left is fine for history (the caller decides)."""
    raw = text(value)
    if not raw:
        return default
    user = find_by_email(raw) if "@" in raw else None
    if user is None and "@" not in raw:
        named = db.session.scalars(select(User).where(func.lower(User.name) == " ".join(raw.split()).lower())
                                   .limit(2)).all()
        if len(named) > 1:
            raise CellProblem(f"Er zijn meerdere medewerkers met de naam '{raw[:80]}'; gebruik hun e-mailadres.")
        user = named[0] if named else None
    if user is None:
        raise CellProblem(f"'{raw[:80]}' is geen medewerker in kennisbank (gebruik een e-mailadres of de volledige "
                          "naam).")
    return user
