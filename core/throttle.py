"""Sign-in throttling whose counts every portal process shares: they live in the catalogue.

Each key (`account:<name>`, `address:<ip>`) follows the generic cell rate
algorithm: an attempt moves the key's theoretical arrival time (`tat_ms`, epoch
ms) forward by one step (window / limit), and is refused while that time would
run more than one window ahead of now. So `limit` attempts pass at once, then
one per step: an attacked account waits, an address is slowed but never shut.

An attempt is counted *before* its password is checked, in one atomic upsert
(SQLite and PostgreSQL both have `INSERT … ON CONFLICT DO UPDATE … RETURNING`),
so four gunicorn workers, or four machines on PostgreSQL, together check no
more passwords than one process would. A successful sign-in gives its attempt
back. Times are integer milliseconds since the epoch.
"""

from __future__ import annotations

import ipaddress
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, case, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from core.catalogue.schema import ThrottleCounter
from core.errors import ConfigError
from core.settings import Settings

COUNTERS = ThrottleCounter.__table__
KEY_CHARS = 300  # the column's width


@dataclass(frozen=True)
class Rate:
    """At most `limit` attempts at once, then one per `window_s / limit` seconds."""

    limit: int
    window_s: float

    def __post_init__(self) -> None:
        if self.limit < 1 or self.window_s <= 0:
            raise ConfigError(
                f"sign-in throttling needs a limit of at least 1 and a positive window "
                f"(got {self.limit} per {self.window_s} s)"
            )

    @property
    def window_ms(self) -> int:
        return round(self.window_s * 1000)

    @property
    def step_ms(self) -> int:
        """Time one attempt occupies: the steady pace once the burst is spent."""
        return max(1, self.window_ms // self.limit)


def account_key(username: str) -> str:
    """Return the counter key of an account name (case and spaces do not make a new one)."""
    return ("account:" + username.strip().lower())[:KEY_CHARS]


def address_key(address: str) -> str:
    """Return the counter key of a client address; IPv6 counts per /64, what one host gets."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return ("address:" + address)[:KEY_CHARS]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return f"address:{ip.ipv4_mapped}"
        return "address:" + str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return f"address:{ip}"


class LoginThrottle:
    """Admit or refuse password checks per account (locks) and per address (slows)."""

    def __init__(
        self,
        engine: Engine,
        account: Rate,
        address: Rate,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.engine, self.account, self.address, self._clock = engine, account, address, clock

    @classmethod
    def from_settings(cls, engine: Engine, settings: Settings) -> LoginThrottle:
        """Build the throttle the settings describe, on the catalogue's engine."""
        window_s = settings.login_window_s
        return cls(
            engine,
            account=Rate(settings.login_max_failures, window_s),
            address=Rate(settings.login_address_max_failures, window_s),
        )

    def admit(self, address: str, username: str) -> float:
        """Reserve one password check; return 0 to go ahead, else the seconds to wait.

        A refused attempt costs nothing: hammering a locked account does not
        use up its address's allowance, so it locks out nobody else.
        """
        now_ms = self._now_ms()
        account, where = account_key(username), address_key(address)
        with self.engine.begin() as conn:
            conn.execute(delete(COUNTERS).where(COUNTERS.c.tat_ms < now_ms))
        with self.engine.begin() as conn:
            wait_ms = _take(conn, account, self.account, now_ms)
            if wait_ms == 0:
                wait_ms = _take(conn, where, self.address, now_ms)
                if wait_ms:
                    _give_back(conn, account, self.account)
        return math.ceil(wait_ms / 1000)

    def succeeded(self, address: str, username: str) -> None:
        """Forget the account's failures and give the address its attempt back."""
        with self.engine.begin() as conn:
            conn.execute(delete(COUNTERS).where(COUNTERS.c.key == account_key(username)))
            _give_back(conn, address_key(address), self.address)

    def _now_ms(self) -> int:
        return int(self._clock() * 1000)


def _take(conn: Connection, key: str, rate: Rate, now_ms: int) -> int:
    """Count one attempt against a key atomically; return 0, or the ms until one is allowed."""
    insert = (postgresql if conn.dialect.name == "postgresql" else sqlite).insert(COUNTERS)
    start = case((COUNTERS.c.tat_ms > now_ms, COUNTERS.c.tat_ms), else_=now_ms)
    statement = (
        insert.values(key=key, tat_ms=now_ms + rate.step_ms)
        .on_conflict_do_update(
            index_elements=[COUNTERS.c.key],
            set_={"tat_ms": start + rate.step_ms},
            where=start + rate.step_ms - now_ms <= rate.window_ms,
        )
        .returning(COUNTERS.c.tat_ms)
    )
    if conn.execute(statement).first() is not None:
        return 0
    tat_ms = conn.scalar(select(COUNTERS.c.tat_ms).where(COUNTERS.c.key == key)) or now_ms
    return max(1, max(tat_ms, now_ms) + rate.step_ms - now_ms - rate.window_ms)


def _give_back(conn: Connection, key: str, rate: Rate) -> None:
    conn.execute(
        update(COUNTERS)
        .where(COUNTERS.c.key == key)
        .values(tat_ms=COUNTERS.c.tat_ms - rate.step_ms)
    )
