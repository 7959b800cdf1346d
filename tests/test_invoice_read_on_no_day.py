"""An invoice read as of a day that is no day: a report script asks Acme's invoice whether it
was issued, past due or what it owed on a day it took from a spreadsheet cell ("2026-03-01"),
an empty cell (None), a timestamp or a number. Each is refused as a q2c error naming the
parameter (``day``, ``as_of``, ``first``, ``last``, ``on``), as a payment's ``unallocated_on``
refuses one, never a bare Python error nor an answer.

Found by review: ``issued_by``, ``is_past_due``, ``least_owed_since`` and the other reads failed
with a bare ``TypeError: '<=' not supported between instances of 'datetime.date' and 'str'``
(of a datetime: "can't compare datetime.datetime to datetime.date"), and some answered (a draft
"not issued by" None, a credit note owing "nothing since" a text).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import pytest
from test_beancount_ledger import issue, manual_line

from q2c_core import InvalidValue, Invoice, Money, QuoteToCash, TaxRate

NO_DAYS = ["2026-03-01", None, datetime(2026, 3, 1, 12, 0), 20260301]
D = date(2026, 3, 2)


def eur(amount: str) -> Money:
    return Money.of(amount, "EUR")


def acme_half_paid(app: QuoteToCash) -> Invoice:
    """Acme's invoice of 119.00 issued 2 March (due 1 April), 60.00 of it paid on the 5th."""
    acme = app.register_customer("Acme GmbH", "EUR", account_manager="mia", actor="bea")
    invoice = app.draft_invoice(
        acme, [manual_line("L1", "100", TaxRate.standard(19))], drafted_on=D, actor="billy"
    )
    issue(app, invoice, D)
    pay = app.receive_payment(
        acme, eur("60.00"), received_on=date(2026, 3, 5), reference="TR", actor="bea"
    )
    app.allocate_payment(pay, allocated_on=date(2026, 3, 5), actor="bea")
    return app.invoice(invoice)


# each query given a day that is no day, and the parameter it names
QUERIES: dict[str, tuple[Callable[[Invoice, Any], object], str]] = {
    "issued_by": (lambda i, d: i.issued_by(d), "day"),
    "is_past_due": (lambda i, d: i.is_past_due(d), "as_of"),
    "needs_past_due_notice": (lambda i, d: i.needs_past_due_notice(d), "as_of"),
    "least_owed_since": (lambda i, d: i.least_owed_since(d), "day"),
    "written_off_by": (lambda i, d: i.written_off_by(d), "day"),
    "credited_by": (lambda i, d: i.credited_by(d), "day"),
    "outstanding_on": (lambda i, d: i.outstanding_on(d, eur("0.00")), "day"),
    "in_force_on": (lambda i, d: i.in_force_on(d), "day"),
    "holds_work_on": (lambda i, d: i.holds_work_on(d), "day"),
    "lines_holding_work_on": (lambda i, d: i.lines_holding_work_on(d, ()), "day"),
    "money_to_give_back": (lambda i, d: i.money_to_give_back(eur("10.00"), d), "on"),
    "owed_nothing_between, first": (lambda i, d: i.owed_nothing_between(d, D), "first"),
    "owed_nothing_between, last": (lambda i, d: i.owed_nothing_between(D, d), "last"),
}


@pytest.mark.parametrize("day", NO_DAYS)
@pytest.mark.parametrize("query", list(QUERIES))
def test_an_invoice_read_on_no_day_is_refused_naming_it(
    app: QuoteToCash, query: str, day: Any
) -> None:
    invoice = acme_half_paid(app)
    read, field = QUERIES[query]
    with pytest.raises(InvalidValue) as refused:
        read(invoice, day)
    assert refused.value.field == field


def test_a_draft_read_on_no_day_is_refused_too(app: QuoteToCash) -> None:
    """A draft has no issue day to compare with, and still refuses the day it was given."""
    acme = app.register_customer("Acme GmbH", "EUR", account_manager="mia", actor="bea")
    draft = app.invoice(
        app.draft_invoice(
            acme, [manual_line("L1", "100", TaxRate.standard(19))], drafted_on=D, actor="billy"
        )
    )
    for query in ("issued_by", "is_past_due"):
        read, field = QUERIES[query]
        with pytest.raises(InvalidValue) as refused:
            read(draft, None)
        assert refused.value.field == field


def test_an_invoice_read_on_its_days_answers_as_before(app: QuoteToCash) -> None:
    """Issued on 2 March, due 1 April: 119.00 owed at the end of the 2nd, 59.00 from the 5th;
    past due on 2 April, not on 1 April."""
    invoice = acme_half_paid(app)
    assert invoice.issued_by(D) and not invoice.issued_by(date(2026, 3, 1))
    assert invoice.least_owed_since(D) == (eur("59.00"), date(2026, 3, 5))
    assert invoice.outstanding_on(D, eur("0.00")) == eur("119.00")
    assert [a.amount for a in invoice.in_force_on(date(2026, 3, 5))] == [eur("60.00")]
    assert invoice.is_past_due(date(2026, 4, 2)) and not invoice.is_past_due(date(2026, 4, 1))
    assert invoice.written_off_by(D) == eur("0.00") and invoice.credited_by(D) == eur("0.00")
    assert not invoice.owed_nothing_between(D, date(2026, 4, 2))
