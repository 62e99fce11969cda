"""The sign-in page's `next`: a path on this site, or the workspace home; never a 500."""

from __future__ import annotations

import pytest

from tests.portal.workspace_fixtures import *  # noqa: F403
from tests.portal.workspace_fixtures import PASSWORD, csrf_from

HOSTILE = [
    "/\r\nSet-Cookie: x=1",  # a line break would split the Location header
    "/\tevil.example",  # browsers drop tabs: this would be //evil.example
    "/\t/evil.example",
    "/\\evil.example",  # browsers read \ as /
    "\\\\evil.example",
    "//evil.example/",
    "https://evil.example/",
    "javascript:alert(1)",
    "workspace/",  # relative: where it lands depends on the page
    "/\u2028evil",
    "/\x00",
]


@pytest.mark.parametrize("target", HOSTILE)
def test_a_signed_in_visitor_is_sent_home_for_a_hostile_next(archivist, target):
    response = archivist.get("/auth/login", query_string={"next": target})
    assert response.status_code == 302
    assert response.location == "/workspace/"


def test_the_raw_crlf_query_of_the_report_redirects_home(archivist):
    response = archivist.get("/auth/login?next=/%0d%0aX")
    assert response.status_code == 302 and response.location == "/workspace/"


@pytest.mark.parametrize("target", HOSTILE)
def test_signing_in_with_a_hostile_next_lands_home(ws_app, target):
    client = ws_app.test_client()
    page = client.get("/auth/login")
    assert page.status_code == 200
    response = client.post(
        "/auth/login",
        data={
            "username": "ada",
            "password": PASSWORD,
            "next": target,
            "csrf_token": csrf_from(page.get_data(as_text=True)),
        },
    )
    assert response.status_code == 302 and response.location == "/workspace/"


@pytest.mark.parametrize("target", ["/workspace/jobs", "/sessions/x?t=12#seg-3", "/search?q=été"])
def test_a_path_on_this_site_is_kept(archivist, target):
    response = archivist.get("/auth/login", query_string={"next": target})
    assert response.status_code == 302
    assert response.location.startswith(target.split("?")[0])
