"""Accounts page, for admins only: add archivists, change roles, reset passwords."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core.accounts import create_user, list_users, set_password, update_account
from core.catalogue.schema import User
from core.errors import CatalogueError
from portal.auth import require_admin
from portal.extensions import get_db
from portal.services.bounds import ID
from portal.workspace import make_blueprint

bp = make_blueprint("workspace_users", __name__)
bp.before_request(require_admin)


@bp.route("/users")
def index():
    """List the accounts with forms to add and change them."""
    return render_template("workspace/users.html", users=list_users(get_db()))


@bp.route("/users", methods=["POST"])
def add():
    """Create an account; the password is typed twice."""
    form, db = request.form, get_db()
    if form.get("password") != form.get("password2"):
        flash(_("The two passwords differ."), "error")
        return redirect(url_for(".index"))
    try:
        create_user(
            db, form.get("username", ""), form.get("password", ""), form.get("role", "archivist")
        )
        db.commit()
    except CatalogueError as exc:
        db.rollback()
        flash(str(exc), "error")
        return redirect(url_for(".index"))
    flash(_("Account “%(name)s” created.", name=form["username"].strip()), "success")
    return redirect(url_for(".index"))


@bp.route(f"/users/<{ID}:user_id>", methods=["POST"])
def update(user_id: int):
    """Change an account's role, access or password."""
    db = get_db()
    user = db.get(User, user_id) or abort(404)
    form = request.form
    try:
        update_account(
            db,
            user,
            role=form.get("role", user.role),
            active=form.get("active") == "on",
            acting_user_id=current_user.id,
        )
        if form.get("password"):
            set_password(db, user, form["password"])
        db.commit()
    except CatalogueError as exc:
        db.rollback()
        flash(str(exc), "error")
        return redirect(url_for(".index"))
    flash(_("Account “%(name)s” updated.", name=user.username), "success")
    return redirect(url_for(".index"))
