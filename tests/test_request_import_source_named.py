"""Work imported for an unauthorized request says where it came from.

A script forwarding worklogs passed ``source=" "`` (its PSA name setting was empty): q2c
recorded Bob's hours, done before Acme's PO arrived, as unauthorized work from " ", and the
follow-up of that leakage had no system to go back to. A source that is no visible text is now
refused, ``InvalidValue`` naming ``source``, nothing recorded, whether the work would be
logged or kept as unauthorized; one naming the PSA is recorded with the work.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest

from q2c_core import InvalidValue, Money, QuoteToCash, TimeEntry

A = "alice"


def day(n: int) -> date:
    return date(2024, 3, n)


def eur(amount: str | int) -> Money:
    return Money.of(amount, "EUR")


@pytest.mark.parametrize("source", ["", "  ", "\u200b"], ids=["empty", "spaces", "zwsp"])
def test_work_from_nowhere_is_refused_and_work_from_the_psa_is_kept(
    app_factory: Callable[[], QuoteToCash], source: str
) -> None:
    app = app_factory()
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    export = app.open_request(acme, "Export", requested_on=day(1), actor=A)
    app.estimate_request(export, hours=10, rate=eur(100), actor=A)
    early = TimeEntry("t1", "bob", day(2), Decimal(3), eur(100))
    with pytest.raises(InvalidValue) as refused:
        app.import_work(export, early, source=source, actor=A)
    assert refused.value.field == "source"
    assert refused.value.aggregate_id == export
    assert app.request(export).work == []

    assert app.import_work(export, early, source="tempo", actor=A)
    [kept] = app.request(export).work
    assert (kept.entry.entry_id, kept.authorized, kept.source) == ("t1", False, "tempo")


@pytest.mark.parametrize("source", [None, 5], ids=["none", "number"])
def test_a_source_that_is_no_text_is_refused_on_authorized_work_too(
    app: QuoteToCash, source: object
) -> None:
    """The script's empty setting came through as None: work dated after the authorization
    was logged as if it came from q2c itself, while the same None on work before it was
    refused. Both are refused now, naming ``source``, nothing recorded."""
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    export = app.open_request(acme, "Export", requested_on=day(1), actor=A)
    app.estimate_request(export, hours=10, rate=eur(100), actor=A)
    app.send_quote(export, sent_on=day(2), actor=A)
    app.receive_purchase_order(export, number="PO-1", amount=eur(1000), received_on=day(3), actor=A)
    app.authorize_work(export, authorized_on=day(4), actor=A)
    version = app.request(export).version

    with pytest.raises(InvalidValue) as refused:
        app.import_work(
            export,
            TimeEntry("t1", "bob", day(5), Decimal(3), eur(100)),
            source=source,  # type: ignore[arg-type]
            actor=A,
        )

    assert refused.value.field == "source"
    assert app.request(export).version == version
    assert app.request(export).work == []
