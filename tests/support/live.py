"""The portal served for real on a free loopback port, for harvesters and browsers."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

from werkzeug.serving import make_server

from portal import create_app


def serve(home: Path, **config: object) -> Iterator[str]:
    """Serve the portal of an archive home on a free local port; yield its base URL.

    `config` adds test settings (e.g. ARCHIVE_OAI_PAGE_SIZE) to the app's.
    """
    app = create_app({"ARCHIVE_HOME": str(home), "SECRET_KEY": "live-tests", **config})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
        app.extensions["archive"].catalogue.dispose()
