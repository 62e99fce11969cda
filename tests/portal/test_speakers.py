"""Speaker pages: affiliations over time, sessions and talks, search within their words."""

from __future__ import annotations

from tests.portal.builders import SLUG


def test_speaker_page_shows_person_affiliations_and_talks(client):
    page = client.get("/speakers/pierre-saulnier").get_data(as_text=True)
    assert "<h1>Pierre Saulnier</h1>" in page
    assert "Neocity" in page
    assert f'href="/sessions/{SLUG}?t=20"' in page  # the talk, at its start
    assert "Applications en faveur de l&#39;implication des usagers" in page


def test_search_within_what_a_speaker_said(client):
    page = client.get("/speakers/pierre-saulnier?q=collectivités").get_data(as_text=True)
    assert "Les données ouvertes des <mark>collectivités</mark>" in page
    assert "La gestion foncière" not in page  # said by someone else


def test_unknown_speaker_is_404(client):
    assert client.get("/speakers/nobody").status_code == 404


def test_bad_page_parameter_on_speaker_search(client):
    assert client.get("/speakers/pierre-saulnier?q=données&page=-3").status_code == 200
