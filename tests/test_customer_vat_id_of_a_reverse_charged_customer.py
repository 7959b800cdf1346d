"""A customer billed at reverse charge keeps a VAT id: correcting its details cannot clear it.

Found by review: Acme (Belgium) is billed at reverse charge (AE), with its VAT id, as the
registration insists (EN 16931 BR-AE-02: a reverse-charge invoice names the buyer's VAT id). A
clerk cleared the VAT id while correcting Acme's details, and it was recorded; the next invoice
drafted for Acme was then refused at approval, and every one after it, until someone found the
VAT id missing. Now clearing the VAT id of a customer billed at reverse charge (or as an
intra-community supply, K) is refused (``InvalidValue`` naming ``tax_id``), nothing recorded:
correct it to the right id, or change the customer's tax rate first.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import UUID

import pytest

from q2c_core import InvalidValue, QuoteToCash, TaxCategory, TaxRate

REVERSE_CHARGE = TaxRate.none(TaxCategory.REVERSE_CHARGE)


def belgian_acme(app: QuoteToCash, tax_rate: TaxRate = REVERSE_CHARGE) -> UUID:
    return app.register_customer(
        "Acme",
        "EUR",
        account_manager="mia",
        actor="bea",
        tax_rate=tax_rate,
        country="BE",
        tax_id="BE0123456749",
    )


@pytest.mark.parametrize("cleared", ["", "   "])
def test_clearing_the_vat_id_of_a_reverse_charged_customer_is_refused(cleared: str) -> None:
    app = QuoteToCash.open("memory:")
    acme = belgian_acme(app)
    before = app.recorder.max_notification_id()
    with pytest.raises(InvalidValue) as refused:
        app.correct_customer_details(acme, actor="bea", tax_id=cleared, city="Gent")
    assert refused.value.field == "tax_id"
    assert app.recorder.max_notification_id() == before
    assert app.customer(acme).tax_id == "BE0123456749"


def test_a_customer_reverse_charged_from_a_day_to_come_keeps_its_vat_id_too() -> None:
    app = QuoteToCash.open("memory:")
    acme = belgian_acme(app, TaxRate.standard(21))
    next_year = date(datetime.now(UTC).year + 1, 1, 1)
    app.change_customer_tax_rate(acme, tax_rate=REVERSE_CHARGE, effective=next_year, actor="bea")
    with pytest.raises(InvalidValue) as refused:
        app.correct_customer_details(acme, actor="bea", tax_id="")
    assert refused.value.field == "tax_id"


def test_its_vat_id_corrected_to_another_is_taken_and_a_standard_customer_may_clear_it() -> None:
    app = QuoteToCash.open("memory:")
    acme = belgian_acme(app)
    assert app.correct_customer_details(acme, actor="bea", tax_id="BE 0987 654 321")
    assert app.customer(acme).tax_id == "BE0987654321"
    # no longer reverse-charged: its tax rate changed first, then its VAT id cleared
    app.change_customer_tax_rate(
        acme,
        tax_rate=TaxRate.standard(21),
        effective=date(2024, 1, 1),
        actor="bea",
    )
    assert app.correct_customer_details(acme, actor="bea", tax_id="")
    assert app.customer(acme).tax_id == ""
