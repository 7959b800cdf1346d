"""A VAT id is recorded as an e-invoice carries it: no space of any kind, no invisible mark.

Found by review: Acme's VAT id was copied from the VIES web page, "BE<no-break space>0123456749",
and a correction pasted from a chat held a zero-width space, "BE0123<zero-width space>456749".
Both were recorded as typed (only plain spaces were taken out): the e-invoice carried a VAT id
a buyer's system does not recognise though it reads the same, and the ERP sync sending
"BE0123456749" for Acme was refused as another VAT id. Now every kind of space (no-break, em,
tab, line break) and every invisible character is taken out, and full-width letters read as
plain ones, so each of them is recorded as BE0123456749.
"""

from __future__ import annotations

from uuid import UUID

import pytest

from q2c_core import QuoteToCash, TaxRate
from q2c_core.domain.parties import vat_id

TYPED = [
    "BE\u00a00123456749",  # a no-break space (a web page)
    "BE0123\u200b456749",  # a zero-width space (a chat)
    "\u200bBE0123456749",
    "BE\u20030123\u2009456\u202f749",  # an em space, a thin space, a narrow no-break space
    "BE\t0123456749\n",  # a tab and a line break (a spreadsheet cell)
    "\uff22\uff25\uff10\uff11\uff12\uff13456749",  # full-width letters and digits
    " be 0123 456 749 ",
]


@pytest.mark.parametrize("typed", TYPED)
def test_a_vat_id_typed_with_hidden_spaces_reads_as_the_plain_one(typed: str) -> None:
    assert vat_id(typed) == "BE0123456749"


@pytest.mark.parametrize("typed", TYPED)
def test_acme_is_registered_and_synced_again_under_its_plain_vat_id(typed: str) -> None:
    app = QuoteToCash.open("memory:")

    def register(tax_id: str) -> UUID:
        return app.register_customer(
            "Acme",
            "EUR",
            account_manager="mia",
            actor="erp-sync",
            tax_rate=TaxRate.standard(21),
            country="BE",
            tax_id=tax_id,
            reference="C-1",
        )

    acme = register(typed)
    assert app.customer(acme).tax_id == "BE0123456749"
    assert register("BE0123456749") == acme  # the sync again: the same customer, a retry


def test_a_correction_with_a_hidden_space_records_nothing_new() -> None:
    app = QuoteToCash.open("memory:")
    acme = app.register_customer(
        "Acme", "EUR", account_manager="mia", actor="bea", country="BE", tax_id="BE0123456749"
    )
    assert not app.correct_customer_details(acme, actor="bea", tax_id="BE\u00a00123456749")
    assert app.customer(acme).tax_id == "BE0123456749"


def test_a_vat_id_of_invisible_characters_only_is_none() -> None:
    assert vat_id("\u200b\u00a0") == ""
