"""The government vocabulary as people keep it: loaded from content/synoniemen, edited in the app by theme
owners and administrators (with history), and read by every search and voortoets.

The database holds the groups; each process keeps the built lookup and rebuilds it when the groups'
stamp (count and last change) differs, so every worker and host uses the same vocabulary within one
request of a change.
"""
from __future__ import annotations

import logging
import threading
from pathlib import Path

from sqlalchemy import func, select

from ...extensions import db
from ...ground.errors import DomainError, NotAllowed
from ...models import Revision, User, VocabularyEntry
from ...models.base import utcnow
from ...search.vocabulary import EMPTY, Group, Vocabulary, VocabularyError, check_group, parse_file, split_terms
from ..access import permissions
from ..registry import editing, revisions

log = logging.getLogger(__name__)
FOLDER = "synoniemen"
CONTENT_ACTION = "geladen uit content"
CONTENT_UPDATE_ACTION = "bijgewerkt uit content"

_lock = threading.Lock()
_built: tuple[tuple, Vocabulary] = ((), EMPTY)


def read_folder(folder: Path) -> list[Group]:
    """Every group in the folder's .md files, checked on its own and against all others.

    :raises VocabularyError: naming the file and line."""
    groups: list[Group] = []
    if folder.is_dir():
        for path in sorted(folder.glob("*.md")):
            groups += parse_file(path.read_text(encoding="utf-8"), path.name)
    Vocabulary(groups)  # a word in two groups is refused here, with both places
    return groups


def _group(entry: VocabularyEntry) -> Group:
    return Group(tuple(entry.term_list), entry.source, broader=tuple(entry.broader_list))


def _columns(group: Group) -> dict[str, str]:
    """A checked group as the row stores it (the reverse of `_group`)."""
    return {"terms": "; ".join(group.terms), "source": group.source, "broader": "; ".join(group.broader)}


def active_entries(containing: str = "") -> list[VocabularyEntry]:
    """The groups in use, by name; with `containing`, only those with it in a word or the source."""
    query = select(VocabularyEntry).where(VocabularyEntry.deleted_at.is_(None)).order_by(func.lower(VocabularyEntry.terms))
    entries = db.session.scalars(query)
    wanted = containing.strip().lower()
    return [e for e in entries if not wanted or wanted in e.terms.lower() or wanted in e.source.lower()]


def current() -> Vocabulary:
    """The vocabulary as the database holds it now (built once per change, per process)."""
    global _built
    stamp = tuple(db.session.execute(select(func.count(VocabularyEntry.id), func.max(VocabularyEntry.updated_at),
                                            func.sum(VocabularyEntry.version))).one())
    built_stamp, built = _built
    if stamp == built_stamp:
        return built
    with _lock:
        vocabulary = tolerant([_group(entry) for entry in active_entries()])
        _built = (stamp, vocabulary)
    return vocabulary


def tolerant(groups: list[Group]) -> Vocabulary:
    """Every group that fits with the ones before it. Edits are checked one at a time, so two people
    saving clashing groups at the same moment is the only way a clash reaches the database."""
    vocabulary = Vocabulary()
    for group in groups:
        try:
            vocabulary.add(group)
        except VocabularyError as error:
            log.warning("vocabulary group skipped: %s", error)
    return vocabulary


def _checked(terms_text: str, source: str, broader_text: str, entry: VocabularyEntry | None) -> Group:
    """:raises DomainError: the group breaks a rule, shares a word with another group, or its broader
    concepts lead back to it."""
    broader = split_terms(broader_text) if broader_text.strip() else []
    try:
        group = check_group(split_terms(terms_text), source, "", broader)
        others = [_group(e) for e in active_entries() if entry is None or e.id != entry.id]
        Vocabulary(others + [group])
    except VocabularyError as error:
        message = str(error)
        message = message[0].upper() + message[1:]
        raise DomainError(message, {error.field: message}) from None
    return group


