"""``position_as_of`` and ``recorded_times``, q2c's functions saying what was recorded when,
given the wrong thing or a closed application, refuse with a q2c error as commands do.

- ``recorded_times(app, id)`` with the id as its text (as a report prints it) failed on SQLite
  with a bare AttributeError ('str' object has no attribute 'hex'), worked on PostgreSQL, and
  said nothing on a memory store; the text of an id is now read as the UUID it spells on
  every store (as ``QuoteToCash.invoice`` and the others read it), and text that is no id is
  ``InvalidValue`` naming ``originator_id``.
- ``position_as_of(app, "2024-01-01")`` (or a business day, or None) failed with a bare
  AttributeError; it is ``InvalidValue`` naming ``moment``.
- Given an application closed already, both raised eventsourcing's untyped pool errors (on
  a memory store they answered from books whose events went with it); they now refuse with
  ``StorageUnavailable`` saying the application was closed.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from q2c_core import (
    InvalidValue,
    QuoteToCash,
    StorageUnavailable,
    position_as_of,
    recorded_times,
)


def test_an_id_given_as_its_text_is_read_as_the_id_on_every_store(backend_url: str) -> None:
    app = QuoteToCash.open(backend_url)
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor="bea")
    app.rename_customer(acme, new_name="Acme Ltd", actor="bea")
    by_id = recorded_times(app, acme)
    assert recorded_times(app, str(acme)) == by_id  # type: ignore[arg-type]
    assert recorded_times(app, acme.hex) == by_id  # type: ignore[arg-type]
    with pytest.raises(InvalidValue) as refused:
        recorded_times(app, "INV-000042")  # type: ignore[arg-type]
    assert refused.value.field == "originator_id"
    app.close()


@pytest.mark.parametrize("moment", ["2024-01-01", date(2024, 1, 1), None, 1704067200])
def test_a_cut_for_something_that_is_no_time_is_refused(moment: Any) -> None:
    app = QuoteToCash.open("memory:")
    with pytest.raises(InvalidValue) as refused:
        position_as_of(app, moment)
    assert refused.value.field == "moment"
    app.close()


def test_a_closed_application_is_said_to_be_closed(backend_url: str) -> None:
    app = QuoteToCash.open(backend_url)
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor="bea")
    assert position_as_of(app, datetime.now(UTC)) > 0
    app.close()

    with pytest.raises(StorageUnavailable, match="this application was closed"):
        position_as_of(app, datetime.now(UTC))
    with pytest.raises(StorageUnavailable, match="this application was closed"):
        recorded_times(app, acme)
