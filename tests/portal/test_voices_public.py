"""Voices as viewers meet them: named turns, "Intervenant N", and nothing biometric, anywhere."""

from __future__ import annotations

import base64
import json
import re
from urllib.parse import quote

import pytest

from core.voices import pack_embedding
from tests.portal.builders import SLUG
from tests.portal.test_drafts_invisible import probes
from tests.portal.test_workspace_voices import EMBEDDINGS, post, store_voices
from tests.portal.workspace_fixtures import *  # noqa: F403

# Voice 2 answers voice 1 inside the opening item: a turn must start there.
TURN_VOICES = ["1", "2", "2", "2", "3", "3", "2", "2", "1", "1"]


def who(html: str) -> list[str]:
    """Return each turn's speaker line as shown (person, voice name or 'not identified')."""
    found = re.findall(
        r'<p class="who">(?:<a[^>]*>([^<]+)</a>|<span class="\w+">([^<]+)</span>)', html
    )
    return [a or b for a, b in found]


def test_the_session_page_starts_a_turn_where_the_voice_changes(ws_app, archivist):
    version = store_voices(ws_app, voices=TURN_VOICES)
    viewer = ws_app.test_client()
    html = viewer.get(f"/sessions/{SLUG}?lang=en").get_data(as_text=True)
    assert who(html) == [
        "Intervenant 1",
        "Intervenant 2",
        "Intervenant 2",  # a programme item starts here
        "Intervenant 3",
        "Intervenant 2",
        "Intervenant 1",
    ]
    post(archivist, "voices/name", version, voice="2", person="marie-veltz")
    html = viewer.get(f"/sessions/{SLUG}?lang=en").get_data(as_text=True)
    assert who(html)[:3] == ["Intervenant 1", "Marie Veltz", "Marie Veltz"]
    segments = viewer.get(f"/api/sessions/{SLUG}").get_json()["segments"]
    assert [(s["speaker"], s["speaker_name"], s["voice"]) for s in segments[:2]] == [
        (None, "Intervenant 1", "1"),
        ("marie-veltz", "Marie Veltz", "2"),
    ]


def test_an_unnamed_voice_is_not_a_person(ws_app):
    store_voices(ws_app)
    viewer = ws_app.test_client()
    for query in ("speaker:intervenant-1", "speaker:1", 'speaker:"Intervenant 1"'):
        assert viewer.get("/api/search", query_string={"q": query}).get_json().get("hits") in (
            [],
            None,
        ), query
    facets = viewer.get("/api/search", query_string={"q": "ville"}).get_json()["facets"]
    assert not any("Intervenant" in f["label"] for f in facets.get("speaker", []))
    assert viewer.get("/speakers/intervenant-1").status_code == 404
    html = viewer.get(f"/sessions/{SLUG}").get_data(as_text=True)
    jsonld = json.loads(re.search(r'application/ld\+json">(.*?)</script>', html, re.S).group(1))
    assert not any("Intervenant" in actor["name"] for actor in jsonld.get("actor", []))
    listed = viewer.get(f"/api/sessions/{SLUG}").get_json()["speakers"]
    assert not any("Intervenant" in p["name"] for p in listed)


def secrets_of_embeddings() -> list[str]:
    """Return how an embedding could show up in a response: words, bytes, numbers."""
    out = ["embedding", "voiceprint", "proposed_score", "proposed_person"]
    for vector in EMBEDDINGS.values():
        packed = pack_embedding(vector)
        out += [base64.b64encode(packed).decode()[:16], packed.hex()[:16]]
        unit = vector / (vector**2).sum() ** 0.5
        out += [f"{unit[0]:.4f}", f"{unit[1]:.4f}"]
    return out


@pytest.fixture
def voiced_app(ws_app, archivist):
    """The archive with voices, a confirmed one (so a voiceprint) and a proposal."""
    version = store_voices(ws_app, proposals={"3": ("arnaud-brun", 0.8765)})
    post(archivist, "voices/name", version, voice="2", person="marie-veltz")
    return ws_app


def test_no_public_route_or_api_answer_carries_embeddings_or_voiceprints(voiced_app):
    client = voiced_app.test_client()
    urls = []
    # Every public route the drafts test probes (a new one is probed here too), on this session.
    for cases in probes({"x": "0" * 64}).values():
        for case in cases:
            url = case if isinstance(case, str) else case.template.format(quote(SLUG))
            urls.append(url.replace("2031-01-07-huis-clos-ultramarin", SLUG))
    urls += [f"/sessions/{SLUG}/transcript.{fmt}" for fmt in ("vtt", "srt", "txt", "json")]
    urls += [
        "/api/search?q=speaker:marie-veltz",
        "/speakers/marie-veltz",
        "/api/speakers/marie-veltz",
    ]
    secrets = secrets_of_embeddings()
    leaks, checked = [], 0
    for url in sorted(set(urls)):
        response = client.get(url)
        if response.status_code != 200:
            continue
        checked += 1
        body = response.get_data(as_text=True).lower()
        leaks += [(url, s) for s in secrets if s.lower() in body]
        assert "0.8765" not in body and "0.88" not in body, url  # the proposal's score
    assert checked > 20 and not leaks, leaks
