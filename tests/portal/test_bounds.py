"""Numbers in URLs and forms: out of range is a 404 or a message, never a 500 or a huge range.

Every route taking a number is probed with the values that broke it: 0, -1, 2**63
and 2**64 (past SQLite's 64-bit integers), 10**30 and non-digits. Public routes
are probed anonymously, workspace ones signed in.
"""

from __future__ import annotations

import pytest

from core.catalogue.queries import current_transcript, get_session
from tests.portal.builders import LINES, SLUG
from tests.portal.workspace_fixtures import *  # noqa: F403
from tests.portal.workspace_fixtures import token

BAD = ["0", "-1", str(2**63), str(2**64), str(10**30), "abc", "1e3", "٣"]
HUGE = [str(2**63), str(2**64), str(10**30)]
COOKIE_LIMIT = 4096  # browsers drop a larger cookie: the flash message would be lost

# Public routes, "{n}" standing for the probed value.
PUBLIC = [
    f"/cite/{SLUG}/{{n}}/24100-26300",
    f"/cite/{SLUG}/1/{{n}}-{{n}}1",
    f"/cite/{SLUG}/1/0-{{n}}",
    f"/api/cite/{SLUG}/{{n}}/24100-26300",
    f"/api/cite/{SLUG}/1/{{n}}-{{n}}1",
    f"/api/cite/{SLUG}/1/0-{{n}}",
    f"/sessions/{SLUG}?v={{n}}&t=24",
    f"/sessions/{SLUG}?t={{n}}",
    f"/sessions/{SLUG}?t=24&end={{n}}",
    f"/sessions/{SLUG}/transcript.vtt?v={{n}}",
    f"/api/sessions/{SLUG}?v={{n}}",
    "/api/search?q=capteurs&page={n}",
    "/api/search?q=capteurs&page_size={n}",
    "/api/search?q=capteurs&year={n}",
    "/search?q=capteurs&page={n}",
    "/search?q=capteurs&year={n}",
]


@pytest.mark.parametrize("value", BAD)
@pytest.mark.parametrize("route", PUBLIC)
def test_public_numbers_out_of_range_are_never_a_server_error(client, route, value):
    response = client.get(route.format(n=value))
    assert response.status_code in (200, 400, 404), response.status_code
    if route.startswith("/api/") and response.status_code != 200:
        assert response.get_json()["error"]["status"] == response.status_code


@pytest.mark.parametrize("value", HUGE)
def test_a_citation_of_a_version_or_instant_that_cannot_exist_is_not_found(client, value):
    for route in (
        f"/cite/{SLUG}/{value}/24100-26300",
        f"/api/cite/{SLUG}/{value}/24100-26300",
        f"/cite/{SLUG}/1/{value}-{value}1",
        f"/api/cite/{SLUG}/1/{value}-{value}1",
    ):
        assert client.get(route).status_code == 404, route
    assert client.get(f"/api/cite/{SLUG}/0/24100-26300").status_code == 404


def test_version_in_a_query_string_is_read_whole_not_cut_to_other_digits(client):
    # "922337203685…" once became version 922337203685; a 10**30 one no version at all.
    for value in HUGE:
        response = client.get(f"/api/sessions/{SLUG}?v={value}")
        assert response.status_code == 404
        assert response.get_json()["error"]["message"].endswith(f"version {value}")
    assert client.get(f"/api/sessions/{SLUG}?v=-1").status_code == 404  # not version 1
    assert client.get(f"/sessions/{SLUG}/transcript.vtt?v={2**64}").status_code == 404


def test_a_time_past_the_end_of_the_recording_is_said_to_be_unreadable(client):
    page = client.get(f"/sessions/{SLUG}?t=3600&lang=en")
    assert "could not be read" in page.get_data(as_text=True)
    inside = client.get(f"/sessions/{SLUG}?t=24&lang=en")
    assert "could not be read" not in inside.get_data(as_text=True)


