"""Nothing typed is lost on a refusal (issue 14, point 1): every form with typed fields, found by
visiting every page, is submitted in a state its rules refuse, and every value typed, chosen or ticked
comes back in the answer. A new form is covered automatically; one the sweep cannot refuse must be named
in REFUSE with the state that is refused.

Passwords are the one exception: they are never sent back to the browser."""
from __future__ import annotations

import html
import re
from html.parser import HTMLParser

from kennisbank.extensions import db as _db

from .conftest import PASSWORD, make_app, running
from .test_permissions import build_world

TYPED = {"text", "textarea", "email", "tel", "date", "search", "url", "number"}
# How each form is brought into a refused state, by field (None: the form's own typed values already are).
REFUSE = {
    "/beheer/gebruikers/N/vertrekdatum": {"leaves_on": "31-02-2026"},
    "/beheer/tokens": {"email": "geen-adres"},
    "/import/": {},  # no file chosen
    "/import/N/kolommen": {"standaard-status": "bijna klaar"},
    "/inloggen": {"password": "fout-wachtwoord"},
    "/lessen/N/bewerken": {"advice": ""},
    "/lessen/N/toetsen": {"remark": "Te lang. " * 300},
    "/lessen/nieuw": {"advice": ""},
    "/mijn/instellingen": {"mode": "wekelijks"},
    "/netwerken/netwerk-N/bewerken": {"name": ""},
    "/netwerken/netwerk-N/leden": {"email": "niemand@nergens.example"},
    "/netwerken/nieuw": {"name": ""},
    # Without advice the quick lesson is refused too (with it, the lesson is saved and listed: kept).
    "/projecten/N/afsluiten": {"outcome": "", "lesson_advice": ""},
    "/projecten/N/bewerken": {"title": ""},
    "/projecten/N/starten-zonder-voortoets": {"reden": "te kort"},
    "/projecten/N/voortoets/afronden": {"conclusie": "te kort"},
    "/projecten/N/voortoets/oordeel/N": {"oordeel": ""},
    "/projecten/nieuw": {"title": ""},
    "/sessies/telefoon": {"phone": "bel me"},
    "/themas/nieuw": {"name": ""},
    "/themas/thema-N/eigenaren": {"owners": "999999"},  # beside a real choice: someone who does not exist
    "/themas/thema-N/bewerken": {"name": ""},
    "/woordenlijst/N/bewerken": {"source": ""},
    "/woordenlijst/nieuw": {"source": ""},
}
# Forms whose only typed field is the one the refusal empties, or a password: nothing else to keep.
NOTHING_TO_KEEP = {"/sessies/wachtwoord", "/projecten/N/voortoets/zoeken"}


