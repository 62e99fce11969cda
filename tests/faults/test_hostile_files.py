"""The hostile-file corpus through `archive ingest` and the web upload: a clear refusal each,
no traceback, and nothing left behind (no draft session, no recording, no partial file).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from cli import main
from core.catalogue.queries import get_session
from core.catalogue.schema import Person, Recording, Session, Upload
from tests.faults import corpus
from tests.faults.scenarios import REPO
from tests.portal.workspace_fixtures import *  # noqa: F403
from tests.portal.workspace_fixtures import home_of, token
from tests.support import media_factory

CHUNK = 64 * 1024


@pytest.fixture(scope="module")
def valid_mp4(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 1 s H.264/AAC recording the corpus damages in several ways."""
    folder = tmp_path_factory.mktemp("hostile-valid")
    return media_factory.tone_video(folder / "séance.mp4", seconds=1, size="160x120")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory, valid_mp4: Path) -> dict:
    """The file part of the corpus, made once for the module."""
    return corpus.file_corpus(tmp_path_factory.mktemp("hostile"), valid_mp4)


def _cli(home: Path, *args: str | Path) -> tuple[int, str]:
    """Run `archive` in this process; return its exit code and stderr, failing on a crash."""
    result = CliRunner().invoke(main, ["--home", str(home), *map(str, args)])
    if not isinstance(result.exception, SystemExit | None):
        raise AssertionError(f"archive {args} crashed") from result.exception
    return result.exit_code, result.stderr


