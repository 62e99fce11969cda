"""The transcript editor without a mouse, in Chromium: split, join, replay, speed.

A 3-hour session is corrected with the keyboard: the hands stay on the keys
while the recording is replayed, slowed, and segments are cut or joined.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_workspace_flow import sign_in
from tests.portal.builders import LINES, SLUG, build_archive
from tests.support.live import serve_for_archivists

pytestmark = pytest.mark.browser

RIVERS = 6  # "Nos capteurs surveillent la qualité des rivières."


@pytest.fixture(scope="session")
def base_url() -> None:
    """No base URL: this test runs its own portal, on an archive it changes."""
    return None


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    archive = build_archive(tmp_path_factory.mktemp("keyboard-browser") / "home")
    yield from serve_for_archivists(archive.settings.home, ARCHIVE_QUEUE_IMMEDIATE=True)


def _put_cursor_after(page: Page, position: int, words: int) -> None:
    text = page.locator(f"li#seg-{position + 1} .ws-text")
    text.focus()
    text.evaluate(
        "(el, n) => { const parts = el.value.split(' ');"
        " const at = parts.slice(0, n).join(' ').length + 1; el.setSelectionRange(at, at); }",
        words,
    )


def test_alt_enter_splits_at_the_cursor_and_alt_backspace_joins_back(page: Page, live: str):
    sign_in(page, live)
    page.goto(f"{live}/workspace/sessions/{SLUG}/transcript")
    segments = page.locator("li.ws-segment")
    expect(segments).to_have_count(len(LINES))
    _put_cursor_after(page, RIVERS, 3)  # "Nos capteurs surveillent | la qualité des rivières."
    page.keyboard.press("Alt+Enter")
    expect(segments).to_have_count(len(LINES) + 1)
    expect(page.locator(f"li#seg-{RIVERS + 1} .ws-text")).to_have_value("Nos capteurs surveillent")
    second = page.locator(f"li#seg-{RIVERS + 2} .ws-text")
    expect(second).to_have_value("la qualité des rivières.")
    expect(page.locator(".ws-flash-success")).to_be_visible()
    # Same speaker on both halves: a cut is not a change of speaker.
    speakers = page.locator(f"li#seg-{RIVERS + 1} .ws-speaker, li#seg-{RIVERS + 2} .ws-speaker")
    expect(speakers.nth(0)).to_have_value("arnaud-brun")
    expect(speakers.nth(1)).to_have_value("arnaud-brun")
    second.focus()
    second.evaluate("el => el.setSelectionRange(0, 0)")
    page.keyboard.press("Alt+Backspace")
    expect(segments).to_have_count(len(LINES))
    expect(page.locator(f"li#seg-{RIVERS + 1} .ws-text")).to_have_value(LINES[RIVERS][3])


def test_unsaved_text_is_not_lost_by_a_split(page: Page, live: str):
    sign_in(page, live)
    page.goto(f"{live}/workspace/sessions/{SLUG}/transcript")
    text = page.locator(f"li#seg-{RIVERS + 1} .ws-text")
    text.fill(LINES[RIVERS][3] + " Et des lacs.")
    _put_cursor_after(page, RIVERS, 2)
    page.keyboard.press("Alt+Enter")
    expect(page.locator("#save-status")).to_contain_text("Ctrl+S")
    expect(text).to_have_value(LINES[RIVERS][3] + " Et des lacs.")


def test_alt_r_replays_three_seconds_and_alt_period_speeds_up(page: Page, live: str):
    sign_in(page, live)
    page.goto(f"{live}/workspace/sessions/{SLUG}/transcript")
    page.wait_for_function("document.getElementById('player').readyState >= 1")
    page.evaluate("const p = document.getElementById('player'); p.muted = true; p.currentTime = 20")
    page.wait_for_function("Math.abs(document.getElementById('player').currentTime - 20) < 0.5")
    page.keyboard.press("Alt+KeyR")
    page.wait_for_function("document.getElementById('player').currentTime < 18.5")
    assert not page.evaluate("document.getElementById('player').paused")
    page.keyboard.press("Alt+Period")
    page.keyboard.press("Alt+Period")
    assert page.evaluate("document.getElementById('player').playbackRate") == pytest.approx(1.2)
    page.keyboard.press("Alt+Comma")
    assert page.evaluate("document.getElementById('player').playbackRate") == pytest.approx(1.1)


def test_alt_v_marks_heard_segments_verified_without_changing_them(page: Page, live: str):
    sign_in(page, live)
    page.goto(f"{live}/workspace/sessions/{SLUG}/transcript")
    first, second, third = (page.locator(f"li#seg-{n}") for n in (1, 2, 3))
    expect(first).not_to_have_class("ws-segment is-verified")
    first.locator(".ws-text").focus()
    page.keyboard.press("Alt+KeyV")
    page.keyboard.press("Alt+KeyV")  # the focus moved on: this one is segment 2
    expect(third.locator(".ws-text")).to_be_focused()
    expect(first.locator(".ws-badge-pending")).to_be_visible()
    expect(page.locator("#save-status")).to_have_text("2 ✎")
    page.keyboard.press("Control+s")
    expect(page.locator("#save-status")).to_contain_text("✓ v")
    page.reload()
    for segment, line in ((first, LINES[0]), (second, LINES[1])):
        expect(segment).to_have_class("ws-segment is-verified")
        expect(segment.locator(".ws-text")).to_have_value(line[3])
    expect(third).not_to_have_class("ws-segment is-verified")


def test_a_word_typed_while_a_save_is_on_its_way_is_saved_next_time(page: Page, live: str):
    sign_in(page, live)
    page.goto(f"{live}/workspace/sessions/{SLUG}/transcript")
    editor = page.locator("#editor")
    version = int(editor.get_attribute("data-version"))
    held = []
    page.route("**/transcript", lambda route: held.append(route), times=1)
    text = page.locator("li#seg-4 .ws-text")
    text.focus()
    page.keyboard.press("End")
    page.keyboard.type(" Premier ajout.")
    page.keyboard.press("Control+s")
    page.wait_for_timeout(200)
    page.keyboard.type(" Second ajout.")  # the first save has not answered yet
    page.keyboard.press("Control+s")  # ignored: one save at a time
    assert len(held) == 1
    held[0].continue_()
    expect(editor).to_have_attribute("data-version", str(version + 1))
    expect(page.locator("#save-status")).to_have_text("1 ✎")
    page.keyboard.press("Control+s")
    expect(page.locator("#save-status")).to_contain_text("✓ v")
    page.reload()
    expect(text).to_have_value(LINES[3][3] + " Premier ajout. Second ajout.")


def test_a_segments_speaker_menu_offers_everyone_once_focused_and_its_choice_is_saved(
    page: Page, live: str
):
    sign_in(page, live)
    page.goto(f"{live}/workspace/sessions/{SLUG}/transcript")
    menu = page.locator("li#seg-2 .ws-speaker")
    expect(menu).to_have_value("francois-menard")
    expect(menu.locator("option")).to_have_count(1)  # the page carries one list, not 12
    menu.focus()
    expect(menu).to_have_value("francois-menard")
    assert menu.locator("option").count() > 10
    page.keyboard.press("ArrowDown")  # a closed menu takes the next person
    chosen = menu.input_value()
    assert chosen not in ("francois-menard", "")
    page.keyboard.press("Control+s")
    expect(page.locator("#save-status")).to_contain_text("✓ v")
    page.reload()
    expect(page.locator("li#seg-2 .ws-speaker")).to_have_value(chosen)


def test_a_new_segment_left_empty_is_not_sent_and_does_not_stop_the_save(page: Page, live: str):
    sign_in(page, live)
    page.goto(f"{live}/workspace/sessions/{SLUG}/transcript")
    segments = page.locator("li.ws-segment")
    count = segments.count()
    first = page.locator("li#seg-1 .ws-text")
    first.focus()
    page.keyboard.press("Alt+KeyI")
    first.focus()
    page.keyboard.press("Alt+KeyI")  # the same silence again: back to its new segment
    expect(page.locator("li.ws-segment.is-new")).to_have_count(1)
    expect(page.locator("li.ws-segment.is-new .ws-text")).to_be_focused()
    page.keyboard.press("Alt+KeyV")  # a new segment has nothing to verify: no error
    third = page.locator("li#seg-3 .ws-text")
    third.focus()
    page.keyboard.press("End")
    page.keyboard.type(" Merci.")
    page.keyboard.press("Control+s")
    expect(page.locator("#save-status")).to_contain_text("✓ v")
    page.reload()
    expect(segments).to_have_count(count)  # the empty new segment was not stored
    expect(third).to_have_value(re.compile(r" Merci\.$"))


def test_alt_i_types_a_new_segment_into_the_silence_after_one(page: Page, live: str):
    sign_in(page, live)
    page.goto(f"{live}/workspace/sessions/{SLUG}/transcript")
    segments = page.locator("li.ws-segment")
    count = segments.count()
    following = page.locator("li#seg-2 .ws-text").input_value()
    page.locator("li#seg-1 .ws-text").focus()  # #1 ends at 4.5 s, #2 starts at 4.8 s
    page.keyboard.press("Alt+KeyI")
    page.keyboard.type("Et bienvenue aux étudiants.")
    expect(page.locator("#save-status")).to_have_text("1 ✎")
    page.keyboard.press("Control+s")
    expect(segments).to_have_count(count + 1)  # saved, and the page redrawn with it
    new = page.locator("li#seg-2 .ws-text")
    expect(new).to_have_value("Et bienvenue aux étudiants.")
    expect(new).to_be_focused()
    expect(page.locator("li#seg-2")).to_have_class("ws-segment is-verified")
    expect(page.locator("li#seg-3 .ws-text")).to_have_value(following)


def test_emptying_a_segment_removes_it_at_the_save_and_the_cursor_stays_there(
    page: Page, live: str
):
    # Last in this module: it leaves the archive one segment shorter.
    sign_in(page, live)
    page.goto(f"{live}/workspace/sessions/{SLUG}/transcript")
    segments = page.locator("li.ws-segment")
    count = segments.count()
    following = page.locator("li#seg-3 .ws-text").input_value()
    page.locator("li#seg-2 .ws-text").focus()
    page.keyboard.press("Control+a")
    page.keyboard.press("Delete")
    page.keyboard.press("Control+s")
    expect(segments).to_have_count(count - 1)  # saved, and the page redrawn without it
    expect(page.locator("li#seg-2 .ws-text")).to_have_value(following)
    expect(page.locator("li#seg-2 .ws-text")).to_be_focused()
