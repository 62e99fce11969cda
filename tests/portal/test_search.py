"""The search page: hits grouped by session, each with its time, speaker and link."""

from __future__ import annotations

import re

import pytest

from tests.portal.builders import SLUG


def test_hits_show_time_speaker_affiliation_and_link_to_that_second(client):
    page = client.get("/search?q=collectivités").get_data(as_text=True)
    assert re.search(
        r'<span class="tc">0:25</span> — <span class="hit-speaker">Pierre '
        r'Saulnier</span> <span class="aff">\(Neocity\)</span>',
        page,
    )
    assert f'href="/sessions/{SLUG}?t=25&amp;q=collectivit%C3%A9s"' in page
    assert "Les données ouvertes des <mark>collectivités</mark> nourrissent" in page
    assert page.count('class="result-group"') == 1  # both hits are in one session
    assert f'href="/sessions/{SLUG}?q=collectivit%C3%A9s"' in page


def test_unaccented_query_finds_accented_words(client):
    page = client.get("/search?q=fonciere").get_data(as_text=True)
    assert "La gestion <mark>foncière</mark>" in page


def test_facets_filter_the_results(client):
    page = client.get("/search?q=collectivités").get_data(as_text=True)
    assert 'href="/search?q=collectivit%C3%A9s&amp;speaker=lahouari-kaddouri"' in page
    filtered = client.get("/search?q=collectivités&speaker=lahouari-kaddouri").get_data(
        as_text=True
    )
    assert "Lahouari Kaddouri" in filtered and "Les données ouvertes" not in filtered
    assert "Filtres actifs" in filtered


def test_no_hit_says_so(client):
    page = client.get("/search?q=hippopotame").get_data(as_text=True)
    assert "Aucun résultat" in page


def test_empty_query_shows_the_box_and_the_syntax(client):
    page = client.get("/search").get_data(as_text=True)
    assert 'name="q"' in page and "Syntaxe de recherche" in page
    assert "result-group" not in page


@pytest.mark.parametrize(
    "query",
    [
        "q=capteurs&page=-1",
        "q=capteurs&page=abc",
        "q=capteurs&page=99999999999999999999",
        "q=" + "x" * 10_000,
        "q=%22unclosed+phrase",
        "q=speaker:",
        "q=(((",
        "q=capteurs&year=abc",
        "q=capteurs&sort=sideways",
        "q=*",
        "q=-",
        "q=%00",
        "speaker=nobody",
    ],
)
def test_bad_parameters_never_give_a_500(client, query):
    assert client.get(f"/search?{query}").status_code == 200


def test_a_very_long_query_is_cut_with_a_notice(client):
    page = client.get("/search?q=" + "capteurs " * 2000).get_data(as_text=True)
    assert "seul son début a été cherché" in page


@pytest.mark.parametrize(
    ("query", "french", "english"),
    [
        ("speaker:nobody", "Rien dans l’archive ne correspond à speaker:nobody.", "Nothing in"),
        ('"capteurs', "un guillemet n’est pas fermé", "a quotation mark is not closed"),
        ("le la les", "ne contient que des mots très courants", "only very common words"),
        ("*e*", "doit commencer par une lettre", "must start with a letter"),
    ],
)
def test_index_notices_are_worded_in_the_interface_language(client, query, french, english):
    page = client.get("/search", query_string={"q": query}).get_data(as_text=True)
    assert french in page and english not in page
    page = client.get("/search", query_string={"q": query, "lang": "en"}).get_data(as_text=True)
    assert english in page and french not in page