class Forms(HTMLParser):
    """The POST forms on a page: action, and per field its kind and options."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._form = None
        self._select = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("method", "get").lower() == "post":
            self._form = {"action": a.get("action") or "", "fields": {}, "hidden": {}}
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input" and a.get("type") == "hidden":
            self._form["hidden"][a["name"]] = a.get("value", "")
        elif tag == "input" and a.get("type") in ("checkbox", "radio"):
            self._form["fields"].setdefault(a["name"], (a["type"], []))[1].append(a.get("value", "y"))
        elif tag == "input" and a.get("type", "text") in TYPED | {"password"}:
            self._form["fields"][a["name"]] = (a.get("type", "text"), [])
        elif tag == "textarea":
            self._form["fields"][a["name"]] = ("textarea", [])
        elif tag == "select":
            self._select = a["name"]
            self._form["fields"][a["name"]] = ("select", [])
        elif tag == "option" and self._select:
            self._form["fields"][self._select][1].append(a.get("value", ""))

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def _key(action: str) -> str:
    return re.sub(r"\d+", "N", action.split("?")[0])


def _typed(name: str, kind: str) -> str:
    return {"email": f"getypt.{name}@gemeente.example", "date": "2026-03-14", "number": "7",
            "url": f"https://example.org/{name}"}.get(kind, f"Getypt in {name} – met ‘aanhalingstekens’ & <b>")


def _forms(app, people, ids):
    fill = {"project_id": ids["c"], "lesson_id": ids["l"], "slug": ids["t"], "user_id": ids["u"],
            "entry_id": ids["v"], "run_id": ids["i"]}
    found = {}
    for role in ("admin", "lead"):
        client = app.test_client()
        client.post("/inloggen", data={"email": people[role].email, "password": PASSWORD})
        for rule in app.url_map.iter_rules():
            names = re.findall(r"<(?:\w+:)?(\w+)>", rule.rule)
            if "GET" not in rule.methods or rule.endpoint == "static" or any(n not in fill for n in names):
                continue
            url = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(fill[m.group(1)]), rule.rule)
            if rule.rule.startswith("/netwerken/<"):
                url = url.replace(ids["t"], ids["n"])
            response = client.get(url)
            if response.status_code != 200 or response.mimetype != "text/html":
                continue
            parser = Forms()
            parser.feed(response.get_data(as_text=True))
            for form in parser.forms:
                kinds = {kind for kind, _ in form["fields"].values()}
                if kinds & (TYPED | {"select", "checkbox", "radio"}):
                    found.setdefault(_key(form["action"] or url), (role, url, form))
    return found


def test_every_form_gives_back_everything_typed_when_it_is_refused(tmp_path, any_database_url):
    app = make_app(tmp_path, any_database_url, WTF_CSRF_ENABLED=False)
    with running(app):
        _db.create_all()
        people, ids = build_world()
        forms = _forms(app, people, ids)
        assert len(forms) >= 20  # the sweep really went round
        unknown = set(forms) - set(REFUSE) - NOTHING_TO_KEEP
        assert unknown == set(), f"add these forms to REFUSE with a state they refuse: {unknown}"
        lost = {}
        for key, (role, page, form) in sorted(forms.items()):
            if key in NOTHING_TO_KEEP:
                continue
            client = app.test_client()
            client.post("/inloggen", data={"email": people[role].email, "password": PASSWORD})
            data, expected = dict(form["hidden"]), []
            for name, (kind, options) in form["fields"].items():
                if name in REFUSE[key] and kind == "checkbox":
                    data[name] = [options[-1], REFUSE[key][name]]
                    expected.append((name, kind, options[-1]))
                elif name in REFUSE[key]:
                    data[name] = REFUSE[key][name]
                    if REFUSE[key][name] and kind in TYPED:
                        expected.append((name, "value", REFUSE[key][name]))
                elif kind in ("checkbox", "radio", "select"):
                    if options:
                        data[name] = options[-1]
                        expected.append((name, kind, options[-1]))
                elif kind in TYPED:
                    data[name] = _typed(name, kind)
                    expected.append((name, "value", data[name]))
            response = client.post(form["action"] or page, data=data)
            body = response.get_data(as_text=True)
            if response.status_code in (301, 302, 303):
                lost[key] = f"answered with a redirect ({response.status_code}): every typed value is gone"
                continue
            missing = [name for name, kind, value in expected if not _shown(body, name, kind, value)]
            if missing:
                lost[key] = f"{response.status_code}, lost: {missing}"
        assert lost == {}, "\n".join(f"{k}: {v}" for k, v in sorted(lost.items()))


def _shown(body: str, name: str, kind: str, value: str) -> bool:
    """Whether the answer carries `value` back in field `name`: as its text, its value, or checked/selected."""
    escaped = html.escape(value, quote=True)
    if kind == "value":
        return escaped in body or html.escape(value, quote=False) in body
    for tag in re.findall(r"<(?:input|option)\b[^>]*>", body):
        attrs = dict(re.findall(r'(\w[\w-]*)(?:="([^"]*)")?', tag))
        same_value = html.unescape(attrs.get("value", "")) == value
        if kind == "select" and same_value and "selected" in attrs:
            return True
        if attrs.get("name") == name and same_value and "checked" in attrs:
            return True
    return False
