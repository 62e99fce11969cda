"""Renaming a voice in Chromium: every segment of that voice follows, and search finds the name."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_workspace_flow import sign_in
from tests.portal.builders import LINES, SLUG, build_archive
from tests.portal.test_workspace_voices import VOICE_2, VOICES, store_voices
from tests.support.live import serve_for_archivists

pytestmark = pytest.mark.browser


@pytest.fixture(scope="session")
def base_url() -> None:
    """No base URL: this test runs its own portal, on an archive it may change."""
    return None


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A portal on a private archive whose current transcript is split by voice, nobody named."""
    archive = build_archive(tmp_path_factory.mktemp("voices-browser") / "home")
    # The reindex runs with the save, as tests elsewhere.
    yield from serve_for_archivists(
        archive.settings.home, store_voices, ARCHIVE_QUEUE_IMMEDIATE=True
    )


def test_renaming_a_voice_renames_every_segment_and_search_finds_it(page: Page, live: str):
    sign_in(page, live)
    page.goto(f"{live}/workspace/sessions/{SLUG}/transcript")
    speakers = page.locator("li.ws-segment .ws-speaker")
    expect(speakers).to_have_count(len(LINES))
    for select in speakers.all():
        expect(select).to_have_value("")  # nobody named yet
    row = page.locator('li.ws-voice-row[data-voice="2"]')
    row.locator("select[name=person]").select_option("marie-veltz")
    row.get_by_role("button").click()
    expect(page.locator(".ws-flash-success")).to_be_visible()
    for position, voice in enumerate(VOICES):
        expected = "marie-veltz" if voice == "2" else ""
        expect(speakers.nth(position)).to_have_value(expected)
    expect(page.locator('li.ws-voice-row[data-voice="2"] .ws-voice-person')).to_have_text(
        "Marie Veltz"
    )
    page.goto(f"{live}/search?q=speaker:marie-veltz")
    expect(page.locator(".results-count")).to_contain_text(re.compile(rf"\b{len(VOICE_2)}\b"))
    expect(page.locator(".hit").first).to_contain_text("Marie Veltz")
    expect(page.get_by_text(LINES[VOICE_2[0]][3]).first).to_be_visible()
