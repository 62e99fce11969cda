"""The app factory: layered configuration, generated secret, shared archive state."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from core.catalogue import Catalogue
from index.search import Searcher
from portal import BLUEPRINTS, create_app


def test_test_mapping_replaces_file_and_environment(tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    (home / "portal.cfg").write_text('ARCHIVE_SITE_NAME = "From the file"\n')
    monkeypatch.setenv("ARCHIVE_HOME", str(home))
    monkeypatch.setenv("ARCHIVE_PAGE_SIZE", "7")
    app = create_app({"ARCHIVE_HOME": str(home), "SECRET_KEY": "k"})
    settings = app.extensions["archive"].settings
    assert settings.site_name == "Archives des séminaires"
    assert settings.page_size == 20


def test_config_file_then_environment(tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    (home / "portal.cfg").write_text(
        'ARCHIVE_SITE_NAME = "Séminaires du LATTS"\nBABEL_DEFAULT_LOCALE = "en"\n'
        "ARCHIVE_PAGE_SIZE = 5\n"
    )
    monkeypatch.setenv("ARCHIVE_HOME", str(home))
    monkeypatch.setenv("ARCHIVE_PAGE_SIZE", "12")
    monkeypatch.setenv("ARCHIVE_SECRET_KEY", "from-env")
    app = create_app()
    settings = app.extensions["archive"].settings
    assert settings.site_name == "Séminaires du LATTS"  # the file
    assert app.config["BABEL_DEFAULT_LOCALE"] == "en"
    assert settings.page_size == 12  # the environment wins over the file
    assert app.config["SECRET_KEY"] == "from-env"
    assert "<title>" in app.test_client().get("/").get_data(as_text=True)
    assert "Séminaires du LATTS" in app.test_client().get("/").get_data(as_text=True)
    assert Path(app.config["ARCHIVE_HOME"]) == home.resolve()
    app.extensions["archive"].catalogue.dispose()


def test_secret_key_is_generated_once_and_kept(tmp_path):
    home = tmp_path / "home"
    first = create_app({"ARCHIVE_HOME": str(home)})
    second = create_app({"ARCHIVE_HOME": str(home)})
    assert len(first.config["SECRET_KEY"]) >= 32
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert (home / "secret_key").stat().st_mode & 0o077 == 0  # readable by the owner only


def test_archive_state_is_shared_with_every_blueprint(app):
    state = app.extensions["archive"]
    assert isinstance(state.catalogue, Catalogue)
    assert isinstance(state.searcher, Searcher)
    assert state.settings.home == Path(app.config["ARCHIVE_HOME"])
    for blueprint in BLUEPRINTS:
        assert app.blueprints[blueprint.name] is blueprint


def test_an_empty_home_serves_an_empty_archive(tmp_path):
    app = create_app({"ARCHIVE_HOME": str(tmp_path / "new"), "SECRET_KEY": "k"})
    client = app.test_client()
    assert client.get("/").status_code == 200
    assert client.get("/search?q=ville").status_code == 200
    assert client.get("/api/search?q=ville").get_json()["total"] == 0


def test_the_web_process_loads_neither_pyav_nor_the_speech_model(tmp_path):
    # A fresh interpreter: this test session has long since imported both.
    script = (
        "import sys, portal; "
        f"portal.create_app({{'ARCHIVE_HOME': {str(tmp_path)!r}, 'SECRET_KEY': 'k'}}); "
        "print(sorted({'av', 'faster_whisper'} & set(sys.modules)))"
    )
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=root, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
