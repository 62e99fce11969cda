"""Small waits shared by the browser tests: conditions, never sleeps."""

from __future__ import annotations

from playwright.sync_api import Page

from tests.portal.builders import SLUG

SESSION = f"/sessions/{SLUG}"


def open_session(page: Page, query: str = "") -> None:
    """Open the session page and wait until the player knows the media's duration."""
    page.goto(SESSION + query)
    page.wait_for_function("document.getElementById('player').readyState >= 1")


def video_time_s(page: Page) -> float:
    """Return the player's current time in seconds."""
    return page.evaluate("document.getElementById('player').currentTime")


def wait_video_near(page: Page, seconds: float, tolerance_s: float = 0.35) -> None:
    """Wait until the player stands within tolerance of a time."""
    page.wait_for_function(
        "([t, tol]) => Math.abs(document.getElementById('player').currentTime - t) <= tol",
        arg=[seconds, tolerance_s],
        timeout=10_000,
    )


def current_line_start_ms(page: Page) -> int:
    """Return data-s of the highlighted transcript line."""
    return int(page.locator(".ln.is-current").get_attribute("data-s"))


def line_visible_in_pane(page: Page, start_ms: int, timeout_ms: int = 2000) -> bool:
    """Say whether the line starting at start_ms is, or comes within timeout_ms, in view.

    The player scrolls short distances smoothly: a line it is bringing into
    view counts once the scroll has arrived, checked on each animation frame.
    """
    return page.evaluate(
        """([s, timeout]) => new Promise(done => {
             const pane = document.getElementById('transcript');
             const line = pane.querySelector(`.ln[data-s="${s}"]`);
             const until = performance.now() + timeout;
             const check = () => {
               const a = pane.getBoundingClientRect(), b = line.getBoundingClientRect();
               if (b.top >= a.top - 1 && b.bottom <= a.bottom + 1) return done(true);
               if (performance.now() > until) return done(false);
               requestAnimationFrame(check);
             };
             check();
           })""",
        [start_ms, timeout_ms],
    )


def word_center(page: Page, start_ms: int, word: str) -> dict:
    """Return the viewport coordinates of the middle of a word in a line."""
    return page.evaluate(
        """([s, word]) => {
             const line = document.querySelector(`.ln[data-s="${s}"]`);
             line.scrollIntoView({block: "center"});
             const node = line.firstChild, at = node.textContent.indexOf(word);
             const range = document.createRange();
             range.setStart(node, at); range.setEnd(node, at + word.length);
             const r = range.getBoundingClientRect();
             return {x: r.left + r.width / 2, y: r.top + r.height / 2}; }""",
        [start_ms, word],
    )


def select_words(page: Page, start_ms: int, first: str, last: str) -> None:
    """Select the text of a line from the first word to the end of the last one."""
    page.evaluate(
        """([s, first, last]) => {
             const line = document.querySelector(`.ln[data-s="${s}"]`);
             const node = line.firstChild, text = node.textContent;
             const range = document.createRange();
             range.setStart(node, text.indexOf(first));
             range.setEnd(node, text.indexOf(last) + last.length);
             const sel = window.getSelection(); sel.removeAllRanges(); sel.addRange(range); }""",
        [start_ms, first, last],
    )
