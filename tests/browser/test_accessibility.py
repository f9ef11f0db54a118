"""WCAG 2.1 AA in a real browser: axe-core (WCAG 2.0/2.1 A and AA rules) on every page type, one h1,
the skip link, announced form errors, the live suggestions panel, keyboard-only use, and the security
headers with no CSP violation in the console."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from .conftest import Watched, login, new_context
from .test_flows import ADMIN, DAAN, FEMKE, NOOR, QUESTION

AXE_OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
               "resultTypes": ["violations"]}
axe = Axe()


def open_link(listing: str, name: str) -> Callable[[Page], None]:
    """Go to a list page and follow the link with this name (ids differ per database)."""
    def go(page: Page) -> None:
        page.goto(listing)
        page.get_by_role("link", name=name, exact=True).first.click()
        page.wait_for_load_state()
    return go


def goto(path: str) -> Callable[[Page], None]:
    return lambda page: page.goto(path)


def then(first: Callable[[Page], None], suffix: str) -> Callable[[Page], None]:
    def go(page: Page) -> None:
        first(page)
        page.goto(page.url.rstrip("/") + suffix)
    return go


def new_project_with_suggestions(page: Page) -> None:
    page.goto("/projecten/nieuw")
    page.get_by_label("Titel", exact=True).fill("Slimme verlichting met sensoren in de wijk")
    page.get_by_label("Maatschappelijk vraagstuk").fill(QUESTION)
    expect(page.locator("#vergelijkbaar-werk ol.suggestions li").first).to_be_visible()


def refused_closure(page: Page) -> None:
    open_link("/projecten/", ATELIER)(page)
    page.goto(page.url + "/afsluiten")
    page.get_by_label("Resultaat: wat is er bereikt, en wat niet?").fill("")
    page.get_by_label("Titel van de les").fill("Zonder advies")
    page.get_by_role("button", name="Project afsluiten").click()
    expect(page.locator(".error-summary")).to_be_visible()


def refused_new_project(page: Page) -> None:
    page.goto("/projecten/nieuw")
    page.get_by_role("button", name="Concept opslaan").click()
    expect(page.locator(".error-summary")).to_be_visible()


@dataclass
class PageType:
    name: str
    user: str | None
    open: Callable[[Page], None]


CONCEPT = "Slimme lantaarnpalen met sensoren op de Kop van Zuid"  # Daan's concept in the demo
ATELIER = "ATELIER – energiepositieve wijk Buiksloterham"  # Femke leads it; it has started

PAGE_TYPES = [
    PageType("inloggen", None, goto("/inloggen")),
    PageType("start", NOOR, goto("/")),
    PageType("zoekresultaten", NOOR, goto("/zoeken?q=verlichting")),
    PageType("zoeken-zonder-resultaat", NOOR, goto("/zoeken?q=xyzzyqwerty")),
    PageType("projecten", NOOR, goto("/projecten/")),
    PageType("project", NOOR, open_link("/projecten/", "Slimme openbare verlichting Eindhoven")),
    PageType("nieuw-project-met-suggesties", DAAN, new_project_with_suggestions),
    PageType("nieuw-project-met-fouten", DAAN, refused_new_project),
    PageType("voortoets", DAAN, then(open_link("/projecten/?status=concept", CONCEPT), "/voortoets")),
    PageType("afsluiten", FEMKE, then(open_link("/projecten/", ATELIER), "/afsluiten")),
    PageType("afsluiten-met-fouten", FEMKE, refused_closure),
    PageType("lessenrapport", NOOR, then(open_link("/projecten/", "Slimme openbare verlichting Eindhoven"),
                                         "/lessenrapport")),
    PageType("lessen", NOOR, goto("/lessen/")),
    PageType("les", NOOR, lambda page: (page.goto("/lessen/"), page.locator(".item-list .item-title").first.click(),
                                        page.wait_for_load_state())),
    PageType("les-vastleggen", NOOR, goto("/lessen/nieuw")),
    PageType("thema", NOOR, goto("/themas/energietransitie")),
    PageType("themas", NOOR, goto("/themas/")),
    PageType("netwerk", NOOR, lambda page: (page.goto("/netwerken/"),
                                            page.locator(".item-list .item-title").first.click(),
                                            page.wait_for_load_state())),
    PageType("persoon", NOOR, lambda page: (page.goto("/mensen/?q=verlichting"),
                                            page.locator("main .item-list a").first.click(),
                                            page.wait_for_load_state())),
    PageType("mensen", NOOR, goto("/mensen/?q=verlichting")),
    PageType("dashboard-themaeigenaar", FEMKE, goto("/mijn")),
    PageType("dashboard-medewerker", NOOR, goto("/mijn")),
    PageType("beheer", ADMIN, goto("/beheer/")),
    PageType("auditlog", ADMIN, goto("/beheer/audit")),
    PageType("importeren", ADMIN, goto("/import/")),
    PageType("sessies", NOOR, goto("/sessies")),
    PageType("instellingen", NOOR, goto("/mijn/instellingen")),
    PageType("afmeldlink-onjuist", None, goto("/volgen/afmelden/onjuist")),
    PageType("beheer-dashboard", ADMIN, goto("/mijn")),
    PageType("help", NOOR, goto("/help/afsluiten")),
]


def violations_text(result) -> str:
    lines = []
    for violation in result.response["violations"]:
        targets = [", ".join(node["target"]) for node in violation["nodes"][:5]]
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']} – {targets}")
    return "\n".join(lines)


@pytest.mark.parametrize("width", [1280, 768, 375, 320])
@pytest.mark.parametrize("page_type", PAGE_TYPES, ids=[p.name for p in PAGE_TYPES])
def test_page_type_has_no_axe_violations_and_one_h1(browser, live_server, page_type: PageType, width: int):
    context = new_context(browser, live_server)
    page = context.new_page()
    page.set_viewport_size({"width": width, "height": 800})
    watcher = Watched(page)
    if page_type.user:
        login(page, page_type.user)
    page_type.open(page)
    result = axe.run(page, options=AXE_OPTIONS)
    assert result.violations_count == 0, f"{page.url}\n{violations_text(result)}"
    assert page.locator("h1").count() == 1, page.url
    context.close()
    assert watcher.problems == [], watcher.problems


def test_axe_check_can_fail(browser, live_server):
    """The check is real: a page with a broken label and contrast is reported."""
    context = new_context(browser, live_server)
    page = context.new_page()
    page.goto("/inloggen")
    page.evaluate("""() => {
        document.querySelector('label').remove();
        document.querySelector('h1').style.color = '#eee';  // CSSOM: allowed by the CSP, unlike style=""
    }""")
    result = axe.run(page, options=AXE_OPTIONS)
    ids = {v["id"] for v in result.response["violations"]}
    assert {"label", "color-contrast"} <= ids
    context.close()


def test_security_headers_and_csp_without_unsafe_inline(watched: Watched):
    response = watched.page.goto("/inloggen")
    headers = response.headers
    csp = headers["content-security-policy"]
    script_src = re.search(r"script-src([^;]*)", csp).group(1)
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    assert "frame-ancestors 'none'" in csp
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] in {"same-origin", "strict-origin-when-cross-origin", "no-referrer"}
    # No inline scripts or event-handler attributes anywhere on the page.
    assert watched.page.evaluate("""() => [...document.scripts].every(s => s.src) &&
        ![...document.querySelectorAll('*')].some(el => [...el.attributes].some(a => a.name.startsWith('on')))""")


def test_an_inline_script_would_be_blocked_and_reported(browser, live_server):
    """The CSP watcher can fail: an injected inline script is refused and shows up in the console."""
    context = new_context(browser, live_server)
    page = context.new_page()
    watcher = Watched(page)
    page.goto("/inloggen")
    page.evaluate("""() => { const s = document.createElement('script'); s.textContent = 'window.__ran = 1';
                             document.body.appendChild(s); }""")
    page.wait_for_timeout(200)
    assert page.evaluate("window.__ran") is None
    assert any("Content Security Policy" in problem for problem in watcher.problems)
    context.close()


def test_skip_link_moves_focus_to_the_content(watched: Watched):
    page = watched.page
    login(page, NOOR)
    page.goto("/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Direct naar de inhoud"
    expect(page.locator(".skip-link")).to_be_in_viewport()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "inhoud"


def test_form_errors_are_announced_and_tied_to_their_fields(watched: Watched):
    page = watched.page
    login(page, DAAN)
    refused_new_project(page)
    expect(page.locator(".error-summary")).to_have_attribute("role", "alert")
    invalid = page.locator("[aria-invalid=true]")
    assert invalid.count() >= 2
    for index in range(invalid.count()):
        field = invalid.nth(index)
        described = (field.get_attribute("aria-describedby") or "").split()
        messages = [page.locator(f"#{ident}").inner_text() for ident in described if ident.endswith("-error")]
        assert messages and all(messages), f"{field.get_attribute('id')} has no error tied to it"
    # The summary links lead to the fields.
    page.locator(".error-summary a").first.click()
    assert page.evaluate("document.activeElement.getAttribute('aria-invalid')") == "true" or \
        page.url.endswith("#title")


def test_suggestions_panel_is_a_live_region(watched: Watched):
    page = watched.page
    login(page, DAAN)
    new_project_with_suggestions(page)
    panel = page.locator("#vergelijkbaar-werk")
    expect(panel).to_have_attribute("aria-live", "polite")
    expect(panel).not_to_have_attribute("aria-busy", "true")


def focus_by_tab(page: Page, predicate: str, limit: int = 80) -> list[str]:
    """Press Tab until `predicate` (a JS expression on `el`) holds; returns what got focus on the way."""
    seen = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        seen.append(page.evaluate("(el => el.id || el.name || el.textContent.trim())(document.activeElement)"))
        if page.evaluate(f"(el => {predicate})(document.activeElement)"):
            return seen
    raise AssertionError(f"never reached {predicate}; focus went through {seen}")


def test_new_project_and_a_verdict_by_keyboard_alone(watched: Watched):
    page = watched.page
    login(page, DAAN)
    page.goto("/projecten/nieuw")
    focus_by_tab(page, "el.id === 'title'")
    page.keyboard.type("Toetsenbordproject slimme verlichting")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "question"
    page.keyboard.type("Hoe maken we de verlichting in de wijk slimmer en zuiniger met sensoren?")
    seen = focus_by_tab(page, "el.id === 'municipality'")
    assert "goal" in seen and "approach" in seen and any(s.startswith("themes") for s in seen)
    page.keyboard.type("Rotterdam")
    page.keyboard.press("Escape")  # close the datalist suggestions
    focus_by_tab(page, "el.textContent.trim() === 'Concept opslaan'")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/voortoets$"))
    first = page.locator("form.verdict-form").first
    expect(first).to_be_visible()
    focus_by_tab(page, "el.textContent.trim() === 'Relevant' && el.getAttribute('aria-pressed') === 'false'")
    page.keyboard.press("Enter")
    expect(page.locator("form.verdict-form").first.get_by_role("button", name="Relevant", exact=True)) \
        .to_have_attribute("aria-pressed", "true")


WIDEST = """() => {
    const limit = window.innerWidth;
    const wide = [...document.querySelectorAll('body *')]
        .filter(el => el.getBoundingClientRect().right > limit + 1 && !el.closest('.table-scroll > *'))
        .map(el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.className && typeof el.className === 'string'
             ? '.' + el.className.trim().split(/\\s+/).join('.') : '') + ' ' + Math.round(el.getBoundingClientRect().right));
    return [document.documentElement.scrollWidth, limit, wide.slice(0, 4)];
}"""


@pytest.mark.parametrize("width", [320, 375, 768, 1280])
def test_no_page_type_scrolls_sideways(browser, live_server, width: int):
    """Every page type at phone, tablet and desktop widths: nothing wider than the window."""
    too_wide = []
    by_user: dict[str | None, list[PageType]] = {}
    for page_type in PAGE_TYPES:
        by_user.setdefault(page_type.user, []).append(page_type)
    for user, page_types in by_user.items():
        context = new_context(browser, live_server)
        page = context.new_page()
        page.set_viewport_size({"width": width, "height": 800})
        if user:
            login(page, user)
        for page_type in page_types:
            page_type.open(page)
            scroll_width, inner_width, culprits = page.evaluate(WIDEST)
            if scroll_width > inner_width:
                too_wide.append(f"{page_type.name}: {scroll_width} > {inner_width} ({'; '.join(culprits)})")
        context.close()
    assert too_wide == [], "\n".join(too_wide)
