"""The web portal: an app factory that wires the catalogue, the index, the queue and the blueprints.

Composition is explicit: `create_app` loads the settings (`core.settings`),
derives Flask's config from them, calls each extension's `init_app` and
registers each blueprint by name. Nothing is bound to an app at import time.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask

from core.settings import Settings, flask_keys, load_settings, read_instance_file
from portal import (
    api,
    auth,
    browse,
    cite,
    discover,
    embed,
    errors,
    extensions,
    headers,
    i18n,
    iiif,
    oai,
    search,
    sessions,
    speakers,
    templating,
    wsgi,
)
from portal.resources import templates_dir
from portal.workspace import (
    editing,
    glossary,
    home,
    jobs,
    publishing,
    replace,
    transcript,
    upload,
    users,
    voiceprints,
    voices,
)

# Every blueprint, one per audience, in registration order.
BLUEPRINTS: tuple[Blueprint, ...] = (
    browse.bp,
    sessions.bp,
    speakers.bp,
    search.bp,
    cite.bp,
    api.bp,
    discover.bp,
    iiif.bp,
    embed.bp,
    oai.bp,
    auth.bp,
    home.bp,
    upload.bp,
    jobs.bp,
    editing.bp,
    transcript.bp,
    replace.bp,
    glossary.bp,
    publishing.bp,
    users.bp,
    voices.bp,
    voiceprints.bp,
)


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Create the portal app from the settings (or from a test mapping, which replaces them)."""
    settings = load_settings(test_config=test_config)
    app = Flask(__name__, template_folder=str(templates_dir()), static_folder="static")
    app.config.update(flask_config(settings))
    # Flask's own keys (SESSION_COOKIE_SECURE, TESTING…) from the same layers.
    own = test_config if test_config is not None else read_instance_file(settings.home)
    app.config.update(flask_keys(own))
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = _stored_secret(settings.home)
    app.json.ensure_ascii = False  # French text stays readable in API responses

    immediate = settings.queue_immediate or bool(app.config.get("TESTING"))
    extensions.init_app(
        app,
        settings,
        immediate=immediate,
        # Tests hand in a scripted recogniser; deployments use the configured model.
        transcriber_factory=(test_config or {}).get("ARCHIVE_TRANSCRIBER_FACTORY"),
    )
    i18n.init_app(app)
    templating.init_app(app)
    errors.init_app(app)
    auth.init_app(app, settings)
    headers.init_app(app, settings)
    wsgi.init_app(app)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    return app


def flask_config(settings: Settings) -> dict[str, Any]:
    """Derive Flask's config from the archive's settings (the only source of its values)."""
    return {
        "ARCHIVE_HOME": str(settings.home),
        "SECRET_KEY": settings.secret_key,
        "BABEL_DEFAULT_LOCALE": settings.languages[0] if settings.languages else "fr",
        "BABEL_DEFAULT_TIMEZONE": settings.timezone,
        "SEND_FILE_MAX_AGE_DEFAULT": 3600,  # static files; media have their own lifetime
    }


def _stored_secret(home: Path) -> str:
    """Return the home's session secret, generating and saving it on first start."""
    path = home / "secret_key"
    if path.is_file():
        secret = path.read_text(encoding="utf-8").strip()
        if secret:
            return secret
    secret = secrets.token_hex(32)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written 0600 before content so the key is never readable by others, even briefly.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(secret + "\n")
    return secret
