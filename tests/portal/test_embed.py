"""The embeddable player and oEmbed: what another site gets when it embeds a session."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from core.catalogue import Recording, open_catalogue
from core.errors import ConfigError
from portal import create_app
from portal.headers import CONTENT_SECURITY_POLICY
from tests.portal.builders import DRAFT_SLUG, SLUG, BuiltArchive
from tests.portal.test_headers import _inline_code

EMBED = f"/sessions/{SLUG}/embed"
PAGE_URL = f"http://localhost/sessions/{SLUG}"
UNKNOWN = "1999-01-01-nothing"


def _oembed(client, url: str, **params: str):
    return client.get("/oembed", query_string={"url": url, **params})


def _iframe_src(html: str) -> str:
    return unescape(re.search(r'<iframe src="([^"]+)"', html).group(1))


def test_the_embed_page_may_be_framed_by_any_site_and_no_other_page_may(client) -> None:
    embed = client.get(EMBED)
    assert embed.status_code == 200
    policy = embed.headers["Content-Security-Policy"]
    assert policy.endswith("frame-ancestors *")
    assert "'unsafe-inline'" not in policy and "script-src 'self'" in policy
    assert "X-Frame-Options" not in embed.headers
    assert embed.headers["X-Content-Type-Options"] == "nosniff"
    for other in (f"/sessions/{SLUG}", "/", f"/iiif/{SLUG}/manifest.json", "/oembed"):
        response = client.get(other)
        assert response.headers["X-Frame-Options"] == "DENY", other
        assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY, other


def test_the_embed_page_has_no_inline_code_and_no_site_chrome(client) -> None:
    html = client.get(EMBED + "?t=12").get_data(as_text=True)
    assert _inline_code(html) == []
    assert "site-header" not in html and "site-footer" not in html
    assert 'id="player"' in html


def test_the_embed_page_starts_at_t_and_links_back_to_that_second(client) -> None:
    html = client.get(EMBED + "?t=21").get_data(as_text=True)
    assert re.search(r'src="/media/[0-9a-f]{64}/play\.mp4#t=21\.0"', html)
    assert f'href="{PAGE_URL}?t=21"' in html
    # The line being said at 21 s, and who says it, before any script runs.
    assert "Neocity propose des applications pour impliquer les usagers." in html
    assert "Pierre Saulnier" in html
    assert "Modèles économiques et réalités politiques" in html
    assert "Ouvrir la séance complète à" in html and ">0:21<" in html
    english = client.get(EMBED + "?t=21&lang=en").get_data(as_text=True)
    assert "Open the full session at" in english


def test_a_clip_end_goes_into_the_media_fragment_and_bad_times_are_dropped(client) -> None:
    html = client.get(EMBED + "?t=20&end=28").get_data(as_text=True)
    assert "play.mp4#t=20.0,28.0" in html
    assert 'data-end-ms="28000"' in html
    backwards = client.get(EMBED + "?t=20&end=10").get_data(as_text=True)
    assert 'data-end-ms=""' in backwards and '#t=20.0"' in backwards
    for bad in ("?t=abc", "?t=99999", "?t=" + "9" * 40):
        response = client.get(EMBED + bad)
        assert response.status_code == 200, bad
        assert 'data-start-ms=""' in response.get_data(as_text=True), bad


def test_drafts_and_unknown_sessions_have_no_embed(client) -> None:
    draft = client.get(f"/sessions/{DRAFT_SLUG}/embed")
    unknown = client.get(f"/sessions/{UNKNOWN}/embed")
    assert draft.status_code == unknown.status_code == 404
    assert draft.get_data(as_text=True).replace(DRAFT_SLUG, "@") == unknown.get_data(
        as_text=True
    ).replace(UNKNOWN, "@")


@pytest.mark.parametrize(
    ("setting", "policy"),
    [
        (
            "https://blog.example, https://*.example.org",
            "https://blog.example https://*.example.org",
        ),
        ('["\'self\'", "https://intranet.example:8443"]', "'self' https://intranet.example:8443"),
    ],
)
def test_the_sites_that_may_frame_the_player_are_a_setting(
    built_archive: BuiltArchive, setting: str, policy: str
) -> None:
    app = create_app(
        {
            "ARCHIVE_HOME": str(built_archive.settings.home),
            "ARCHIVE_EMBED_FRAME_ANCESTORS": setting,
            "TESTING": True,
        }
    )
    try:
        response = app.test_client().get(EMBED)
    finally:
        app.extensions["archive"].catalogue.dispose()
    assert response.headers["Content-Security-Policy"].endswith("frame-ancestors " + policy)


@pytest.mark.parametrize("setting", ["https://a.example; script-src *", "'unsafe-inline'", "[]"])
def test_a_frame_ancestor_that_is_no_origin_is_refused_at_start(
    built_archive: BuiltArchive, setting: str
) -> None:
    with pytest.raises(ConfigError, match="ARCHIVE_EMBED_FRAME_ANCESTORS"):
        create_app(
            {
                "ARCHIVE_HOME": str(built_archive.settings.home),
                "ARCHIVE_EMBED_FRAME_ANCESTORS": setting,
                "TESTING": True,
            }
        )


def test_oembed_describes_a_session_link_as_a_video_iframe_at_its_time(client) -> None:
    response = _oembed(client, PAGE_URL + "?t=754")
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    data = response.get_json()
    assert data["version"] == "1.0" and data["type"] == "video"
    assert data["provider_name"] == "Archives des séminaires"
    assert data["provider_url"] == "http://localhost/"
    assert data["title"].startswith("Modèles économiques")
    assert (data["width"], data["height"]) == (640, 360 + 110)  # 16:9 video, line and title
    # 754 s is past the 40 s recording: the iframe starts at the beginning, as the page would.
    assert _iframe_src(data["html"]) == f"http://localhost{EMBED}"
    assert f'width="{data["width"]}" height="{data["height"]}"' in data["html"]
    at = _oembed(client, PAGE_URL + "?t=12&end=20").get_json()
    assert _iframe_src(at["html"]) == f"http://localhost{EMBED}?t=12&end=20"
    assert client.get(urlsplit(_iframe_src(at["html"])).path).status_code == 200


@pytest.mark.parametrize(
    ("url", "src_query"),
    [
        (f"http://localhost{EMBED}?t=21", "?t=21"),
        (PAGE_URL + "#t=20,28", "?t=20&end=28"),
        (PAGE_URL + "?t=0:00:21.5", "?t=21.5"),
        (f"https://localhost/sessions/{SLUG}", ""),
    ],
)
def test_oembed_reads_embed_urls_clip_fragments_and_timecodes(
    client, url: str, src_query: str
) -> None:
    data = _oembed(client, url).get_json()
    assert _iframe_src(data["html"]) == f"http://localhost{EMBED}{src_query}"


def test_oembed_sizes_stay_within_maxwidth_and_maxheight(client) -> None:
    narrow = _oembed(client, PAGE_URL, maxwidth="320").get_json()
    assert (narrow["width"], narrow["height"]) == (320, 180 + 110)
    low = _oembed(client, PAGE_URL, maxwidth="800", maxheight="300").get_json()
    assert low["height"] == 300 and low["width"] <= 800
    assert low["width"] == round((300 - 110) * 16 / 9)  # the video keeps its ratio
    tiny = _oembed(client, PAGE_URL, maxwidth="100", maxheight="100").get_json()
    assert tiny["width"] <= 100 and tiny["height"] <= 100


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"url": PAGE_URL, "format": "xml"}, 501),
        ({"url": PAGE_URL, "maxwidth": "abc"}, 400),
        ({"url": PAGE_URL, "maxwidth": "0"}, 400),
        ({"url": PAGE_URL, "maxheight": "-5"}, 400),
        ({"url": PAGE_URL, "maxheight": "1e3"}, 400),
        ({"url": ""}, 400),
        ({}, 400),
        ({"url": f"http://localhost/sessions/{DRAFT_SLUG}"}, 404),
        ({"url": f"http://localhost/sessions/{UNKNOWN}"}, 404),
        ({"url": f"http://elsewhere.example/sessions/{SLUG}"}, 404),
        ({"url": "http://localhost/speakers/pierre-saulnier"}, 404),
        ({"url": f"http://localhost/sessions/{SLUG}/transcript.vtt"}, 404),
        ({"url": f"javascript:alert(1)//localhost/sessions/{SLUG}"}, 404),
        ({"url": "http://localhost/sessions/" + "x" * 5000}, 404),
    ],
)
def test_oembed_refuses_what_it_cannot_describe_with_a_json_error(
    client, params: dict, status: int
) -> None:
    response = client.get("/oembed", query_string=params)
    assert response.status_code == status
    assert response.get_json()["error"]["status"] == status
    assert response.get_json()["error"]["message"]


def test_a_draft_url_answers_exactly_as_an_unknown_one(client) -> None:
    draft = _oembed(client, f"http://localhost/sessions/{DRAFT_SLUG}")
    unknown = _oembed(client, f"http://localhost/sessions/{UNKNOWN}")
    assert draft.get_data() == unknown.get_data()


def test_the_session_page_advertises_its_oembed(client) -> None:
    html = client.get(f"/sessions/{SLUG}").get_data(as_text=True)
    link = re.search(r'<link rel="alternate" type="application/json\+oembed" href="([^"]+)"', html)
    href = unescape(link.group(1))
    assert href.startswith("http://localhost/oembed?")
    assert parse_qs(urlsplit(href).query) == {"url": [PAGE_URL], "format": ["json"]}
    assert client.get(href.removeprefix("http://localhost")).get_json()["type"] == "video"


def test_a_poster_is_the_thumbnail_in_oembed_and_the_manifest(fresh_archive: BuiltArchive) -> None:
    poster = fresh_archive.media_path.with_name("poster.jpg")
    poster.write_bytes(b"\xff\xd8\xff\xd9")
    catalogue = open_catalogue(fresh_archive.settings)
    try:
        with catalogue.session() as db:
            recording = db.scalar(select(Recording).where(Recording.sha256 == fresh_archive.sha256))
            recording.poster_path = str(poster.relative_to(fresh_archive.settings.home))
    finally:
        catalogue.dispose()
    app = create_app({"ARCHIVE_HOME": str(fresh_archive.settings.home), "TESTING": True})
    client = app.test_client()
    try:
        data = _oembed(client, PAGE_URL).get_json()
        manifest = client.get(f"/iiif/{SLUG}/manifest.json").get_json(force=True)
        poster_url = f"http://localhost/media/{fresh_archive.sha256}/poster.jpg"
        assert data["thumbnail_url"] == poster_url
        assert (data["thumbnail_width"], data["thumbnail_height"]) == (320, 180)
        assert manifest["thumbnail"] == [
            {"id": poster_url, "type": "Image", "format": "image/jpeg"}
        ]
        assert client.get(urlsplit(poster_url).path).status_code == 200
        html = client.get(EMBED).get_data(as_text=True)
        assert f'poster="/media/{fresh_archive.sha256}/poster.jpg"' in html
    finally:
        app.extensions["archive"].catalogue.dispose()


def test_the_services_paths_are_the_routes(app) -> None:
    """The plain-data services build the paths the blueprints serve (like portal/links.py)."""
    from portal.services.embed import embed_path
    from portal.services.iiif import manifest_path, transcript_page_path

    slug = "a b-é"
    with app.test_request_context():
        from flask import url_for

        assert manifest_path(slug) == url_for("iiif.manifest", slug=slug)
        assert transcript_page_path(slug, 3) == url_for("iiif.transcript", slug=slug, version=3)
        assert embed_path(slug, 21_500, 30_000) == url_for(
            "embed.player", slug=slug, t="21.5", end="30"
        )
