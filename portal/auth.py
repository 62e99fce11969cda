"""Sign-in for archivists and admins: password hashing, sessions, roles, CSRF, throttling.

Viewers need no account. Anything behind the workspace answers 404 to anyone
not signed in, so drafts and uploads stay invisible rather than forbidden.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.sessions import SecureCookieSessionInterface
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFProtect
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from core.accounts import check_credentials
from core.catalogue.schema import User
from core.settings import Settings
from core.throttle import LoginThrottle

bp = Blueprint("auth", __name__, url_prefix="/auth")
login_manager = LoginManager()
login_manager.session_protection = "strong"  # a cookie replayed from elsewhere is dropped
csrf = CSRFProtect()


@dataclass(frozen=True)
class Account(UserMixin):
    """The signed-in person as the portal needs it, detached from the database."""

    id: int
    username: str
    role: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def get_id(self) -> str:
        return str(self.id)


def authenticate(db: Any, username: str, password: str) -> Account | None:
    """Return the active account with these credentials, or None; upgrade old hashes."""
    user = check_credentials(db, username, password)
    if user is None:
        return None
    return Account(user.id, user.username, user.role)


def can_see_drafts() -> bool:
    """Say whether the current visitor may see unpublished sessions (any signed-in account)."""
    return bool(current_user and current_user.is_authenticated)


def require_archivist() -> None:
    """Abort with 404 unless an archivist or admin is signed in (a blueprint before_request)."""
    if not can_see_drafts():
        abort(404)


def require_admin() -> None:
    """Abort with 404 for visitors and 403 for archivists (a blueprint before_request)."""
    require_archivist()
    if current_user.role != "admin":
        abort(403)


class LoginForm(FlaskForm):
    """The sign-in form (its CSRF token comes with FlaskForm)."""

    username = StringField(_l("User name"), validators=[DataRequired(), Length(max=100)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1000)])


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Show the sign-in form; sign in, throttled per account (locked) and address (slowed)."""
    from portal.extensions import get_db

    form = LoginForm()
    target = _safe_next(request.values.get("next"))
    if current_user.is_authenticated and request.method == "GET":
        return redirect(target)
    error, status, retry_after_s = None, 200, 0.0
    if form.validate_on_submit():
        throttle: LoginThrottle = current_app.extensions["login_throttle"]
        # The client's address: behind a reverse proxy, only as trusted_proxies allows.
        key = (request.remote_addr or "?", form.username.data)
        wait_s = throttle.admit(*key)
        if wait_s:
            minutes = max(1, round(wait_s / 60))
            error = _("Too many failed attempts. Try again in %(minutes)d min.", minutes=minutes)
            status, retry_after_s = 429, wait_s
        else:
            account = authenticate(get_db(), form.username.data, form.password.data)
            if account is None:
                error, status = _("Wrong user name or password."), 401
            else:
                throttle.succeeded(*key)
                session.clear()  # a fresh session on sign-in defeats session fixation
                login_user(account)
                return redirect(target)
    elif request.method == "POST":
        error, status = _("Fill in your user name and password."), 400
    response = render_template("auth/login.html", form=form, error=error, next=target)
    return response, status, {"Retry-After": str(math.ceil(retry_after_s))} if status == 429 else {}


@bp.route("/logout", methods=["POST"])
def logout():
    """Sign out (POST only, so that a link on another site cannot sign anyone out)."""
    logout_user()
    session.clear()
    return redirect("/")


def _safe_next(target: str | None) -> str:
    """Return `target` if it is a path on this site, else the workspace home.

    Browsers drop tabs and line breaks from URLs and read `\\` as `/`, so
    `/\\evil.example` or `/<tab>/evil.example` would leave the site; a line
    break would also split the Location header.
    """
    default = url_for("workspace.home")
    if not target or not target.startswith("/") or "\\" in target:
        return default
    if any(unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp") for char in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or target.startswith("//"):
        return default
    return target


@login_manager.user_loader
def _load_account(user_id: str) -> Account | None:
    from portal.extensions import get_db

    if not user_id.isdigit():
        return None
    user = get_db().get(User, int(user_id))
    if user is None or not user.active:
        return None
    return Account(user.id, user.username, user.role)


@login_manager.unauthorized_handler
def _unauthorized() -> None:
    abort(404)


def _hide_workspace() -> None:
    if request.path == "/workspace" or request.path.startswith("/workspace/"):
        require_archivist()


class HttpsAwareSessionInterface(SecureCookieSessionInterface):
    """Signed cookie sessions marked Secure whenever the request came over HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"] or request.is_secure)


def init_app(app: Flask, settings: Settings) -> None:
    """Install sign-in, CSRF protection, hardened session cookies and the login throttle."""
    app.config.setdefault("SESSION_COOKIE_HTTPONLY", True)
    app.config["SESSION_COOKIE_SAMESITE"] = app.config.get("SESSION_COOKIE_SAMESITE") or "Lax"
    # A 4 GB upload can outlast an hour: tokens live as long as the signed-in session.
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)
    app.session_interface = HttpsAwareSessionInterface()
    login_manager.init_app(app)
    # Registered before CSRFProtect's hook: a visitor gets 404, never a telling 400.
    app.before_request(_hide_workspace)
    if "csrf" not in app.extensions:
        csrf.init_app(app)
    app.extensions["login_throttle"] = LoginThrottle.from_settings(
        app.extensions["archive"].catalogue.engine, settings
    )