def _archive(home: Path, *args: str | Path) -> subprocess.CompletedProcess:
    """Run `archive` as a process, with the real standard streams (and their encoding)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARCHIVE_")}
    return subprocess.run(
        [sys.executable, "-m", "cli", "--home", str(home), *map(str, args)],
        cwd=REPO,
        env={**env, "PYTHONPATH": str(REPO)},
        capture_output=True,
        timeout=120,
    )


def _stored(home: Path) -> list[Path]:
    """Return the files in the media store and any temporary file anywhere in the home."""
    media = [p for p in (home / "media").rglob("*") if p.is_file()]
    return media + list(home.rglob(".partial-*"))


def test_cli_refuses_each_hostile_file_clearly_and_keeps_nothing(
    tmp_path: Path, hostile: dict, valid_mp4: Path
) -> None:
    home = tmp_path / "home"
    cases = {**hostile, **corpus.path_corpus(tmp_path / "paths")}
    refusals = {}
    for case, (path, words) in cases.items():
        if case == "non-UTF-8 name":
            result = _archive(home, "ingest", path)
            code, stderr = result.returncode, result.stderr.decode("utf-8", errors="replace")
        else:
            code, stderr = _cli(home, "ingest", path)
        refusals[case] = (code, words in stderr, "Traceback" in stderr, stderr)
    assert {c: r[:3] for c, r in refusals.items()} == {
        case: (2 if case == "directory" else 1, True, False) for case in cases
    }, {c: r[3] for c, r in refusals.items()}
    assert "draft" not in CliRunner().invoke(main, ["--home", str(home), "sessions"]).output
    assert _stored(home) == []


def test_cli_refuses_a_duplicate_with_the_session_it_went_into(
    tmp_path: Path, valid_mp4: Path
) -> None:
    home = tmp_path / "home"
    vtt = tmp_path / "séance.vtt"
    vtt.write_text("WEBVTT\n\n00:00:00.000 --> 00:00:00.900\nBonjour.\n", encoding="utf-8")
    assert _cli(home, "ingest", valid_mp4, "--transcript", vtt)[0] == 0
    code, stderr = _cli(home, "ingest", valid_mp4)
    assert code == 1
    assert "already ingested (session 'seance'" in stderr and "--force" in stderr
    assert len([p for p in (home / "media").rglob("original*")]) == 1
    assert list(home.rglob(".partial-*")) == []


def _upload(client, csrf: str, name: str, data: bytes) -> dict:
    """Send a file as the browser does, into a new session named after it; return its status."""
    created = client.post(
        "/workspace/uploads",
        json={"filename": name, "size": len(data), "new_session": {"title": f"Pour {name}"}},
        headers={"X-CSRFToken": csrf},
    )
    if created.status_code != 201:
        return {"state": f"refused {created.status_code}", **created.get_json()["error"]}
    body = created.get_json()
    offset = 0
    while offset < len(data):
        response = client.patch(
            f"/workspace/uploads/{body['id']}",
            data=data[offset : offset + CHUNK],
            headers={
                "X-CSRFToken": csrf,
                "Upload-Offset": str(offset),
                "Content-Type": "application/offset+octet-stream",
            },
        )
        assert response.status_code == 200, response.get_data(as_text=True)
        offset = int(response.headers["Upload-Offset"])
    return response.get_json()


def _counts(db) -> tuple[int, ...]:
    return tuple(db.scalar(select(func.count(m.id))) for m in (Session, Person, Recording))


def test_web_upload_refuses_each_hostile_file_and_leaves_no_draft_session(
    ws_app, archivist, hostile: dict
) -> None:
    csrf = token(archivist)
    catalogue = ws_app.extensions["archive"].catalogue
    with catalogue.session() as db:
        before = _counts(db)
    outcomes = {}
    for case, (path, words) in hostile.items():
        final = _upload(archivist, csrf, path.name, path.read_bytes())
        refused = final["state"] == "rejected" or final["state"].startswith("refused 4")
        outcomes[case] = (refused, words in (final.get("error") or final.get("message", "")))
    assert outcomes == {case: (True, True) for case in hostile}, outcomes
    with catalogue.session() as db:
        assert _counts(db) == before  # no draft session, person or recording was left
        assert {u.state for u in db.scalars(select(Upload))} <= {"rejected"}
    home = home_of(ws_app)
    assert [p for p in (home / "uploads").rglob("*") if p.is_file()] == []
    assert list(home.rglob(".partial-*")) == []


def test_web_upload_of_a_duplicate_is_refused_and_its_new_session_removed(
    ws_app, archivist, valid_mp4: Path
) -> None:
    csrf = token(archivist)
    data = valid_mp4.read_bytes()
    assert _upload(archivist, csrf, "première.mp4", data)["state"] == "done"
    created = archivist.post(
        "/workspace/uploads",
        json={
            "filename": "copie.mp4",
            "size": len(data),
            "new_session": {
                "title": "Copie",
                "programme": "Exposé | Personne Inventée (Nulle part)",
            },
        },
        headers={"X-CSRFToken": csrf},
    ).get_json()
    assert created["session"] == "copie"
    final = archivist.patch(
        f"/workspace/uploads/{created['id']}",
        data=data,
        headers={"X-CSRFToken": csrf, "Upload-Offset": "0"},
    ).get_json()
    assert final["state"] == "rejected" and "already in the archive" in final["error"]
    assert final["session"] is None
    with ws_app.extensions["archive"].catalogue.session() as db:
        assert get_session(db, "copie", include_drafts=True) is None
        assert db.scalar(select(Person).where(Person.name == "Personne Inventée")) is None
        assert get_session(db, "pour-premiere-mp4", include_drafts=True) is not None


def test_web_upload_name_that_is_not_unicode_is_refused_with_a_reason(ws_app, archivist) -> None:
    response = archivist.post(
        "/workspace/uploads",
        data='{"filename": "s\\udce9ance.mp4", "size": 10, "new_session": {"title": "X"}}',
        content_type="application/json",
        headers={"X-CSRFToken": token(archivist)},
    )
    assert response.status_code == 400
    assert "not valid Unicode" in response.get_json()["error"]["message"]
    with ws_app.extensions["archive"].catalogue.session() as db:
        assert get_session(db, "x", include_drafts=True) is None
