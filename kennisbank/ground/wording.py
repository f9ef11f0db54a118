"""How kennisbank says things in Dutch: dates and times as the Netherlands reads them, and the names the
UI gives to stored fields (history, mails)."""
from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def dutch_time(moment: datetime) -> datetime:
    """A stored (naive UTC) timestamp as the time in the Netherlands."""
    return moment.replace(tzinfo=UTC).astimezone(AMSTERDAM)


MONTHS = ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
          "november", "december"]


def dutch_date(value: date | datetime | None) -> str:
    """'24 november 2026'; datetimes (stored as naive UTC) are shown in Dutch local time."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = dutch_time(value)
        return f"{value.day} {MONTHS[value.month - 1]} {value.year}, {value:%H:%M}"
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


# Attribute names in the history, as the UI calls them.
FIELD_LABELS = {
    "title": "titel", "question": "maatschappelijk vraagstuk", "municipality_code": "gemeente",
    "organisation": "organisatie", "department": "afdeling", "goal": "doel", "approach": "aanpak",
    "partners": "partners", "funding": "financiering", "area": "gebied", "start_date": "startdatum",
    "end_date": "einddatum", "stage": "innovatiefase", "status": "status", "themes": "thema's",
    "team": "projectteam", "tags": "trefwoorden", "links": "links", "outcome": "resultaat", "lead": "projectleider",
    "kind": "soort", "context": "context", "what_happened": "wat er gebeurde", "lesson_learned": "les",
    "advice": "advies", "transferability": "overdraagbaarheid", "on_behalf_of_team": "namens het projectteam",
    "review_state": "toetsstatus", "review_remark": "opmerking bij toetsing", "reviewed_by": "getoetst door",
    "reviewed_at": "getoetst op", "name": "naam", "description": "omschrijving", "synthesis": "wat we weten",
    "owners": "eigenaren", "url": "link", "lid": "lid", "closure_note": "toelichting bij afsluiting",
    "terms": "woorden", "source": "bron", "deleted_at": "verwijderd op",
}
