"""Accessibility checks in a real browser: axe-core, names, keyboard entry points, contrast."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.browser.helpers import SESSION, open_session

pytestmark = pytest.mark.browser

# Every kind of public page: a session with a recording and one with its programme only.
AXE_PAGES = {
    "home": "/",
    "session": SESSION,
    "session-search": SESSION + "?q=collectivités",
    "programme-only": "/sessions/2017-01-27-politiques-de-la-ville-intelligente",
    "search": "/search?q=capteurs",
    "speaker": "/speakers/pierre-saulnier",
    "series": "/series/ville-intelligente-cycle-2",
}
WIDTHS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1366, "height": 900}}


@pytest.fixture(scope="module")
def axe() -> Axe:
    """axe-core, as the axe-playwright-python package bundles it (injected page by page)."""
    return Axe()


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("name", AXE_PAGES)
def test_axe_core_finds_no_violation(page: Page, axe: Axe, name, lang, width):
    page.set_viewport_size(WIDTHS[width])
    url = AXE_PAGES[name]
    page.goto(url + ("&" if "?" in url else "?") + f"lang={lang}")
    violations = axe.run(page).response["violations"]
    found = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in violations]
    assert found == []


UNNAMED_CONTROLS = """
() => Array.from(document.querySelectorAll('a[href], button, input, select, textarea'))
  .filter(el => el.offsetParent !== null && el.type !== 'hidden')
  .filter(el => {
    const labelled = el.getAttribute('aria-label') || el.getAttribute('aria-labelledby')
      || (el.labels && el.labels.length) || el.getAttribute('title');
    const text = (el.textContent || '').trim();
    return !labelled && !(['A', 'BUTTON'].includes(el.tagName) && text);
  })
  .map(el => el.outerHTML.slice(0, 120))
"""

# Text elements whose colour contrast with their (solid) background is under 4.5:1.
LOW_CONTRAST = """
() => {
  const lum = c => { const v = c.match(/[\\d.]+/g).slice(0, 3).map(Number).map(x => x / 255)
      .map(x => x <= 0.03928 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4));
    return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2]; };
  const background = el => {
    for (let e = el; e; e = e.parentElement) {
      const s = getComputedStyle(e);
      if (s.backgroundImage !== 'none') return null;  // gradients: checked by eye
      const m = s.backgroundColor.match(/[\\d.]+/g);
      if (m && (m.length < 4 || +m[3] > 0.9)) return s.backgroundColor;
    }
    return 'rgb(255, 255, 255)';
  };
  const bad = [];
  for (const el of document.querySelectorAll('body *')) {
    if (el.offsetParent === null) continue;
    const own = Array.from(el.childNodes).some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own || el.closest('video, [aria-hidden="true"]')) continue;
    const bg = background(el); if (!bg) continue;
    const a = lum(getComputedStyle(el).color), b = lum(bg);
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < 4.5) bad.push(`${el.tagName}.${el.className}: ${ratio.toFixed(2)}`);
  }
  return bad;
}
"""


@pytest.mark.parametrize(
    "url", ["/", SESSION + "?q=collectivités", "/search?q=capteurs", "/speakers/pierre-saulnier"]
)
def test_every_control_has_a_name_and_text_meets_aa_contrast(page: Page, url):
    page.goto(url)
    assert page.evaluate(UNNAMED_CONTROLS) == []
    assert page.evaluate(LOW_CONTRAST) == []


SEARCH_LANDMARK_NAMES = """
() => Array.from(document.querySelectorAll('[role="search"]'))
  .filter(el => el.offsetParent !== null)
  .map(el => el.getAttribute('aria-label')
    || (document.getElementById(el.getAttribute('aria-labelledby')) || {}).textContent || '')
  .map(name => name.trim())
"""


@pytest.mark.parametrize("name", ["home", "session", "speaker", "search"])
def test_each_search_form_is_a_landmark_with_a_name_of_its_own(page: Page, name):
    page.goto(AXE_PAGES[name])
    names = page.evaluate(SEARCH_LANDMARK_NAMES)
    assert names and all(names), names
    assert len(set(names)) == len(names)


def test_skip_link_is_the_first_stop_and_leads_to_the_content(page: Page):
    page.goto("/search?q=capteurs")
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()


def test_focus_is_visible_on_transcript_lines(page: Page):
    open_session(page)
    page.locator('.ln[tabindex="0"]').focus()
    page.keyboard.press("ArrowDown")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"


def test_the_transcript_is_one_tab_stop(page: Page):
    open_session(page)
    assert page.locator("#transcript [tabindex='0']").count() == 1
    assert page.locator("#transcript a:not([tabindex='-1'])").count() == 0
