"""Two clerks at one moment: each application's first save waits until both have looked."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from q2c_core import QuoteToCash


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
