"""Editing: corrections as versions, immediate search, speakers, programme, publishing."""

from __future__ import annotations

from sqlalchemy import select

from core.catalogue.queries import current_transcript, get_session, transcript_segments
from core.catalogue.schema import Transcript
from core.contracts import Word
from core.corrections import retime_words
from tests.portal.builders import DRAFT_SLUG, LINES, SLUG
from tests.portal.workspace_fixtures import *  # noqa: F403
from tests.portal.workspace_fixtures import token

RIVERS = 6  # "Nos capteurs surveillent la qualité des rivières." said at 28.2-31.0 s


def save(client, csrf: str, base_version: int, **changes):
    """POST the transcript editor's JSON."""
    return client.post(
        f"/workspace/sessions/{SLUG}/transcript",
        json={"base_version": base_version, **changes},
        headers={"X-CSRFToken": csrf},
    )


def hits(client, query: str) -> list[dict]:
    """Search like a viewer, through the public API."""
    return client.get("/api/search", query_string={"q": query}).get_json()["hits"]


def segments_of(app, version: int | None = None):
    with app.extensions["archive"].catalogue.session() as db:
        session = get_session(db, SLUG, include_drafts=True)
        transcript = (
            current_transcript(db, session)
            if version is None
            else db.scalar(
                select(Transcript).where(
                    Transcript.session_id == session.id, Transcript.version == version
                )
            )
        )
        return transcript, transcript_segments(db, transcript)


def test_correction_is_a_new_verified_version_found_by_search_at_the_right_second(
    ws_app, archivist
):
    viewer = ws_app.test_client()
    assert hits(viewer, "Marne") == []
    response = save(
        archivist,
        token(archivist),
        1,
        texts={str(RIVERS): "Nos capteurs surveillent la qualité de la Marne."},
    )
    assert response.status_code == 200 and response.get_json()["version"] == 2
    found = hits(viewer, "Marne")  # no wait: the reindex ran with the save
    assert len(found) == 1 and found[0]["session"] == SLUG
    assert 30 <= found[0]["start"] < 31  # where the corrected words were said
    assert f"t={int(found[0]['start'])}" in found[0]["url"]
    assert hits(viewer, "rivières") == []
    transcript, segments = segments_of(ws_app)
    assert (transcript.version, transcript.author, transcript.source) == (2, "ada", "edit")
    assert "corrected 1 segment (#7)" in transcript.note
    assert [s.verified for s in segments] == [i == RIVERS for i in range(len(LINES))]
    assert segments[RIVERS].words[0][:3] == [28200, 28600, "Nos"]  # unchanged words keep times
    _, original = segments_of(ws_app, version=1)
    assert original[RIVERS].text == LINES[RIVERS][3]  # the earlier version is untouched


def test_saving_on_a_stale_version_is_refused(ws_app, archivist):
    csrf = token(archivist)
    assert save(archivist, csrf, 1, texts={"0": "Bonjour à tous."}).status_code == 200
    stale = save(archivist, csrf, 1, texts={"1": "Autre chose."})
    assert stale.status_code == 409
    # In the archivist's language (French by default; English in the test below).
    assert "La version 2 a été enregistrée par ada" in stale.get_json()["error"]["message"]
    assert segments_of(ws_app)[0].version == 2


def test_saving_nothing_adds_no_version(ws_app, archivist):
    unchanged = {str(RIVERS): "  " + LINES[RIVERS][3]}
    body = save(archivist, token(archivist), 1, texts=unchanged).get_json()
    assert body == {"version": 1, "changed": False, "note": ""}


def test_older_version_can_be_viewed_and_restored(ws_app, archivist):
    csrf = token(archivist)
    save(archivist, csrf, 1, texts={str(RIVERS): "Une erreur de saisie."})
    old_page = archivist.get(f"/workspace/sessions/{SLUG}/transcript?version=1")
    assert LINES[RIVERS][3] in old_page.get_data(as_text=True)
    response = archivist.post(
        f"/workspace/sessions/{SLUG}/versions/1/restore", data={"csrf_token": csrf}
    )
    assert response.status_code == 302
    transcript, segments = segments_of(ws_app)
    assert transcript.version == 3 and transcript.note == "restored version 1"
    assert segments[RIVERS].text == LINES[RIVERS][3]
    assert hits(ws_app.test_client(), "saisie") == []


