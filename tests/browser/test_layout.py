"""Layout as viewers see it at phone (390×844) and desktop (1366×900) widths."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import SESSION, current_line_start_ms, open_session

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
PROGRAMME_ONLY = "/sessions/2017-01-27-politiques-de-la-ville-intelligente"
NO_RECORDING = {
    "fr": "Programme seul, pas encore d’enregistrement",
    "en": "Programme only, no recording yet",
}

# Whether the element's middle is what a finger or mouse would hit there (not covered).
UNCOVERED = """(el) => { const r = el.getBoundingClientRect();
  const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
  return !!hit && (el === hit || el.contains(hit)); }"""


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_home_cards_show_a_poster_frame_or_say_there_is_no_recording(page: Page, lang):
    page.goto(f"/?lang={lang}")
    recorded = page.locator(".session-card", has=page.locator(f'a[href="{SESSION}"]'))
    poster = recorded.locator(".card-poster img")
    expect(poster).to_be_visible()
    # Lazily loaded: wait for the frame to arrive, then see that it decoded.
    poster.evaluate("img => img.decode()")
    assert poster.evaluate("img => img.complete && img.naturalWidth > 0")
    expect(recorded).not_to_contain_text(NO_RECORDING[lang])
    others = page.locator(".session-card").filter(has_not=page.locator(f'a[href="{SESSION}"]'))
    assert others.count() == 2
    for card in others.all():
        expect(card).to_contain_text(NO_RECORDING[lang])


def test_a_whole_card_opens_its_session(page: Page):
    page.goto("/")
    card = page.locator(".session-card", has=page.locator(f'a[href="{SESSION}"]'))
    box = card.locator(".card-poster").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_url(f"**{SESSION}")


@pytest.mark.parametrize("size", [PHONE, DESKTOP])
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_a_session_without_recording_says_so_and_shows_no_empty_pane(page: Page, lang, size):
    page.set_viewport_size(size)
    page.goto(f"{PROGRAMME_ONLY}?lang={lang}")
    expect(page.locator(".session-head")).to_contain_text(NO_RECORDING[lang])
    expect(page.locator(".transcript-pane")).to_be_hidden()


def test_desktop_session_header_lines_up_with_the_body(page: Page):
    page.set_viewport_size(DESKTOP)
    open_session(page)
    brand = page.locator(".brand").bounding_box()
    body = page.locator(".session-head h1").bounding_box()
    assert abs(brand["x"] - body["x"]) <= 2
    lang = page.locator(".lang-switch").bounding_box()
    pane = page.locator(".transcript-pane").bounding_box()
    assert abs((lang["x"] + lang["width"]) - (pane["x"] + pane["width"])) <= 2


def test_phone_session_header_keeps_the_search_box(page: Page):
    page.set_viewport_size(PHONE)
    open_session(page)
    expect(page.locator("#header-q")).to_be_visible()


def test_phone_player_never_covers_the_transcript_toolbar_or_current_line(page: Page):
    page.set_viewport_size(PHONE)
    open_session(page, "?t=24")
    page.wait_for_function("document.querySelector('.ln.is-current') !== null")
    assert current_line_start_ms(page) == 24_100
    # The reader scrolls the page down to read the transcript.
    page.locator(".transcript-pane").evaluate("el => el.scrollIntoView({block: 'start'})")
    toolbar = page.locator(".transcript-toolbar h2")
    assert toolbar.evaluate(UNCOVERED)
    assert page.locator(".ln.is-current").evaluate(UNCOVERED)


def test_phone_player_and_transcript_fit_on_one_screen(page: Page):
    page.set_viewport_size(PHONE)
    open_session(page)
    top = page.locator(".player-area").bounding_box()["y"]
    pane = page.locator(".transcript-pane").bounding_box()
    assert pane["y"] + pane["height"] - top <= PHONE["height"]
