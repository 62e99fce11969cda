"""Search hits and citations in a real browser: each lands on the exact moment."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import (
    current_line_start_ms,
    open_session,
    select_words,
    wait_video_near,
)

pytestmark = pytest.mark.browser


def test_a_search_hit_opens_the_session_at_the_hit_second(page: Page):
    page.goto("/search?q=capteurs")
    hit = page.locator(".hit-link").first
    expect(hit).to_contain_text("0:28 — Arnaud Brun (Tenevia)")
    hit.click()
    page.wait_for_url("**/sessions/*?t=28&q=capteurs")
    page.wait_for_function("document.getElementById('player').readyState >= 1")
    wait_video_near(page, 28)
    assert current_line_start_ms(page) == 28_200


def test_searching_within_a_session_marks_the_transcript(page: Page):
    open_session(page, "?q=collectivités")
    marks = page.locator("#transcript mark")
    expect(marks).to_have_count(2)
    second = page.locator(".hit-list a").nth(1)
    seconds = int(second.get_attribute("data-seek")) / 1000
    second.click()
    wait_video_near(page, seconds)


def test_cite_dialog_gives_a_permalink_that_reproduces_the_moment(page: Page):
    open_session(page)
    select_words(page, 24_100, "données", "collectivités")
    button = page.locator("#cite-selection")
    expect(button).to_be_visible()
    button.click()
    dialog = page.locator("#cite-dialog")
    expect(dialog).to_be_visible()
    expect(page.locator("#cite-quote")).to_have_text("données ouvertes des collectivités")
    expect(page.locator("#cite-text")).to_have_value(
        __import__("re").compile(r"^Pierre Saulnier \(Neocity\), « données ouvertes")
    )
    expect(page.locator("#cite-bibtex")).to_have_value(__import__("re").compile(r"^@misc\{"))
    permalink = page.locator("#cite-permalink").input_value()
    clip = page.locator("#cite-clip").input_value()
    assert "v=1" in permalink and "end=" in clip
    page.goto(permalink)
    page.wait_for_function("document.getElementById('player').readyState >= 1")
    wait_video_near(page, 24.55, tolerance_s=0.1)  # "données", the first word quoted
    assert current_line_start_ms(page) == 24_100


def test_cite_dialog_works_from_the_keyboard_and_copies(page: Page, context):
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    open_session(page)
    page.locator('.ln[tabindex="0"]').focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("c")
    dialog = page.locator("#cite-dialog")
    expect(dialog).to_be_visible()
    expect(page.locator("#cite-quote")).to_have_text(
        "Le PUCA accompagne ce séminaire depuis le premier cycle."
    )
    page.locator("button.copy[data-copy='cite-permalink']").click()
    expect(page.locator("#cite-status")).to_have_text("Copié dans le presse-papiers")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.endswith("?t=4.8&v=1")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(page.locator(".ln:focus")).to_have_attribute("data-s", "4800")


def _cite_selected_words(page: Page) -> None:
    select_words(page, 24_100, "données", "collectivités")
    page.locator("#cite-selection").click()
    expect(page.locator("#cite-dialog")).to_be_visible()


def test_cite_dialog_on_a_french_page_cites_in_french_whatever_the_browser_prefers(
    browser, base_url: str
):
    """A French session page read with an English browser: the dialog speaks the page's language."""
    context = browser.new_context(
        base_url=base_url,
        locale="en-US",
        viewport={"width": 390, "height": 844},
        bypass_csp=True,
    )
    page = context.new_page()
    try:
        open_session(page)
        expect(page.locator("html")).to_have_attribute("lang", "fr")
        _cite_selected_words(page)
        expect(page.locator("#cite-h")).to_have_text("Citer 0:00:24–0:00:26")
        expect(page.locator("#cite-text")).to_have_value(
            re.compile(r"« données ouvertes des collectivités », dans « .*, à 0:00:24–0:00:26, ")
        )
        text = page.locator("#cite-text").input_value()
        assert "version 1 de la transcription. http://" in text
        expect(page.locator("#cite-bibtex")).to_have_value(
            re.compile(r"\[0:00:24--0:00:26, version 1 de la transcription\]")
        )
        page.screenshot(path="/tmp/cite-dialog-fr-phone.png")
    finally:
        context.close()


def test_cite_dialog_on_an_english_page_cites_in_english_and_names_the_range(page: Page):
    open_session(page, "?lang=en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    _cite_selected_words(page)
    expect(page.locator("#cite-h")).to_have_text("Quote & cite 0:00:24–0:00:26")
    expect(page.locator("#cite-text")).to_have_value(
        re.compile(r"“données ouvertes des collectivités”, in “.*, at 0:00:24–0:00:26, ")
    )
    csl = page.locator("#cite-csl").input_value()
    assert "[0:00:24–0:00:26, transcript version 1]" in csl and "?t=24.6&v=1" in csl
    page.screenshot(path="/tmp/cite-dialog-en-desktop.png")