def test_speakers_of_a_range_are_reassigned(ws_app, archivist):
    csrf = token(archivist)
    response = archivist.post(
        f"/workspace/sessions/{SLUG}/speakers",
        data={
            "first": "1",
            "last": "3",
            "speaker": "ludovic-halbert",
            "base_version": "1",
            "csrf_token": csrf,
        },
    )
    assert response.status_code == 302
    _, segments = segments_of(ws_app)
    speakers = [s.speaker.slug if s.speaker else None for s in segments]
    assert speakers[:3] == ["ludovic-halbert"] * 3
    assert speakers[3:] == [line[2] for line in LINES[3:]]
    one = save(archivist, csrf, 2, speakers={"9": "arnaud-brun"}).get_json()
    assert one["version"] == 3 and "reassigned the speaker of 1 segment" in one["note"]
    unknown = save(archivist, csrf, 3, speakers={"0": "nobody-at-all"})
    assert unknown.status_code == 400


def test_metadata_and_programme_offsets_are_saved(ws_app, archivist):
    csrf = token(archivist)
    with ws_app.extensions["archive"].catalogue.session() as db:
        items = [(i.id, i.title) for i in get_session(db, SLUG).items]
    first_id = items[0][0]
    form = {
        "csrf_token": csrf,
        f"item-{first_id}-title": "Accueil",
        f"item-{first_id}-kind": "opening",
        f"item-{first_id}-start": "0:00:05",
        f"item-{first_id}-people": "Gilles Jeannot (LATTS)",
        "new-title": "Questions",
        "new-kind": "discussion",
        "new-start": "38s",
        "new-people": "Ludovic Halbert",
    }
    assert archivist.post(f"/workspace/sessions/{SLUG}/programme", data=form).status_code == 302
    bad = {"csrf_token": csrf, f"item-{first_id}-start": "tomorrow"}
    archivist.post(f"/workspace/sessions/{SLUG}/programme", data=bad)
    page = archivist.get(f"/workspace/sessions/{SLUG}").get_data(as_text=True)
    assert "tomorrow" in page and "is not a time" in page
    assert (
        archivist.post(
            f"/workspace/sessions/{SLUG}/metadata",
            data={
                "csrf_token": csrf,
                "title": "Séance 4, titre corrigé",
                "language": "fr",
                "date": "2018-01-29",
                "series": "ville-intelligente-cycle-2",
                "place": "Paris",
            },
        ).status_code
        == 302
    )
    with ws_app.extensions["archive"].catalogue.session() as db:
        session = get_session(db, SLUG)
        assert session.title == "Séance 4, titre corrigé" and session.place == "Paris"
        assert (session.items[0].title, session.items[0].start_ms) == ("Accueil", 5_000)
        assert (session.items[-1].title, session.items[-1].start_ms) == ("Questions", 38_000)
        assert session.items[-1].appearances[0].person.slug == "ludovic-halbert"
    assert hits(ws_app.test_client(), "capteurs")[0]["session"] == SLUG


def test_publish_and_unpublish_control_what_viewers_see(ws_app, archivist):
    csrf = token(archivist)
    viewer = ws_app.test_client()
    assert viewer.get(f"/sessions/{DRAFT_SLUG}").status_code == 404
    archivist.post(f"/workspace/sessions/{DRAFT_SLUG}/publish", data={"csrf_token": csrf})
    assert viewer.get(f"/sessions/{DRAFT_SLUG}").status_code == 200
    assert hits(viewer, "capteurs")
    archivist.post(f"/workspace/sessions/{SLUG}/unpublish", data={"csrf_token": csrf})
    assert viewer.get(f"/sessions/{SLUG}").status_code == 404
    assert hits(viewer, "capteurs") == []  # the reindex hid its segments too


