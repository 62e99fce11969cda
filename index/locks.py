"""A reentrant lock granted in arrival order.

A warm searcher serves one search at a time. Python's own locks favour the
thread that just released them, so a few clients looping on cheap queries
(thousands a second) starved everyone else for seconds; here each waiting
thread gets its turn after at most the searches queued before it.
"""

from __future__ import annotations

import threading
from collections import deque


class FairLock:
    """A reentrant lock that waiting threads acquire first come, first served."""

    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._queue: deque[int] = deque()
        self._owner: int | None = None
        self._depth = 0

    def acquire(self) -> bool:
        """Wait for every thread queued before this one, then hold the lock."""
        me = threading.get_ident()
        with self._cond:
            if self._owner == me:
                self._depth += 1
                return True
            self._queue.append(me)
            while self._owner is not None or self._queue[0] != me:
                self._cond.wait()
            self._queue.popleft()
            self._owner, self._depth = me, 1
            return True

    def release(self) -> None:
        """Release one level of holding; the next thread in line gets the lock."""
        with self._cond:
            if self._owner != threading.get_ident():
                raise RuntimeError("cannot release a lock held by another thread")
            self._depth -= 1
            if not self._depth:
                self._owner = None
                self._cond.notify_all()

    def __enter__(self) -> bool:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()
