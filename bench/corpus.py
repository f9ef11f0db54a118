"""Deterministic test corpora for the benchmarks: a Dutch corpus shaped like kennisbank's data, built
from real Dutch sentences (UD Dutch LassySmall) and the domain's vocabulary, and the NASA lessons."""
from __future__ import annotations

import csv
import random
import sys
from datetime import date, datetime, timedelta
from itertools import accumulate
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared" / "data"
sys.path.insert(0, str(REPO))

DOMAIN = """slimme straatverlichting lantaarnpalen sensoren energietransitie warmtenet aardgasvrij wijk bewoners
participatie aanbesteding inkoop functioneel specificeren pilot opschaling proeftuin netbeheerder laadpalen
laadpleinen verkeerslichten fietsers doorstroming data privacy algoritme dashboard digitale tweeling
hittestress wateroverlast groen klimaatadaptatie circulair hergebruik materialen straatmeubilair subsidie
europees project consortium kennisinstelling netwerk themaeigenaar gemeente provincie woningcorporatie
zonnepanelen mijnwater koude opwek buurt binnenstad drukte tellingen passanten evaluatie lessen kennisdeling
bibliotheek mobiliteit deelauto parkeren afval containers riolering dijken bomen biodiversiteit
jongeren ouderen zorg wijkteam schuldhulp armoede werkgelegenheid ondernemers winkelgebied""".split()


def _vocabulary() -> list[str]:
    """The domain words first, then the nouns of real Dutch text (UD LassySmall): a vocabulary of
    thousands, as real documents have; the domain words are the most frequent."""
    with (SHARED / "ud-dutch-lemmas" / "forms.tsv").open(encoding="utf-8") as handle:
        nouns = sorted({row["lemma"] for row in csv.DictReader(handle, delimiter="\t")
                        if row["upos"] == "NOUN" and row["lemma"].isalpha() and len(row["lemma"]) > 3})
    return DOMAIN + [noun for noun in nouns if noun not in DOMAIN]


VOCABULARY = _vocabulary()
ZIPF = [1 / (rank + 1) for rank in range(len(VOCABULARY))]
CUMULATIVE = list(accumulate(ZIPF))
TITLE_PATTERNS = ["{a} in de {w}", "{A} en {b}", "Proef met {a} voor {b}", "{A}: lessen uit de {w}",
                  "Samen werken aan {a}", "{A} zonder {b}", "Van pilot naar {a}", "{A} voor {b} in {m}"]
WIJKEN = ["wijk", "binnenstad", "buurt", "regio", "gemeente", "proeftuin"]
KINDS = ["succes", "mislukking", "verbeterpunt", "inzicht"]
STATUSES = ["concept", "gestart", "afgesloten", "gestopt"]
STAGES = ["verkenning", "pilot", "opschaling", "implementatie"]


def sentences() -> list[str]:
    lines = (SHARED / "ud-dutch-lemmas" / "sentences.txt").read_text(encoding="utf-8").splitlines()
    return [line for line in lines if len(line.split()) >= 6]


def municipality_codes() -> list[str]:
    with (SHARED / "gemeenten.csv").open(encoding="utf-8") as handle:
        return [row["code"] for row in csv.DictReader(handle)]


class Generator:
    def __init__(self, seed: int = 42):
        self.rng = random.Random(seed)
        self.sentences = sentences()
        self.codes = municipality_codes()

    def words(self, n: int) -> str:
        # Zipf-like: a few domain words are common, most are rare (as in real collections).
        return " ".join(self.rng.choices(VOCABULARY, cum_weights=CUMULATIVE)[0] for _ in range(n))

    def text(self, n_sentences: int) -> str:
        picked = [self.rng.choice(self.sentences) for _ in range(n_sentences)]
        # One domain word woven into each sentence, as municipal texts are about these things.
        return " ".join(f"{s} {self.words(1)}." for s in picked)

    def title(self) -> str:
        a, b = self.rng.sample(DOMAIN, 2)
        return self.rng.choice(TITLE_PATTERNS).format(a=a, A=a.capitalize(), b=b, w=self.rng.choice(WIJKEN),
                                                      m=self.rng.choice(["Utrecht", "Breda", "Zwolle", "Delft"]))

    def day(self) -> date:
        return date(2012, 1, 1) + timedelta(days=self.rng.randrange(0, 365 * 14))


