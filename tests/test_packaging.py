"""What is installed is what runs: the wheel, installed alone outside the repository, serves pages.

The wheel is built from the checkout without network. It is then installed into
an empty venv in tmp_path that sees the test environment's dependencies through
a `.pth` file (plain paths, so no editable finder of this repository comes along),
and that venv's `archive` script imports a manifest and serves the portal.
"""

from __future__ import annotations

import configparser
import os
import site
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
NOT_SHIPPED = {"tests", "benchmarks"}  # top-level packages that stay in the checkout
SESSION_SLUG = "2024-05-06-seance-de-controle"
SESSION_TITLE = "Séance de contrôle du paquet installé"
MANIFEST = f"""\
series:
  - slug: controle-du-paquet
    title: "Série de contrôle du paquet"
    language: fr
sessions:
  - slug: {SESSION_SLUG}
    series: controle-du-paquet
    title: "{SESSION_TITLE}"
    date: 2024-05-06
    language: fr
"""
SERVE_WAIT_S = 30


def _run(command: list[str], **kwargs) -> subprocess.CompletedProcess[str]:
    """Run a command to completion; fail with its output if it fails."""
    result = subprocess.run(command, capture_output=True, text=True, timeout=180, **kwargs)
    assert result.returncode == 0, (
        f"{command} exited {result.returncode}:\n{result.stdout}\n{result.stderr}"
    )
    return result


def _source_files(folder: Path) -> list[Path]:
    """Return the files under folder that a checkout holds (no bytecode caches)."""
    return [
        path
        for path in sorted(folder.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    ]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel built from the checkout by the installed build backend (the test extra's)."""
    out = tmp_path_factory.mktemp("wheel")
    _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "--no-index", "--quiet", "--wheel-dir", str(out), str(REPO)]
    )  # fmt: skip
    (built,) = out.glob("*.whl")
    return built


def test_wheel_ships_packages_templates_static_files_catalogues_and_migrations(
    wheel: Path,
) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    top_level = {name.split("/")[0] for name in names if "/" in name}
    packages = {init.parent.name for init in REPO.glob("*/__init__.py")} - NOT_SHIPPED
    assert packages <= top_level, (
        f"top-level packages missing from the wheel: {packages - top_level}"
    )
    assert "templates" not in top_level and not top_level & NOT_SHIPPED

    expected = {
        f"{package}/{path.relative_to(REPO / package).as_posix()}"
        for package in packages
        for path in _source_files(REPO / package)
        if path.suffix in {".py", ".mako"} or "static" in path.parts or path.suffix == ".mo"
    }
    expected |= {
        f"portal/templates/{path.relative_to(REPO / 'templates').as_posix()}"
        for path in _source_files(REPO / "templates")
    }
    assert not expected - names, f"missing from the wheel: {sorted(expected - names)}"
    for name in (
        "portal/templates/layout.html",
        "portal/templates/browse/home.html",
        "portal/templates/sessions/show.html",
        "portal/templates/auth/login.html",
        "portal/static/css/portal.css",
        "portal/static/js/player.js",
        "portal/translations/fr/LC_MESSAGES/messages.mo",
        "portal/translations/en/LC_MESSAGES/messages.mo",
        "core/catalogue/migrations/env.py",
        "core/catalogue/migrations/script.py.mako",
        "core/catalogue/migrations/versions/0001_initial_catalogue.py",
    ):
        assert name in names


def _clean_env(**extra: str) -> dict[str, str]:
    """Return this environment with no path into the checkout (nor to the user's site)."""
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    env.update(PYTHONNOUSERSITE="1", PYTHONSAFEPATH="1", **extra)
    return env


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty venv outside the repository with only the wheel installed in it.

    The test environment's site-packages are added afterwards as plain paths, for
    the dependencies: pip never sees them, and the `.pth` files they hold (this
    repository's editable finder among them) are not run.
    """
    venv = tmp_path_factory.mktemp("venv")
    assert not venv.is_relative_to(REPO)
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    python = venv / "bin" / "python"
    _run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
         "--no-index", "--quiet", str(wheel)],
        env=_clean_env(),
    )  # fmt: skip
    purelib = _run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"]
    ).stdout.strip()
    dependencies = [path for path in site.getsitepackages() if Path(path).is_dir()]
    (Path(purelib) / "test-dependencies.pth").write_text("\n".join(dependencies) + "\n")
    return venv


def _console_script(wheel: Path, venv: Path, name: str) -> Path:
    """Return the venv's script for a console entry point the wheel declares."""
    with zipfile.ZipFile(wheel) as archive:
        (entry_points,) = [
            n for n in archive.namelist() if n.endswith(".dist-info/entry_points.txt")
        ]
        parser = configparser.ConfigParser()
        parser.read_string(archive.read(entry_points).decode())
    assert name in parser["console_scripts"], f"the wheel declares no `{name}` script"
    return venv / "bin" / name


def _free_port() -> int:
    """Return a loopback port that was free a moment ago."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def _serving(archive: Path, cwd: Path, env: dict[str, str], log_path: Path) -> Iterator[str]:
    """Run `archive serve` on a free loopback port; yield its base URL once it answers."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [str(archive), "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + SERVE_WAIT_S
            while True:
                assert server.poll() is None, f"`archive serve` stopped:\n{log_path.read_text()}"
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=1):
                        break
                except OSError:
                    assert time.monotonic() < deadline, "`archive serve` did not answer in time"
                    time.sleep(0.2)
            yield base
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def _page(url: str, log_path: Path) -> str:
    """Return the body of a GET that must answer 200 (else fail with the server's log)."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        status = error.code
    pytest.fail(f"GET {url} answered {status}; server log:\n{log_path.read_text()[-3000:]}")


def test_installed_wheel_serves_home_session_and_login_outside_the_repository(
    wheel: Path, venv: Path, tmp_path: Path
) -> None:
    env = _clean_env(ARCHIVE_HOME=str(tmp_path / "home"))
    work = tmp_path / "work"
    work.mkdir()
    imported = _run(
        [str(venv / "bin" / "python"), "-c", "import portal; print(portal.__file__)"],
        cwd=work, env=env,
    ).stdout.strip()  # fmt: skip
    assert Path(imported).is_relative_to(venv), f"{imported} is not the installed copy"

    archive = _console_script(wheel, venv, "archive")
    (work / "seminar.yaml").write_text(MANIFEST, encoding="utf-8")
    _run([str(archive), "import", "seminar.yaml"], cwd=work, env=env)

    log = tmp_path / "serve.log"
    with _serving(archive, work, env, log) as base:
        home = _page(f"{base}/", log)
        assert "Archives des séminaires" in home and SESSION_TITLE in home
        assert "Aller au contenu" in home  # the compiled French catalogue is loaded
        assert f"<h1>{SESSION_TITLE}</h1>" in _page(f"{base}/sessions/{SESSION_SLUG}", log)
        login = _page(f"{base}/auth/login", log)
        assert 'action="/auth/login"' in login and 'name="password"' in login
        assert _page(f"{base}/static/css/portal.css", log).strip()
