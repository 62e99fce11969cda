"""The concordance: every passage of a search, in archive order, as CSV or JSON."""

from __future__ import annotations

import csv
import io
import json
import shutil
from datetime import date

import pytest

from core.catalogue import open_catalogue
from core.catalogue.schema import Person, Session
from core.catalogue.transcripts import store_transcript
from core.settings import load_settings
from index.service import index_session
from portal import create_app
from tests.portal.builders import SLUG, BuiltArchive, segments_from

OLD = "2016-03-01-concordance-ancienne"  # before the built session (2018-01-29)
UNDATED = "concordance-sans-date"
HIDDEN = "2016-02-01-concordance-brouillon"
MANY = 250  # more than a page (100), a grouped window (200) and ten sessions' worth


@pytest.fixture(scope="module")
def app(built_archive: BuiltArchive, tmp_path_factory: pytest.TempPathFactory):
    """The archive plus an older session of 250 passages, an undated one and a draft."""
    home = tmp_path_factory.mktemp("concordance") / "home"
    shutil.copytree(built_archive.settings.home, home)
    settings = load_settings(test_config={"ARCHIVE_HOME": str(home)})
    catalogue = open_catalogue(settings)
    try:
        with catalogue.session() as db:
            person = db.query(Person).filter_by(slug="pierre-saulnier").one()
            specs = [(OLD, date(2016, 3, 1), True), (UNDATED, None, True)]
            specs.append((HIDDEN, date(2016, 2, 1), False))
            for slug, day, published in specs:
                session = Session(slug=slug, title=f"Séance {slug}", date=day, published=published)
                db.add(session)
                db.flush()
                count = MANY if slug == OLD else 1
                tag = slug.split("-")[-1]
                lines = [
                    (
                        n * 2_000,
                        n * 2_000 + 1_500,
                        person.slug,
                        f"Passage {n} : l'expérimentation « {tag} » des collectivités.",
                    )
                    for n in range(count)
                ]
                store_transcript(
                    db, session, segments_from(lines), language="fr", model="hand-written"
                )
        for slug, _, _ in specs:
            index_session(catalogue, settings.index_dir, slug)
    finally:
        catalogue.dispose()
    app = create_app({"ARCHIVE_HOME": str(home), "TESTING": True, "SECRET_KEY": "c"})
    yield app
    app.extensions["archive"].catalogue.dispose()


def _csv_rows(response) -> list[dict[str, str]]:
    data = response.get_data()
    assert data.startswith(b"\xef\xbb\xbf"), "a BOM, so spreadsheets read UTF-8"
    return list(csv.DictReader(io.StringIO(data[3:].decode("utf-8"), newline="")))


def test_csv_lists_every_passage_in_archive_order(app) -> None:
    response = app.test_client().get("/search/concordance.csv?q=collectivités")
    assert response.status_code == 200
    assert response.content_type == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = _csv_rows(response)
    # 250 from the old session, 2 from the built one, 1 undated (last); never the draft.
    assert [r["session"] for r in rows] == [OLD] * MANY + [SLUG] * 2 + [UNDATED]
    # Timed to the matched word, near each line's end, in spoken order.
    assert [int(r["start_s"]) // 2 for r in rows[:MANY]] == list(range(MANY))
    assert rows[1]["text"] == "Passage 1 : l'expérimentation « ancienne » des collectivités."
    assert rows[1]["date"] == "2016-03-01"
    assert rows[1]["speaker"] == "Pierre Saulnier"
    assert rows[1]["time"] == "0:03"
    assert rows[1]["url"] == f"http://localhost/sessions/{OLD}?t=3"
    assert rows[1]["matched"] == "collectivités"
    assert int(rows[MANY]["start_s"]) < int(rows[MANY + 1]["start_s"])
    assert HIDDEN not in response.get_data(as_text=True)


def test_json_is_a_list_of_the_same_rows(app) -> None:
    client = app.test_client()
    listed = client.get("/search/concordance.json?q=expérimentation").get_json()
    assert isinstance(listed, list) and len(listed) == MANY + 1
    assert listed[0]["session"] == OLD and listed[0]["start_s"] < 2
    assert listed[-1]["session"] == UNDATED
    assert "brouillon" not in json.dumps(listed)


def test_the_row_cap_cuts_the_list_and_says_so(app) -> None:
    home = str(app.extensions["archive"].settings.home)
    capped = create_app(
        {"ARCHIVE_HOME": home, "ARCHIVE_CONCORDANCE_MAX_ROWS": "3", "TESTING": True}
    )
    client = capped.test_client()
    response = client.get("/search/concordance.csv?q=collectivités")
    page = client.get("/search?q=collectivités").get_data(as_text=True)
    capped.extensions["archive"].catalogue.dispose()
    assert len(_csv_rows(response)) == 3
    assert response.headers["X-Concordance-Total"] == str(MANY + 3)
    assert "Seuls les 3 premiers passages sont listés." in page


def test_the_search_page_offers_the_download_and_short_times(app) -> None:
    page = app.test_client().get("/search?q=collectivités").get_data(as_text=True)
    assert 'href="/search/concordance.csv?q=collectivit%C3%A9s"' in page
    assert "00:00:" not in page  # the session page's clock: 0:42, not 00:00:42
    assert '<span class="tc">0:25</span>' in page
    # A hit opens the session at its second with the words to mark.
    assert f'href="/sessions/{SLUG}?t=25&amp;q=collectivit%C3%A9s"' in page


def test_small_pages_and_batches_list_the_same_rows(app) -> None:
    """Paging and date batches (sized for large archives) neither lose nor repeat a row."""
    from core.catalogue.queries import published_slugs
    from index.concordance import concordance, plan
    from index.results import SearchRequest

    state = app.extensions["archive"]
    with state.catalogue.session() as db:
        request = SearchRequest(q="collectivités", published=published_slugs(db))
    listed = []
    for page_rows, batch_rows in ((1_000, 5_000), (7, 1), (100, 200)):
        known = plan(state.searcher.search, request, 10_000, page_rows=page_rows)
        hits = concordance(
            state.searcher.search, request, known, batch_rows=batch_rows, page_rows=page_rows
        )
        listed.append([(h.session_slug, h.segment_id) for h in hits])
    assert len(listed[0]) == MANY + 3 and len(set(listed[0])) == MANY + 3
    assert listed[1] == listed[0] and listed[2] == listed[0]


@pytest.mark.parametrize("url", ["/search/concordance.csv", "/search/concordance.xml?q=ville"])
def test_bad_requests_are_refused_clearly(app, url: str) -> None:
    assert app.test_client().get(url).status_code in (400, 404)
