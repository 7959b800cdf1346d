"""A person working the suspense list gives a reason or a note that is not text.

Initech's two credits (99.00 and 50.00 EUR) wait in suspense. A script sending one back to its
sender passes no reason (None), or a ticket number (an int) for it; one assigning the other to
Acme passes a ticket number as the note. Each is refused, naming the field and recording
nothing, as every other command refuses a field of the wrong kind: the credits stay in
suspense. Once given as text, they leave it.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from uuid import UUID

import pytest

from q2c_adapters.importers.bank import BankStatementImporter
from q2c_core import (
    InvalidValue,
    InvoiceLine,
    LineSource,
    Money,
    QuoteToCash,
    SourceKind,
    TaxRate,
)
from q2c_core.domain.bank_credit import CreditStatus

ASSIGNED = date(2024, 4, 10)


def eur(amount: str) -> Money:
    return Money.of(amount, "EUR")


def acme_and_two_suspended_credits(app: QuoteToCash, tmp_path: Path) -> tuple[UUID, UUID, UUID]:
    """Acme, with a 100.00 EUR invoice, and Initech's two credits of 2 April in suspense."""
    acme = app.register_customer("Acme GmbH", "EUR", account_manager="mia", actor="al")
    line = InvoiceLine(
        "L1",
        "support",
        Decimal(1),
        eur("100.00"),
        TaxRate.standard(0),
        LineSource(SourceKind.MANUAL, note="agreed"),
    )
    invoice = app.draft_invoice(acme, [line], drafted_on=date(2024, 3, 1), actor="billy")
    app.approve_invoice(invoice, role="billing", approved_on=date(2024, 3, 1), actor="bea")
    app.approve_invoice(invoice, role="account_manager", approved_on=date(2024, 3, 1), actor="mia")
    app.issue_invoice(invoice, issued_on=date(2024, 3, 1), actor="bea")
    path = tmp_path / "apr.csv"
    path.write_text(
        "date,amount,currency,remittance,name,reference\n"
        "2024-04-02,99.00,EUR,order 5521,Initech LLC,C-9\n"
        "2024-04-02,50.00,EUR,order 5522,Initech LLC,C-10\n",
        encoding="utf-8",
    )
    BankStatementImporter(app, today=date(2024, 4, 30)).import_file(path, actor="bank")
    by_amount = {c.credit.amount: c.id for c in app.bank_suspense()}
    return acme, by_amount[eur("99.00")], by_amount[eur("50.00")]


@pytest.mark.parametrize("backend", ["memory", "sqlite"])
def test_a_reason_or_note_that_is_not_text_is_refused_naming_it(
    backend: str, tmp_path: Path
) -> None:
    url = "memory:" if backend == "memory" else f"sqlite:///{tmp_path / 'q2c.db'}"
    app = QuoteToCash.open(url)
    try:
        acme, assigned, returned = acme_and_two_suspended_credits(app, tmp_path)
        before = app.recorder.max_notification_id()

        for reason in (None, 4711):
            with pytest.raises(InvalidValue) as refused:
                app.return_bank_credit(
                    returned,
                    returned_on=ASSIGNED,
                    reason=reason,  # type: ignore[arg-type]
                    actor="sue",
                )
            assert refused.value.field == "reason"
        with pytest.raises(InvalidValue) as refused:
            app.resolve_bank_credit(
                assigned,
                resolved_on=ASSIGNED,
                actor="sue",
                customer_id=acme,
                note=4711,  # type: ignore[arg-type]
            )
        assert refused.value.field == "note"

        assert app.recorder.max_notification_id() == before
        assert {c.id for c in app.bank_suspense()} == {assigned, returned}

        app.return_bank_credit(
            returned, returned_on=ASSIGNED, reason="not ours: ticket 4711", actor="sue"
        )
        payment = app.resolve_bank_credit(
            assigned, resolved_on=ASSIGNED, actor="sue", customer_id=acme, note="ticket 4711"
        )
        assert app.bank_credit(returned).status is CreditStatus.RETURNED
        assert app.bank_credit(assigned).status is CreditStatus.RESOLVED
        assert app.payment(payment).allocated == eur("99.00")
    finally:
        app.close()
