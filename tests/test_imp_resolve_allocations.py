"""Assigning a suspended bank credit with an explicit allocation list.

Initech's 99.00 EUR arrives from a payer q2c cannot name and waits in suspense. A clerk assigns
it to Acme with a list of (invoice, amount) pairs. A list that is not such pairs ("abc", 5, a
dict, a three-item tuple, an amount that is no Money) is refused naming ``allocations`` and the
credit stays in suspense; an amount typed with more digits than the euro has (``60.000``) is
recorded on the payment and on the invoice alike, at the cent (``60.00``).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from uuid import UUID

import pytest
from test_beancount_ledger import issue, manual_line

from q2c_adapters.importers.bank import BankStatementImporter
from q2c_core import InvalidValue, Money, QuoteToCash, TaxRate

RESOLVED = date(2024, 4, 10)


def eur(amount: str) -> Money:
    return Money.of(amount, "EUR")


def suspended_credit(tmp_path: Path) -> tuple[QuoteToCash, UUID, UUID, UUID]:
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")
    acme = app.register_customer("Acme GmbH", "EUR", account_manager="mia", actor="al")
    invoice = app.draft_invoice(
        acme,
        [manual_line("L1", "100", TaxRate.standard(19))],
        drafted_on=date(2024, 3, 1),
        actor="billy",
    )
    issue(app, invoice, date(2024, 3, 1))
    path = tmp_path / "apr.csv"
    path.write_text(
        "date,amount,currency,remittance,name,reference\n"
        "2024-04-02,99.00,EUR,order 5521,Initech LLC,C-9\n",
        encoding="utf-8",
    )
    BankStatementImporter(app, today=date(2024, 4, 30)).import_file(path, actor="bank")
    [credit] = app.bank_suspense()
    return app, acme, invoice, credit.id


def not_pairs(invoice: UUID) -> dict[str, object]:
    """Allocation lists a caller might hand over by mistake."""
    return {
        "text": "abc",
        "a number": 5,
        "a mapping": {invoice: eur("10.00")},
        "a three-item entry": [(invoice, eur("10.00"), "extra")],
        "an amount that is text": [(invoice, "10.00")],
        "an invoice id that is text": [(invoice.hex, eur("10.00"))],
    }


@pytest.mark.parametrize("mistake", list(not_pairs(UUID(int=0))))
def test_an_allocation_list_that_is_not_invoice_amount_pairs_is_refused_naming_it(
    tmp_path: Path, mistake: str
) -> None:
    app, acme, invoice, credit_id = suspended_credit(tmp_path)
    given = not_pairs(invoice)[mistake]
    before = app.recorder.max_notification_id()

    with pytest.raises(InvalidValue) as refused:
        app.resolve_bank_credit(
            credit_id,
            resolved_on=RESOLVED,
            actor="clerk",
            customer_id=acme,
            allocations=given,  # type: ignore[arg-type]
        )

    assert refused.value.field == "allocations"
    assert app.recorder.max_notification_id() == before
    [still] = app.bank_suspense()
    assert still.id == credit_id and still.payment_id is None


def test_an_amount_typed_past_the_cent_is_recorded_at_the_cent_on_payment_and_invoice(
    tmp_path: Path,
) -> None:
    app, acme, invoice, credit_id = suspended_credit(tmp_path)

    payment_id = app.resolve_bank_credit(
        credit_id,
        resolved_on=RESOLVED,
        actor="clerk",
        customer_id=acme,
        allocations=[(invoice, eur("60.000"))],
    )

    [allocation] = app.payment(payment_id).allocations
    [applied] = app.invoice(invoice).payments
    assert str(allocation.amount.amount) == "60.00"
    assert str(applied.amount.amount) == "60.00"
    assert app.invoice(invoice).outstanding == eur("59.00")


def test_an_empty_list_still_keeps_the_money_as_the_customers_credit(tmp_path: Path) -> None:
    app, acme, invoice, credit_id = suspended_credit(tmp_path)

    payment_id = app.resolve_bank_credit(
        credit_id, resolved_on=RESOLVED, actor="clerk", customer_id=acme, allocations=[]
    )

    assert app.payment(payment_id).allocations == []
    assert app.invoice(invoice).outstanding == eur("119.00")
    assert app.bank_suspense() == []
