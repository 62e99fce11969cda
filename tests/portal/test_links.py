"""The Flask-free path builders agree with the routes the views answer on."""

from __future__ import annotations

from flask import url_for

from portal import links


def test_path_builders_match_the_routes(app) -> None:
    with app.test_request_context():
        assert links.session_path("s-1") == url_for("sessions.show", slug="s-1")
        assert links.session_path("s-1", 61_999) == url_for("sessions.show", slug="s-1", t=61)
        assert links.session_path("s-1", 24_100, end_ms=26_300, version=2, exact=True) == url_for(
            "sessions.show", slug="s-1", t="24.1", end="26.3", v=2
        )
        assert links.speaker_path("jean-dupont") == url_for("speakers.show", slug="jean-dupont")
        sha = "a" * 64
        assert links.media_path(sha, "play", "mp4") == url_for(
            "sessions.media", sha=sha, kind="play", ext="mp4"
        )
        assert links.cite_path("s-1", 1, 0, 1000) == url_for(
            "cite.show", slug="s-1", version=1, start_ms=0, end_ms=1000
        )
        assert links.absolute("http://localhost/", "/speakers/x") == url_for(
            "speakers.show", slug="x", _external=True
        )
