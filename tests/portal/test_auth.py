"""Sign-in: password storage, cookies, CSRF, throttling, and `archive user add`."""

from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import select

from cli import main
from core import accounts
from core.catalogue.schema import User
from tests.portal.workspace_fixtures import *  # noqa: F403
from tests.portal.workspace_fixtures import PASSWORD, csrf_from, sign_in


def test_sign_in_opens_the_workspace_and_sign_out_closes_it(ws_app):
    client = ws_app.test_client()
    assert client.get("/workspace/").status_code == 404
    response = sign_in(client, "ada")
    assert response.status_code == 302 and response.location.endswith("/workspace/")
    page = client.get("/workspace/")
    assert page.status_code == 200 and 'action="/auth/logout"' in page.get_data(as_text=True)
    csrf = csrf_from(page.get_data(as_text=True))
    assert client.get("/auth/logout").status_code == 405  # a link cannot sign anyone out
    assert client.post("/auth/logout", data={"csrf_token": csrf}).status_code == 302
    assert client.get("/workspace/").status_code == 404


def test_wrong_password_and_unknown_user_get_the_same_answer(ws_app):
    client = ws_app.test_client()
    wrong = sign_in(client, "ada", "not the password")
    unknown = sign_in(client, "nobody", PASSWORD)
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.get_data(as_text=True).count("ws-flash-error") == 1
    assert client.get("/workspace/").status_code == 404


def test_passwords_are_stored_as_argon2id_hashes(ws_app):
    with ws_app.extensions["archive"].catalogue.session() as db:
        stored = db.scalar(select(User).where(User.username == "ada")).password_hash
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    production = accounts.PasswordHasher()
    assert production.memory_cost >= 65536 and production.time_cost >= 3


def test_login_is_throttled_after_repeated_failures(ws_app):
    client = ws_app.test_client()
    for _ in range(5):
        assert sign_in(client, "ada", "guess").status_code == 401
    blocked = sign_in(client, "ada", PASSWORD)  # even the right password waits now
    assert blocked.status_code == 429
    assert blocked.headers["Retry-After"]
    assert client.get("/workspace/").status_code == 404
    assert sign_in(client, "root").status_code == 302  # other accounts are not locked out


def test_login_form_without_csrf_token_is_refused(ws_app):
    client = ws_app.test_client()
    response = client.post("/auth/login", data={"username": "ada", "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/workspace/").status_code == 404


def test_session_cookie_is_httponly_lax_and_secure_over_https(ws_app):
    plain = ws_app.test_client()
    sign_in(plain, "ada")
    cookie = plain.get_cookie("session")
    assert cookie.http_only and cookie.same_site == "Lax" and not cookie.secure
    secure = ws_app.test_client()
    page = secure.get("/auth/login", base_url="https://archive.example")
    response = secure.post(
        "/auth/login",
        base_url="https://archive.example",
        headers={"Referer": "https://archive.example/auth/login"},
        data={
            "username": "ada",
            "password": PASSWORD,
            "csrf_token": csrf_from(page.get_data(as_text=True)),
        },
    )
    assert response.status_code == 302
    assert "Secure" in response.headers["Set-Cookie"]


def test_next_parameter_cannot_redirect_to_another_site(ws_app):
    client = ws_app.test_client()
    page = client.get("/auth/login?next=https://evil.example/")
    response = client.post(
        "/auth/login",
        data={
            "username": "ada",
            "password": PASSWORD,
            "next": "//evil.example/",
            "csrf_token": csrf_from(page.get_data(as_text=True)),
        },
    )
    assert response.status_code == 302 and response.location.endswith("/workspace/")


def test_deactivated_account_cannot_sign_in(ws_app):
    with ws_app.extensions["archive"].catalogue.session() as db:
        db.scalar(select(User).where(User.username == "ada")).active = False
    assert sign_in(ws_app.test_client(), "ada").status_code == 401


def test_user_add_reads_the_password_from_stdin(fresh_archive, cheap_hashes):
    home = str(fresh_archive.settings.home)
    runner = CliRunner()
    result = runner.invoke(
        main,
        ["--home", home, "user", "add", "marie", "--role", "admin", "--password-stdin"],
        input="une phrase de passe\n",
    )
    assert result.exit_code == 0, result.output
    assert "une phrase de passe" not in result.output
    from portal import create_app

    app = create_app({"ARCHIVE_HOME": home, "TESTING": True, "SECRET_KEY": "t"})
    assert sign_in(app.test_client(), "marie", "une phrase de passe").status_code == 302
    app.extensions["archive"].catalogue.dispose()


def test_user_add_asks_twice_and_refuses_mismatch_or_short_password(fresh_archive, cheap_hashes):
    home = str(fresh_archive.settings.home)
    runner = CliRunner()
    mismatch = runner.invoke(
        main,
        ["--home", home, "user", "add", "paul"],
        input="first password\nsecond password\nfirst password\nfirst password\n",
    )
    assert mismatch.exit_code == 0, mismatch.output
    assert "do not match" in mismatch.output.lower() or "match" in mismatch.output.lower()
    assert "first password" not in mismatch.output  # never echoed
    short = runner.invoke(
        main, ["--home", home, "user", "add", "luc", "--password-stdin"], input="short\n"
    )
    assert short.exit_code == 1 and "at least 10 characters" in short.output
    taken = runner.invoke(
        main,
        ["--home", home, "user", "add", "paul", "--password-stdin"],
        input="another long one\n",
    )
    assert taken.exit_code == 1 and "already taken" in taken.output
