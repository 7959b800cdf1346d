"""The public API says what it does: every class and function ``q2c_core`` re-exports, and every
public method a newcomer calls on ``QuoteToCash`` (``close`` too, which every example calls
last), has a docstring of its own, not nothing for ``help()`` to show."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

import q2c_core
from q2c_core import QuoteToCash, StorageUnavailable


def _undocumented(obj: object) -> bool:
    return not (inspect.getdoc(obj) or "").strip()


def test_every_class_and_function_q2c_core_exports_has_a_docstring() -> None:
    missing = [
        name
        for name in q2c_core.__all__
        if (inspect.isclass(obj := getattr(q2c_core, name)) or inspect.isfunction(obj))
        and _undocumented(obj)
    ]
    assert missing == []


def test_every_public_method_of_the_application_has_a_docstring() -> None:
    inherited_not_ours = {"log"}  # (eventsourcing's deprecated alias of its notification log)
    missing = [
        name
        for name, method in inspect.getmembers(QuoteToCash, inspect.isfunction)
        if not name.startswith("_") and name not in inherited_not_ours and _undocumented(method)
    ]
    assert missing == []


def test_close_says_a_closed_application_refuses_what_it_is_asked() -> None:
    doc = inspect.getdoc(QuoteToCash.close) or ""
    assert "StorageUnavailable" in doc


def test_closing_twice_does_nothing_and_a_closed_application_refuses(tmp_path: Path) -> None:
    """As ``close`` says: the second close raises nothing, a query after it is refused."""
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'billing.db'}")
    app.close()
    app.close()
    with pytest.raises(StorageUnavailable) as refused:
        app.customers()
    assert refused.value.field == "url"
    assert "closed" in str(refused.value)