def test_retimed_words_keep_matching_times_and_share_replaced_spans():
    old = [Word(0, 400, "la"), Word(400, 800, "ville"), Word(800, 1600, "inteligente.")]
    new = retime_words(old, "la ville intelligente de Paris.", 0, 2000)
    assert [w.text for w in new] == ["la", "ville", "intelligente", "de", "Paris."]
    assert (new[0].start_ms, new[1].end_ms) == (0, 800)
    assert new[2].start_ms == 800 and new[-1].end_ms == 1600  # the replaced word's span
    assert all(a.end_ms <= b.start_ms for a, b in zip(new, new[1:], strict=False))
    assert [w.text for w in retime_words([], "deux mots", 1000, 2000)] == ["deux", "mots"]


def test_an_emptied_segment_is_removed_and_the_verified_marks_follow_their_segments(
    ws_app, archivist
):
    csrf = token(archivist)
    # Segment #3 was heard in a silence: emptied; #4 is corrected (and so verified).
    new = "Les élus découvrent le numérique."
    response = save(archivist, csrf, 1, texts={"2": "   ", "3": new})
    assert response.status_code == 200 and response.get_json()["version"] == 2
    transcript, segments = segments_of(ws_app)
    assert [s.text for s in segments] == [LINES[0][3], LINES[1][3], new] + [
        line[3] for line in LINES[4:]
    ]
    assert [s.position for s in segments if s.verified] == [2]  # the corrected one, moved up
    assert "removed 1 segment (#3)" in transcript.note
    assert hits(ws_app.test_client(), "parlerons") == []  # the removed words left search
    page = archivist.get(f"/workspace/sessions/{SLUG}?lang=fr").get_data(as_text=True)
    assert "1 segment supprimé (#3)" in page


def test_every_segment_cannot_be_emptied(ws_app, archivist):
    everything = {str(n): "" for n in range(len(LINES))}
    response = save(archivist, token(archivist), 1, texts=everything)
    assert 400 <= response.status_code < 500
    assert "au moins un segment" in response.get_json()["error"]["message"]
    assert segments_of(ws_app)[0].version == 1


def test_a_refused_correction_is_worded_in_the_archivists_language(ws_app, archivist):
    csrf = token(archivist)
    archivist.get("/workspace/?lang=en")
    assert save(archivist, csrf, 1, texts={"0": "Bonjour à tous."}).status_code == 200
    messages = [
        save(archivist, csrf, 1, texts={"1": "Autre chose."}),
        save(archivist, csrf, 2, texts={str(n): "" for n in range(len(LINES))}),
        save(archivist, csrf, 2, texts={"999": "Rien."}),
    ]
    assert [m.status_code for m in messages] == [409, 400, 400]
    worded = [m.get_json()["error"]["message"] for m in messages]
    assert worded[0].startswith("Version 2 was saved by ada while you were editing version 1")
    assert worded[1].startswith("A transcript keeps at least one segment")
    assert worded[2] == "No segment #1000 in this version: reload the page."


def test_words_said_in_a_silence_whisper_skipped_become_a_new_segment(ws_app, archivist):
    csrf = token(archivist)
    archivist.get("/workspace/?lang=en")
    # #2 ends at 9.5 s, #3 starts at 10.2 s; the first segment starts at 0.5 s.
    response = save(archivist, csrf, 1, inserts={"1": "Et la Marne  aussi.", "-1": "Bonsoir."})
    assert response.status_code == 200 and response.get_json()["version"] == 2
    transcript, segments = segments_of(ws_app)
    assert [s.text for s in segments][:4] == [
        "Bonsoir.",
        LINES[0][3],
        LINES[1][3],
        "Et la Marne aussi.",
    ]
    assert [(s.start_ms, s.end_ms) for s in (segments[0], segments[3])] == [
        (0, 500),
        (9_500, 10_200),
    ]
    assert [s.position for s in segments if s.verified] == [0, 3]
    assert "added 2 segments" in transcript.note
    found = hits(ws_app.test_client(), "Marne")
    assert len(found) == 1 and 9.5 <= found[0]["start"] < 10.2
    # Now #7 ends at 23.9 s and #8 starts at 24.1 s: no room for a segment there.
    refused = save(archivist, csrf, 2, inserts={"6": "Rien."})
    assert refused.status_code == 400
    assert refused.get_json()["error"]["message"].startswith("No silence after segment #7")
