"""Bea deducts Acme's deposit on the final invoice, her script passing both invoices' ids as the
text the reports print (dashed, or the 32 hex digits). The deposit's id was read as the UUID it
spells, the final invoice's was not: the deduction was refused as ``final_invoice_id: must be a
UUID``, naming a field no command has. Now the final invoice's id is read as the deposit's is:
the deposit is deducted on it, and its issue and a credit of the deduction find it there.

Found by review: ``deduct_deposit(str(final), deposit)`` raised ``InvalidValue`` naming
``final_invoice_id`` (the deposit aggregate's own argument), never ``invoice_id``.
"""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

import pytest
from test_deposits_by_their_commands import D, customer, eur, issue, issued_deposit, work

from q2c_core import CreditDisposition, QuoteToCash


@pytest.mark.parametrize("spelled", [str, lambda i: i.hex], ids=["dashed", "hex"])
def test_a_final_invoice_named_by_its_text_takes_the_deposit(
    app: QuoteToCash, spelled: Callable[[UUID], str]
) -> None:
    acme = customer(app)
    deposit = issued_deposit(app, acme)
    final = app.draft_invoice(acme, [work("L1", "1000")], drafted_on=D, actor="bea")

    app.deduct_deposit(spelled(final), spelled(deposit), actor="bea")  # type: ignore[arg-type]

    assert app.invoice(deposit).deducted_by == final
    assert isinstance(app.invoice(deposit).deducted_by, UUID)
    assert app.invoice(final).total == eur("847.00")
    issue(app, final)
    assert app.invoice(final).outstanding == eur("847.00")
    # the deduction credited: the deposit is held again, to deduct or credit
    note = app.draft_credit_note(
        final,
        line_ids=["L2"],
        disposition=CreditDisposition.WRITTEN_OFF,
        reason="deposit refunded instead",
        drafted_on=D,
        actor="bea",
    )
    issue(app, note)
    assert app.invoice(deposit).deducted_by is None
    assert app.invoice(final).outstanding == eur("1210.00")
