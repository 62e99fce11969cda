"""The portal served for real on a free loopback port, for harvesters and browsers."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

from werkzeug.serving import make_server

from portal import create_app


def serve(
    home: Path, prepare: Callable[[object], None] | None = None, **config: object
) -> Iterator[str]:
    """Serve the portal of an archive home on a free local port; yield its base URL.

    `config` adds test settings (e.g. ARCHIVE_OAI_PAGE_SIZE) to the app's;
    `prepare(app)` runs before the first request (accounts, scripted data).
    """
    app = create_app({"ARCHIVE_HOME": str(home), "SECRET_KEY": "live-tests", **config})
    if prepare is not None:
        prepare(app)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
        app.extensions["archive"].catalogue.dispose()


def serve_for_archivists(
    home: Path, prepare: Callable[[object], None] | None = None, **config: object
) -> Iterator[str]:
    """Serve a private archive with archivist "ada" (cheap password hashing); yield its URL.

    For browser tests that change their archive: each gets its own portal.
    """
    from argon2 import PasswordHasher, profiles

    from core import accounts
    from tests.portal.workspace_fixtures import PASSWORD

    def with_archivist(app) -> None:
        with app.extensions["archive"].catalogue.session() as db:
            accounts.create_user(db, "ada", PASSWORD, "archivist")
        if prepare is not None:
            prepare(app)

    original = accounts.HASHER
    accounts.HASHER = PasswordHasher.from_parameters(profiles.CHEAPEST)
    try:
        yield from serve(home, with_archivist, **config)
    finally:
        accounts.HASHER = original
