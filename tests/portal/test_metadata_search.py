"""Search finds sessions and people by what the catalogue says of them, not only by speech.

The seed seminar's series is « Ville intelligente »: every published session
must come up for "ville intelligente", though only one was transcribed; names
and affiliations find people; drafts stay out (tests/portal/test_drafts_invisible.py).
"""

from __future__ import annotations

import re

from tests.portal.builders import DRAFT_SLUG, SLUG

PUBLISHED = {
    "2017-01-27-politiques-de-la-ville-intelligente",
    "2017-09-19-transparence-generalisee-filtrage-ou-deformation",
    SLUG,
}


def _api(client, q: str, **args: str) -> dict:
    response = client.get("/api/search", query_string={"q": q, **args})
    assert response.status_code == 200
    return response.get_json()


def test_a_series_title_phrase_finds_every_published_session(client) -> None:
    body = _api(client, '"ville intelligente"')
    assert {s["slug"] for s in body["sessions"]["items"]} == PUBLISHED
    assert body["sessions"]["count"] == len(PUBLISHED)
    assert DRAFT_SLUG not in {s["slug"] for s in body["sessions"]["items"]}
    assert body["total"] >= 1  # and the passage where it is said


def test_plain_words_match_titles_without_accents_or_case(client) -> None:
    body = _api(client, "TRANSPARENCE generalisee")
    assert [s["slug"] for s in body["sessions"]["items"]] == [
        "2017-09-19-transparence-generalisee-filtrage-ou-deformation"
    ]
    assert body["sessions"]["items"][0]["url"].startswith("/sessions/2017-09-19-")


def test_donnees_ouvertes_and_ville_return_hits(client) -> None:
    for q in ("données ouvertes", "ville"):
        body = _api(client, q)
        assert body["total"] + body["sessions"]["count"] > 0, q
    assert _api(client, "ville")["sessions"]["count"] == len(PUBLISHED)


def test_a_phrase_needs_its_words_together(client) -> None:
    # Both words are in the series title, not side by side in this order.
    assert _api(client, '"intelligente ville"')["sessions"]["count"] == 0


def test_field_filters_and_excluded_words_are_understood(client) -> None:
    body = _api(client, "ville -transparence speaker:menard")
    assert "2017-09-19-transparence-generalisee-filtrage-ou-deformation" not in {
        s["slug"] for s in body["sessions"]["items"]
    }
    assert body["sessions"]["count"] == len(PUBLISHED) - 1


def test_names_and_affiliations_find_people(client) -> None:
    body = _api(client, "menard")
    assert [p["slug"] for p in body["people"]["items"]] == ["francois-menard"]
    assert body["people"]["items"][0]["url"] == "/speakers/francois-menard"
    cityscoot = _api(client, "cityscoot")["people"]["items"]
    assert {p["slug"] for p in cityscoot} == {"bertrand-fleurose", "vincent-bustarret"}


def test_the_page_lists_sessions_and_people_above_the_passages(client) -> None:
    page = client.get("/search?q=ville+intelligente").get_data(as_text=True)
    summary = re.search(r'class="results-count"><span role="status">\s*([^<]+)', page)
    assert summary and summary.group(1).strip().startswith("3 séances, ")
    assert page.index('href="/sessions/2017-01-27-politiques-de-la-ville-intelligente"') < (
        page.index('class="result-group"')
    )
    people = client.get("/search?q=latts", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "4 people, 0 passages" in people
    assert 'href="/speakers/gilles-jeannot"' in people


def test_metadata_only_query_says_so_instead_of_a_misspelling(client) -> None:
    # "Ouverture" is a programme item's title; "ouvertes" is said once, a near miss.
    body = _api(client, "ouverture")
    assert body["total"] == 0 and body["sessions"]["count"] == 1
    assert body["suggestion"] is None
    assert body["only_metadata"] is True
    assert "titles, programmes or names" in body["notice"]
    page = client.get("/search?q=ouverture").get_data(as_text=True)
    assert "Vouliez-vous dire" not in page
    assert "ils figurent dans les titres, programmes ou noms ci-dessus" in page
    assert "Aucun résultat" not in page


def test_a_suggestion_is_kept_when_it_finds_more(client) -> None:
    body = _api(client, "fonciers")  # said: "foncière"; in no title or name
    assert body["sessions"]["count"] == 0
    assert body["suggestion"] and _api(client, body["suggestion"])["total"] > 0
    assert body["only_metadata"] is False


def test_a_catalogue_change_is_searchable_at_once(fresh_archive) -> None:
    from core.catalogue import open_catalogue
    from core.catalogue.queries import get_session
    from portal import create_app

    app = create_app(
        {"ARCHIVE_HOME": str(fresh_archive.settings.home), "TESTING": True, "SECRET_KEY": "t"}
    )
    client = app.test_client()
    catalogue = open_catalogue(fresh_archive.settings)
    try:
        assert _api(client, "zorglub")["sessions"]["count"] == 0  # the table is now cached
        with catalogue.session() as db:
            get_session(db, SLUG).title = "Séance Zorglub"
        assert [s["slug"] for s in _api(client, "zorglub")["sessions"]["items"]] == [SLUG]
        with catalogue.session() as db:
            get_session(db, SLUG).published = False
        assert _api(client, "zorglub")["sessions"]["count"] == 0
    finally:
        catalogue.dispose()
        app.extensions["archive"].catalogue.dispose()


def test_no_suggestion_that_finds_nothing_under_the_chosen_filter(client) -> None:
    # "foncière" is said by Lahouari Kaddouri only: under Arnaud Brun it finds nothing.
    assert _api(client, "fonciers")["suggestion"]
    assert _api(client, "fonciers", speaker="arnaud-brun")["suggestion"] is None
    page = client.get("/search?q=fonciers&speaker=arnaud-brun").get_data(as_text=True)
    assert "Vouliez-vous dire" not in page
