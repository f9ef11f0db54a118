"""Test data factories: callables that build valid objects with overridable fields."""
from __future__ import annotations

import itertools

from kennisbank.models import Lesson, LessonKind, Membership, Network, NetworkKind, Project, Theme
from kennisbank.services.access import users

PASSWORD = "correct-horse-battery"
_counter = itertools.count(1)


class UserFactory:
    def __init__(self, db):
        self.db = db

    def __call__(self, **kw):
        n = next(_counter)
        user = users.create_user(kw.pop("email", f"gebruiker{n}@gemeente.example"), kw.pop("name", f"Gebruiker {n}"),
                                 kw.pop("password", PASSWORD), department=kw.pop("department", "Afdeling"),
                                 organisation=kw.pop("organisation", "Gemeente Utrecht"),
                                 is_admin=kw.pop("is_admin", False))
        for key, value in kw.items():
            setattr(user, key, value)
        self.db.session.commit()
        return user


class ThemeFactory:
    def __init__(self, db):
        self.db = db

    def __call__(self, **kw):
        n = next(_counter)
        theme = Theme(slug=kw.pop("slug", f"thema-{n}"), name=kw.pop("name", f"Thema {n}"),
                      description=kw.pop("description", "Een thema."), **kw)
        self.db.session.add(theme)
        self.db.session.commit()
        return theme


class ProjectFactory:
    def __init__(self, db, make_user):
        self.db, self.make_user = db, make_user

    def __call__(self, **kw):
        n = next(_counter)
        lead = kw.pop("lead", None) or self.make_user()
        project = Project(title=kw.pop("title", f"Project {n}"), lead=lead,
                          question=kw.pop("question", "Welk maatschappelijk vraagstuk lossen we op?"),
                          municipality_code=kw.pop("municipality_code", "GM0344"), **kw)
        self.db.session.add(project)
        self.db.session.commit()
        return project


class LessonFactory:
    def __init__(self, db, make_user):
        self.db, self.make_user = db, make_user

    def __call__(self, **kw):
        n = next(_counter)
        author = kw.pop("author", None) or self.make_user()
        lesson = Lesson(title=kw.pop("title", f"Les {n}"), kind=kw.pop("kind", LessonKind.FAILURE), author=author,
                        advice=kw.pop("advice", "Doe het de volgende keer anders."), **kw)
        self.db.session.add(lesson)
        self.db.session.commit()
        return lesson


class NetworkFactory:
    def __init__(self, db):
        self.db = db

    def __call__(self, members=(), **kw):
        n = next(_counter)
        network = Network(slug=kw.pop("slug", f"netwerk-{n}"), name=kw.pop("name", f"Netwerk {n}"),
                          kind=kw.pop("kind", NetworkKind.NATIONAL), **kw)
        for membership in members:
            network.memberships.append(Membership(**membership))
        self.db.session.add(network)
        self.db.session.commit()
        return network
