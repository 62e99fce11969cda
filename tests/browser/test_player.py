"""The session page in a real browser: seeking, following, ?t=, #t=, keyboard."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import (
    SESSION,
    current_line_start_ms,
    line_visible_in_pane,
    open_session,
    video_time_s,
    wait_video_near,
    word_center,
)

pytestmark = pytest.mark.browser

CAPTEURS_MS = 28_200  # "Nos capteurs surveillent la qualité des rivières." (7 words, 400 ms apart)


def test_clicking_a_line_seeks_the_video_to_that_line(page: Page):
    open_session(page)
    line = page.locator(f'.ln[data-s="{CAPTEURS_MS}"]')
    line.click(position={"x": 3, "y": 5})  # the line's left edge: its first word
    wait_video_near(page, 28.2)
    assert current_line_start_ms(page) == CAPTEURS_MS
    expect(page.locator("#now-item")).to_contain_text("Solutions de surveillance")


def test_clicking_a_word_seeks_to_that_word(page: Page):
    open_session(page)
    point = word_center(page, CAPTEURS_MS, "rivières")
    page.mouse.click(point["x"], point["y"])
    wait_video_near(page, 30.6)  # the 7th word starts 6 x 400 ms after the line


def test_playing_moves_the_highlight_and_keeps_it_in_view(page: Page):
    open_session(page, "?t=19")
    wait_video_near(page, 19)
    assert current_line_start_ms(page) == 15_000
    page.evaluate("const v = document.getElementById('player'); v.muted = true; v.play()")
    page.wait_for_function(
        "document.querySelector('.ln.is-current')?.dataset.s === '20300'", timeout=10_000
    )
    assert video_time_s(page) >= 19.25  # the next line lights up in the silence before it
    page.wait_for_function("document.getElementById('transcript').scrollTop > 0")
    page.wait_for_function(
        "(() => { const p = document.getElementById('transcript').getBoundingClientRect();"
        " const l = document.querySelector('.ln.is-current').getBoundingClientRect();"
        " return l.top >= p.top && l.bottom <= p.bottom; })()"
    )


@pytest.mark.parametrize(
    "t, seconds, line_ms",
    [
        ("25", 25, 24_100),
        ("0m35s", 35, 34_300),
        ("28", 28, 28_200),
        ("0h00m12s", 12, 10_200),
        ("0:30", 30, 28_200),
        ("0:31", 31, 31_200),
    ],
)
def test_t_opens_the_page_at_that_second(page: Page, t, seconds, line_ms):
    open_session(page, f"?t={t}")
    wait_video_near(page, seconds)
    assert current_line_start_ms(page) == line_ms
    page.wait_for_function(f"document.querySelector('.ln[data-s=\"{line_ms}\"]') !== null")
    assert line_visible_in_pane(page, line_ms)


def test_media_fragment_plays_a_clip_and_stops_at_its_end(page: Page):
    page.goto(SESSION + "#t=31,32.5")
    # The browser fixture allows autoplay, as a reader's click on a clip link would.
    page.wait_for_function(
        "(() => { const v = document.getElementById('player');"
        " return v.paused && v.currentTime > 32.2; })()",
        timeout=15_000,
    )
    assert video_time_s(page) < 33.5
    assert current_line_start_ms(page) == 31_200


def test_scrolling_away_stops_following_until_asked(page: Page):
    open_session(page, "?t=36")
    wait_video_near(page, 36)
    follow = page.locator("#follow")
    expect(follow).to_be_hidden()
    page.locator("#transcript").hover()
    page.mouse.wheel(0, -2000)
    page.wait_for_function("document.getElementById('transcript').scrollTop === 0")
    expect(follow).to_be_visible()
    follow.click()
    expect(follow).to_be_hidden()
    page.wait_for_function(
        "(() => { const p = document.getElementById('transcript').getBoundingClientRect();"
        " const l = document.querySelector('.ln.is-current').getBoundingClientRect();"
        " return l.top >= p.top && l.bottom <= p.bottom; })()"
    )


def test_keyboard_moves_between_lines_and_plays_from_one(page: Page):
    open_session(page)
    page.locator('.ln[tabindex="0"]').focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(page.locator(".ln:focus")).to_have_attribute("data-s", "10200")
    page.keyboard.press("Enter")
    wait_video_near(page, 10.2)


def test_chapters_jump_to_their_talk(page: Page):
    open_session(page)
    page.get_by_role("link", name="Solutions de gestion foncière").click()
    wait_video_near(page, 34)
    expect(page.locator(".chapter.is-current")).to_contain_text("gestion foncière")


def test_captions_are_showing_by_default(page: Page):
    open_session(page)
    page.wait_for_function(
        "Array.from(document.getElementById('player').textTracks)"
        ".some(t => t.kind === 'captions' && t.mode === 'showing' && t.cues && t.cues.length > 0)"
    )
    cue = page.evaluate(
        "Array.from(document.getElementById('player').textTracks)"
        ".find(t => t.kind === 'captions').cues[0].text"
    )
    assert cue.startswith("<v Gilles Jeannot>Bonjour")
