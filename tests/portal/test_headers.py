"""Security headers on every response; HTTPS (HSTS, Secure cookies) only when it is true."""

from __future__ import annotations

import re

import pytest
from flask import Flask

from core.errors import ConfigError
from portal import create_app
from portal.headers import CONTENT_SECURITY_POLICY
from tests.portal.builders import SLUG
from tests.portal.workspace_fixtures import *  # noqa: F403
from tests.portal.workspace_fixtures import PASSWORD, csrf_from, home_of

PUBLIC_PAGES = [
    "/",
    f"/sessions/{SLUG}",
    f"/sessions/{SLUG}?q=ville",
    "/search?q=ville",
    "/speakers/pierre-saulnier",
    "/auth/login",
    "/api/search?q=ville",
    "/static/js/player.js",
    "/feed.atom",
    "/no/such/page",
]
WORKSPACE_PAGES = ["/workspace/", f"/workspace/sessions/{SLUG}", "/workspace/upload"]


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_every_response_carries_the_security_headers(client, path):
    response = client.get(path)
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "'unsafe-inline'" not in CONTENT_SECURITY_POLICY
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP


def _inline_code(html: str) -> list[str]:
    """Return what a CSP without 'unsafe-inline' would refuse: style attributes, inline scripts."""
    found = re.findall(r"<[^>]*\sstyle=[^>]*>", html)
    found += re.findall(r"\son[a-z]+=\"[^\"]*\"", html)
    found += [
        tag
        for tag in re.findall(r"<script\b[^>]*>", html)
        if "src=" not in tag and 'type="application/ld+json"' not in tag
    ]
    return found


@pytest.mark.parametrize("path", PUBLIC_PAGES[:6])
def test_public_pages_need_no_inline_style_or_script(client, path):
    assert _inline_code(client.get(path).get_data(as_text=True)) == []


@pytest.mark.parametrize("path", WORKSPACE_PAGES)
def test_workspace_pages_need_no_inline_style_or_script(archivist, path):
    page = archivist.get(path)
    assert page.status_code == 200
    assert page.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert _inline_code(page.get_data(as_text=True)) == []


def test_hsts_is_sent_over_https(client):
    response = client.get("/", base_url="https://archive.example")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def _behind_proxy(app: Flask, trusted_proxies: int) -> Flask:
    return create_app(
        {
            "ARCHIVE_HOME": str(home_of(app)),
            "TESTING": True,
            "SECRET_KEY": "proxy",
            "ARCHIVE_TRUSTED_PROXIES": trusted_proxies,
        }
    )


@pytest.mark.parametrize(("trusted_proxies", "https"), [(0, False), (1, True)])
def test_tls_at_a_trusted_proxy_makes_cookies_secure_and_sends_hsts(ws_app, trusted_proxies, https):
    app = _behind_proxy(ws_app, trusted_proxies)
    try:
        client = app.test_client()
        # The proxy terminates TLS and talks plain HTTP to the portal.
        client.environ_base.update(
            {"HTTP_X_FORWARDED_PROTO": "https", "HTTP_X_FORWARDED_HOST": "archive.example"}
        )
        page = client.get("/auth/login")
        assert ("Strict-Transport-Security" in page.headers) is https
        response = client.post(
            "/auth/login",
            headers={"Referer": "https://archive.example/auth/login"},
            data={
                "username": "ada",
                "password": PASSWORD,
                "csrf_token": csrf_from(page.get_data(as_text=True)),
            },
        )
        assert response.status_code == 302
        cookie = response.headers["Set-Cookie"]
        assert ("Secure" in cookie) is https
    finally:
        app.extensions["archive"].catalogue.dispose()


def test_a_negative_number_of_proxies_is_refused_at_start(ws_app):
    with pytest.raises(ConfigError, match="ARCHIVE_TRUSTED_PROXIES"):
        _behind_proxy(ws_app, -1)
