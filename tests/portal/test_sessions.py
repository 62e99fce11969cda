"""The session page: player, captions, chapters, transcript, ?t= and lenient parameters."""

from __future__ import annotations

import re

import pytest

from tests.portal.builders import DRAFT_SLUG, SLUG

URL = f"/sessions/{SLUG}"


def current_line(page: str) -> str:
    """Return the text of the line the server marked as being spoken."""
    match = re.search(r'<p class="ln is-current"[^>]*>([^<]*)</p>', page)
    assert match, "no current line"
    return match.group(1)


def test_player_has_media_captions_on_by_default_and_chapters(client, built_archive):
    page = client.get(URL).get_data(as_text=True)
    assert f'src="/media/{built_archive.sha256}/play.mp4"' in page
    assert 'type="video/mp4"' in page
    assert re.search(r'<track kind="captions" src="[^"]+/transcript\.vtt"[^>]*default>', page)
    assert 'kind="chapters"' in page
    assert 'data-seek="20000"' in page  # the third programme item starts at 0:20
    assert "Solutions de surveillance de l&#39;environnement" in page


def test_transcript_turns_are_headed_by_speaker_and_affiliation(client):
    page = client.get(URL).get_data(as_text=True)
    turn = re.search(
        r'<p class="who"><a tabindex="-1" href="/speakers/pierre-saulnier">'
        r"Pierre Saulnier</a> <span class=\"aff\">Neocity</span>",
        page,
    )
    assert turn
    assert page.count('class="ln') == 10
    # Each word's start (relative ms) rides on the line for click-to-seek.
    assert 'data-s="20300" data-e="23900" data-w="0 450 900 1350 1800 ' in page


@pytest.mark.parametrize("t", ["25", "25s", "0m25s", "0h00m25s", "0:25", "25.2"])
def test_t_opens_the_page_at_that_moment(client, t):
    page = client.get(f"{URL}?t={t}").get_data(as_text=True)
    assert current_line(page) == "Les données ouvertes des collectivités nourrissent nos services."
    assert re.search(r'data-start-ms="25\d\d\d"', page)
    assert "#t=25" in page  # the media fragment, so that even without script it starts there


def test_hours_and_minutes_forms_are_understood(client):
    # The recording lasts 40 s: a later time is refused (tests/portal/test_bounds.py).
    page = client.get(f"{URL}?t=0h00m34s").get_data(as_text=True)
    assert 'data-start-ms="34000"' in page
    page = client.get(f"{URL}?t=0m12.5s").get_data(as_text=True)
    assert 'data-start-ms="12500"' in page


def test_clip_end_is_passed_to_the_player(client):
    page = client.get(f"{URL}?t=28&end=34").get_data(as_text=True)
    assert 'data-end-ms="34000"' in page
    assert "#t=28.0,34.0" in page


@pytest.mark.parametrize(
    "query",
    [
        "t=abc",
        "t=-5",
        "t=99999999999999",
        "t=1:99",
        "v=abc",
        "v=-1",
        "v=999",
        "end=zz&t=3",
        "q=" + "données " * 1500,
        "q=%22unclosed",
        "q=speaker:",
        "t=%00",
        "lang=xx",
    ],
)
def test_bad_parameters_never_break_the_page(client, query):
    response = client.get(f"{URL}?{query}")
    assert response.status_code == 200
    assert "Transcription" in response.get_data(as_text=True)


def test_unreadable_time_is_explained(client):
    page = client.get(f"{URL}?t=abc").get_data(as_text=True)
    assert "n’a pas pu être lu" in page or "could not be read" in page


@pytest.mark.parametrize("slug", ["no-such-session", DRAFT_SLUG])
def test_unknown_and_draft_sessions_are_404(client, slug):
    assert client.get(f"/sessions/{slug}").status_code == 404
    assert client.get(f"/sessions/{slug}/transcript.vtt").status_code == 404
    assert client.get(f"/sessions/{slug}/chapters.vtt").status_code == 404


def test_search_within_a_session_highlights_the_transcript(client):
    page = client.get(f"{URL}?q=capteurs").get_data(as_text=True)
    assert "Nos <mark>capteurs</mark> surveillent la qualité des rivières." in page
    assert re.search(r"1 passage correspond|1 passage matches", page)
    assert 'data-seek="28' in page  # the hit list jumps to the word


@pytest.mark.parametrize(
    "fmt, content_type, needle",
    [
        ("vtt", "text/vtt", "<v Pierre Saulnier>Neocity propose"),
        ("srt", "application/x-subrip", "Pierre Saulnier: Neocity propose"),
        ("txt", "text/plain", "] Pierre Saulnier"),
        ("json", "application/json", '"speaker": "pierre-saulnier"'),
    ],
)
def test_downloads_in_four_formats(client, fmt, content_type, needle):
    response = client.get(f"{URL}/transcript.{fmt}?download=1")
    assert response.status_code == 200
    assert response.content_type.startswith(content_type)
    assert needle in response.get_data(as_text=True)
    assert f'filename="{SLUG}-v1.{fmt}"' in response.headers["Content-Disposition"]


def test_unknown_download_format_is_404(client):
    assert client.get(f"{URL}/transcript.docx").status_code == 404
    assert client.get(f"{URL}/transcript.vtt?v=42").status_code == 404


@pytest.mark.parametrize(
    ("pix_fmt", "served"), [("yuv420p", "media/ab/original.mp4"), ("yuv444p", None)]
)
def test_the_portal_and_the_pipeline_share_one_playability_rule(pix_fmt, served):
    # 4:4:4 H.264 (screen recorders) plays nowhere: the portal must not offer the original
    # the pipeline judged unplayable, as it did when it rebuilt the probe without pix_fmt.
    from core.catalogue.schema import Recording
    from portal.services.sessions import playable_file

    recording = Recording(
        original_path="media/ab/original.mp4",
        container="mov,mp4,m4a,3gp,3g2,mj2",
        streams=[
            {"kind": "video", "codec": "h264", "pix_fmt": pix_fmt, "width": 64, "height": 64},
            {"kind": "audio", "codec": "aac", "channels": 1, "sample_rate": 16000},
        ],
        playable_path=None,
    )
    assert playable_file(recording) == served
