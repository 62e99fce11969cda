"""The JSON contracts built in one place: the CLI's hit, the API's hit, links from slugs and ms."""

from __future__ import annotations

from index.results import Group, Hit, SearchResults
from portal.shapes import api_search_json, search_json


def _hit(**changes) -> Hit:
    fields = dict(
        segment_id=7,
        session_slug="urbanisme-2019",
        session_title="Urbanisme",
        series="ateliers",
        series_title="Ateliers",
        date="2019-03-01",
        item_title=None,
        speaker_slug="paul-martin",
        speaker_name="Paul Martin",
        affiliation="LATTS",
        start_ms=9_050,
        end_ms=10_400,
        segment_start_ms=8_000,
        text="Une expérimentation de végétalisation.",
        snippet_html="Une expérimentation de <mark>végétalisation</mark>.",
    )
    return Hit(**{**fields, **changes})


def test_cli_hit_shape_links_the_whole_second() -> None:
    results = SearchResults(total=1, hits=[_hit()])
    assert search_json(results) == {
        "total": 1,
        "hits": [
            {
                "session": "urbanisme-2019",
                "start": 9.05,
                "end": 10.4,
                "speaker": "paul-martin",
                "text": "Une expérimentation de végétalisation.",
                "url": "/sessions/urbanisme-2019?t=9",
            }
        ],
    }


def test_api_hit_is_the_cli_hit_plus_display_fields() -> None:
    hit = _hit()
    results = SearchResults(
        total=1,
        hits=[hit],
        groups=[Group("urbanisme-2019", "Urbanisme", 1, [hit])],
        facets={"speaker": [("paul-martin", "Paul Martin", 1)]},
    )
    body = api_search_json(results, "notice")
    assert {k: body["hits"][0][k] for k in search_json(results)["hits"][0]} == (
        search_json(results)["hits"][0]
    )
    assert body["hits"][0]["segment_start"] == 8.0
    assert body["groups"][0]["hits"] == body["hits"]
    assert body["facets"]["speaker"] == [
        {"value": "paul-martin", "label": "Paul Martin", "count": 1}
    ]
    assert body["notice"] == "notice"
