"""A query string sent as raw UTF-8 bytes searches what was typed, or is refused clearly.

The Flask test client percent-encodes, so this speaks HTTP over a socket to a
real server on 127.0.0.1: `archive serve` (Werkzeug) reads the word as typed;
gunicorn refuses the raw bytes itself (400) and reads the percent-encoded form.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from portal.wsgi import percent_encode_utf8
from tests.portal.builders import SLUG, BuiltArchive
from tests.support.waiting import wait_for

REPO = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def raw_get(port: int, target: bytes) -> tuple[int, bytes]:
    """Send one GET with the request target's bytes exactly as given; return (status, body)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(
            b"GET " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
        )
        data = b""
        while chunk := conn.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    if b"transfer-encoding: chunked" in head.lower():
        body = _unchunk(body)
    return int(head.split(b" ", 2)[1]), body


def _unchunk(body: bytes) -> bytes:
    out = b""
    while body:
        size, _, rest = body.partition(b"\r\n")
        length = int(size.split(b";")[0], 16)
        if not length:
            break
        out, body = out + rest[:length], rest[length + 2 :]
    return out


def _answers(port: int) -> bool:
    try:
        return raw_get(port, b"/api/search?q=ville")[0] == 200
    except OSError:
        return False


SERVERS = {
    "archive serve": lambda home, port: [
        sys.executable,
        "-m",
        "cli",
        "--home",
        home,
        "serve",
        "--port",
        str(port),
    ],  # fmt: skip
    "gunicorn": lambda home, port: [
        sys.executable,
        "-m",
        "gunicorn",
        "-w",
        "1",
        "-b",
        f"127.0.0.1:{port}",
        "portal:create_app()",
    ],  # fmt: skip
}


@pytest.mark.parametrize("server", SERVERS)
def test_raw_utf8_query_finds_the_accented_word(
    built_archive: BuiltArchive, tmp_path: Path, server: str
) -> None:
    home = str(built_archive.settings.home)
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO), "ARCHIVE_HOME": home}
    log = (tmp_path / "server.log").open("w")
    process = subprocess.Popen(
        SERVERS[server](home, port), cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        wait_for(lambda: _answers(port), 30, f"{server} on port {port}")
        word = "collectivités"
        if server == "gunicorn":
            # Gunicorn refuses raw non-ASCII targets itself (RFC 9112): a clear 400, never
            # a wrong answer; the README tells curl users to percent-encode.
            assert raw_get(port, b"/api/search?q=" + word.encode("utf-8"))[0] == 400
            status, encoded = raw_get(port, b"/api/search?q=collectivit%C3%A9s")
            assert json.loads(encoded)["total"] == 2
            return
        status, body = raw_get(port, b"/api/search?q=" + word.encode("utf-8"))
        assert status == 200
        found = json.loads(body)
        assert found["total"] == 2 and found["query"]["q"] == word
        assert {hit["session"] for hit in found["hits"]} == {SLUG}
        # The same answer as the percent-encoded form a browser sends.
        status, encoded = raw_get(port, b"/api/search?q=collectivit%C3%A9s")
        assert json.loads(encoded)["total"] == 2
        # The search page's concordance download reads it the same way.
        status, csv_body = raw_get(port, b"/search/concordance.csv?q=" + word.encode("utf-8"))
        lines = csv_body.decode("utf-8-sig").splitlines()
        assert status == 200 and [line.split(",")[0] for line in lines[1:]] == [SLUG, SLUG]
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        log.close()


@pytest.mark.parametrize(
    ("sent", "read"),
    [
        ("q=ville", "q=ville"),
        ("q=exp\u00c3\u00a9rimentation", "q=exp%C3%A9rimentation"),  # UTF-8 bytes, as PEP 3333
        ("q=caf\u00e9", "q=caf\u00e9"),  # a lone Latin-1 byte is not UTF-8: left as it came
    ],
)
def test_only_valid_utf8_bytes_are_reencoded(sent: str, read: str) -> None:
    assert percent_encode_utf8(sent) == read
