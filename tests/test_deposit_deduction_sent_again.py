"""A deposit's deduction sent again after a lost response.

Found by review: Bea's script deducts Acme's deposit on the final invoice, the response is
lost, and the same deduction sent again was refused as ``DuplicateEntry`` ("this deposit is
deducted on invoice ...: void that invoice first"), so the script reported a failure for a
deduction that had happened, and told her to void the invoice. Now the same deduction (that
deposit on that final invoice, which holds it) records nothing and ``deduct_deposit`` answers
False (True when it deducts). On another invoice it is still refused, and a repeat naming
nobody is refused naming ``actor``, as the first sending is.
"""

from __future__ import annotations

import pytest
from test_deposits_by_their_commands import D, customer, eur, issued_deposit, work

from q2c_core import DuplicateEntry, InvalidValue, QuoteToCash


def test_the_same_deduction_sent_again_records_nothing(backend_url: str) -> None:
    app = QuoteToCash.open(backend_url)
    acme = customer(app)
    deposit = issued_deposit(app, acme)
    final = app.draft_invoice(acme, [work("L1", "1000")], drafted_on=D, actor="bea")
    assert app.deduct_deposit(final, deposit, actor="bea") is True
    recorded = app.recorder.max_notification_id()
    assert app.deduct_deposit(final, str(deposit), actor="bea") is False  # type: ignore[arg-type]
    assert app.recorder.max_notification_id() == recorded
    assert app.invoice(final).total == eur("847.00")
    other = app.draft_invoice(acme, [work("L1", "1000")], drafted_on=D, actor="bea")
    recorded = app.recorder.max_notification_id()
    with pytest.raises(DuplicateEntry) as refused:
        app.deduct_deposit(other, deposit, actor="bea")
    assert refused.value.field == "deducted_by"
    with pytest.raises(InvalidValue) as nobody:
        app.deduct_deposit(final, deposit, actor="")
    assert nobody.value.field == "actor"
    assert app.recorder.max_notification_id() == recorded
    app.close()
