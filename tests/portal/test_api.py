"""The JSON API: sessions, one session with its segments, speakers, search, errors."""

from __future__ import annotations

import pytest

from tests.portal.builders import DRAFT_SLUG, LINES, SLUG


def test_sessions_lists_published_sessions_only(client):
    body = client.get("/api/sessions").get_json()
    slugs = [s["slug"] for s in body["sessions"]]
    assert SLUG in slugs and DRAFT_SLUG not in slugs
    assert body["total"] == len(slugs) == 3
    assert slugs[0] == SLUG  # newest first


def test_session_has_metadata_programme_speakers_and_segments(client):
    body = client.get(f"/api/sessions/{SLUG}").get_json()
    assert body["title"].startswith("Modèles économiques")
    assert body["date"] == "2018-01-29"
    assert body["series_slug"] == "ville-intelligente-cycle-2"
    assert [p["start_ms"] for p in body["programme"][:5]] == [0, 10_000, 20_000, 28_000, 34_000]
    assert body["programme"][2]["people"][0]["affiliation"] == "Neocity"
    assert {"slug": "ludovic-halbert", "roles": ["discussant"]}.items() <= {
        k: v for s in body["speakers"] if s["slug"] == "ludovic-halbert" for k, v in s.items()
    }.items()
    assert body["transcript"]["version"] == 1
    assert len(body["segments"]) == len(LINES)
    third = body["segments"][4]
    assert third["start"] == 20.3 and third["speaker"] == "pierre-saulnier"
    assert third["affiliation"] == "Neocity"
    assert third["words"][0][:3] == [20300, 20750, "Neocity"]
    assert body["media"]["mimetype"] == "video/mp4"


def test_speaker(client):
    body = client.get("/api/speakers/arnaud-brun").get_json()
    assert body["name"] == "Arnaud Brun"
    assert body["affiliations"][0]["affiliation"] == "Tenevia"
    assert body["talks"][0]["start_ms"] == 28_000
    assert body["sessions"][0]["slug"] == SLUG


def test_search_has_the_cli_hit_shape_plus_facets_and_total(client):
    body = client.get("/api/search?q=capteurs").get_json()
    assert body["total"] == 1
    hit = body["hits"][0]
    assert {"session", "start", "end", "speaker", "text", "url"} <= set(hit)
    assert hit["session"] == SLUG and hit["speaker"] == "arnaud-brun"
    assert hit["url"] == f"/sessions/{SLUG}?t={int(hit['start'])}"
    assert 28.2 <= hit["start"] < 29
    assert body["facets"]["speaker"] == [
        {"value": "arnaud-brun", "label": "Arnaud Brun", "count": 1}
    ]


def test_search_filters_by_speaker_and_session(client):
    both = client.get("/api/search?q=collectivités").get_json()
    one = client.get("/api/search?q=collectivités&speaker=pierre-saulnier").get_json()
    assert both["total"] == 2 and one["total"] == 1
    other = client.get("/api/search?q=collectivités&session=no-such-session").get_json()
    assert other["total"] == 0


@pytest.mark.parametrize(
    "url",
    [
        "/api/sessions/no-such-session",
        f"/api/sessions/{DRAFT_SLUG}",
        "/api/speakers/nobody",
        "/api/nothing-here",
        f"/api/cite/{SLUG}/9/0-1000",
    ],
)
def test_unknown_things_are_404_with_one_error_shape(client, url):
    response = client.get(url)
    assert response.status_code == 404
    assert response.get_json()["error"]["status"] == 404
    assert response.get_json()["error"]["message"]


@pytest.mark.parametrize(
    "query",
    [
        "q=capteurs&page=-1",
        "q=capteurs&page=x",
        "q=" + "y" * 10_000,
        "q=capteurs&page_size=-4",
        "q=capteurs&page_size=100000",
        "q=%22",
        "q=capteurs&year=twenty",
        "",
    ],
)
def test_bad_search_parameters_never_give_a_500(client, query):
    response = client.get(f"/api/search?{query}")
    assert response.status_code == 200
    assert "total" in response.get_json()


def test_versioned_session(client):
    assert client.get(f"/api/sessions/{SLUG}?v=1").get_json()["transcript"]["version"] == 1
    assert client.get(f"/api/sessions/{SLUG}?v=7").status_code == 404
    assert client.get(f"/api/sessions/{SLUG}?v=abc").status_code == 200


@pytest.mark.parametrize(
    ("query", "options"),
    [
        ("collectivités", []),
        ("collectivités", ["--speaker", "pierre-saulnier"]),
        ('"qualité des rivières"', []),
        ("capt*", ["--session", SLUG]),
        ("seance OR usagers", ["--page", "1"]),
    ],
)
def test_cli_and_api_return_the_same_hits(client, built_archive, query, options):
    import json
    from urllib.parse import urlencode

    from click.testing import CliRunner

    from cli import main

    home = str(built_archive.settings.home)
    printed = CliRunner().invoke(main, ["--home", home, "search", query, *options, "--json"])
    assert printed.exit_code == 0, printed.output
    cli = json.loads(printed.output)
    params = {"q": query, **dict(zip(options[::2], options[1::2], strict=True))}
    params = {key.lstrip("-"): value for key, value in params.items()}
    api = client.get(f"/api/search?{urlencode(params)}&page_size=10").get_json()
    contract = ("session", "start", "end", "speaker", "text", "url")
    assert cli["total"] == api["total"] > 0
    assert [{k: h[k] for k in contract} for h in cli["hits"]] == [
        {k: h[k] for k in contract} for h in api["hits"]
    ]
