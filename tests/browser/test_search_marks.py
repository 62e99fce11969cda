"""A search hit opens its session at the hit's second with the matched words marked."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import current_line_start_ms, line_visible_in_pane, wait_video_near

pytestmark = pytest.mark.browser


def test_a_hit_opens_at_its_line_with_the_word_marked_and_in_view(page: Page):
    page.goto("/search?q=collectivités")
    hit = page.locator(".hit-link", has_text="La gestion foncière")
    expect(hit.locator(".tc")).to_have_text("0:36")  # the session page's clock, not 00:00:36
    hit.click()
    page.wait_for_url("**/sessions/*?t=36&q=collectivit%C3%A9s")
    page.wait_for_function("document.getElementById('player').readyState >= 1")
    wait_video_near(page, 36)
    assert current_line_start_ms(page) == 34_300
    line = page.locator(".ln.is-current")
    expect(line.locator("mark")).to_have_text("collectivités")
    page.wait_for_function(
        "() => { const p = document.getElementById('transcript'),"
        " l = p.querySelector('.ln.is-current'), a = p.getBoundingClientRect(),"
        " b = l.getBoundingClientRect(); return b.top >= a.top - 1 && b.bottom <= a.bottom + 1; }"
    )
    assert line_visible_in_pane(page, 34_300)
    # The other passage of the session is marked too, where the reader will scroll.
    expect(page.locator("#transcript mark")).to_have_count(2)
