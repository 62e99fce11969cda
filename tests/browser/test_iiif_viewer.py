"""A real IIIF AV viewer, on another site, plays a session from our manifest.

The Universal Viewer's prebuilt bundle comes from its npm package (fetched once
with `npm pack` into ~/.cache, checked against the pinned sha512, then offline):
it is what many libraries deploy. It is served from a second loopback server
under the name `localhost`, another site than the portal (`127.0.0.1`), so the
manifest, the media (`crossorigin="anonymous"`) and the ranges cross origins
as they do in a library's viewer.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import shutil
import subprocess
import tarfile
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.portal.builders import SLUG

pytestmark = pytest.mark.browser

VIEWER = "universalviewer@4.4.0"
INTEGRITY = (  # npm view universalviewer@4.4.0 dist.integrity
    "sha512-9OVs6uCzeQYw50jg8k2vEGq6hQFu7kEv9OOAlmqVH9duhrpg1xlIqcMIb2rhNQnAxTQd3R13gxJze9UYkiwdzg=="
)
CACHE = Path.home() / ".cache" / "seminar-archive" / VIEWER.replace("@", "-")
NPM_TIMEOUT_S = 300


def _integrity(path: Path) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(path.read_bytes()).digest()).decode()


def viewer_dist() -> Path:
    """Return the viewer's dist/ folder, unpacking its verified npm tarball on first use."""
    dist = CACHE / "package" / "dist"
    if (dist / "umd" / "UV.js").is_file():
        return dist
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("npm is needed once to fetch the IIIF viewer: apt-get install npm")
    CACHE.mkdir(parents=True, exist_ok=True)
    packed = subprocess.run(
        [npm, "pack", VIEWER, "--json", "--pack-destination", str(CACHE)],
        capture_output=True,
        text=True,
        timeout=NPM_TIMEOUT_S,
        check=True,
    )
    tarball = CACHE / json.loads(packed.stdout)[0]["filename"]
    assert _integrity(tarball) == INTEGRITY, f"{tarball} is not the pinned {VIEWER}"
    with tarfile.open(tarball) as archive:
        members = [m for m in archive.getmembers() if m.name.startswith("package/dist/")]
        archive.extractall(CACHE, members=members, filter="data")
    return dist


@pytest.fixture(scope="module")
def viewer_site() -> Iterator[str]:
    """Serve the viewer's files on another loopback port; yield its base URL (as localhost)."""
    handler = functools.partial(_Quiet, directory=str(viewer_dist()))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://localhost:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


def test_the_universal_viewer_plays_the_manifest_and_seeks_to_a_programme_item(
    page: Page, live_server: str, viewer_site: str
) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "console",
        lambda m: errors.append(m.text) if m.type == "error" and "CORS" in m.text else None,
    )
    manifest = f"{live_server}/iiif/{SLUG}/manifest.json"
    page.goto(f"{viewer_site}/uv.html#?manifest={manifest}")
    expect(page.locator(".uv")).to_contain_text("Modèles économiques et réalités politiques")
    video = page.locator("video")
    page.wait_for_function(
        "() => { const v = document.querySelector('video'); return v && v.readyState >= 1; }",
        timeout=15_000,
    )
    state = video.evaluate("v => ({src: v.src, duration: v.duration, cors: v.crossOrigin})")
    assert state["src"].startswith(f"{live_server}/media/")
    assert state["duration"] == pytest.approx(40, abs=0.5)
    assert state["cors"] == "anonymous"  # so the media must allow any origin
    expect(page.locator(".uv")).to_contain_text("Archives des séminaires")  # requiredStatement
    page.get_by_text("Index", exact=True).click()
    talk = page.get_by_text(
        "Applications en faveur de l'implication des usagers dans les services proposés "
        "par les collectivités — Pierre Saulnier"
    )
    expect(talk).to_be_visible()
    for item in ("Ouverture", "Introduction scientifique", "Solutions de gestion foncière"):
        expect(page.locator(".uv")).to_contain_text(item)
    talk.click()
    page.wait_for_function(
        "() => Math.abs(document.querySelector('video').currentTime - 20) < 0.5",
        timeout=10_000,
    )
    page.screenshot(path="/tmp/iiif-universal-viewer.png")
    assert errors == []
