"""Bob logged 4 hours as time entry "t1" on Acme's export request, and another clerk's import
logged entries "t" (1 hour) and "1" (3 hours). A line billing "t1" written
``LineSource(..., time_entry_ids="t1")`` read the text letter by letter: it billed entries "t"
and "1" (4 hours too, so approval found nothing wrong), the invoice was issued, and "t1" stayed
unbilled. A text is now refused where the line's source is made (``InvalidValue`` naming
``time_entry_ids``): entries are given as a list or tuple, ``("t1",)``; nothing is drafted."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from q2c_core import (
    InvalidValue,
    InvoiceLine,
    LineSource,
    Money,
    QuoteToCash,
    SourceKind,
    TaxRate,
    TimeEntry,
)

A = "al"


def eur(amount: int) -> Money:
    return Money.of(amount, "EUR")


def test_time_entries_given_as_one_text_are_refused_not_read_letter_by_letter(
    app: QuoteToCash,
) -> None:
    acme = app.register_customer(
        "Acme", "EUR", account_manager="mia", actor=A, tax_rate=TaxRate.standard(21)
    )
    request = app.open_request(acme, "Export", requested_on=date(2024, 3, 1), actor=A)
    app.estimate_request(request, hours=10, rate=eur(100), actor=A)
    app.send_quote(request, sent_on=date(2024, 3, 2), actor=A)
    app.receive_purchase_order(
        request, number="PO-1", amount=eur(1000), received_on=date(2024, 3, 3), actor=A
    )
    app.authorize_work(request, authorized_on=date(2024, 3, 4), actor=A)
    for entry_id, hours in (("t1", 4), ("t", 1), ("1", 3)):
        app.log_work(
            request,
            TimeEntry(entry_id, "bob", date(2024, 3, 5), Decimal(hours), eur(100)),
            actor="bob",
        )

    with pytest.raises(InvalidValue) as refused:
        LineSource(SourceKind.WORK, request_id=request, time_entry_ids="t1", hours=Decimal(4))  # type: ignore[arg-type]
    assert refused.value.field == "time_entry_ids"
    assert app.invoices(acme) == []

    # given as a tuple, the line bills "t1" and nothing else
    line = InvoiceLine(
        "w",
        "Export work",
        Decimal(4),
        eur(100),
        TaxRate.standard(21),
        LineSource(SourceKind.WORK, request_id=request, time_entry_ids=("t1",), hours=Decimal(4)),
    )
    assert line.source is not None and line.source.time_entry_ids == ("t1",)
    app.draft_invoice(acme, [line], drafted_on=date(2024, 3, 8), actor=A)
    assert app.unbilled_work(request) == eur(400)  # "t" and "1", 4 hours, still to bill


@pytest.mark.parametrize("given", [None, 7])
def test_time_entries_given_as_no_collection_are_refused_naming_time_entry_ids(
    given: object,
) -> None:
    """None (an export's empty column) or a number was Python's own 'not iterable' TypeError."""
    with pytest.raises(InvalidValue) as refused:
        LineSource(SourceKind.WORK, time_entry_ids=given)  # type: ignore[arg-type]
    assert refused.value.field == "time_entry_ids"
