"""The player on a session made of the real French clips (FLEURS, CC BY 4.0), audio only."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.portal.builders import SLUG, build_french_clips_archive
from tests.support.live import serve
from tests.support.media_factory import require_shared_media

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def clips_site(tmp_path_factory):
    """The portal serving the clips session; yields (base URL, clip spans and references)."""
    shared = require_shared_media()
    archive, clips = build_french_clips_archive(tmp_path_factory.mktemp("clips"), shared)
    for base in serve(archive.settings.home):
        yield base, clips


def open_clips(page: Page, base: str, query: str = "") -> None:
    page.goto(f"{base}/sessions/{SLUG}{query}")
    page.wait_for_function("document.getElementById('player').readyState >= 1")


def test_audio_session_plays_and_follows_the_transcript(page: Page, clips_site):
    base, clips = clips_site
    open_clips(page, base)
    assert page.evaluate("document.getElementById('player').currentSrc").endswith("play.m4a")
    tiger = clips[3]
    assert tiger["reference"].startswith("le rugissement du tigre")
    page.locator(f'.ln[data-s="{tiger["start_ms"]}"]').click(position={"x": 3, "y": 5})
    page.wait_for_function(
        "t => Math.abs(document.getElementById('player').currentTime - t) < 0.3",
        arg=tiger["start_ms"] / 1000,
    )
    page.evaluate("const v = document.getElementById('player'); v.muted = true; v.play()")
    page.wait_for_function(
        "t => document.getElementById('player').currentTime > t", arg=tiger["start_ms"] / 1000 + 1
    )
    expect(page.locator(".ln.is-current")).to_contain_text("Le rugissement du tigre")


def test_real_clip_search_hit_and_t_open_at_the_word(page: Page, clips_site):
    base, clips = clips_site
    page.goto(f"{base}/search?q=rugissement+tigre")
    hit = page.locator(".hit-link").first
    expect(hit).to_contain_text("Marie Veltz")
    hit.click()
    # The click only starts the navigation: wait for the session page before reading its player.
    page.wait_for_url("**/sessions/*?t=*&q=rugissement+tigre")
    page.wait_for_function("document.getElementById('player').readyState >= 1")
    expect(page.locator(".ln.is-current")).to_contain_text("Le rugissement du tigre")
    seconds = page.evaluate("document.getElementById('player').currentTime")
    assert clips[3]["start_ms"] / 1000 - 1 <= seconds <= clips[3]["end_ms"] / 1000


def test_captions_of_the_clips_show_speaker_voice_tags(page: Page, clips_site):
    base, _ = clips_site
    open_clips(page, base, "?t=0")
    page.wait_for_function(
        "Array.from(document.getElementById('player').textTracks)"
        ".some(t => t.kind === 'captions' && t.mode === 'showing' && t.cues?.length > 0)"
    )
    first = page.evaluate(
        "Array.from(document.getElementById('player').textTracks)"
        ".find(t => t.kind === 'captions').cues[0].text"
    )
    assert first.startswith("<v Gilles Jeannot>L'accident a eu lieu")
