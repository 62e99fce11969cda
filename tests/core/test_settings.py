"""One settings object: layered defaults, portal.cfg, environment; a test mapping replaces both."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.errors import ConfigError
from core.settings import Settings, describe_settings, load_settings


def _home_with_file(tmp_path: Path, text: str) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    (home / "portal.cfg").write_text(text, encoding="utf-8")
    return home


def test_layers_apply_in_order_defaults_file_environment(tmp_path: Path) -> None:
    home = _home_with_file(tmp_path, 'ARCHIVE_SITE_NAME = "Du fichier"\nARCHIVE_PAGE_SIZE = 5\n')
    environ = {"ARCHIVE_HOME": str(home), "ARCHIVE_PAGE_SIZE": "12", "ARCHIVE_MODEL": "tiny.en"}
    settings = load_settings(environ=environ)
    assert settings.home == home.resolve()
    assert settings.site_name == "Du fichier"  # the file
    assert settings.page_size == 12  # the environment wins over the file
    assert settings.model == "tiny.en"
    assert settings.max_query_chars == Settings.max_query_chars  # the default


def test_a_test_mapping_never_reads_the_developers_environment(tmp_path: Path) -> None:
    home = _home_with_file(tmp_path, 'ARCHIVE_SITE_NAME = "Du fichier"\n')
    environ = {"DATABASE_URL": "postgresql+psycopg://dev@localhost/prod", "REDIS_URL": "redis://x"}
    settings = load_settings(test_config={"ARCHIVE_HOME": str(home)}, environ=environ)
    assert settings.db_url == f"sqlite:///{home.resolve() / 'archive.sqlite3'}"
    assert settings.redis_url == "" and settings.site_name == Settings.site_name


def test_home_argument_beats_environment_and_archive_names_beat_aliases(tmp_path: Path) -> None:
    environ = {
        "ARCHIVE_HOME": str(tmp_path / "from-env"),
        "REDIS_URL": "redis://alias:6379/0",
        "ARCHIVE_REDIS_URL": "redis://own:6379/0",
    }
    settings = load_settings(tmp_path / "from-cli", environ=environ)
    assert settings.home == (tmp_path / "from-cli").resolve()
    assert settings.redis_url == "redis://own:6379/0"
    assert load_settings(environ={"DATABASE_URL": "sqlite:///x.db"}).database_url == (
        "sqlite:///x.db"
    )


def test_values_are_typed_from_json_or_comma_lists(tmp_path: Path) -> None:
    environ = {
        "ARCHIVE_LANGUAGES": '["en", "fr"]',
        "ARCHIVE_UPLOAD_EXTENSIONS": "MP4, .mkv",
        "ARCHIVE_QUEUE_IMMEDIATE": "true",
        "ARCHIVE_CPU_THREADS": "2",
    }
    settings = load_settings(tmp_path, environ=environ)
    assert settings.languages == ("en", "fr")
    assert settings.upload_extensions == ("mp4", "mkv")
    assert settings.queue_immediate is True and settings.cpu_threads == 2


@pytest.mark.parametrize(
    ("variable", "value", "wanted"),
    [
        ("ARCHIVE_PAGE_SIZE", "vingt", "a whole number"),
        ("ARCHIVE_QUEUE_IMMEDIATE", "peut-être", "true or false"),
    ],
)
def test_a_bad_value_names_the_variable_and_what_it_must_be(
    tmp_path: Path, variable: str, value: str, wanted: str
) -> None:
    with pytest.raises(ConfigError, match=f"{variable} in the environment is '{value}'.*{wanted}"):
        load_settings(tmp_path, environ={variable: value})


def test_a_broken_portal_cfg_is_a_config_error_naming_the_file(tmp_path: Path) -> None:
    home = _home_with_file(tmp_path, "ARCHIVE_SITE_NAME = (\n")
    with pytest.raises(ConfigError, match="portal.cfg"):
        load_settings(home, environ={})


def test_every_setting_is_described() -> None:
    infos = list(describe_settings())
    assert {info.name for info in infos} == set(Settings.__dataclass_fields__)
    assert all(info.doc and info.variable.startswith("ARCHIVE_") for info in infos)


def test_only_archive_variables_come_from_the_environment(tmp_path: Path) -> None:
    # Another program's SECRET_KEY must not become the portal's cookie key; Flask's
    # spelling counts in portal.cfg and in a test mapping only.
    assert load_settings(tmp_path, environ={"SECRET_KEY": "not-ours"}).secret_key == ""
    home = _home_with_file(tmp_path, 'SECRET_KEY = "from-the-file"\n')
    assert load_settings(home, environ={}).secret_key == "from-the-file"
    assert load_settings(test_config={"SECRET_KEY": "t"}).secret_key == "t"
