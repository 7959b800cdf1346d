"""A payer's IBAN in the map of payers' accounts is read as a VAT id is: spaces of every kind
and invisible characters aside.

Globex's parent company pays Globex's invoices from its own account, so the controller maps
that IBAN to Globex. She copied it from the bank's web page (with no-break spaces between
its groups) or from a chat (with a zero-width space): the parent's 750.00 was parked in
suspense as an unknown payer's money, though the statement named exactly that account. It is
Globex's payment now, whichever way either side wrote the IBAN; one IBAN mapped to two
customers is refused before anything is read, naming it.
"""

from __future__ import annotations

from datetime import date

import pytest
from test_import_bank import build

from q2c_adapters.importers.bank import BankStatementImporter
from q2c_core import InvalidValue, QuoteToCash

HEADER = "date,amount,currency,reference,remittance,name,iban,account\n"
ROW = "2024-03-10,750.00,EUR,R1,March,Parent Holding Ltd,{iban},DE02120300000000202051\n"
IBAN = "DE89370400440532013000"


@pytest.mark.parametrize(
    "mapped",
    [
        "DE89\u00a03704\u00a00044\u00a00532\u00a00130\u00a000",  # no-break spaces
        "DE89\u200b370400440532013000",  # a zero-width space
        "DE89\t3704 0044 0532 0130 00",  # a tab from a spreadsheet
        "ＤＥ89370400440532013000",  # full-width letters
    ],
    ids=["no-break spaces", "zero-width space", "tab", "full-width"],
)
@pytest.mark.parametrize(
    "on_statement",
    [IBAN, "DE89\u00a03704\u00a00044\u00a00532\u00a00130\u00a000"],
    ids=["plain", "no-break spaces"],
)
def test_the_parent_s_payment_is_globex_s_however_the_iban_was_copied(
    app: QuoteToCash, mapped: str, on_statement: str
) -> None:
    ids = build(app)
    importer = BankStatementImporter(app, today=date(2024, 3, 20), accounts={mapped: ids["globex"]})
    report = importer.import_bytes(
        (HEADER + ROW.format(iban=on_statement)).encode(), "march.csv", actor="bank"
    )
    assert report.suspended == 0
    (credit,) = app.bank_credits()
    assert credit.customer_id == ids["globex"]
    assert app.invoice(ids["INV-000004"]).outstanding.is_zero()


def test_one_iban_mapped_to_two_customers_is_refused_naming_it(app: QuoteToCash) -> None:
    ids = build(app)
    accounts = {
        "DE89 3704 0044 0532 0130 00": ids["globex"],
        "DE89\u00a03704\u00a00044\u00a00532\u00a00130\u00a000": ids["acme"],
    }
    importer = BankStatementImporter(app, today=date(2024, 3, 20), accounts=accounts)
    before = app.recorder.max_notification_id()
    with pytest.raises(InvalidValue) as caught:
        importer.import_bytes((HEADER + ROW.format(iban=IBAN)).encode(), "march.csv", actor="x")
    assert caught.value.field == "accounts"
    assert IBAN in caught.value.rule
    assert app.recorder.max_notification_id() == before
