"""The web portal: an app factory wiring the catalogue, the index and the blueprints.

Configuration is layered: defaults, then the archive home's `portal.cfg`, then
`ARCHIVE_*` environment variables; a test mapping replaces the last two.
"""

from __future__ import annotations

import importlib
import json
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from core.settings import load_settings
from portal import errors, i18n, templating
from portal.extensions import init_archive
from portal.resources import templates_dir

# Blueprints in registration order, as "module:attribute". Other audiences (the
# archivist workspace, sign-in) add their entries here; nothing else changes.
BLUEPRINTS: list[str] = [
    "portal.browse:bp",
    "portal.sessions:bp",
    "portal.speakers:bp",
    "portal.search:bp",
    "portal.cite:bp",
    "portal.api:bp",
    "portal.discover:bp",
    "portal.auth:bp",
    "portal.workspace.home:bp",
    "portal.workspace.upload:bp",
    "portal.workspace.jobs:bp",
    "portal.workspace.editing:bp",
    "portal.workspace.transcript:bp",
    "portal.workspace.publishing:bp",
    "portal.workspace.users:bp",
]

DEFAULTS: dict[str, Any] = {
    "ARCHIVE_HOME": None,  # None: $ARCHIVE_HOME, else ./instance (like the CLI)
    "SECRET_KEY": None,  # None: read or generate <home>/secret_key
    "BABEL_DEFAULT_LOCALE": "fr",
    "BABEL_DEFAULT_TIMEZONE": "Europe/Paris",
    "ARCHIVE_LANGUAGES": ["fr", "en"],
    "ARCHIVE_SITE_NAME": "Archives des séminaires",
    "ARCHIVE_MAX_QUERY_CHARS": 500,  # longer queries are cut, never refused with a 500
    "ARCHIVE_PAGE_SIZE": 20,
    "ARCHIVE_MEDIA_MAX_AGE_S": 365 * 24 * 3600,  # media URLs carry the content hash
    "SEND_FILE_MAX_AGE_DEFAULT": 3600,
}


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Create the portal app: layered config, catalogue, searcher, Babel and blueprints."""
    app = Flask(
        __name__,
        template_folder=str(templates_dir()),
        static_folder="static",
        instance_relative_config=False,
    )
    app.config.from_mapping(DEFAULTS)
    if test_config is None:
        home = Path(os.environ.get("ARCHIVE_HOME") or "instance")
        app.config.from_pyfile(str((home / "portal.cfg").resolve()), silent=True)
        app.config.update(_environment_config(os.environ))
    else:
        app.config.update(test_config)

    settings = load_settings(app.config["ARCHIVE_HOME"])
    app.config["ARCHIVE_HOME"] = str(settings.home)
    init_archive(app, settings)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _stored_secret(settings.home)

    app.json.ensure_ascii = False  # French text stays readable in API responses
    i18n.init_app(app)
    templating.init_app(app)
    errors.init_app(app)
    for spec in BLUEPRINTS:
        module_name, _, attribute = spec.partition(":")
        app.register_blueprint(getattr(importlib.import_module(module_name), attribute))
    return app


def _environment_config(environ: Mapping[str, str]) -> dict[str, Any]:
    """Map ARCHIVE_* variables to config keys; ARCHIVE_SECRET_KEY sets SECRET_KEY and so on."""
    values: dict[str, Any] = {}
    for name, raw in environ.items():
        if not name.startswith("ARCHIVE_") or not raw:
            continue
        bare = name.removeprefix("ARCHIVE_")
        key = bare if bare in DEFAULTS and bare != name else name
        try:
            values[key] = json.loads(raw)  # numbers, lists and booleans, like Flask does
        except ValueError:
            values[key] = raw
    if "ARCHIVE_HOME" in values:
        values["ARCHIVE_HOME"] = str(values["ARCHIVE_HOME"])
    return values


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
