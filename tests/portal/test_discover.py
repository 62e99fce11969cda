"""Discoverability: titles, Open Graph, schema.org markup, sitemap, Atom feed."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

from tests.portal.builders import DRAFT_SLUG, SLUG

ATOM = "{http://www.w3.org/2005/Atom}"


def jsonld(page: str) -> dict:
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    return json.loads(match.group(1))


def test_session_page_title_and_open_graph(client):
    page = client.get(f"/sessions/{SLUG}").get_data(as_text=True)
    title = re.search(r"<title>(.*?)</title>", page, re.S).group(1)
    assert title.startswith("Modèles économiques et réalités politiques")
    assert "Ville intelligente" in title
    assert '<meta property="og:type" content="video.other">' in page
    assert re.search(
        r'<meta property="og:video" content="http://localhost/media/[0-9a-f]{64}/', page
    )


def test_video_object_with_transcript_and_clips(client):
    data = jsonld(client.get(f"/sessions/{SLUG}").get_data(as_text=True))
    assert data["@type"] == "VideoObject"
    assert data["duration"] == "PT0H0M40S"
    assert "Nos capteurs surveillent la qualité des rivières." in data["transcript"]
    clips = data["hasPart"]
    assert clips[2] == {
        "@type": "Clip",
        "name": clips[2]["name"],
        "startOffset": 20,
        "endOffset": 28,
        "url": f"http://localhost/sessions/{SLUG}?t=20",
    }
    assert clips[2]["name"].startswith("Applications en faveur")


def test_sitemap_lists_public_pages_only(client):
    response = client.get("/sitemap.xml")
    root = ET.fromstring(response.data)
    locs = [e.text for e in root.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert f"http://localhost/sessions/{SLUG}" in locs
    assert "http://localhost/speakers/pierre-saulnier" in locs
    assert not any(DRAFT_SLUG in loc for loc in locs)


def test_atom_feed_of_new_sessions(client):
    response = client.get("/feed.atom")
    assert response.content_type.startswith("application/atom+xml")
    root = ET.fromstring(response.data)
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == 3
    titles = [e.find(f"{ATOM}title").text for e in entries]
    assert "Les politiques de la « ville intelligente »" in titles
    links = [e.find(f"{ATOM}link").get("href") for e in entries]
    assert f"http://localhost/sessions/{SLUG}" in links
