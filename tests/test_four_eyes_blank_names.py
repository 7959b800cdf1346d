"""Four eyes, against names that show as nothing.

Billy drafts a 50,000 EUR invoice and approves it for billing. The account manager's approval
must be someone else's. He gave it as ``billy`` with a C1 control character after it (U+0080 to
U+009F: text decoded the wrong way carries them, and no screen shows them), or as the braille
blank (U+2800, which shows as an empty space but is no space to Python), alone or after his
name; each counted as a second person, and billy issued the invoice alone.

Now no text fact of any event holds a C1 control character (``InvalidValue`` naming the field,
nothing recorded), as none held a C0 one, and ``person_key`` reads those characters as what
they show: a C1 control as nothing, a blank as a space. ``billy`` with one of them is billy,
and a name of them only is no one.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from q2c_core import (
    ApprovalRefused,
    InvalidValue,
    InvoiceLine,
    LineSource,
    Money,
    QuoteToCash,
    SourceKind,
    TaxRate,
    person_key,
)

DAY = date(2024, 3, 1)


def _billys_invoice_approved_for_billing() -> tuple[QuoteToCash, object]:
    app = QuoteToCash.open("memory:")
    customer = app.register_customer("Acme", "EUR", account_manager="mia", actor="alice")
    line = InvoiceLine(
        "L1",
        "consulting",
        Decimal(1),
        Money.of(50000, "EUR"),
        TaxRate.standard(0),
        LineSource(SourceKind.MANUAL, note="agreed"),
    )
    invoice = app.draft_invoice(customer, [line], drafted_on=DAY, actor="billy")
    app.approve_invoice(invoice, role="billing", approved_on=DAY, actor="billy")  # type: ignore[arg-type]
    return app, invoice


@pytest.mark.parametrize(
    "alias",
    ["billy\x9f", "billy\x80", "bil\x90ly", "billy\u2800", "\u2800billy", "\U0001d159billy"],
)
def test_billy_with_a_character_no_one_sees_cannot_approve_his_own_invoice_again(
    alias: str,
) -> None:
    app, invoice = _billys_invoice_approved_for_billing()
    before = app.recorder.max_notification_id()
    with pytest.raises((ApprovalRefused, InvalidValue)) as refused:
        app.approve_invoice(invoice, role="account_manager", approved_on=DAY, actor=alias)  # type: ignore[arg-type]
    assert refused.value.field == "actor"
    assert app.recorder.max_notification_id() == before
    assert [a.actor for a in app.invoice(invoice).approvals] == ["billy"]  # type: ignore[arg-type]


@pytest.mark.parametrize("nobody", ["\u2800", "\u2800 \u2800", "\x9f", "\U0001d159"])
def test_a_name_that_shows_as_nothing_approves_nothing(nobody: str) -> None:
    app, invoice = _billys_invoice_approved_for_billing()
    before = app.recorder.max_notification_id()
    with pytest.raises(InvalidValue) as refused:
        app.approve_invoice(invoice, role="account_manager", approved_on=DAY, actor=nobody)  # type: ignore[arg-type]
    assert refused.value.field == "actor"
    assert app.recorder.max_notification_id() == before


def test_no_text_of_any_event_holds_a_c1_control_character() -> None:
    """A customer's name with U+0096 (an en dash decoded as Latin-1) would print as nothing on
    its invoices: refused naming the field, nothing recorded."""
    app = QuoteToCash.open("memory:")
    with pytest.raises(InvalidValue) as refused:
        app.register_customer("Acme \x96 Berlin", "EUR", account_manager="mia", actor="alice")
    assert refused.value.field == "name"
    assert not app.recorder.max_notification_id()


def test_person_key_reads_them_as_they_show() -> None:
    assert person_key("billy\x9f") == person_key("bil\x80ly") == "billy"
    assert person_key("billy\u2800") == person_key("\u2800Billy") == "billy"
    assert person_key("Bea\u2800Maier") == person_key("bea maier")
    assert person_key("\u2800") == person_key("\x85\x9f") == ""
