"""The glossary's spellings in the editor, in Chromium: offered under a segment, Alt+G writes one.

A name the recogniser misspelled sounds like a glossary term; the archivist sees
the term offered under that segment and takes it without leaving the keyboard.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from core.glossary import add_term, series_or_error
from tests.browser.test_workspace_flow import sign_in
from tests.portal.builders import SLUG, build_archive
from tests.support.live import serve_for_archivists

pytestmark = pytest.mark.browser

RIVERS = 6  # "Nos capteurs surveillent la qualité des rivières." at 28.2-31.0 s


@pytest.fixture(scope="session")
def base_url() -> None:
    """No base URL: this test runs its own portal, on an archive it may change."""
    return None


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A portal whose series glossary has a company that sounds like "capteurs"."""
    archive = build_archive(tmp_path_factory.mktemp("glossary-browser") / "home")

    def add_company(app) -> None:
        with app.extensions["archive"].catalogue.session() as db:
            series = series_or_error(db, "ville-intelligente-cycle-2")
            add_term(db, series, "Kapteur", kind="organisation")

    yield from serve_for_archivists(archive.settings.home, add_company)


def test_alt_g_writes_the_glossary_spelling_offered_for_the_segment(page: Page, live: str):
    sign_in(page, live)
    page.goto(f"{live}/workspace/sessions/{SLUG}/transcript?lang=en")
    segment = page.locator(f"li#seg-{RIVERS + 1}")
    offer = segment.locator(".ws-glossary-hint")
    expect(offer).to_have_text("capteurs → Kapteur")
    expect(page.locator(".ws-glossary-hint")).to_have_count(1)  # nowhere else
    text = segment.locator(".ws-text")
    text.focus()
    page.keyboard.press("Alt+KeyG")
    expect(text).to_have_value("Nos Kapteur surveillent la qualité des rivières.")
    expect(text).to_be_focused()
    expect(offer).to_be_disabled()
    expect(page.locator("#save-transcript")).to_be_enabled()  # a correction like any other