# Workspace routes, as (method, path, request keyword arguments), "{n}" the value.
WORKSPACE = [
    ("POST", "/workspace/jobs/{n}/retry", {}),
    ("POST", f"/workspace/sessions/{SLUG}/versions/{{n}}/restore", {}),
    ("GET", f"/workspace/sessions/{SLUG}/transcript?version={{n}}", {}),
]


def _latest_version(app) -> int:
    with app.extensions["archive"].catalogue.session() as db:
        return current_transcript(db, get_session(db, SLUG, include_drafts=True)).version


@pytest.mark.parametrize(("method", "path", "kwargs"), WORKSPACE)
def test_workspace_ids_out_of_range_are_not_found(ws_app, archivist, method, path, kwargs):
    csrf = token(archivist)
    for value in BAD:
        response = archivist.open(
            path.format(n=value), method=method, data={"csrf_token": csrf}, **kwargs
        )
        assert response.status_code == 404, (value, response.status_code)
    assert _latest_version(ws_app) == 1


def test_account_ids_out_of_range_are_not_found(admin):
    csrf = token(admin)
    for value in BAD:
        response = admin.post(f"/workspace/users/{value}", data={"csrf_token": csrf, "role": "x"})
        assert response.status_code == 404, (value, response.status_code)


def _assign(client, csrf: str, first: str, last: str, base_version: str = "1"):
    return client.post(
        f"/workspace/sessions/{SLUG}/speakers",
        data={
            "first": first,
            "last": last,
            "speaker": "ludovic-halbert",
            "base_version": base_version,
            "csrf_token": csrf,
        },
        headers={"Accept-Language": "en"},
    )


@pytest.mark.parametrize(
    ("first", "last"),
    [("1", "200000"), ("1", "99999999999999999999"), ("0", "3"), ("-5", "2"), (str(2**63), "1")],
)
def test_speaker_range_outside_the_transcript_is_refused_in_a_short_message(
    ws_app, archivist, first, last
):
    response = _assign(archivist, token(archivist), first, last)
    assert response.status_code == 302
    cookie = response.headers.get("Set-Cookie", "")
    assert len(cookie) < COOKIE_LIMIT, len(cookie)
    page = archivist.get(response.headers["Location"]).get_data(as_text=True)
    assert f"from 1 to {len(LINES)}" in page
    assert _latest_version(ws_app) == 1  # nothing was reassigned


def test_speaker_range_bad_base_version_is_refused(ws_app, archivist):
    csrf = token(archivist)
    for value in BAD:
        assert _assign(archivist, csrf, "1", "2", base_version=value).status_code == 302
    assert _latest_version(ws_app) == 1
    assert _assign(archivist, csrf, "2", "1").status_code == 302  # reversed: still a range
    assert _latest_version(ws_app) == 2


def test_transcript_json_with_positions_out_of_range_is_a_bad_request(ws_app, archivist):
    csrf = token(archivist)
    for value in BAD[1:]:  # position 0 is the first segment: JSON positions count from 0
        for changes in ({"texts": {value: "x"}}, {"speakers": {value: None}}):
            response = archivist.post(
                f"/workspace/sessions/{SLUG}/transcript",
                json={"base_version": 1, **changes},
                headers={"X-CSRFToken": csrf},
            )
            assert response.status_code == 400, (value, changes, response.status_code)
    for value in BAD:
        response = archivist.post(
            f"/workspace/sessions/{SLUG}/transcript",
            json={"base_version": value, "texts": {"1": "x"}},
            headers={"X-CSRFToken": csrf},
        )
        assert response.status_code in (400, 409), (value, response.status_code)
    assert _latest_version(ws_app) == 1


def test_programme_start_out_of_range_is_refused_with_a_message(ws_app, archivist):
    csrf = token(archivist)
    for value in HUGE:
        response = archivist.post(
            f"/workspace/sessions/{SLUG}/programme",
            data={"csrf_token": csrf, "new-title": "Débat", "new-start": value},
        )
        assert response.status_code == 302, (value, response.status_code)
