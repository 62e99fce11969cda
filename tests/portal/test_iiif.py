"""IIIF Presentation 3 manifests, as a library's viewer or harvester reads them.

Each answer is loaded into the `iiif-prezi3` package's models (what a Python
consumer would do), and its contents are checked against the archive: the
recording paints one Canvas, the programme gives Ranges, the transcript is a
referenced AnnotationPage of supplementing annotations.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from iiif_prezi3 import AnnotationPage, Manifest

from portal import create_app
from tests.portal.builders import DRAFT_SLUG, ITEM_STARTS_MS, LINES, SLUG, build_archive
from tests.support import media_factory

MANIFEST = f"/iiif/{SLUG}/manifest.json"
LD_JSON = 'application/ld+json;profile="http://iiif.io/api/presentation/3/context.json"'


def _get(client, url: str):
    """GET a URL the manifest gave (absolute, on the test client's host)."""
    parts = urlsplit(url)
    assert parts.netloc == "localhost", url
    return client.get(parts.path + (f"?{parts.query}" if parts.query else ""))


@pytest.fixture
def manifest(client) -> dict:
    response = client.get(MANIFEST)
    assert response.status_code == 200
    return response.get_json(force=True)


def test_the_manifest_is_iiif_presentation_3_readable_from_any_site(client) -> None:
    response = client.get(MANIFEST)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == LD_JSON
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    data = response.get_json(force=True)
    Manifest(**data)  # the reference models accept it
    assert data["@context"] == "http://iiif.io/api/presentation/3/context.json"
    assert data["id"] == f"http://localhost{MANIFEST}"
    assert data["label"]["fr"][0].startswith("Modèles économiques et réalités politiques")
    assert data["summary"]["fr"][0].startswith("Séance 4")


def test_metadata_gives_date_place_series_and_speakers_with_affiliations(manifest) -> None:
    entries = {e["label"]["en"][0]: e["value"] for e in manifest["metadata"]}
    assert {e["label"]["fr"][0] for e in manifest["metadata"]} >= {"Date", "Lieu", "Série"}
    assert entries["Date"] == {"none": ["2018-01-29"]}
    assert "La Défense" in entries["Place"]["fr"][0]
    assert "Ville intelligente" in entries["Series"]["fr"][0]
    assert "Pierre Saulnier (Neocity)" in entries["Speakers"]["none"]
    assert "Arnaud Brun (Tenevia)" in entries["Speakers"]["none"]
    assert manifest["requiredStatement"]["value"] == {"none": ["Archives des séminaires"]}
    assert "rights" not in manifest  # none configured: none claimed


def test_homepage_and_transcript_exports_resolve(client, manifest) -> None:
    (home,) = manifest["homepage"]
    assert home["format"] == "text/html"
    assert _get(client, home["id"]).status_code == 200
    formats = {}
    for export in manifest["seeAlso"]:
        response = _get(client, export["id"])
        assert response.status_code == 200
        assert response.mimetype == export["format"]
        formats[export["format"]] = response.get_data(as_text=True)
    assert formats["text/vtt"].startswith("WEBVTT")
    assert "Neocity propose des applications" in formats["text/plain"]


def test_one_canvas_painted_by_the_video_for_its_duration(manifest, built_archive) -> None:
    (canvas,) = manifest["items"]
    assert isinstance(canvas["duration"], float)
    assert canvas["duration"] == pytest.approx(40.0, abs=0.2)
    assert (canvas["width"], canvas["height"]) == (320, 180)
    (page,) = canvas["items"]
    (painting,) = page["items"]
    assert painting["motivation"] == "painting"
    assert painting["target"] == canvas["id"]
    body = painting["body"]
    assert body["type"] == "Video"
    assert body["format"] == "video/mp4"
    assert body["duration"] == canvas["duration"]
    assert body["id"].endswith(f"/media/{built_archive.sha256}/play.mp4")


def test_programme_items_are_ranges_with_time_fragments(client, manifest) -> None:
    (canvas,) = manifest["items"]
    ranges = manifest["structures"]
    assert len(ranges) == len(ITEM_STARTS_MS)
    bounds = [*ITEM_STARTS_MS[1:], round(canvas["duration"] * 1000)]
    for range_, start_ms, end_ms in zip(ranges, ITEM_STARTS_MS, bounds, strict=True):
        (target,) = range_["items"]
        assert target["type"] == "Canvas"
        start, end = target["id"].removeprefix(canvas["id"] + "#t=").split(",")
        assert float(start) == start_ms / 1000
        assert float(end) == pytest.approx(end_ms / 1000, abs=0.001)
    talk = next(r for r in ranges if "Pierre Saulnier" in r["label"]["fr"][0])
    assert talk["items"][0]["id"] == canvas["id"] + "#t=20,28"


def test_the_transcript_is_a_referenced_page_of_supplementing_annotations(client, manifest) -> None:
    (canvas,) = manifest["items"]
    (reference,) = canvas["annotations"]
    assert reference["type"] == "AnnotationPage"
    response = _get(client, reference["id"])
    assert response.status_code == 200
    assert response.headers["Content-Type"] == LD_JSON
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    page = response.get_json(force=True)
    AnnotationPage(**page)
    assert page["id"] == reference["id"]
    assert len(page["items"]) == len(LINES)
    assert {a["motivation"] for a in page["items"]} == {"supplementing"}
    neocity = next(a for a in page["items"] if a["body"]["value"].startswith("Neocity"))
    assert neocity["body"] == {
        "type": "TextualBody",
        "value": "Neocity propose des applications pour impliquer les usagers.",
        "format": "text/plain",
        "language": "fr",
    }
    assert neocity["target"] == canvas["id"] + "#t=20.3,23.9"
    assert neocity["label"] == {"none": ["Pierre Saulnier"]}
    unattributed = page["items"][-1]
    assert "label" not in unattributed and unattributed["target"].endswith("#t=37.4,39.6")


@pytest.mark.parametrize(
    "path",
    [
        "/iiif/{}/manifest.json",
        "/iiif/{}/transcript/1.json",
    ],
)
def test_drafts_answer_as_unknown_slugs(client, path: str) -> None:
    draft = client.get(path.format(DRAFT_SLUG))
    unknown = client.get(path.format("1999-01-01-nothing"))
    assert draft.status_code == unknown.status_code == 404
    assert draft.get_json()["error"]["message"].replace(DRAFT_SLUG, "@") == (
        unknown.get_json()["error"]["message"].replace("1999-01-01-nothing", "@")
    )
    assert "Modèles et big data" not in draft.get_data(as_text=True)


def test_a_version_that_does_not_exist_is_404(client) -> None:
    assert client.get(f"/iiif/{SLUG}/transcript/2.json").status_code == 404
    assert client.get(f"/iiif/{SLUG}/transcript/{2**63}.json").status_code == 404


def test_configured_rights_are_stated(built_archive) -> None:
    licence = "http://creativecommons.org/licenses/by-nc/4.0/"
    app = create_app(
        {
            "ARCHIVE_HOME": str(built_archive.settings.home),
            "ARCHIVE_IIIF_RIGHTS": licence,
            "TESTING": True,
            "SECRET_KEY": "t",
        }
    )
    try:
        data = app.test_client().get(MANIFEST).get_json(force=True)
    finally:
        app.extensions["archive"].catalogue.dispose()
    Manifest(**data)
    assert data["rights"] == licence


@pytest.fixture(scope="module")
def audio_client(tmp_path_factory: pytest.TempPathFactory):
    """The portal on an archive whose recording is sound only."""
    home = tmp_path_factory.mktemp("audio-archive")
    tone = media_factory.quiet_tone(Path(home) / "seance.m4a", seconds=40, peak_db=-20)
    archive = build_archive(home / "home", media_source=tone)
    app = create_app({"ARCHIVE_HOME": str(archive.settings.home), "TESTING": True})
    yield app.test_client()
    app.extensions["archive"].catalogue.dispose()


def test_a_sound_recording_paints_a_canvas_without_dimensions(audio_client) -> None:
    data = audio_client.get(MANIFEST).get_json(force=True)
    Manifest(**data)
    (canvas,) = data["items"]
    assert "width" not in canvas and "height" not in canvas
    body = canvas["items"][0]["items"][0]["body"]
    assert body["type"] == "Sound"
    assert body["format"].startswith("audio/")
    assert "thumbnail" not in data


def test_published_media_may_be_played_by_viewers_on_other_sites(client, manifest) -> None:
    """IIIF viewers load the painted media with crossorigin="anonymous": it needs CORS."""
    body = manifest["items"][0]["items"][0]["items"][0]["body"]
    response = _get(client, body["id"])
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    response.close()