def build_dutch(app, n_records: int = 50_000, seed: int = 42) -> dict:
    """Insert a corpus with these shares: 22% projects, 70% lessons, 2% networks, 6% people (+ themes)."""
    from sqlalchemy import insert

    from kennisbank.extensions import db
    from kennisbank.models import (Lesson, Membership, Network, Project, Theme, User, lesson_themes, network_themes,
                                   project_themes)
    from kennisbank.services.access.users import hash_password

    gen = Generator(seed)
    rng = gen.rng
    n_users, n_networks = int(n_records * 0.06), int(n_records * 0.02)
    n_projects = int(n_records * 0.22)
    n_lessons = n_records - n_users - n_networks - n_projects
    now = datetime(2026, 11, 1)
    with app.app_context():
        password = hash_password("benchmark-wachtwoord")
        themes = [{"id": i + 1, "slug": f"thema-{i}", "name": f"Thema {i} {DOMAIN[i * 3]}", "description": gen.words(8),
                   "synthesis": gen.text(3), "version": 1, "created_at": now, "updated_at": now}
                  for i in range(12)]
        db.session.execute(insert(Theme), themes)
        db.session.execute(insert(User), [
            {"id": i + 1, "email": f"medewerker{i}@gemeente.example", "name": f"Medewerker {i}",
             "department": gen.words(1), "organisation": "Gemeente", "password_hash": password, "is_admin": i == 0,
             "active": True, "created_at": now} for i in range(n_users)])
        db.session.execute(insert(Network), [
            {"id": i + 1, "slug": f"netwerk-{i}", "name": f"Netwerk {gen.title()}", "kind": rng.choice(
                ["intern", "regionaal", "landelijk", "europees", "kennisinstelling"]), "description": gen.text(3),
             "url": "", "version": 1, "created_at": now, "updated_at": now} for i in range(n_networks)])
        db.session.execute(insert(network_themes), [{"network_id": i + 1, "theme_id": rng.randint(1, 12)}
                                                    for i in range(n_networks)])
        db.session.execute(insert(Membership), [
            {"user_id": rng.randint(1, n_users), "network_id": rng.randint(1, n_networks), "role": "lid",
             "personal_capacity": rng.random() < 0.4, "since": gen.day(), "note": "", "created_at": now,
             "updated_at": now} for _ in range(n_networks * 5)])
        projects = []
        for i in range(n_projects):
            start = gen.day()
            projects.append({
                "id": i + 1, "title": gen.title(), "municipality_code": rng.choice(gen.codes), "organisation": "",
                "department": gen.words(1), "lead_id": rng.randint(1, n_users), "question": gen.text(1),
                "goal": gen.text(1), "approach": gen.text(3), "partners": gen.words(4), "funding": "", "area": "",
                "start_date": start, "end_date": None, "outcome": gen.text(1), "tags": gen.words(3).split(),
                "links": "", "status": rng.choices(STATUSES, weights=[5, 40, 45, 10])[0],
                "stage": rng.choice(STAGES), "closure_note": "", "start_override_reason": "", "version": 1,
                "created_at": datetime.combine(start, datetime.min.time()), "updated_at": now})
        db.session.execute(insert(Project), projects)
        db.session.execute(insert(project_themes), [{"project_id": i + 1, "theme_id": t}
                                                    for i in range(n_projects)
                                                    for t in rng.sample(range(1, 13), 2)])
        lessons = []
        for i in range(n_lessons):
            created = datetime.combine(gen.day(), datetime.min.time())
            lessons.append({
                "id": i + 1, "title": gen.title(), "kind": rng.choices(KINDS, weights=[3, 3, 3, 2])[0],
                "context": gen.text(1), "what_happened": gen.text(2), "lesson_learned": gen.text(1),
                "advice": gen.text(1), "transferability": gen.words(6), "tags": gen.words(2).split(),
                "author_id": rng.randint(1, n_users), "on_behalf_of_team": rng.random() < 0.1,
                "project_id": rng.randint(1, n_projects) if rng.random() < 0.8 else None, "network_id": None,
                "review_state": rng.choice(["ongetoetst", "getoetst", "getoetst", "gearchiveerd"]), "review_remark": "",
                "version": 1, "created_at": created, "updated_at": created})
        db.session.execute(insert(Lesson), lessons)
        db.session.execute(insert(lesson_themes), [{"lesson_id": i + 1, "theme_id": rng.randint(1, 12)}
                                                   for i in range(n_lessons)])
        db.session.commit()
    return {"projects": n_projects, "lessons": n_lessons, "networks": n_networks, "people": n_users, "themes": 12}


def nasa_lessons() -> list[dict]:
    with (SHARED / "nasa-llis" / "llis.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def build_nasa(app) -> int:
    """The 1,637 real NASA lessons as kennisbank lessons (English text, so Dutch analysis is weaker)."""
    from sqlalchemy import insert

    from kennisbank.extensions import db
    from kennisbank.models import Lesson, User
    from kennisbank.services.access.users import hash_password

    rows = nasa_lessons()
    now = datetime(2026, 11, 1)
    with app.app_context():
        db.session.execute(insert(User), [{"id": 1, "email": "nasa@voorbeeld.example", "name": "NASA LLIS",
                                           "department": "", "organisation": "NASA",
                                           "password_hash": hash_password("benchmark-wachtwoord"),
                                           "is_admin": True, "active": True, "created_at": now}])
        db.session.execute(insert(Lesson), [{
            "id": i + 1, "title": (row["Title"] or "Untitled")[:200], "kind": "inzicht", "context": row["Abstract"],
            "what_happened": "", "lesson_learned": row["Lesson"], "advice": row["Lesson"][:2000] or "-",
            "transferability": row.get("Categories", ""), "tags": [], "author_id": 1, "on_behalf_of_team": False,
            "project_id": None, "network_id": None, "review_state": "getoetst", "review_remark": "", "version": 1,
            "created_at": now, "updated_at": now} for i, row in enumerate(rows)])
        db.session.commit()
    return len(rows)


def queries(n: int = 240, seed: int = 7) -> list[str]:
    """Realistic queries: single words, word pairs, word forms, phrases, OF, exclusions, filters."""
    rng = random.Random(seed)
    forms = ["gemeenten", "lessen", "lantaarnpaal", "verlichting", "energie", "bewoner", "aanbestedingen",
             "sensor", "warmte", "fiets", "data", "pilots", "opgeschaald", "netbeheerders"]
    out = []
    for i in range(n):
        a, b = rng.sample(DOMAIN, 2)
        pick = i % 8
        out.append([a, f"{a} {b}", rng.choice(forms), f'"{a} {b}"', f"{a} OF {b}", f"{a} -{b}",
                    f"{a} type:les", f"{rng.choice(forms)} {a}"][pick])
    return out
