"""Joining a segment to the one before it: one version, words and times kept; bad input refused."""

from __future__ import annotations

from core.catalogue.queries import current_transcript, get_session, transcript_segments
from tests.portal.builders import LINES, SLUG
from tests.portal.workspace_fixtures import *  # noqa: F403
from tests.portal.workspace_fixtures import token


def _join(client, segment: str, base_version: int = 1):
    return client.post(
        f"/workspace/sessions/{SLUG}/segments/join?lang=en",
        data={"csrf_token": token(client), "base_version": base_version, "segment": segment},
        follow_redirects=True,
    )


def _segments(app):
    with app.extensions["archive"].catalogue.session() as db:
        current = current_transcript(db, get_session(db, SLUG))
        return current, transcript_segments(db, current)


def test_joining_keeps_both_texts_and_word_times_in_one_new_version(ws_app, archivist):
    _, before = _segments(ws_app)
    page = _join(archivist, "7").get_data(as_text=True)
    assert "Saved as version 2." in page
    current, after = _segments(ws_app)
    assert current.version == 2 and len(after) == len(LINES) - 1
    joined = after[5]
    assert joined.text == f"{before[5].text} {before[6].text}"
    assert joined.words == before[5].words + before[6].words
    assert (joined.start_ms, joined.end_ms) == (before[5].start_ms, before[6].end_ms)
    assert joined.speaker_id == before[5].speaker_id
    assert "Segment #7 joined to the one before it" in current.note


def test_joining_the_first_or_a_missing_segment_is_refused_and_stores_nothing(ws_app, archivist):
    assert "Give the number (2 or more)" in _join(archivist, "1").get_data(as_text=True)
    missing = _join(archivist, str(len(LINES) + 1)).get_data(as_text=True)
    assert f"Segment #{len(LINES) + 1} has no segment before it to join." in missing
    assert "reload" in _join(archivist, "3", base_version=7).get_data(as_text=True)
    assert _segments(ws_app)[0].version == 1
