"""``RevenueSchedule.document_lines`` takes an invoice's id (a UUID, its text, or the 32 hex
digits the reports print); a text that is no id is refused, naming ``invoice_id``.

Found by review: ``document_lines("INV-000001")`` (the invoice's number, as printed on it)
answered no lines, as for a document that is no revenue, so a mistyped id read as "nothing to
recognise" instead of a mistake (``PrepaidCreditUsage.hours_left`` refuses such a text)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from test_projections_story import A, issue

from q2c_core import InvalidValue, InvoiceLine, LineSource, Money, QuoteToCash, SourceKind, TaxRate
from q2c_core.projections import RevenueSchedule, catch_up

DAY = date(2025, 3, 3)


def test_document_lines_refuse_a_text_that_is_no_id_and_read_every_spelling_of_one(
    tmp_path: Path,
) -> None:
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.sqlite'}")
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    line = InvoiceLine(
        "L1",
        "support",
        Decimal(1),
        Money.of("80.00", "EUR"),
        TaxRate.standard(0),
        LineSource(SourceKind.MANUAL, note="agreed"),
    )
    invoice = app.draft_invoice(acme, [line], drafted_on=DAY, actor=A)
    number = issue(app, invoice, DAY)
    schedule = RevenueSchedule()
    catch_up(app, [schedule])

    for spelled in (invoice, str(invoice), invoice.hex, invoice.hex.upper()):
        [recognised] = schedule.document_lines(spelled)
        assert (recognised.line_id, recognised.amount) == ("L1", Money.of("80.00", "EUR"))
    for wrong in (number, "nope", "", invoice.hex[:-1]):
        with pytest.raises(InvalidValue) as refused:
            schedule.document_lines(wrong)
        assert refused.value.field == "invoice_id"
    app.close()
