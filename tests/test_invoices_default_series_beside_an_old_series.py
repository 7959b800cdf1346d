"""INV and CN open by themselves on their first issue, with the prefixes INV- and CN-. Before
q2c checked series, a store could open another series with one of those prefixes (EXPORT with
INV-); the first issue into INV then opened it beside EXPORT, and both printed INV-000001: two
invoices of one number, which the bank import, the command line and the customer's books
would take for one.

Such an INV is no longer opened by itself: the issue is refused (``DuplicateEntry`` naming
``series``, nothing recorded, no number used), telling to open INV with a prefix of its own
(``open_number_series``), after which it issues as ever."""

from __future__ import annotations

from datetime import date

import pytest
from test_number_series import JANUARY_10, drafted

from q2c_core import DuplicateEntry, QuoteToCash
from q2c_core.domain.invoice_numbering import InvoiceNumberSeries


def test_inv_does_not_open_by_itself_beside_a_series_printing_its_numbers(
    backend_url: str,
) -> None:
    """Acme's store opened EXPORT with the prefix INV- before the rules (recorded here as it
    was then) and issued INV-000001 in it. Bea issues an invoice without naming a series:
    refused, nothing recorded, the invoice still approved and unnumbered. Billing opens INV
    with the prefix RE-, and the invoice goes out as RE-000001; EXPORT goes on with
    INV-000002."""
    app = QuoteToCash.open(backend_url)
    app.save(InvoiceNumberSeries(name="EXPORT", prefix="INV-", actor="alice"))
    export = drafted(app, JANUARY_10)
    assert app.issue_invoice(export, issued_on=JANUARY_10, actor="bea", series="EXPORT") == (
        "INV-000001"
    )
    invoice = drafted(app, JANUARY_10)
    before = app.recorder.max_notification_id()
    with pytest.raises(DuplicateEntry) as refused:
        app.issue_invoice(invoice, issued_on=JANUARY_10, actor="bea")
    assert refused.value.field == "series"
    assert "EXPORT" in str(refused.value) and "open_number_series" in str(refused.value)
    assert app.recorder.max_notification_id() == before
    assert app.invoice(invoice).number is None

    app.open_number_series("INV", prefix="RE-", actor="alice")
    assert app.issue_invoice(invoice, issued_on=date(2024, 1, 11), actor="bea") == "RE-000001"
    third = drafted(app, JANUARY_10)
    assert app.issue_invoice(third, issued_on=date(2024, 1, 12), actor="bea", series="EXPORT") == (
        "INV-000002"
    )
    reader = app if backend_url == "memory:" else QuoteToCash.open(backend_url)
    numbers = [reader.invoice(i).number for i in (export, invoice, third)]
    assert numbers == ["INV-000001", "RE-000001", "INV-000002"]
