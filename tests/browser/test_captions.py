"""Captions of a recording without picture: shown over the session's visual, above the controls."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from core.catalogue import Recording, open_catalogue
from tests.portal.builders import SLUG, build_archive
from tests.support.live import serve
from tests.support.media_factory import image_file, silence_audio

pytestmark = pytest.mark.browser

# Chromium's media control bar: the bottom 54 px of the player.
CONTROLS_PX = 54


@pytest.fixture(scope="module")
def audio_site(tmp_path_factory: pytest.TempPathFactory):
    """The portal serving the seed session with a sound-only recording (no picture, no poster)."""
    home = tmp_path_factory.mktemp("audio-only")
    audio = silence_audio(home / "seance.m4a", 42)
    archive = build_archive(home, media_source=audio)
    yield from serve(archive.settings.home)


@pytest.fixture(scope="module")
def artwork_site(tmp_path_factory: pytest.TempPathFactory):
    """The same sound-only session, its recording with a poster (the album artwork)."""
    home = tmp_path_factory.mktemp("audio-artwork")
    archive = build_archive(home, media_source=silence_audio(home / "seance.m4a", 42))
    poster = image_file(archive.media_path.with_name("poster.png"))
    catalogue = open_catalogue(archive.settings)
    try:
        with catalogue.session() as db:
            for recording in db.scalars(select(Recording)):
                recording.poster_path = str(poster.relative_to(archive.settings.home))
    finally:
        catalogue.dispose()
    yield from serve(archive.settings.home)


def open_at_a_two_line_caption(page: Page, base: str) -> dict:
    """Open the session, pause in the middle of its first two-line caption; return that cue."""
    page.goto(f"{base}/sessions/{SLUG}")
    page.wait_for_function(
        "(() => { const t = document.querySelector('#player track[kind=captions]').track;"
        " return t.mode === 'showing' && t.cues && t.cues.length > 0; })()"
    )
    cue = page.evaluate(
        "(() => { const t = document.querySelector('#player track[kind=captions]').track;"
        " const c = Array.from(t.cues).find(c => c.text.includes('\\n'));"
        " return {start: c.startTime, end: c.endTime, text: c.text}; })()"
    )
    page.evaluate(
        "t => { const v = document.getElementById('player'); v.currentTime = t; }",
        (cue["start"] + cue["end"]) / 2,
    )
    page.wait_for_function("document.querySelectorAll('#audio-captions span').length === 2")
    return cue


@pytest.mark.parametrize("viewport", [(1366, 900), (390, 844)], ids=["desktop", "phone"])
def test_both_caption_lines_show_inside_the_player_above_its_controls(
    page: Page, audio_site: str, viewport: tuple[int, int]
) -> None:
    page.set_viewport_size({"width": viewport[0], "height": viewport[1]})
    cue = open_at_a_two_line_caption(page, audio_site)
    spans = page.locator("#audio-captions span")
    expected = [line.split(">")[-1] for line in cue["text"].split("\n")]
    assert spans.all_inner_texts() == expected
    frame = page.locator(".player-frame").bounding_box()
    assert frame is not None and frame["y"] >= 0
    assert frame["y"] + frame["height"] <= viewport[1]
    for index in range(2):
        line = spans.nth(index).bounding_box()
        assert line is not None
        assert line["x"] >= frame["x"] and line["x"] + line["width"] <= frame["x"] + frame["width"]
        assert line["y"] >= frame["y"]
        assert line["y"] + line["height"] <= frame["y"] + frame["height"] - CONTROLS_PX
    first, second = (spans.nth(i).bounding_box() for i in range(2))
    assert first["y"] + first["height"] <= second["y"] + 0.5  # one above the other
    page.screenshot(path=f"/tmp/audio-captions-{viewport[0]}.png")


def test_a_sound_only_session_shows_its_title_over_a_plain_visual(
    page: Page, audio_site: str
) -> None:
    page.goto(f"{audio_site}/sessions/{SLUG}")
    art = page.locator(".audio-art")
    expect(art).to_be_visible()
    expect(art.locator(".art-title")).to_contain_text("start-up")
    box, frame = art.bounding_box(), page.locator(".player-frame").bounding_box()
    assert box == frame  # the visual fills the player, not a black band


def test_turning_captions_off_hides_them(page: Page, audio_site: str) -> None:
    open_at_a_two_line_caption(page, audio_site)
    page.evaluate("document.querySelector('#player track[kind=captions]').track.mode = 'disabled'")
    expect(page.locator("#audio-captions")).to_be_hidden()
    page.evaluate("document.querySelector('#player track[kind=captions]').track.mode = 'showing'")
    expect(page.locator("#audio-captions span")).to_have_count(2)


def test_a_sound_only_session_shows_its_artwork_and_captions_over_it(
    page: Page, artwork_site: str
) -> None:
    open_at_a_two_line_caption(page, artwork_site)
    artwork = page.locator(".audio-art img")
    expect(artwork).to_be_visible()
    page.wait_for_function("document.querySelector('.audio-art img').naturalWidth === 320")
    assert artwork.bounding_box() == page.locator(".player-frame").bounding_box()
    expect(page.locator("#audio-captions span")).to_have_count(2)
    page.screenshot(path="/tmp/audio-captions-artwork.png")
