"""Two clerks at one moment: each application's first save waits until both have looked."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar, cast

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


def race(url: str, command: Callable[[QuoteToCash], T], **opening: Any) -> list[T]:
    """Give ``command`` at one moment in two applications opened on ``url`` (two clerks, or a
    call and its retry), each having looked before either saved; what each call returned, a
    call's error raised here."""
    outcomes = race_outcomes(url, command, **opening)
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            raise outcome
    return cast(list[T], outcomes)


def race_outcomes(
    url: str, command: Callable[[QuoteToCash], T], **opening: Any
) -> list[T | BaseException]:
    """``race``, keeping what each call returned or raised (in the order they finished), for a
    story where one of them may rightly be refused; ``opening``: ``QuoteToCash.open``'s
    keywords for both applications (``max_retries=1``: no retry)."""
    clerks = [QuoteToCash.open(url, **opening), QuoteToCash.open(url, **opening)]
    save_once_all_looked(clerks)
    outcomes: list[T | BaseException] = []

    def run(app: QuoteToCash) -> None:
        try:
            outcomes.append(command(app))
        except BaseException as error:  # (given to the test, which says what it expects)
            outcomes.append(error)

    threads = [threading.Thread(target=run, args=(c,)) for c in clerks]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    for app in clerks:
        app.close()
    return outcomes
