"""The archivist's day in Chromium: sign in, upload with progress, follow the job, correct, search.

A live portal (werkzeug, in a thread) and a real `archive worker` process share
an archive home; only the speech recogniser is scripted.
"""

from __future__ import annotations

import re
import signal
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher, profiles
from playwright.sync_api import Page, expect
from werkzeug.serving import make_server

from core import accounts
from portal import create_app
from tests.portal.builders import SLUG, build_archive
from tests.portal.workspace_fixtures import PASSWORD, start_worker
from tests.support import media_factory

pytestmark = pytest.mark.browser


@pytest.fixture(scope="session")
def base_url() -> None:
    """No base URL: these tests run their own portal and worker, not the shared live server."""
    return None


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """A portal at a local URL, its archive home and a worker process."""
    folder = tmp_path_factory.mktemp("workspace-browser")
    archive = build_archive(folder / "home")
    original_hasher = accounts.HASHER
    accounts.HASHER = PasswordHasher.from_parameters(profiles.CHEAPEST)
    app = create_app(
        {
            "ARCHIVE_HOME": str(archive.settings.home),
            "SECRET_KEY": "browser",
            "ARCHIVE_QUEUE_IMMEDIATE": False,  # the worker process does the work, as in production
            "ARCHIVE_UPLOAD_CHUNK_BYTES": 16 * 1024,  # many chunks: a visible progress bar
        }
    )
    from core.accounts import create_user

    with app.extensions["archive"].catalogue.session() as db:
        create_user(db, "ada", PASSWORD, "archivist")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    worker = start_worker(folder, archive.settings.home, "slow", "worker.log")
    media = media_factory.tone_video(
        folder / "seance-5.mp4", seconds=3, codec="h264", size="320x240"
    )
    yield {"url": f"http://127.0.0.1:{server.server_port}", "media": media, "folder": folder}
    worker.send_signal(signal.SIGTERM)
    worker.wait(20)
    server.shutdown()
    app.extensions["archive"].catalogue.dispose()
    accounts.HASHER = original_hasher


def sign_in(page: Page, base: str) -> None:
    """Sign in through the form, as a person would."""
    page.goto(f"{base}/auth/login")
    page.get_by_label(re.compile("User name|Nom d", re.I)).fill("ada")
    page.get_by_label(re.compile("Password|Mot de passe", re.I)).fill(PASSWORD)
    page.locator("form.ws-form button[type=submit]").click()
    expect(page).to_have_url(f"{base}/workspace/")


def test_sign_in_shows_the_workspace_and_sign_out_hides_it(page: Page, live):
    base = live["url"]
    assert page.goto(f"{base}/workspace/").status == 404
    sign_in(page, base)
    expect(page.locator("table.ws-table")).to_contain_text("Modèles et big data")
    page.locator("form.ws-signout button").click()
    assert page.goto(f"{base}/workspace/").status == 404


def test_upload_with_progress_survives_a_dropped_chunk_and_the_job_completes(page: Page, live):
    base = live["url"]
    sign_in(page, base)
    dropped = {"count": 0}

    def drop_third_chunk(route):
        # The network fails once in the middle: the page must resume, not restart.
        if (
            route.request.method == "PATCH"
            and route.request.headers.get("upload-offset") == str(2 * 16 * 1024)
            and not dropped["count"]
        ):
            dropped["count"] += 1
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route("**/workspace/uploads/*", drop_third_chunk)
    page.goto(f"{base}/workspace/upload")
    page.locator("#title").fill("Séance 5 : la ville des capteurs")
    page.locator("#date").fill("2018-03-26")
    page.locator("#files").set_input_files(str(live["media"]))
    page.locator("#upload-start").click()
    item = page.locator(".ws-upload-item")
    expect(item.locator("progress")).to_have_attribute("value", "100", timeout=60_000)
    expect(item).to_have_attribute("data-state", "done", timeout=60_000)
    assert dropped["count"] == 1
    # The recent uploads list below shows the file too, without a reload.
    recent = page.locator("table[data-rows] tbody tr").first
    expect(recent).to_contain_text(Path(live["media"]).name, timeout=15_000)
    item.get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"/workspace/jobs"))
    row = page.locator("tr[data-state]").first
    expect(row).to_contain_text("Séance 5")
    # The page updates itself until the worker is done: no reload here.
    expect(row).to_have_attribute("data-state", "done", timeout=90_000)
    expect(row.locator("progress")).to_have_attribute("value", "100")


def test_correct_a_line_then_find_the_correction_by_search(page: Page, live):
    base = live["url"]
    sign_in(page, base)
    page.goto(f"{base}/workspace/sessions/{SLUG}/transcript")
    line = page.locator("#seg-7 textarea")
    expect(line).to_have_value("Nos capteurs surveillent la qualité des rivières.")
    line.fill("Nos capteurs surveillent la qualité de la Marne.")
    expect(page.locator("#save-transcript")).to_be_enabled()
    line.press("Control+s")
    expect(page.locator("#save-status")).to_have_text("✓ v2", timeout=10_000)
    expect(page.locator("#seg-7")).to_have_class(re.compile("is-verified"))
    expect(page.locator("#seg-7 .ws-badge")).to_have_text("vérifié")  # no reload needed
    expect(page.locator("#version-badge")).to_have_text(re.compile(r"^version 2$"))
    # The reindex is queued for the worker: within seconds, a viewer finds the new words.
    viewer = page.context.browser.new_page()
    for _ in range(40):
        viewer.goto(f"{base}/search?q=Marne")
        if viewer.locator(f'a[href*="/sessions/{SLUG}?t=30"]').count():
            break
        viewer.wait_for_timeout(250)
    expect(viewer.locator(f'a[href*="/sessions/{SLUG}?t=30"]').first).to_be_visible()
    viewer.close()
