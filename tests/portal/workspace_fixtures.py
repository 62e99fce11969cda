"""Fixtures of the workspace tests: a private archive, accounts, signed-in clients.

Imported with `from tests.portal.workspace_fixtures import *` by the workspace
test modules (the portal's conftest belongs to the public pages).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher, profiles
from flask import Flask
from flask.testing import FlaskClient

from core import accounts
from core.contracts import TranscribedSegment
from portal import create_app
from tests.portal.builders import REPO, BuiltArchive
from tests.support.fake_transcriber import ScriptedTranscriber, evenly_timed
from tests.support.waiting import job_row, wait_for

PASSWORD = "correct horse battery"
ACCOUNTS = {"ada": "archivist", "root": "admin"}
# What the fake recogniser "hears" in any uploaded recording: a misheard name included.
HEARD = [
    (0, 1_500, "Bonjour, je suis Pierre Solnier de Neocity."),
    (1_600, 2_900, "Nous parlons de la ville intelligente."),
]


def heard_segments() -> list[TranscribedSegment]:
    """Return the scripted recognition result with Whisper-like word timings."""
    return evenly_timed(HEARD, 0.8)


@pytest.fixture
def cheap_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hash passwords with argon2's cheapest profile: same code path, milliseconds not 0.3 s."""
    monkeypatch.setattr(accounts, "HASHER", PasswordHasher.from_parameters(profiles.CHEAPEST))


@pytest.fixture
def transcriber_box() -> dict:
    """The transcriber the app's jobs use; a test may swap it (e.g. for a failing one)."""
    return {"transcriber": ScriptedTranscriber(heard_segments(), language="fr")}


@pytest.fixture
def ws_app(
    fresh_archive: BuiltArchive, cheap_hashes: None, transcriber_box: dict
) -> Iterator[Flask]:
    """A portal on a private archive, jobs inline, an archivist `ada` and an admin `root`."""
    app = create_app(
        {
            "ARCHIVE_HOME": str(fresh_archive.settings.home),
            "TESTING": True,
            "SECRET_KEY": "workspace-test",
            "ARCHIVE_TRANSCRIBER_FACTORY": lambda: transcriber_box["transcriber"],
        }
    )
    from core.accounts import create_user

    with app.extensions["archive"].catalogue.session() as db:
        for name, role in ACCOUNTS.items():
            create_user(db, name, PASSWORD, role)
    yield app
    app.extensions["archive"].catalogue.dispose()


def csrf_from(html: str) -> str:
    """Return the CSRF token a page carries (meta tag or hidden field)."""
    match = re.search(r'name="csrf[-_]token"[^>]*? (?:content|value)="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def sign_in(client: FlaskClient, username: str, password: str = PASSWORD):
    """Sign in through the login form, CSRF token included; return the response."""
    page = client.get("/auth/login")
    token = csrf_from(page.get_data(as_text=True))
    return client.post(
        "/auth/login", data={"username": username, "password": password, "csrf_token": token}
    )


def token(client: FlaskClient) -> str:
    """Return the signed-in client's CSRF token, read from the workspace page."""
    return csrf_from(client.get("/workspace/").get_data(as_text=True))


@pytest.fixture
def archivist(ws_app: Flask) -> FlaskClient:
    """A client signed in as the archivist."""
    client = ws_app.test_client()
    assert sign_in(client, "ada").status_code == 302
    return client


@pytest.fixture
def admin(ws_app: Flask) -> FlaskClient:
    """A client signed in as the admin."""
    client = ws_app.test_client()
    assert sign_in(client, "root").status_code == 302
    return client


def home_of(app: Flask) -> Path:
    """Return the archive home of an app."""
    return app.extensions["archive"].settings.home


# A real `archive worker` process whose recogniser is scripted: "stuck" hangs in
# transcription (to be killed), "slow" takes a few seconds, "normal" is instant.
_WORKER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from core.catalogue import open_catalogue
    from core.settings import load_settings
    from worker.consumer import run_worker
    from tests.portal.workspace_fixtures import heard_segments
    from tests.support.fake_transcriber import ScriptedTranscriber

    class Stuck(ScriptedTranscriber):
        def transcribe(self, audio_path, language=None, initial_prompt=None, progress=None):
            Path(sys.argv[2]).write_text("transcribing")
            time.sleep(600)

    class Slow(ScriptedTranscriber):
        def transcribe(self, audio_path, language=None, initial_prompt=None, progress=None):
            for done_ms in range(0, 3000, 300):
                if progress:
                    progress(done_ms, 3000)
                time.sleep(0.4)
            return super().transcribe(audio_path, language, initial_prompt, None)

    home, marker, mode = sys.argv[1:4]
    settings = load_settings(home)
    kind = {"stuck": Stuck, "slow": Slow}.get(mode, ScriptedTranscriber)
    run_worker(settings, open_catalogue(settings), stale_s=60,
               transcriber_factory=lambda: kind(heard_segments()))
""")


def start_worker(folder: Path, home: Path, mode: str, log_name: str) -> subprocess.Popen:
    """Start a worker process on home; its output goes to folder/log_name."""
    script = folder / "worker_process.py"  # not worker.py: it would shadow the package
    script.write_text(_WORKER)
    log = (folder / log_name).open("w")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [sys.executable, str(script), str(home), str(folder / "marker"), mode],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def finish_with_second_worker(folder: Path, home: Path, catalogue, job_id: int) -> None:
    """Start a second worker on home, wait until it ends job_id (done or failed), stop it.

    Its output goes to folder/worker2.log, for the caller to show on failure.
    """
    second = start_worker(folder, home, "normal", "worker2.log")
    try:
        wait_for(
            lambda: job_row(catalogue, job_id).state in ("done", "failed"),
            90,
            "the second worker to finish the job",
        )
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(20)
