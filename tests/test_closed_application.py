"""An application closed by its embedder (``close()``, or the end of a ``with`` block) says so
when it is used again: one typed error telling to open the store again, on every backend.
Before, SQLite raised eventsourcing's bare ``ConnectionPoolClosedError`` with no message,
PostgreSQL said the server was out of reach ("pool has already been opened/closed"), and the
in-memory store went on recording into a store its owner had let go."""

from __future__ import annotations

import pytest

from q2c_core import QuoteToCash, StorageUnavailable


def test_a_closed_application_refuses_commands_and_queries_saying_it_was_closed(
    backend_url: str,
) -> None:
    app = QuoteToCash.open(backend_url)
    acme = app.register_customer("Acme", "EUR", account_manager="ann", actor="ops")
    app.close()

    with pytest.raises(StorageUnavailable, match="closed") as refused:
        app.register_customer("Globex", "EUR", account_manager="ann", actor="ops")
    assert "QuoteToCash.open" in str(refused.value)
    assert refused.value.field == "url"
    assert refused.value.value == backend_url  # (the store it was: open it again)
    with pytest.raises(StorageUnavailable, match="closed"):
        app.customer(acme)
    with pytest.raises(StorageUnavailable, match="closed"):
        app.customers()

    if backend_url != "memory:":  # the refused registration recorded nothing
        reopened = QuoteToCash.open(backend_url)
        try:
            assert [c.name for c in reopened.customers()] == ["Acme"]
        finally:
            reopened.close()


def test_closing_twice_is_harmless_and_a_with_block_closes(shared_url: str) -> None:
    with QuoteToCash.open(shared_url) as app:
        app.register_customer("Acme", "EUR", account_manager="ann", actor="ops")
    app.close()  # (a second close, after the with block's)
    with pytest.raises(StorageUnavailable, match="closed"):
        app.customers()
