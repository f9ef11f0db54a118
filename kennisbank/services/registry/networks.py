"""Networks and memberships: who sits where, on whose behalf, since when."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from ...extensions import db
from ...ground.errors import DomainError, NotAllowed
from ...models import Membership, MembershipRole, Network, NetworkKind, Theme, User
from ..access import permissions
from ..pagination import Page, paginate
from . import editing, revisions
from .themes import slugify

TREKKER_REFUSED = ("Alleen de eigenaren van de thema's van dit netwerk, de trekkers en beheerders kunnen iemand "
                   "trekker maken. Meld u aan als lid of vertegenwoordiger.")


@dataclass
class NetworkInput:
    name: str
    kind: NetworkKind
    description: str = ""
    url: str = ""
    theme_ids: list[int] = field(default_factory=list)


def _resolve(data: NetworkInput, by: User, *, creating: bool) -> dict:
    problems = {}
    if not data.name.strip():
        problems["name"] = "Geef het netwerk een naam."
    url = data.url.strip()
    if url and not url.startswith(("https://", "http://")):
        problems["url"] = "Een link begint met https:// of http://."
    themes = db.session.scalars(select(Theme).where(Theme.id.in_(data.theme_ids),
                                                    Theme.deleted_at.is_(None))).all()
    if len(themes) != len(set(data.theme_ids)):
        problems["themes"] = "Kies alleen bestaande thema's."
    elif creating and not permissions.is_admin(by) and not any(permissions.owns_theme(by, t) for t in themes):
        problems["themes"] = "Kies minstens één thema waarvan u eigenaar bent."
    if problems:
        raise DomainError("Het netwerk is niet opgeslagen. Controleer de gemarkeerde velden.", problems)
    return {"name": data.name.strip(), "kind": data.kind, "description": data.description.strip(), "url": url,
            "themes": sorted(themes, key=lambda t: t.name)}


def create_network(data: NetworkInput, by: User) -> Network:
    """:raises NotAllowed: neither administrator nor theme owner. :raises DomainError: per field."""
    if not permissions.can_create_network(by):
        raise NotAllowed("Alleen themaeigenaren en beheerders kunnen een netwerk toevoegen.")
    values = _resolve(data, by, creating=True)
    slug = base = slugify(values["name"]) or "netwerk"
    counter = 2
    while db.session.scalar(select(Network.id).where(Network.slug == slug)) is not None:
        slug, counter = f"{base}-{counter}", counter + 1
    network = Network(slug=slug, **values)
    db.session.add(network)
    db.session.flush()
    revisions.record(network, "aangemaakt", by)
    return network


def update_network(network: Network, data: NetworkInput, *, expected_version: int, by: User) -> dict:
    if not permissions.can_edit_network(by, network):
        raise NotAllowed("Alleen trekkers, eigenaren van de thema's en beheerders kunnen dit netwerk bewerken.")
    values = _resolve(data, by, creating=False)
    return editing.apply_changes(network, values, expected_version=expected_version, by=by)


def add_membership(network: Network, member: User, by: User, *, role: MembershipRole, personal_capacity: bool,
                   since: date | None = None, note: str = "") -> Membership:
    """Join a network yourself, or (as its manager) add someone.

    :raises NotAllowed: adding someone else, or appointing a trekker, without managing the network.
    :raises DomainError: already a current member, inactive user, start in the future.
    """
    today = date.today()
    if member.id != by.id and not permissions.can_edit_network(by, network):
        raise NotAllowed("U kunt alleen uzelf aanmelden bij dit netwerk.")
    if role == MembershipRole.LEAD and not permissions.can_appoint_trekker(by, network):
        raise NotAllowed(TREKKER_REFUSED)
    if not member.active:
        raise DomainError("Alleen actieve medewerkers kunnen lid worden.", {"email": "Deze medewerker is niet actief."})
    if any(m.user_id == member.id and m.is_current(today) for m in network.memberships):
        message = f"{member.name} is al lid van {network.name}."
        raise DomainError(message, {"email": message})
    since = since or today
    if since > today:
        raise DomainError("De startdatum ligt in de toekomst.", {"since": "De startdatum ligt in de toekomst."})
    membership = Membership(user=member, network=network, role=role, personal_capacity=personal_capacity,
                            since=since, note=note.strip())
    db.session.add(membership)
    db.session.flush()
    revisions.record(network, "lid toegevoegd", by, {"lid": [None, f"{member.name} ({role.label})"]})
    return membership


def end_membership(membership: Membership, by: User, until: date | None = None) -> None:
    """End a membership (the row stays as history)."""
    if not permissions.can_end_membership(by, membership):
        raise NotAllowed("U kunt alleen uw eigen lidmaatschap beëindigen.")
    until = until or date.today()
    if membership.until is not None and membership.until <= until:
        return
    membership.until = max(until, membership.since)
    revisions.record(membership.network, "lidmaatschap beëindigd", by,
                     {"lid": [membership.user.name, f"tot {membership.until.isoformat()}"]})
    db.session.flush()


def list_networks(page: int, kind: str = "", theme: str = "", per_page: int = 20) -> Page:
    query = select(Network).where(Network.deleted_at.is_(None))
    if kind in {k.value for k in NetworkKind}:
        query = query.where(Network.kind == NetworkKind(kind))
    if theme:
        query = query.where(Network.themes.any(Theme.slug == theme))
    return paginate(query.order_by(Network.name), page, per_page)


def get_by_slug(slug: str) -> Network | None:
    return db.session.scalar(select(Network).where(Network.slug == slug))


def current_members(network: Network, today: date | None = None) -> list[Membership]:
    today = today or date.today()
    return [m for m in network.memberships if m.is_current(today)]


def past_members(network: Network, today: date | None = None) -> list[Membership]:
    today = today or date.today()
    return [m for m in network.memberships if not m.is_current(today)]
