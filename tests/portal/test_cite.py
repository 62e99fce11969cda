"""Quote and cite: the quoted words, permalinks pinned to a version, three formats."""

from __future__ import annotations

import json
import re

from portal import create_app
from tests.portal.builders import SLUG, add_correction

# Pierre Saulnier's second line is 24.1-27.7 s, its words about 450 ms apart.
QUOTE = f"/api/cite/{SLUG}/1/24100-26300"


def test_citation_quotes_the_selected_words_with_speaker_and_source(client):
    body = client.get(QUOTE).get_json()
    assert body["quote"] == "Les données ouvertes des collectivités"
    assert body["speakers"][0]["name"] == "Pierre Saulnier"
    assert body["permalink"] == f"http://localhost/sessions/{SLUG}?t=24.1&v=1"
    assert body["clip_url"] == f"http://localhost/sessions/{SLUG}?t=24.1&end=26.3&v=1"
    text = body["text"]
    assert text.startswith("Pierre Saulnier (Neocity), « Les données ouvertes des collectivités »")
    assert "29 janvier 2018" in text and "à 0:00:24–0:00:26" in text
    assert "Séminaire PUCA-LATTS" in text and text.endswith(body["permalink"])


def test_bibtex_and_csl_json(client):
    body = client.get(QUOTE).get_json()
    bibtex = body["bibtex"]
    assert bibtex.startswith("@misc{saulnier2018modeles,")
    assert "author = {Saulnier, Pierre}" in bibtex
    assert "year = {2018}" in bibtex and f"url = {{{body['permalink']}}}" in bibtex
    assert bibtex.count("{") == bibtex.count("}")
    csl = body["csl_json"]
    assert csl["type"] == "speech"
    assert csl["author"] == [{"given": "Pierre", "family": "Saulnier"}]
    assert csl["issued"] == {"date-parts": [[2018, 1, 29]]}
    assert csl["event"].startswith("Séminaire PUCA-LATTS") and "container-title" not in csl
    json.dumps(csl)


def test_a_quote_across_speakers_names_both(client):
    body = client.get(f"/api/cite/{SLUG}/1/25800-29000").get_json()
    assert [s["slug"] for s in body["speakers"]] == ["pierre-saulnier", "arnaud-brun"]
    assert body["quote"].startswith("collectivités nourrissent nos services. Nos capteurs")


def test_citation_page(client):
    page = client.get(f"/cite/{SLUG}/1/24100-26300").get_data(as_text=True)
    assert "Les données ouvertes des collectivités" in page
    assert "@misc{saulnier2018modeles," in page
    assert f"/sessions/{SLUG}?t=24.1&amp;end=26.3&amp;v=1" in page


def test_bad_citations_are_404_or_400(client):
    assert client.get(f"/cite/{SLUG}/1/5000-1000").status_code == 404
    assert client.get(f"/cite/{SLUG}/2/0-1000").status_code == 404
    assert client.get("/cite/nothing/1/0-1000").status_code == 404
    assert client.get(f"/api/cite/{SLUG}/1/5000-1000").status_code == 400


def test_permalink_to_a_corrected_passage_says_so_and_keeps_the_moment(fresh_archive):
    version = add_correction(
        fresh_archive.settings, 5, "Les données ouvertes des communes nourrissent nos services."
    )
    assert version == 2
    app = create_app({"ARCHIVE_HOME": str(fresh_archive.settings.home), "SECRET_KEY": "k"})
    client = app.test_client()
    page = client.get(f"/sessions/{SLUG}?t=24.1&v=1").get_data(as_text=True)
    assert "Le texte a été corrigé depuis" in page
    assert "collectivités nourrissent" in page and "communes nourrissent" in page
    assert re.search(r'data-start-ms="24100"', page)
    pinned = client.get(f"/api/cite/{SLUG}/1/24100-27700").get_json()
    assert pinned["quote"].startswith("Les données ouvertes des collectivités")
    assert "communes" in pinned["current_quote"] and pinned["corrected"] is True
    current = client.get(f"/sessions/{SLUG}?t=24.1&v=2").get_data(as_text=True)
    assert "Le texte a été corrigé depuis" not in current
    unchanged = client.get(f"/sessions/{SLUG}?t=29&v=1").get_data(as_text=True)
    assert "Le texte a été corrigé depuis" not in unchanged  # that line did not change
    app.extensions["archive"].catalogue.dispose()
