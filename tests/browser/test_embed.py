"""Another site embeds a session: the oEmbed iframe plays from t, with the CSP on.

The other site is a tiny HTML page served from a second loopback port under
the name `localhost` (the portal is `127.0.0.1`): another origin and another
site, as a blog would be. It pastes the iframe our /oembed gave it. The CSP is
enforced (no eval-polling: waits are promises and locators).
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlencode, urlsplit
from urllib.request import urlopen

import pytest
from playwright.sync_api import Frame, Page, expect

from tests.portal.builders import SLUG

pytestmark = pytest.mark.browser

LISTEN = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => window.__cspViolations.push(
  `${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`));
"""
SHOTS = Path("/tmp")


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    """The shared context settings, with the CSP enforced as a visitor's browser does."""
    return {**browser_context_args, "bypass_csp": False}


@pytest.fixture(scope="module")
def other_site() -> Iterator[tuple[str, dict[str, str]]]:
    """A second web server on loopback; yield its base URL and its pages (path -> HTML)."""
    pages: dict[str, str] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            body = pages.get(self.path, "not here").encode()
            self.send_response(200 if self.path in pages else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://localhost:{server.server_port}", pages
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()


def blog_post(iframe: str) -> str:
    """Return another site's page with a pasted iframe."""
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        "<title>A blog</title></head><body><h1>A post about a seminar</h1>"
        f"<p>Listen from the right moment:</p>{iframe}<p>After the player.</p></body></html>"
    )


def oembed_iframe(live_server: str, url: str, **bounds: int) -> str:
    """Ask the portal's oEmbed endpoint for a URL's iframe, as a blog engine does."""
    query = urlencode({"url": url, **bounds})
    with urlopen(f"{live_server}/oembed?{query}", timeout=10) as response:
        return json.load(response)["html"]


@pytest.fixture
def watched(page: Page) -> Iterator[tuple[Page, list[str]]]:
    """A page whose CSP messages (all frames) are collected; none allowed unless a test says."""
    console: list[str] = []
    page.on(
        "console",
        lambda m: console.append(m.text) if "Content Security Policy" in m.text else None,
    )
    page.add_init_script(LISTEN)  # runs in every frame, outside the frame's CSP
    yield page, console


def player_frame(page: Page) -> Frame:
    frame = page.locator("iframe").element_handle().content_frame()
    assert frame is not None
    # The iframe may still be on its initial empty document: wait for the player's page.
    frame.wait_for_url(re.compile(r"^https?://"))
    frame.wait_for_load_state("domcontentloaded")
    return frame


def wait_seeked_near(frame: Frame, seconds: float) -> float:
    """Wait (by promise, the CSP forbids eval-polling) until the player is near a time."""
    return frame.locator("#player").evaluate(
        """(v, t) => new Promise(done => {
             const check = () => {
               if (v.readyState >= 1 && Math.abs(v.currentTime - t) < 0.5) done(v.currentTime);
             };
             ["loadedmetadata", "seeked", "timeupdate"].forEach(e => v.addEventListener(e, check));
             check();
           })""",
        seconds,
    )


@pytest.mark.parametrize(("width", "height", "name"), [(1366, 900, "desktop"), (390, 844, "phone")])
def test_an_oembed_iframe_on_another_site_plays_from_t(
    watched, live_server: str, other_site, width: int, height: int, name: str
) -> None:
    page, console = watched
    page.set_viewport_size({"width": width, "height": height})
    base, pages = other_site
    iframe = oembed_iframe(
        live_server, f"{live_server}/sessions/{SLUG}?t=21", maxwidth=min(width - 40, 800)
    )
    pages[f"/{name}.html"] = blog_post(iframe)
    page.goto(f"{base}/{name}.html")
    frame = player_frame(page)
    assert urlsplit(frame.url).netloc == urlsplit(live_server).netloc  # really another origin
    assert wait_seeked_near(frame, 21.0) == pytest.approx(21.0, abs=0.5)
    expect(frame.locator("#line-text")).to_have_text(
        "Neocity propose des applications pour impliquer les usagers."
    )
    expect(frame.locator("#session-link")).to_have_attribute(
        "href", f"{live_server}/sessions/{SLUG}?t=21"
    )
    # Everything fits in the iframe: the player, the line and the link, no scrolling.
    layout = frame.evaluate(
        """() => {
             const r = (id) => document.getElementById(id).getBoundingClientRect();
             return {scroll: document.documentElement.scrollWidth, inner: innerWidth,
                     height: innerHeight, player: r("player").height,
                     line: r("line").bottom, link: r("session-link").bottom};
           }"""
    )
    assert layout["scroll"] <= layout["inner"]
    assert layout["player"] >= 150
    assert layout["line"] <= layout["link"] <= layout["height"]
    page.screenshot(path=str(SHOTS / f"embed-{name}.png"))
    # Playing: the time moves on from t, and the line and the link follow the captions.
    frame.locator("#player").evaluate("v => { v.muted = true; return v.play(); }")
    frame.locator("#player").evaluate(
        "v => new Promise(done => { v.currentTime = 29; v.addEventListener('seeked', done,"
        " {once: true}); })"
    )
    expect(frame.locator("#line-text")).to_have_text(
        "Nos capteurs surveillent la qualité des rivières.", timeout=10_000
    )
    expect(frame.locator("#line-speaker")).to_have_text("Arnaud Brun")
    expect(frame.locator("#session-link")).to_have_attribute(
        "href", f"{live_server}/sessions/{SLUG}?t=29", timeout=10_000
    )
    assert frame.evaluate("window.__cspViolations") == []
    assert console == []


def test_a_clip_embed_stops_at_its_end(watched, live_server: str, other_site) -> None:
    page, console = watched
    base, pages = other_site
    pages["/clip.html"] = blog_post(
        oembed_iframe(live_server, f"{live_server}/sessions/{SLUG}#t=20,21.5")
    )
    page.goto(f"{base}/clip.html")
    frame = player_frame(page)
    wait_seeked_near(frame, 20.0)
    paused_at = frame.locator("#player").evaluate(
        """v => new Promise(done => { v.muted = true;
             v.addEventListener("pause", () => done(v.currentTime), {once: true}); v.play(); })"""
    )
    assert 21.3 <= paused_at <= 22.2
    assert console == []


def test_the_session_page_itself_cannot_be_framed_by_another_site(
    watched, live_server: str, other_site
) -> None:
    page, console = watched
    base, pages = other_site
    pages["/steal.html"] = blog_post(
        f'<iframe src="{live_server}/sessions/{SLUG}" width="600" height="400"></iframe>'
    )
    page.goto(f"{base}/steal.html")
    page.wait_for_load_state("load")
    frame = page.locator("iframe").element_handle().content_frame()
    # Chromium refuses it (frame-ancestors 'none'): the frame shows no portal page.
    assert frame is None or frame.locator("#session").count() == 0
    assert any("frame-ancestors" in message for message in console)
