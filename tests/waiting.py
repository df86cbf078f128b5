"""Waiting in a test for something that happens elsewhere (a thread, a server process, a mail server), by polling."""
from __future__ import annotations

import inspect
import time
from typing import Callable, TypeVar

T = TypeVar("T")


def wait_until(condition: Callable[[], T], timeout: float = 10.0, interval: float = 0.05,
               message: str | Callable[[], str] | None = None) -> T:
    """Calls `condition` every `interval` seconds until it returns a truthy value, and returns that value.
    After `timeout` seconds the test fails, saying what it waited for (`message`, or a callable giving it
    from the state at that moment; the condition's source by default) and the last value seen.

    It raises AssertionError rather than pytest.fail so that a thread's `except Exception` reports it too.
    A long timeout costs nothing when the condition holds, so it is generous for a loaded machine."""
    __tracebackhide__ = True
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        if time.monotonic() >= deadline:
            awaited = message() if callable(message) else message or _source(condition)
            raise AssertionError(f"waited {timeout:g} s for {awaited}; last value seen: {value!r}")
        time.sleep(interval)
    return value


def _source(condition: Callable) -> str:
    try:
        return inspect.getsource(condition).strip()
    except (OSError, TypeError):
        return repr(condition)


def wait_in_page(page, expression: str, timeout: float = 40.0, interval: float = 0.5):
    """Evaluates `expression` (JavaScript; it may be async, or a promise) in a Playwright page every `interval`
    seconds until it gives a truthy value, and returns that value; after `timeout` seconds the test fails.

    Not `page.wait_for_function`: it does not await a promise, so an async predicate passes at once (a promise
    is truthy) and waits for nothing. `page.evaluate` awaits it."""
    __tracebackhide__ = True
    return wait_until(lambda: page.evaluate(expression), timeout=timeout, interval=interval, message=expression)
