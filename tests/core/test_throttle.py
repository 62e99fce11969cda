"""The shared sign-in counters: burst then pace, refusals free, atomic on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from core.catalogue import open_catalogue
from core.errors import ConfigError
from core.settings import load_settings
from core.throttle import LoginThrottle, Rate, address_key

SERVER_URL = os.environ.get("ARCHIVE_TEST_POSTGRES_URL", "")


class Clock:
    """A clock the test moves by hand (seconds since the epoch)."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    """A fresh, migrated SQLite catalogue's engine."""
    catalogue = open_catalogue(load_settings(test_config={"ARCHIVE_HOME": str(tmp_path)}))
    yield catalogue.engine
    catalogue.dispose()


@pytest.fixture
def pg_engine(tmp_path: Path) -> Iterator[Engine]:
    """A fresh, migrated PostgreSQL catalogue's engine."""
    if not SERVER_URL:
        pytest.skip('no PostgreSQL server: run `eval "$(scripts/start-services.sh)"` (CI does)')
    name = f"archive_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(SERVER_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = SERVER_URL.rsplit("/", 1)[0] + "/" + name
    settings = load_settings(test_config={"ARCHIVE_HOME": str(tmp_path)}, database_url=url)
    catalogue = open_catalogue(settings)
    yield catalogue.engine
    catalogue.dispose()
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


def test_an_account_gets_its_burst_then_one_attempt_per_step(engine):
    clock = Clock()
    throttle = LoginThrottle(engine, Rate(5, 900), Rate(50, 900), clock=clock)
    assert [throttle.admit("192.0.2.1", "ada") for _ in range(5)] == [0] * 5
    assert throttle.admit("192.0.2.1", "ada") == 180  # one step: 900 s / 5
    clock.now += 100
    assert throttle.admit("192.0.2.9", "Ada ") == 80  # another address, the same account
    clock.now += 80
    assert throttle.admit("192.0.2.1", "ada") == 0
    assert throttle.admit("192.0.2.1", "ada") == 180
    assert throttle.admit("192.0.2.1", "root") == 0  # other accounts are untouched


def test_a_success_clears_the_account_and_returns_the_address_its_attempt(engine):
    throttle = LoginThrottle(engine, Rate(2, 900), Rate(3, 900), clock=Clock())
    assert throttle.admit("192.0.2.1", "ada") == 0
    assert throttle.admit("192.0.2.1", "ada") == 0
    throttle.succeeded("192.0.2.1", "ada")
    assert throttle.admit("192.0.2.1", "ada") == 0
    assert throttle.admit("192.0.2.1", "paul") == 0
    assert throttle.admit("192.0.2.1", "marie") > 0  # the address's three are used


def test_refused_attempts_cost_the_address_nothing(engine):
    throttle = LoginThrottle(engine, Rate(2, 900), Rate(3, 900), clock=Clock())
    for _ in range(20):
        throttle.admit("192.0.2.1", "ada")
    assert throttle.admit("192.0.2.1", "paul") == 0


def test_ipv6_clients_count_per_64_and_mapped_ipv4_as_ipv4():
    assert address_key("2001:db8:1:2:aaaa::1") == address_key("2001:db8:1:2:bbbb::2")
    assert address_key("2001:db8:1:2::1") != address_key("2001:db8:1:3::1")
    assert address_key("::ffff:192.0.2.7") == address_key("192.0.2.7")


def test_a_limit_below_one_is_refused_with_the_numbers():
    with pytest.raises(ConfigError, match="at least 1"):
        Rate(0, 900)


@pytest.mark.parametrize("backend", ["engine", "pg_engine"])
def test_concurrent_attempts_are_counted_exactly(backend, request):
    engine = request.getfixturevalue(backend)
    throttles = [LoginThrottle(engine, Rate(5, 900), Rate(50, 900)) for _ in range(4)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        waits = list(pool.map(lambda n: throttles[n % 4].admit("192.0.2.1", "ada"), range(24)))
    assert waits.count(0) == 5
