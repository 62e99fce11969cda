"""Error pages and the API's single error shape.

A bad parameter is answered with a page that says what was wrong (or a JSON
error under /api/), never with a 500.
"""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException


def init_app(app: Flask) -> None:
    """Register the HTML and JSON error handlers."""
    app.register_error_handler(HTTPException, _http_error)


def api_error(status: int, message: str):
    """Return the API's error response: {"error": {"status", "message"}}."""
    response = jsonify({"error": {"status": status, "message": message}})
    response.status_code = status
    return response


def _http_error(exc: HTTPException):
    status = exc.code or 500
    if request.path.startswith("/api/"):
        return api_error(status, exc.description or exc.name)
    titles = {404: _("Page not found"), 400: _("Bad request"), 405: _("Method not allowed")}
    return (
        render_template(
            "errors/error.html",
            status=status,
            title=titles.get(status, exc.name),
            description=exc.description,
        ),
        status,
    )
