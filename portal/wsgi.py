"""Query strings sent as raw UTF-8 (`curl '…?q=expérimentation'`) read as the reader typed them.

PEP 3333 has WSGI servers (Werkzeug's, gunicorn) hand the query string over as a
str whose characters are its bytes decoded as Latin-1, and Werkzeug then reads
only %XX escapes as UTF-8: raw bytes became "expÃ©rimentation" and found nothing.
When the bytes are valid UTF-8, this percent-encodes them, which is what a
browser would have sent; other bytes are left as they came.

Werkzeug's development server (`archive serve`) departs from PEP 3333 here: it
encodes the Latin-1 text once more as UTF-8, so `QueryRequestHandler` gives it
the query string as PEP 3333 says. Gunicorn (22 and later) refuses a request
target with raw non-ASCII bytes outright (400, as RFC 9112 allows), before any
app sees it: send such words percent-encoded (`curl -G --data-urlencode`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

from flask import Flask
from werkzeug.serving import WSGIRequestHandler

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def percent_encode_utf8(query_string: str) -> str:
    """Return a PEP 3333 query string with its non-ASCII bytes %XX-escaped, if they are UTF-8."""
    if query_string.isascii():
        return query_string
    try:
        raw = query_string.encode("latin-1")
        raw.decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return query_string
    return "".join(chr(b) if b < 0x80 else f"%{b:02X}" for b in raw)


class Utf8QueryString:
    """WSGI middleware: re-read a raw UTF-8 query string as UTF-8."""

    def __init__(self, app: WsgiApp) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]):
        query = environ.get("QUERY_STRING")
        if query:
            environ["QUERY_STRING"] = percent_encode_utf8(query)
        return self.app(environ, start_response)


def init_app(app: Flask) -> None:
    """Wrap the app so every server (archive serve, gunicorn) reads raw UTF-8 queries."""
    app.wsgi_app = Utf8QueryString(app.wsgi_app)  # type: ignore[method-assign]


class QueryRequestHandler(WSGIRequestHandler):
    """Werkzeug's request handler, with the query string's bytes as PEP 3333 says (Latin-1)."""

    def make_environ(self) -> dict[str, Any]:
        environ = super().make_environ()
        # http.server decoded the request line as Latin-1: self.path holds the raw bytes.
        environ["QUERY_STRING"] = urlsplit(self.path).query
        return environ
