"""End-to-end flows in Chromium, each as a person would do it, against the demo data. Each flow leaves a
screenshot of its final state in test-artifacts/."""
from __future__ import annotations

import re
import uuid

from playwright.sync_api import Page, expect

from .conftest import Watched, login, new_context, screenshot

NOOR = "noor.bakker@amsterdam.example"  # medewerker
DAAN = "daan.visser@rotterdam.example"  # projectleider
FEMKE = "femke.dewit@amsterdam.example"  # themaeigenaar of Energietransitie
ADMIN = "beheerder@kennisbank.example"

QUESTION = ("Hoe slaan we zonne-energie van daken in de wijk op in een buurtbatterij, zodat het "
            "stroomnet minder vol raakt en bewoners samen profiteren van de energietransitie?")
CONCLUSION = ("We nemen de lessen van ATELIER over flexibiliteit en bewonersparticipatie mee en bellen de "
              "projectleider in Amsterdam voordat we een netbeheerder benaderen.")


def give_all_verdicts(page: Page) -> int:
    """One click per suggestion: the first relevant, the rest not relevant. Returns how many."""
    forms = page.locator("form.verdict-form")
    total = forms.count()
    for index in range(total):
        choice = "Relevant" if index == 0 else "Niet relevant"
        forms.nth(index).get_by_role("button", name=choice, exact=True).click()
        expect(page.locator("form.verdict-form").nth(index).get_by_role("button", name=choice, exact=True)) \
            .to_have_attribute("aria-pressed", "true")
    return total


def complete_and_start(page: Page) -> None:
    page.get_by_label("Wat neemt u mee uit eerder werk").fill(CONCLUSION)
    page.get_by_role("button", name="Voortoets afronden").click()
    expect(page.get_by_text("Afgerond op")).to_be_visible()
    page.get_by_role("button", name="Project starten").click()
    expect(page.locator(".flash-success")).to_contain_text("Het project is gestart.")
    expect(page.locator(".badge-status")).to_have_text("Gestart")


def new_project(page: Page, title: str) -> None:
    page.goto("/projecten/nieuw")
    page.get_by_label("Titel", exact=True).fill(title)
    page.get_by_label("Maatschappelijk vraagstuk").fill(QUESTION)


# 1 --------------------------------------------------------------------------------------------------

def test_medewerker_searches_with_word_forms_and_compound_parts(watched: Watched):
    page = watched.page
    login(page, NOOR)
    search = page.get_by_role("search").first
    search.get_by_role("searchbox").fill("lantaarnpaal")  # the demo says "lantaarnpalen"
    search.get_by_role("button", name="Zoek").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Zoeken")
    expect(page.locator("ol.results > li").first).to_be_visible()
    # Another word form of the same lemma is found and highlighted.
    expect(page.locator("ol.results mark").first).to_have_text(re.compile("^lantaarnpalen$", re.I))
    # A compound part: "transitie" finds "energietransitie".
    page.goto("/zoeken?q=transitie")
    expect(page.locator("main")).to_contain_text("nergietransitie")
    hits_before = page.locator("ol.results > li").count()
    page.get_by_role("link", name=re.compile(r"^Les\b")).first.click()  # the type facet
    expect(page).to_have_url(re.compile(r"type=les"))
    hits = page.locator("ol.results > li")
    expect(hits.first).to_be_visible()
    assert hits.count() <= hits_before
    hits.first.locator("a").first.click()
    expect(page).to_have_url(re.compile(r"/lessen/\d+$"))
    expect(page.get_by_role("heading", level=2, name="Advies voor het volgende project")).to_be_visible()
    screenshot(page, "1-medewerker-zoekt-les")


# 2, 3, 4 ----------------------------------------------------------------------------------------------

