"""The strict Content-Security-Policy breaks nothing: Chromium reports no violation on any page.

Each page is used, not only opened (the player seeks, a quote is cited, the
workspace editor opens), since scripts can add inline styles after load. The
other browser tests bypass the CSP (Playwright's wait_for_function needs eval);
this module keeps it on, so it waits with promises and locators only.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from core.accounts import create_user
from core.catalogue import open_catalogue
from tests.browser.helpers import SESSION, select_words
from tests.portal.builders import SLUG, BuiltArchive
from tests.portal.workspace_fixtures import PASSWORD

pytestmark = pytest.mark.browser

# Playwright's init scripts run outside the page's CSP, so this listener always runs.
LISTEN = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => window.__cspViolations.push(
  `${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`));
"""


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    """The shared context settings, with the CSP enforced as a visitor's browser does."""
    return {**browser_context_args, "bypass_csp": False}


def open_session(page: Page) -> None:
    """Open the session page and wait for the media's metadata (no eval-polling: CSP is on)."""
    page.goto(SESSION)
    page.locator("#player").evaluate(
        "v => v.readyState >= 1 || new Promise(done =>"
        " v.addEventListener('loadedmetadata', () => done(true), {once: true}))"
    )


@pytest.fixture
def watched(page: Page) -> Iterator[Page]:
    """A page whose CSP violations (console errors and events) fail the test at the end."""
    console: list[str] = []
    page.on(
        "console",
        lambda m: (
            console.append(m.text)
            if m.type == "error" and "Content Security Policy" in m.text
            else None
        ),
    )
    page.add_init_script(LISTEN)
    yield page
    assert console == []


def _violations(page: Page) -> list[str]:
    return page.evaluate("window.__cspViolations")


@pytest.fixture(scope="module")
def csp_account(browser_archive: BuiltArchive) -> str:
    """An archivist in the shared browser archive (its name says what it is for)."""
    catalogue = open_catalogue(browser_archive.settings)
    with catalogue.session() as db:
        create_user(db, "csp-check", PASSWORD, "archivist")
    catalogue.dispose()
    return "csp-check"


def test_public_pages_raise_no_csp_violation(watched: Page):
    page = watched
    for path in ("/", "/search?q=capteurs", "/speakers/pierre-saulnier", "/auth/login"):
        response = page.goto(path)
        assert "style-src 'self'" in response.headers["content-security-policy"]
        page.wait_for_load_state("load")
        assert _violations(page) == [], path
    page.goto(SESSION + "?q=collectivités")
    expect(page.locator("#transcript mark")).to_have_count(2)
    assert _violations(page) == []


def test_the_session_player_transcript_and_cite_dialog_raise_no_csp_violation(watched: Page):
    page = watched
    open_session(page)
    # The turns' intrinsic sizes come from player.js now, not from style attributes.
    turn = page.locator(".turn[data-h]").nth(1)
    size = turn.evaluate("t => getComputedStyle(t).containIntrinsicHeight")
    assert size == f"auto {turn.get_attribute('data-h')}px"
    page.locator(".ln[data-s='24100']").click()
    expect(page.locator(".ln.is-current")).to_have_attribute("data-s", "24100")
    select_words(page, 24_100, "données", "collectivités")
    page.locator("#cite-selection").click()
    expect(page.locator("#cite-dialog")).to_be_visible()
    expect(page.locator("#cite-quote")).to_have_text("données ouvertes des collectivités")
    page.keyboard.press("Escape")
    assert _violations(page) == []


def test_workspace_pages_raise_no_csp_violation(watched: Page, csp_account: str):
    page = watched
    page.goto("/auth/login")
    page.get_by_label(re.compile("User name|Nom d", re.I)).fill(csp_account)
    page.get_by_label(re.compile("Password|Mot de passe", re.I)).fill(PASSWORD)
    page.locator("form.ws-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/workspace/$"))
    for path in (
        "/workspace/",
        f"/workspace/sessions/{SLUG}",
        f"/workspace/sessions/{SLUG}/transcript",
        "/workspace/upload",
        "/workspace/jobs",
    ):
        assert page.goto(path).status == 200, path
        page.wait_for_load_state("load")
        assert _violations(page) == [], path
