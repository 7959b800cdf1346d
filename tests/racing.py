"""Two clerks at one moment: each application's first save waits until both have looked."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

from q2c_core import QuoteToCash

T = TypeVar("T")


def save_once_all_looked(apps: list[QuoteToCash]) -> None:
    """Make each application's first ``save`` wait until every one of them is about to save:
    each has run its checks on the store as it was before any of them saved."""
    all_looked = threading.Barrier(len(apps), timeout=20)

    def waiting(save: Callable[..., Any]) -> Callable[..., Any]:
        waited: list[bool] = []

        def wait_then_save(*aggregates: Any, **kwargs: Any) -> Any:
            if not waited:
                waited.append(True)
                all_looked.wait()
            return save(*aggregates, **kwargs)

        return wait_then_save

    for app in apps:
        app.save = waiting(app.save)  # type: ignore[method-assign]


def race(url: str, command: Callable[[QuoteToCash], T]) -> list[T]:
    """Give ``command`` at one moment in two applications opened on ``url`` (two clerks, or a
    call and its retry), each having looked before either saved; what each call returned, a
    call's error raised here."""
    clerks = [QuoteToCash.open(url), QuoteToCash.open(url)]
    save_once_all_looked(clerks)
    returned: list[T] = []
    failed: list[BaseException] = []

    def run(app: QuoteToCash) -> None:
        try:
            returned.append(command(app))
        except BaseException as error:  # (raised in the test's thread below)
            failed.append(error)

    threads = [threading.Thread(target=run, args=(c,)) for c in clerks]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    for app in clerks:
        app.close()
    if failed:
        raise failed[0]
    return returned
