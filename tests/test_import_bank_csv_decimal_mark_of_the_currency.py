"""A bank CSV of a currency whose amounts read two ways: the importer is told the mark.

A Kuwaiti subsidiary exports its KWD account: three decimals, every credit under 1,000
(``250.500``). Each amount reads as 250.5 KWD or as 250,500 KWD, and the file was refused as
"ambiguous", advising ``1.000,00 or 1,000.00`` — two decimals, which KWD has not. A JPY export
writing ``1,000`` was refused the same way. Such files can be imported now: the importer (and
``q2c import bank-statement --decimal-mark``) is told the file's decimal mark, as it is told the
order of its dates. Where the currency alone decides (``1,500`` yen cannot be 1.5 yen) the
amount is read so; what still reads two ways is refused, with advice fitting its currency, and
nothing is recorded. The reader never guesses: a file whose other amounts show the mark is read
as it was.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from test_cli_imports import books, counts, head, q2c

from q2c_adapters.importers.bank import BankStatementImporter, read_bank_csv
from q2c_core import InvalidValue, QuoteToCash
from q2c_core.domain.import_batch import ImportRejected

OURS = "KW81CBKU0000000000001234560101"
HEADER = "date,amount,currency,reference,remittance,name\n"
KWD = HEADER + (
    "2024-04-02,250.500,KWD,K1,INV-1,Gulf Trading\n2024-04-03,75.250,KWD,K2,INV-2,Gulf Trading\n"
)
YEN = HEADER + '2024-04-02,"1,000",JPY,Y1,INV-1,Sakura KK\n'


def amounts(text: str, **options: str) -> list[Decimal]:
    rows, problems, _ = read_bank_csv(text, today=date(2024, 4, 30), account=OURS, **options)
    assert problems == []
    return [row.credit.amount.amount for row in rows]


def refused(app: QuoteToCash, text: str, **options: str) -> list[tuple[int, str, str]]:
    before = app.recorder.max_notification_id()
    importer = BankStatementImporter(app, today=date(2024, 4, 30), account=OURS, **options)
    with pytest.raises(ImportRejected) as caught:
        importer.import_bytes(text.encode(), "april.csv", actor="bank")
    assert app.recorder.max_notification_id() == before
    assert app.bank_credits() == []
    return [(p.line, p.field, p.rule) for p in caught.value.problems]


def test_a_kwd_statement_under_a_thousand_is_imported_when_told_its_mark(
    app: QuoteToCash,
) -> None:
    report = BankStatementImporter(
        app, today=date(2024, 4, 30), account=OURS, decimal_mark="."
    ).import_bytes(KWD.encode(), "april.csv", actor="bank")
    assert report.rows == 2 and report.recorded + report.suspended == 2
    booked = sorted(c.credit.amount.amount for c in app.bank_credits())
    assert booked == [Decimal("75.250"), Decimal("250.500")]


def test_told_a_comma_the_same_cells_are_thousands(app: QuoteToCash) -> None:
    assert amounts(KWD, decimal_mark=",") == [Decimal(250500), Decimal(75250)]


def test_untold_it_is_refused_with_advice_that_fits_the_currency(app: QuoteToCash) -> None:
    found = refused(app, KWD)
    assert [(line, field) for line, field, _ in found] == [(2, "amount"), (3, "amount")]
    rule = found[0][2]
    assert "250.500 KWD or 250500 KWD" in rule
    assert "decimal_mark" in rule and "--decimal-mark" in rule
    assert "1.000,00" not in rule and "1,000.00" not in rule


def test_a_yen_thousand_is_read_when_told_and_refused_when_not(app: QuoteToCash) -> None:
    assert amounts(YEN, decimal_mark=".") == [Decimal(1000)]
    ((line, field, rule),) = refused(app, YEN)
    assert (line, field) == (2, "amount")
    assert "1.000 JPY or 1000 JPY" in rule and "1,000.00" not in rule


def test_the_currency_decides_what_reads_one_way_only() -> None:
    # 1.5 yen is no amount: "1,500" JPY is fifteen hundred, and so the file's "1,000" too
    text = YEN + '2024-04-03,"1,500",JPY,Y2,INV-2,Sakura KK\n'
    assert amounts(text) == [Decimal(1000), Decimal(1500)]


def test_a_third_decimal_of_a_currency_with_cents_is_never_guessed(app: QuoteToCash) -> None:
    # 10.005 EUR: ten thousand and five, or a third decimal a converter left? refused
    text = HEADER + "2024-04-02,10.005,EUR,E1,INV-1,Acme GmbH\n"
    ((_, field, rule),) = refused(app, text)
    assert field == "amount" and "10.005 EUR or 10005 EUR" in rule
    ((_, field, rule),) = refused(app, text, decimal_mark=".")
    assert field == "amount" and "not whole minor units of EUR" in rule
    assert amounts(text, decimal_mark=",") == [Decimal(10005)]


def test_a_file_whose_amounts_show_the_mark_is_read_as_before() -> None:
    text = KWD + '2024-04-04,"1,250.750",KWD,K3,INV-3,Gulf Trading\n'
    assert amounts(text) == [Decimal("250.500"), Decimal("75.250"), Decimal("1250.750")]


def test_an_amount_showing_the_other_mark_than_told_is_refused(app: QuoteToCash) -> None:
    text = KWD + "2024-04-04,12.75,KWD,K3,INV-3,Gulf Trading\n"
    ((line, field, rule),) = refused(app, text, decimal_mark=",")
    assert (line, field) == (4, "amount") and "misplaced '.'" in rule


@pytest.mark.parametrize("mark", ["", ";", "comma", 1])
def test_a_mark_that_is_none_is_refused_naming_decimal_mark(app: QuoteToCash, mark: object) -> None:
    with pytest.raises(InvalidValue) as caught:
        BankStatementImporter(app, decimal_mark=mark)  # type: ignore[arg-type]
    assert caught.value.field == "decimal_mark"


def test_the_cli_takes_the_mark(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url, _ = books(tmp_path, lambda app: None)
    statement = tmp_path / "kwd.csv"
    statement.write_text(KWD, encoding="utf-8")
    common = ("--url", url, "--actor", "bank", "--today", "2024-04-30", "--account", OURS)

    before = head(url)
    result = q2c("import", "bank-statement", str(statement), *common)
    assert result.exit_code == 1 and "--decimal-mark" in result.stderr
    assert head(url) == before

    result = q2c("import", "bank-statement", str(statement), *common, "--decimal-mark", "x")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: --decimal-mark: ")
    assert len(result.stderr.strip().splitlines()) == 1

    result = q2c("import", "bank-statement", str(statement), *common, "--decimal-mark", "point")
    assert result.exit_code == 0, result.output
    assert counts(result)["rows read"] == 2
