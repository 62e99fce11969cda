"""The searcher's lock serves waiting threads in arrival order.

Four clients looping on cheap searches held a normal search waiting up to
18 s behind Python's lock, which favours the thread that just released it.
"""

from __future__ import annotations

import threading
import time

import pytest

from index.locks import FairLock


def wait_until(condition, timeout_s: float = 5.0) -> None:
    """Poll `condition` until it holds (bounded in time)."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "condition never held"
        time.sleep(0.001)


def test_a_waiting_thread_gets_the_lock_before_the_releaser_takes_it_again():
    lock, order = FairLock(), []

    def other() -> None:
        with lock:
            order.append("other")

    lock.acquire()
    thread = threading.Thread(target=other)
    thread.start()
    wait_until(lambda: len(lock._queue) == 1)  # the other thread is waiting
    lock.release()
    with lock:  # a client looping on searches comes straight back
        order.append("releaser")
    thread.join(timeout=5)
    assert order == ["other", "releaser"]


def test_the_lock_is_reentrant_and_only_its_holder_releases_it():
    lock = FairLock()
    with lock, lock:  # Searcher.search calls refresh(), which takes it again
        errors = []
        thread = threading.Thread(target=lambda: _release(lock, errors))
        thread.start()
        thread.join(timeout=5)
        assert errors == ["RuntimeError"]
    with pytest.raises(RuntimeError):
        lock.release()


def _release(lock: FairLock, errors: list[str]) -> None:
    try:
        lock.release()
    except RuntimeError:
        errors.append("RuntimeError")
