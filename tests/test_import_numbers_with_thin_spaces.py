"""Numbers grouped with a narrow no-break space (French exports) or a typographic apostrophe
(Swiss ones) are read, as those grouped with a space or a straight apostrophe are.

A French bank's CSV writes 1 190,00 with U+202F between the thousands, as French number
formatting has since 2018 (spreadsheets and banks alike); a Swiss one writes 1’190.00 with
U+2019. The readers promise to set spaces and apostrophes between digits aside, but took only
the plain space, the no-break space and the straight apostrophe: every amount of a thousand or
more of such a file was refused as "not a number as exports write it". Now they read as the
same amounts, and an amount that is no number is still refused.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from test_import_bank import build

from q2c_adapters.importers._files import CellError, parse_decimal
from q2c_adapters.importers.bank import BankStatementImporter
from q2c_core import Money, QuoteToCash


@pytest.mark.parametrize(
    "written",
    ["1\u202f190,00", "1\u2009190,00", "1\u00a0190,00", "1 190,00"],
    ids=["narrow no-break space", "thin space", "no-break space", "space"],
)
def test_a_french_amount_grouped_with_any_space_is_read(written: str) -> None:
    assert parse_decimal(written, "amount") == Decimal("1190.00")


@pytest.mark.parametrize("written", ["1\u2019190.00", "1'190.00"], ids=["’", "'"])
def test_a_swiss_amount_grouped_with_an_apostrophe_is_read(written: str) -> None:
    assert parse_decimal(written, "amount") == Decimal("1190.00")


def test_a_word_is_still_no_number() -> None:
    with pytest.raises(CellError) as caught:
        parse_decimal("1\u202f190,00\u202fEUR", "amount")
    assert caught.value.field == "amount"


def test_a_french_bank_statement_pays_the_invoice_it_names(app: QuoteToCash) -> None:
    ids = build(app)
    text = (
        "Date opération;Libellé;Montant;Devise;Référence\n"
        "02/04/2024;Facture INV-000001;1\u202f190,00;EUR;FR-1\n"
        "03/04/2024;Frais;-12,50;EUR;FR-2\n"
    )
    importer = BankStatementImporter(app, today=date(2024, 4, 30))
    report = importer.import_bytes(text.encode(), "releve.csv", actor="bank")
    assert (report.rows, report.recorded, report.ignored) == (2, 1, 1)
    (credit,) = app.bank_credits()
    assert credit.credit.amount == Money.of("1190.00", "EUR")
    assert app.invoice(ids["INV-000001"]).outstanding.is_zero()
