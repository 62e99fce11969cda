"""Browser fixtures: the portal on a real archive, served by a live server, seen by Chromium.

Playwright cannot download its own browsers here: it drives Debian's chromium.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.portal.builders import BuiltArchive, build_archive
from tests.support.live import serve

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """Launch the system Chromium, sandbox-free (containers), without GPU or network chatter."""
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (/usr/bin/chromium)")
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--autoplay-policy=no-user-gesture-required",
        ],
    }


@pytest.fixture(scope="session")
def browser_archive(tmp_path_factory: pytest.TempPathFactory) -> BuiltArchive:
    """The seed programme with a 40 s generated recording, its poster and transcript, indexed."""
    return build_archive(tmp_path_factory.mktemp("browser-archive"), poster=True)


@pytest.fixture(scope="session")
def live_server(browser_archive: BuiltArchive) -> Iterator[str]:
    """The portal, live."""
    yield from serve(browser_archive.settings.home)


@pytest.fixture(scope="session")
def base_url(live_server: str) -> str:
    """Relative page.goto() calls go to the live portal."""
    return live_server


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    """French interface, desktop size; the portal's CSP bypassed for Playwright's own use.

    wait_for_function polls by eval() inside the page, which the portal's CSP
    (no 'unsafe-eval') refuses; test_content_security_policy.py keeps the CSP on.
    """
    return {
        **browser_context_args,
        "locale": "fr-FR",
        "viewport": {"width": 1366, "height": 860},
        "bypass_csp": True,
    }
