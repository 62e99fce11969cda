"""Sign-in throttling as deployed: several processes, many users behind one proxy address."""

from __future__ import annotations

import http.cookiejar
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.request import Request

import pytest
from flask import Flask

from portal import create_app
from tests.portal.builders import REPO
from tests.portal.workspace_fixtures import *  # noqa: F403
from tests.portal.workspace_fixtures import PASSWORD, csrf_from, home_of, sign_in


def _second_app(app: Flask, **config: object) -> Flask:
    """Another portal process on the same archive home (as a second gunicorn worker is)."""
    return create_app(
        {"ARCHIVE_HOME": str(home_of(app)), "TESTING": True, "SECRET_KEY": "x", **config}
    )


def test_failures_in_one_process_count_in_another(ws_app):
    other = _second_app(ws_app)
    try:
        for client in (ws_app.test_client(), other.test_client()):
            for _ in range(3):
                response = sign_in(client, "ada", "guess")
                if response.status_code != 401:
                    break
        # 3 + 2 guesses were checked: the sixth attempt waits, in either process.
        assert response.status_code == 429
        assert sign_in(ws_app.test_client(), "ada").status_code == 429
    finally:
        other.extensions["archive"].catalogue.dispose()


def test_an_attacked_account_does_not_lock_out_the_others_behind_its_address(ws_app):
    attacker = ws_app.test_client()
    for _ in range(30):  # 5 guesses checked, 25 refused
        sign_in(attacker, "ada", "guess")
    for name in ("marie", "paul", "luc", "anne"):  # and a few other names tried
        for _ in range(5):
            assert sign_in(attacker, name, "guess").status_code == 401
    # Everyone reaches the portal through the same proxy address (the test client's).
    assert sign_in(ws_app.test_client(), "root").status_code == 302
    assert sign_in(ws_app.test_client(), "ada").status_code == 429


def test_a_successful_sign_in_forgets_the_accounts_failures(ws_app):
    client = ws_app.test_client()
    for _ in range(4):
        assert sign_in(client, "ada", "guess").status_code == 401
    assert sign_in(client, "ada").status_code == 302
    for _ in range(5):
        assert sign_in(ws_app.test_client(), "ada", "guess").status_code == 401


@pytest.mark.parametrize(("trusted_proxies", "fourth"), [(0, 429), (1, 401)])
def test_x_forwarded_for_counts_only_when_the_proxy_is_trusted(ws_app, trusted_proxies, fourth):
    app = _second_app(
        ws_app,
        ARCHIVE_LOGIN_ADDRESS_MAX_FAILURES=3,
        ARCHIVE_TRUSTED_PROXIES=trusted_proxies,
    )
    try:
        statuses = []
        for n, name in enumerate(("anne", "marc", "lise", "noe"), start=1):
            client = app.test_client()
            # Each "client" claims another address; only a trusted proxy is believed.
            client.environ_base["HTTP_X_FORWARDED_FOR"] = f"203.0.113.{n}"
            statuses.append(sign_in(client, name, "guess").status_code)
        assert statuses == [401, 401, 401, fourth]
    finally:
        app.extensions["archive"].catalogue.dispose()


def test_an_address_over_its_allowance_gets_a_retry_after_of_one_step(ws_app):
    app = _second_app(ws_app, ARCHIVE_LOGIN_ADDRESS_MAX_FAILURES=2)
    try:
        client = app.test_client()
        assert sign_in(client, "anne", "guess").status_code == 401
        assert sign_in(client, "marc", "guess").status_code == 401
        slowed = sign_in(client, "root")
        assert slowed.status_code == 429
        # 900 s / 2: one more attempt in at most 7.5 minutes, not a 15-minute lockout.
        assert 0 < int(slowed.headers["Retry-After"]) <= 450
    finally:
        app.extensions["archive"].catalogue.dispose()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _opener() -> urllib.request.OpenerDirector:
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    jar = http.cookiejar.CookieJar()
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)


def _status(opener: urllib.request.OpenerDirector, request: Request) -> int:
    try:
        with opener.open(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_gunicorn_workers_together_check_no_more_passwords_than_one_process(ws_app, tmp_path: Path):
    pytest.importorskip("gunicorn")
    home = home_of(ws_app)
    port = _free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "ARCHIVE_HOME": str(home),
        "ARCHIVE_SECRET_KEY": "gunicorn-test",
    }
    log = (tmp_path / "gunicorn.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", "4", "--bind", f"127.0.0.1:{port}"]
        + ["portal:create_app()"],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if _status(_opener(), Request(base + "/auth/login")) == 200:
                    break
            except OSError:
                time.sleep(0.2)

        def attempt(password: str) -> tuple[urllib.request.OpenerDirector, Request]:
            opener = _opener()  # its own session cookie and CSRF token
            with opener.open(base + "/auth/login", timeout=30) as page:
                token = csrf_from(page.read().decode())
            body = {"username": "ada", "password": password, "csrf_token": token}
            data = urllib.parse.urlencode(body).encode()
            return opener, Request(base + "/auth/login", data=data)

        guesses = [attempt("guess") for _ in range(16)]
        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = list(pool.map(lambda a: _status(*a), guesses))
        assert sorted(statuses) == [401] * 5 + [429] * 11
        # Even the right password now waits, whichever worker answers.
        assert [_status(*attempt(PASSWORD)) for _ in range(4)] == [429] * 4
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
