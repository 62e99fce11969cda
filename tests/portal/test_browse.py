"""Home and series pages: published sessions only, in order, with programme and speakers."""

from __future__ import annotations

from tests.portal.builders import DRAFT_SLUG, SLUG


def test_home_lists_series_latest_sessions_and_a_search_box(client):
    page = client.get("/").get_data(as_text=True)
    assert "Ville intelligente" in page
    assert f'href="/sessions/{SLUG}"' in page
    assert 'action="/search"' in page and 'name="q"' in page
    assert DRAFT_SLUG not in page


def test_series_page_lists_sessions_oldest_first_with_programme(client):
    response = client.get("/series/ville-intelligente-cycle-2")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    first = page.index("2017-01-27-politiques-de-la-ville-intelligente")
    last = page.index(SLUG)
    assert first < last
    assert DRAFT_SLUG not in page
    assert "Solutions de gestion foncière" in page
    assert 'href="/speakers/lahouari-kaddouri"' in page and "LKSpatialist" in page


def test_unknown_series_is_a_404_page(client):
    response = client.get("/series/no-such-series")
    assert response.status_code == 404
    assert "text/html" in response.content_type


def test_sessions_index_hides_drafts(client):
    page = client.get("/sessions/").get_data(as_text=True)
    assert SLUG in page and DRAFT_SLUG not in page


def test_series_page_words_sessions_without_recording_as_home_and_session_pages_do(client):
    page = client.get("/series/ville-intelligente-cycle-2?lang=fr").get_data(as_text=True)
    # Two of the published sessions in the test archive have a programme but no recording yet.
    assert page.count("Programme seul, pas encore d’enregistrement") == 2
