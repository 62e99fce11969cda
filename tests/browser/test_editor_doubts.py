"""Doubtful words in the editor, in Chromium: shaded, and Alt+N goes to the next one.

The recogniser's word probabilities say where it was unsure; an archivist
correcting hours of text should go from doubt to doubt with one key, hear the
word, and find it selected in the text, ready to be typed over.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy.orm.attributes import flag_modified

from core.catalogue.queries import current_transcript, get_session, transcript_segments
from tests.browser.test_workspace_flow import sign_in
from tests.portal.builders import SLUG, build_archive
from tests.support.live import serve_for_archivists

pytestmark = pytest.mark.browser

RIVERS = 6  # "Nos capteurs surveillent la qualité des rivières." at 28.2-31.0 s
DOUBTFUL = {(RIVERS, 6): 0.21, (RIVERS, 1): 0.34}  # "rivières." and "capteurs"


@pytest.fixture(scope="session")
def base_url() -> None:
    """No base URL: this test runs its own portal, on an archive it may change."""
    return None


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A portal whose transcript has two words the recogniser was unsure of."""
    archive = build_archive(tmp_path_factory.mktemp("doubts-browser") / "home")

    def make_doubtful(app) -> None:
        with app.extensions["archive"].catalogue.session() as db:
            segments = transcript_segments(db, current_transcript(db, get_session(db, SLUG)))
            for (position, index), probability in DOUBTFUL.items():
                words = [list(w) for w in segments[position].words]
                words[index][3] = probability
                segments[position].words = words
                flag_modified(segments[position], "words")

    yield from serve_for_archivists(archive.settings.home, make_doubtful)


def test_alt_n_selects_the_next_doubtful_word_and_plays_just_before_it(page: Page, live: str):
    sign_in(page, live)
    page.goto(f"{live}/workspace/sessions/{SLUG}/transcript")
    segment = page.locator(f"li#seg-{RIVERS + 1}")
    doubts = segment.locator(".ws-doubt")
    expect(doubts).to_have_text(["capteurs", "rivières."])  # shaded, in reading order
    expect(page.locator(".ws-doubt")).to_have_count(2)  # nowhere else
    page.wait_for_function("document.getElementById('player').readyState >= 1")
    page.keyboard.press("Alt+KeyN")
    text = segment.locator(".ws-text")
    expect(text).to_be_focused()
    selected = "el => el.value.slice(el.selectionStart, el.selectionEnd)"
    assert text.evaluate(selected) == "capteurs"
    word_start = int(doubts.first.get_attribute("data-at")) / 1000
    page.wait_for_function(
        "t => { const p = document.getElementById('player');"
        " return !p.paused || p.currentTime > t; }",
        arg=word_start - 1.2,
    )
    at = page.evaluate("document.getElementById('player').currentTime")
    assert word_start - 1.2 <= at <= word_start + 1.0  # from about a second before the word
    page.keyboard.press("Alt+KeyN")
    assert text.evaluate(selected) == "rivières."
    expect(doubts.last).to_have_class("ws-doubt is-current")
    # Typing replaces the selected doubtful word.
    page.keyboard.type("Marne.")
    expect(text).to_have_value("Nos capteurs surveillent la qualité des Marne.")


def test_the_public_page_says_how_much_of_the_text_is_verified(page: Page, live: str):
    page.goto(f"{live}/sessions/{SLUG}?lang=fr")
    expect(page.locator(".verified-share")).to_have_text("0 % vérifié")
