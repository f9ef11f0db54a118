"""The role matrix, in one place. Roles follow from relations: lead of a project, owner of a theme,
member of a network; `is_admin` is the only flag. Views and templates ask these functions; they never
re-derive a rule themselves."""
from __future__ import annotations

from datetime import date

from ...models import Lesson, Network, Project, ProjectStatus, Theme, User


def _is_user(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and getattr(user, "active", False)


def owns_theme(user: User, theme: Theme) -> bool:
    return _is_user(user) and any(owner.id == user.id for owner in theme.owners)


def owns_any_theme(user: User, themes: list[Theme]) -> bool:
    return any(owns_theme(user, theme) for theme in themes)


def is_admin(user: User) -> bool:
    return _is_user(user) and user.is_admin


# Projects ---------------------------------------------------------------------------------------------

def works_on(user: User, project: Project) -> bool:
    return _is_user(user) and (project.lead_id == user.id or any(m.id == user.id for m in project.team))


def can_view_project(user: User, project: Project) -> bool:
    """Deleted projects only for administrators; a concept only for its people and its theme owners."""
    if not _is_user(user):
        return False
    if project.is_deleted:
        return is_admin(user)
    if project.status == ProjectStatus.CONCEPT:
        return works_on(user, project) or owns_any_theme(user, project.themes) or is_admin(user)
    return True


def can_view_item(user: User, kind: str, item) -> bool:
    """Any searchable item (project, lesson, network, theme, person): the database decides, never the index."""
    if kind == "project":
        return can_view_project(user, item)
    if kind == "lesson":
        return can_view_lesson(user, item)
    return _is_user(user) and not getattr(item, "is_deleted", False)


def can_create_project(user: User) -> bool:
    return _is_user(user)


def can_edit_project(user: User, project: Project) -> bool:
    if not _is_user(user) or project.is_deleted:
        return False
    return project.lead_id == user.id or owns_any_theme(user, project.themes) or is_admin(user)


def can_close_project(user: User, project: Project) -> bool:
    """The start and the end of a project are its lead's decisions (administrators may stand in)."""
    return _is_user(user) and not project.is_deleted and (project.lead_id == user.id or is_admin(user))


# Lessons ----------------------------------------------------------------------------------------------

def can_view_lesson(user: User, lesson: Lesson) -> bool:
    if not _is_user(user):
        return False
    if lesson.is_deleted:
        return is_admin(user)
    if lesson.project is not None and lesson.project.status == ProjectStatus.CONCEPT:
        return can_view_project(user, lesson.project)
    return True


def can_see_author(user: User, lesson: Lesson) -> bool:
    """A lesson written "namens het projectteam" names nobody, also not in its history: only the author
    and administrators see who wrote it."""
    return not lesson.on_behalf_of_team or (_is_user(user) and (lesson.author_id == user.id or is_admin(user)))


def can_log_lesson_on(user: User, project: Project | None = None, network: Network | None = None,
                      today: date | None = None) -> bool:
    """Anyone may log a lesson of their own; on a project they work on; from a network they are in."""
    if not _is_user(user):
        return False
    if project is not None:
        return not project.is_deleted and (works_on(user, project) or owns_any_theme(user, project.themes)
                                           or is_admin(user))
    if network is not None:
        today = today or date.today()
        return not network.is_deleted and (
            any(m.user_id == user.id and m.is_current(today) for m in network.memberships)
            or can_edit_network(user, network))
    return True


def can_edit_lesson(user: User, lesson: Lesson) -> bool:
    if not _is_user(user) or lesson.is_deleted:
        return False
    return lesson.author_id == user.id or owns_any_theme(user, lesson.themes) or is_admin(user)


def can_review_lesson(user: User, lesson: Lesson) -> bool:
    """Review (toetsen) and archive: a theme owner of one of the lesson's themes."""
    if not _is_user(user) or lesson.is_deleted:
        return False
    return owns_any_theme(user, lesson.themes) or is_admin(user)


# Themes -----------------------------------------------------------------------------------------------

def can_edit_theme(user: User, theme: Theme) -> bool:
    return _is_user(user) and not theme.is_deleted and (owns_theme(user, theme) or is_admin(user))


def can_manage_themes(user: User) -> bool:
    """Create themes and assign owners."""
    return is_admin(user)


def is_curator(user: User) -> bool:
    """Administrators and the owners of a theme still in use: those who keep the knowledge base in order."""
    return is_admin(user) or (_is_user(user) and any(not t.is_deleted for t in user.owned_themes))


def can_edit_vocabulary(user: User) -> bool:
    """The search vocabulary is kept by those who keep the themes."""
    return is_curator(user)


# Networks ---------------------------------------------------------------------------------------------

def can_create_network(user: User) -> bool:
    return is_curator(user)


def can_edit_network(user: User, network: Network, today: date | None = None) -> bool:
    """Theme owners of its themes, its current trekkers, administrators."""
    if not _is_user(user) or network.is_deleted:
        return False
    today = today or date.today()
    leads = any(m.user_id == user.id and m.role.value == "trekker" and m.is_current(today)
                for m in network.memberships)
    return leads or owns_any_theme(user, network.themes) or is_admin(user)


def can_appoint_trekker(user: User, network: Network) -> bool:
    """Making someone (oneself included) trekker gives them the network: only those who already manage it."""
    return can_edit_network(user, network)


def can_end_membership(user: User, membership) -> bool:
    return _is_user(user) and (membership.user_id == user.id or can_edit_network(user, membership.network))


# Administration ---------------------------------------------------------------------------------------

def can_delete(user: User) -> bool:
    """Soft delete and restore: administrators only."""
    return is_admin(user)


def can_import(user: User) -> bool:
    """Importing from spreadsheets: administrators, and theme owners (for the items of their themes)."""
    return is_curator(user)


def can_administer(user: User) -> bool:
    return is_admin(user)
