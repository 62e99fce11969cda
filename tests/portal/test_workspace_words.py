"""The workspace speaks the archivist's language for stored values too.

Job states, programme kinds, file sizes and version notes are stored as machine
words ("done", "talk", bytes, an English note): a French page must not show them raw.
"""

from __future__ import annotations

from core.catalogue.queries import get_session
from core.catalogue.schema import Job
from tests.portal.builders import LINES, SLUG
from tests.portal.workspace_fixtures import *  # noqa: F403
from tests.portal.workspace_fixtures import token


def _finished_job(ws_app) -> None:
    with ws_app.extensions["archive"].catalogue.session() as db:
        session = get_session(db, SLUG)
        db.add(Job(kind="ingest", session_id=session.id, state="done", step="", progress=1.0))


def test_the_workspace_home_says_a_job_is_finished_in_french(ws_app, archivist):
    _finished_job(ws_app)
    french = archivist.get("/workspace/?lang=fr").get_data(as_text=True)
    assert ">terminé</a>" in french and ">done</a>" not in french
    assert ">done</a>" in archivist.get("/workspace/?lang=en").get_data(as_text=True)


def test_programme_kinds_are_offered_in_french_and_saved_as_kinds(ws_app, archivist):
    page = archivist.get(f"/workspace/sessions/{SLUG}?lang=fr").get_data(as_text=True)
    assert '<option value="talk"' in page and ">intervention</option>" in page
    assert ">table ronde</option>" in page and ">talk</option>" not in page
    assert '<label for="series">Série</label>' in page


def test_the_upload_limit_is_written_with_french_units(ws_app, archivist):
    page = archivist.get("/workspace/upload?lang=fr").get_data(as_text=True)
    assert " Go par fichier" in page and " GB" not in page
    assert ",0 Go" in page or ",5 Go" in page  # the French decimal mark


def test_a_correction_is_described_in_french_in_the_versions_table(ws_app, archivist):
    response = archivist.post(
        f"/workspace/sessions/{SLUG}/transcript",
        json={"base_version": 1, "texts": {"2": "Bonjour à toutes et à tous."}},
        headers={"X-CSRFToken": token(archivist)},
    )
    assert response.status_code == 200
    french = archivist.get(f"/workspace/sessions/{SLUG}?lang=fr").get_data(as_text=True)
    assert "1 segment corrigé (#3)" in french and "corrected 1 segment" not in french
    english = archivist.get(f"/workspace/sessions/{SLUG}?lang=en").get_data(as_text=True)
    assert "corrected 1 segment (#3)" in english


def test_upload_states_are_worded_in_french_in_the_live_rows(ws_app, archivist):
    from core.catalogue.schema import Upload

    with ws_app.extensions["archive"].catalogue.session() as db:
        db.add(Upload(id="ab" * 16, filename="seance.mp4", size_bytes=3 * 1024**2,
                      state="rejected", error="pas de piste son", username="ada"))  # fmt: skip
    rows = archivist.get("/workspace/upload?rows=1&lang=fr").get_data(as_text=True)
    assert "<table" not in rows  # only the rows, for the page's live refresh
    assert ">refusé</span>" in rows and "3,0 Mo" in rows and "seance.mp4" in rows


def test_the_public_page_shows_the_share_of_text_archivists_verified(ws_app, archivist):
    viewer = ws_app.test_client()
    before = viewer.get(f"/sessions/{SLUG}?lang=fr").get_data(as_text=True)
    assert ">0\u00a0% vérifié<" in before
    confirmed = archivist.post(
        f"/workspace/sessions/{SLUG}/transcript",
        json={"base_version": 1, "verified": list(range(len(LINES)))},  # every segment
        headers={"X-CSRFToken": token(archivist)},
    )
    assert confirmed.status_code == 200
    after = viewer.get(f"/sessions/{SLUG}?lang=en").get_data(as_text=True)
    assert ">100% verified<" in after