def create(terms_text: str, source: str, by: User, broader_text: str = "") -> VocabularyEntry:
    """:raises NotAllowed: not a theme owner or administrator. :raises DomainError: see `_checked`."""
    if not permissions.can_edit_vocabulary(by):
        raise NotAllowed("Alleen themaeigenaren en beheerders kunnen de woordenlijst aanvullen.")
    group = _checked(terms_text, source, broader_text, None)
    columns = _columns(group)
    entry = VocabularyEntry(**columns)
    db.session.add(entry)
    db.session.flush()
    revisions.record(entry, "aangemaakt", by, {name: [None, value] for name, value in columns.items() if value})
    return entry


def update(entry: VocabularyEntry, terms_text: str, source: str, *, expected_version: int, by: User,
           broader_text: str = "") -> dict:
    """:raises NotAllowed, DomainError, EditConflict:"""
    if not permissions.can_edit_vocabulary(by) or entry.is_deleted:
        raise NotAllowed("Alleen themaeigenaren en beheerders kunnen de woordenlijst bewerken.")
    group = _checked(terms_text, source, broader_text, entry)
    return editing.apply_changes(entry, _columns(group), expected_version=expected_version, by=by)


def remove(entry: VocabularyEntry, by: User) -> None:
    """Take a group out of use; its history stays. :raises NotAllowed:"""
    if not permissions.can_edit_vocabulary(by):
        raise NotAllowed("Alleen themaeigenaren en beheerders kunnen de woordenlijst bewerken.")
    if entry.deleted_at is None:
        editing.apply_changes(entry, {"deleted_at": utcnow()}, expected_version=None, by=by, action="verwijderd")


def _edited_by_people(entry: VocabularyEntry) -> bool:
    """Changed in the app since it came from content (only content has ever written it otherwise)."""
    return db.session.scalar(select(func.count(Revision.id)).where(
        Revision.entity_type == "vocabularyentry", Revision.entity_id == entry.id,
        Revision.action.not_in([CONTENT_ACTION, CONTENT_UPDATE_ACTION]))) > 0


def _follow_content(entry: VocabularyEntry, group: Group) -> bool:
    """Bring a group nobody edited in the app up to date with its content file (a broader concept added
    in a new release reaches a running instance). :returns: whether it changed."""
    wanted = _columns(group)
    if all(getattr(entry, name) == value for name, value in wanted.items()):
        return False  # the usual case: compared before asking the history
    if not entry.origin or _edited_by_people(entry):  # removing one in the app is an edit too
        return False
    try:
        Vocabulary([_group(other) for other in active_entries() if other.id != entry.id] + [group])
    except VocabularyError as error:
        log.warning("vocabulary group from content not brought up to date: %s", error)
        return False
    editing.apply_changes(entry, wanted, expected_version=None, by=None, action=CONTENT_UPDATE_ACTION)
    return True


def load_content(folder: Path) -> tuple[int, int, int]:
    """Add the groups of content/synoniemen that are not there yet, and bring those nobody edited in the
    app up to date with their file: (added, updated, left as they were).

    A group is known by its first word; one that shares a word with a group edited in the app is left
    out (the edit wins; the log says which).
    :raises VocabularyError: a file breaks a rule (nothing is added then)."""
    groups = read_folder(folder)
    existing = {entry.name.lower(): entry for entry in db.session.scalars(select(VocabularyEntry))}
    have = tolerant([_group(entry) for entry in active_entries()])
    added = updated = kept = 0
    for group in groups:
        if group.terms[0].lower() in existing:
            if _follow_content(existing[group.terms[0].lower()], group):
                updated += 1
            else:
                kept += 1
            continue
        try:
            have.add(group)
        except VocabularyError as error:
            log.warning("vocabulary group from content left out: %s", error)
            kept += 1
            continue
        entry = VocabularyEntry(**_columns(group), origin=group.place.split(",")[0])
        db.session.add(entry)
        db.session.flush()
        revisions.record(entry, CONTENT_ACTION, None)
        added += 1
    return added, updated, kept