def test_lead_starts_closes_and_owner_reviews(browser, live_server):
    title = f"Buurtbatterij voor zonnestroom {uuid.uuid4().hex[:6]}"
    lesson_title = f"Netbeheerder te laat betrokken bij de buurtbatterij {title[-6:]}"
    context = new_context(browser, live_server)
    page = context.new_page()
    watcher = Watched(page)
    login(page, DAAN)

    # 2. Suggestions appear beside the form while typing, without a page reload.
    page.goto("/projecten/nieuw")
    page.evaluate("window.__noReload = true")
    panel = page.locator("#vergelijkbaar-werk")
    expect(panel).to_have_attribute("aria-live", "polite")
    page.get_by_label("Titel", exact=True).press_sequentially("Buurtbatterij zonne-energie", delay=15)
    page.get_by_label("Maatschappelijk vraagstuk").press_sequentially(QUESTION[:90], delay=5)
    expect(panel.locator("ol.suggestions li").first).to_be_visible()
    assert page.evaluate("window.__noReload") is True
    page.get_by_label("Titel", exact=True).fill(title)
    page.get_by_label("Maatschappelijk vraagstuk").fill(QUESTION)
    page.get_by_role("checkbox", name="Energietransitie").check()
    page.get_by_label("Gemeente", exact=True).fill("Rotterdam")
    page.get_by_role("button", name="Concept opslaan").click()
    expect(page).to_have_url(re.compile(r"/projecten/\d+/voortoets$"))
    project_url = page.url.rsplit("/", 1)[0]

    # Starting before the voortoets is complete is refused, in Dutch.
    page.get_by_role("button", name="Project starten").click()
    expect(page.locator(".flash-error")).to_contain_text("Het project kan nog niet starten")
    assert give_all_verdicts(page) >= 1
    complete_and_start(page)
    screenshot(page, "2-projectleider-start-project")

    # 3. Closing: refused without a failure or improvement lesson; then adds one on the closure screen.
    page.get_by_role("link", name="Project afsluiten").click()
    page.get_by_label("Resultaat: wat is er bereikt, en wat niet?").fill(
        "Twee buurtbatterijen draaien; de derde kwam er niet door netcongestie.")
    page.get_by_role("radio", name="Pilot", exact=True).check()
    page.get_by_label("Titel van de les").fill("Bewoners deden graag mee")
    page.locator("fieldset.quick-lesson").get_by_role("radio", name="Succes").check()
    page.get_by_label("Advies voor het volgende project").fill("Begin bij een actieve bewonersgroep.")
    page.get_by_role("button", name="Les toevoegen").click()
    expect(page.locator(".flash-success")).to_contain_text("De les is toegevoegd")
    page.get_by_role("button", name="Project afsluiten").click()
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("mislukking of verbeterpunt")
    expect(page.get_by_label("Resultaat: wat is er bereikt, en wat niet?")).to_have_value(re.compile("netcongestie"))
    page.get_by_label("Titel van de les").fill(lesson_title)
    page.locator("fieldset.quick-lesson").get_by_role("radio", name="Verbeterpunt").check()
    page.get_by_label("Wat gebeurde er?").fill("De aansluiting kwam een half jaar te laat.")
    page.get_by_label("Advies voor het volgende project").fill("Vraag de aansluiting aan vóór de aanbesteding.")
    page.get_by_role("button", name="Project afsluiten").click()
    expect(page).to_have_url(re.compile(r"/lessenrapport$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.locator("main")).to_contain_text(lesson_title)
    expect(page.locator("main")).to_contain_text("Bewoners deden graag mee")
    screenshot(page, "3-projectleider-sluit-af-lessenrapport")
    page.emulate_media(media="print")  # the printed report carries no links to click
    expect(page.get_by_role("link", name="Naar het project")).to_be_hidden()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.emulate_media(media="screen")
    context.close()
    assert watcher.problems == []

    # 4. The theme owner reviews that lesson from the dashboard and sees the charts.
    context = new_context(browser, live_server)
    page = context.new_page()
    watcher = Watched(page)
    login(page, FEMKE)
    page.goto("/mijn")
    review = page.locator("li", has=page.get_by_role("link", name=lesson_title))
    expect(review).to_contain_text("afgesloten")
    review.get_by_role("button", name=re.compile("^Goedkeuren")).click()
    expect(page.locator(".flash-success")).to_contain_text("De les is getoetst.")
    expect(page.get_by_role("link", name=lesson_title)).to_have_count(0)
    charts = page.locator("svg.chart-svg[role=img]")
    assert charts.count() >= 3
    expect(charts.first).to_be_visible()
    page.locator("details.chart-table summary").first.click()
    expect(page.locator("details.chart-table table").first).to_be_visible()
    screenshot(page, "4-themaeigenaar-toetst-en-grafieken")
    page.goto(project_url)
    expect(page.locator("main")).to_contain_text(lesson_title)
    context.close()
    assert watcher.problems == []


# 5 --------------------------------------------------------------------------------------------------

def test_voortoets_without_javascript(browser, live_server):
    context = new_context(browser, live_server, javascript=False)
    page = context.new_page()
    login(page, DAAN)
    title = f"Slimme lantaarnpalen in de wijk {uuid.uuid4().hex[:6]}"
    new_project(page, title)
    page.get_by_role("button", name="Zoek vergelijkbaar werk").click()
    expect(page.locator("#vergelijkbaar-werk ol.suggestions li").first).to_be_visible()
    expect(page.get_by_label("Titel", exact=True)).to_have_value(title)  # what was typed stays
    page.get_by_label("Gemeente", exact=True).fill("Rotterdam")
    page.get_by_role("button", name="Concept opslaan").click()
    expect(page).to_have_url(re.compile(r"/voortoets$"))
    assert give_all_verdicts(page) >= 1
    complete_and_start(page)
    screenshot(page, "5-voortoets-zonder-javascript")
    context.close()


# 6 --------------------------------------------------------------------------------------------------

def test_two_people_edit_the_same_lesson_and_the_second_keeps_their_text(browser, live_server):
    first_ctx, second_ctx = new_context(browser, live_server), new_context(browser, live_server)
    first, second = first_ctx.new_page(), second_ctx.new_page()
    login(first, FEMKE)
    login(second, ADMIN)
    first.goto("/lessen/?thema=energietransitie")
    first.locator(".item-list .item-title").first.click()
    edit_url = first.url + "/bewerken"
    first.goto(edit_url)
    second.goto(edit_url)
    first.get_by_label("Advies voor het volgende project").fill("Advies van de themaeigenaar.")
    first.get_by_role("button", name="Wijzigingen opslaan").click()
    expect(first.locator(".flash-success")).to_be_visible()
    mine = "Advies van de beheerder, dat niet verloren mag gaan."
    second.get_by_label("Advies voor het volgende project").fill(mine)
    second.get_by_role("button", name="Wijzigingen opslaan").click()
    expect(second.get_by_role("heading", level=1)).to_have_text("Iemand anders heeft dit intussen gewijzigd")
    expect(second.locator("table.compare")).to_contain_text(mine)
    expect(second.locator("table.compare")).to_contain_text("Advies van de themaeigenaar.")
    screenshot(second, "6-bewerkconflict")
    second.get_by_role("button", name="Opslaan met deze keuzes").click()
    expect(second.locator("main")).to_contain_text(mine)
    first_ctx.close()
    second_ctx.close()


# Focus after a submit (issue 14) ---------------------------------------------------------------------

def test_focus_goes_where_the_answer_is_after_every_submit(watched: Watched):
    page = watched.page
    login(page, NOOR)
    expect(page.locator(".flashes")).to_be_focused()  # "Welkom, …" after logging in
    page.goto("/projecten/nieuw")
    page.get_by_role("button", name="Concept opslaan").click()  # nothing filled in: refused
    expect(page.locator(".error-summary")).to_be_focused()
    page.goto("/projecten/")
    page.locator(".item-list .item-title").first.click()
    page.goto(page.url + "#historie")
    page.reload()
    expect(page.locator("#historie")).to_be_focused()  # an address that points to an item: that item


def test_on_a_phone_search_results_come_first_and_the_facets_fold_away(watched: Watched):
    page = watched.page
    page.set_viewport_size({"width": 375, "height": 812})
    login(page, NOOR)
    page.goto("/zoeken?q=verlichting")
    first_result = page.locator("ol.results > li").first
    expect(first_result).to_be_visible()
    assert first_result.bounding_box()["y"] < 812  # on the first screen, not below the facets
    facet = page.locator(".facets a").first
    expect(facet).to_be_hidden()
    page.get_by_text("Filteren", exact=True).click()
    expect(facet).to_be_visible()
    facet.click()
    expect(page.locator(".facets a.active").first).to_be_visible()  # a chosen filter stays in sight
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto("/zoeken?q=verlichting")
    expect(page.locator(".facets a").first).to_be_visible()  # beside the results on a wide screen


def test_on_a_phone_the_header_is_compact_and_the_menu_stays_reachable(watched: Watched):
    page = watched.page
    page.set_viewport_size({"width": 375, "height": 812})
    login(page, NOOR)
    page.goto("/projecten/")
    height = page.locator(".site-header").bounding_box()["height"]
    assert height <= 170, f"the header is {height:.0f} px tall on a phone"
    menu = page.get_by_role("navigation", name="Hoofdmenu")
    menu.get_by_role("link", name="Help").scroll_into_view_if_needed()
    menu.get_by_role("link", name="Help").click()  # the last item: reachable by scrolling the menu sideways
    expect(page).to_have_url(re.compile(r"/help/$"))


def type_a_new_project(page: Page) -> None:
    page.goto("/projecten/nieuw")
    page.get_by_label("Titel", exact=True).fill("Slimme verlichting met sensoren in de wijk")
    page.get_by_label("Maatschappelijk vraagstuk").fill(QUESTION)
    expect(page.locator("#vergelijkbaar-werk ol.suggestions li").first).to_be_visible()


def test_the_suggestions_come_right_after_the_question_in_the_tab_order(watched: Watched):
    page = watched.page
    login(page, DAAN)
    type_a_new_project(page)
    page.get_by_label("Maatschappelijk vraagstuk").focus()
    page.keyboard.press("Tab")
    first = page.locator("#vergelijkbaar-werk ol.suggestions li a").first
    assert page.evaluate("document.activeElement.href") == first.evaluate("a => a.href")
    # Beside the form on a wide screen, in its own column.
    panel, question = page.locator(".similar-panel").bounding_box(), page.locator("#question").bounding_box()
    assert panel["x"] > question["x"] + question["width"]
    expect(page.locator(".similar-bar")).to_be_hidden()


def test_on_a_phone_the_suggestions_follow_the_question_and_a_bar_leads_back_to_them(watched: Watched):
    page = watched.page
    page.set_viewport_size({"width": 375, "height": 812})
    login(page, DAAN)
    type_a_new_project(page)
    panel, question = page.locator(".similar-panel").bounding_box(), page.locator("#question").bounding_box()
    assert 0 <= panel["y"] - (question["y"] + question["height"]) < 120, (panel, question)
    bar = page.locator(".similar-bar")
    expect(bar).to_be_hidden()  # the panel is in sight
    page.get_by_label("Aanpak").fill("Eerst een proef in één straat, dan de hele wijk.")
    expect(bar).to_be_visible()
    count = page.locator("#vergelijkbaar-werk ol.suggestions li").count()
    expect(bar).to_have_text(f"{count} vergelijkbare resultaten: bekijk wat er al eerder is gedaan")
    assert bar.bounding_box()["y"] + bar.bounding_box()["height"] <= 812  # at the bottom of the screen
    bar.click()
    expect(page.locator("#vergelijkbaar-kop")).to_be_focused()
    expect(page.locator("#vergelijkbaar-kop")).to_be_in_viewport()
    expect(bar).to_be_hidden()

# Following (issue 14, point 10) -----------------------------------------------------------------------

def test_a_follower_is_mailed_and_stops_following_from_the_mail_without_logging_in(browser, live_server):
    import email
    from email import policy
    from urllib.parse import urlparse

    from axe_playwright_python.sync_playwright import Axe

    from .conftest import LIVE, run_live

    reader_ctx, admin_ctx, mail_ctx = (new_context(browser, live_server) for _ in range(3))
    reader, admin, from_mail = reader_ctx.new_page(), admin_ctx.new_page(), mail_ctx.new_page()
    login(reader, NOOR)
    reader.goto("/projecten/")
    reader.get_by_role("link", name="Slimme openbare verlichting Eindhoven", exact=True).first.click()
    reader.get_by_role("button", name="Volgen", exact=True).click()
    expect(reader.locator(".flash-success")).to_contain_text("U volgt nu het project Slimme openbare verlichting")
    project_url = reader.url
    login(admin, ADMIN)
    admin.goto(project_url + "/bewerken")
    admin.get_by_label("Doel", exact=True).fill("Minder stroom, en een veiliger gevoel op straat.")
    admin.get_by_role("button", name="Wijzigingen opslaan").click()
    expect(admin.locator(".flash-success")).to_be_visible()

    sent = run_live("kb", "notify")
    assert sent.returncode == 0 and "verstuurd" in sent.stdout, sent.stdout + sent.stderr
    [eml] = [path for path in (LIVE["instance"] / "outbox").glob("*.eml") if "noor.bakker" in path.name]
    mail = email.message_from_bytes(eml.read_bytes(), policy=policy.default)
    body = mail.get_content()
    why = "Waarom u dit krijgt: u volgt het project Slimme openbare verlichting Eindhoven."
    assert why in body
    # The link right after that line (Noor also follows a theme in the demo: the mail may hold more).
    after = body[body.index(why):].splitlines()[1]
    assert after.strip().startswith("Niet meer volgen (zonder in te loggen): ")
    link = urlparse(after.split(": ", 1)[1].strip()).path

    from_mail.goto(link)  # a browser that never logged in
    result = Axe().run(from_mail, options={"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a",
                                                                              "wcag21aa"]}})
    assert result.violations_count == 0
    from_mail.get_by_role("button", name="Niet meer volgen").click()
    expect(from_mail.locator("main")).to_contain_text("U volgt het project Slimme openbare verlichting Eindhoven niet meer")
    reader.reload()
    expect(reader.get_by_role("button", name="Volgen", exact=True)).to_be_visible()
    for context in (reader_ctx, admin_ctx, mail_ctx):
        context.close()
