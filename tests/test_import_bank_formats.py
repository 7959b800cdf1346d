"""One credit, whatever format brings it: the bank's reference on our account names it.

A bookkeeper imports the camt.053 statement of 2 April, then the bank's CSV export of the
same week (or the CSV first, or one export with the account column and one without it). A
credit with the bank's reference TX-1 on our account DE89... is one credit in every file: it
is booked once, paid once, and the bank's reversal of TX-1 in a later camt.053 finds it
however it was booked. A CSV that does not say which account it is of is taken to be of the
importer's account when it is told; else its credits are looked for on every account
statements have named so far. Keys earlier versions gave such credits
(``csv:<account>:<reference>``) are known again."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path
from uuid import UUID

import attrs
import pytest
from test_import_bank import build
from test_import_bank_identity import reversal

from q2c_adapters.importers.bank import BankStatementImporter, read_bank_csv
from q2c_core import Money, QuoteToCash
from q2c_core.domain.import_batch import ImportKind, ImportRejected, ImportSource

DATA = Path(__file__).parent / "data"
OURS = "DE89370400440532013000"
EUR = "EUR"
HEADER = "date;amount;currency;remittance;name;iban;reference"
ACME_TX1 = (
    "02.04.2024;1785,00;EUR;Invoices INV-000001 / inv 000002;ACME GMBH;DE02100100109307118603;TX-1"
)


def first_entry_only() -> bytes:
    """The camt.053 statement of 2 April with only its first entry: TX-1, Acme's 1,785.00 for
    INV-000001 and INV-000002."""
    camt = (DATA / "camt053_statement.xml").read_text()
    head, rest = camt.split("<Ntry>", 1)
    first = "<Ntry>" + rest.split("</Ntry>", 1)[0] + "</Ntry>"
    return (head + first + "\n</Stmt></BkToCstmrStmt></Document>\n").encode()


def bank(app: QuoteToCash, account: str | None = None) -> BankStatementImporter:
    return BankStatementImporter(app, today=date(2024, 4, 12), account=account)


def csv(*rows: str, account: str | None = None) -> bytes:
    """A CSV export; with ``account``, every row names it in an account column."""
    if account is None:
        return "\n".join([HEADER, *rows, ""]).encode()
    return "\n".join([HEADER + ";account", *(f"{r};{account}" for r in rows), ""]).encode()


def paid_once(app: QuoteToCash, ids: dict[str, UUID]) -> None:
    """Acme's 1,785.00 is one payment paying its two invoices, no phantom credit beside it."""
    (payment,) = app.payments(ids["acme"])
    assert payment.amount == Money.of("1785.00", EUR)
    assert app.customer_credit(ids["acme"]) == Money.of("0.00", EUR)
    assert len(app.bank_credits()) == 1


def test_the_camt_statement_then_the_csv_export_of_the_same_day_book_the_credit_once(
    app: QuoteToCash,
) -> None:
    ids = build(app)
    bank(app).import_bytes(first_entry_only(), "apr02.xml", actor="bank-sync")
    report = bank(app).import_bytes(csv(ACME_TX1, account=OURS), "apr02.csv", actor="bank-sync")
    assert (report.recorded, report.skipped, report.suspended) == (0, 1, 0)
    paid_once(app, ids)


def test_the_csv_export_then_the_camt_statement_book_the_credit_once(app: QuoteToCash) -> None:
    ids = build(app)
    spaced = "DE89 3704 0044 0532 0130 00"  # as the export writes it
    bank(app).import_bytes(csv(ACME_TX1, account=spaced), "apr02.csv", actor="bank-sync")
    report = bank(app).import_bytes(first_entry_only(), "apr02.xml", actor="bank-sync")
    assert (report.recorded, report.skipped) == (0, 1)
    paid_once(app, ids)


@pytest.mark.parametrize("first_with_account", [False, True])
def test_an_export_with_and_one_without_the_account_column_book_the_credit_once(
    app: QuoteToCash, first_with_account: bool
) -> None:
    """The bank's two export layouts: one names our account on each row, one does not."""
    ids = build(app)
    with_it, without = csv(ACME_TX1, account=OURS), csv(ACME_TX1)
    first, second = (with_it, without) if first_with_account else (without, with_it)
    bank(app).import_bytes(first, "first.csv", actor="bank-sync")
    report = bank(app).import_bytes(second, "second.csv", actor="bank-sync")
    assert (report.recorded, report.skipped) == (0, 1)
    paid_once(app, ids)
    # and the camt.053 statement after both
    report = bank(app).import_bytes(first_entry_only(), "apr02.xml", actor="bank-sync")
    assert (report.recorded, report.skipped) == (0, 1)
    paid_once(app, ids)


def test_a_camt_reversal_finds_the_credit_a_csv_booked(app: QuoteToCash) -> None:
    """TX-1 came in by CSV; the bank's camt.053 of 9 April takes it back: its payment bounces
    and both invoices are open again."""
    ids = build(app)
    bank(app).import_bytes(csv(ACME_TX1), "apr02.csv", actor="bank-sync")
    taken_back = first_entry_only().decode().split("<Ntry>", 1)[0] + (
        reversal("2024-04-09", "1785.00", ref="TX-1-R", reverses="TX-1")
        + "\n</Stmt></BkToCstmrStmt></Document>\n"
    )
    report = bank(app).import_bytes(taken_back.encode(), "apr09.xml", actor="bank-sync")
    assert report.recorded == 1
    (payment,) = app.payments(ids["acme"])
    assert payment.is_bounced
    assert app.invoice(ids["INV-000001"]).outstanding == Money.of("1190.00", EUR)


def test_a_csv_naming_no_account_finds_the_credit_on_whichever_account_booked_it(
    app: QuoteToCash,
) -> None:
    """Statements of two accounts were booked; a CSV without an account column lists TX-1
    again: it is found on the account whose statement booked it, not booked twice. A credit
    it brings that no account booked is booked as of no account known, or of the importer's
    account when it is told."""
    build(app)
    bank(app).import_bytes(first_entry_only(), "apr02.xml", actor="bank-sync")
    other = "FR7630006000011234567890189"
    bank(app).import_bytes(
        csv("03.04.2024;10,00;EUR;tip;ACME GMBH;;B-9", account=other), "fr.csv", actor="bank"
    )
    assert app.bank_accounts() == sorted([OURS, other])
    unsaid = csv(ACME_TX1, "04.04.2024;238,00;EUR;INV-000003;ACME GMBH;;B-7")
    report = bank(app).import_bytes(unsaid, "apr04.csv", actor="bank-sync")
    assert (report.recorded, report.skipped) == (1, 1)
    (credit,) = [c for c in app.bank_credits() if c.credit.bank_reference == "B-7"]
    assert credit.credit.account == ""

    told = csv("05.04.2024;5,00;EUR;tip;ACME GMBH;;B-8")
    bank(app, account=OURS).import_bytes(told, "apr05.csv", actor="bank-sync")
    (credit,) = [c for c in app.bank_credits() if c.credit.bank_reference == "B-8"]
    assert credit.credit.account == OURS


def test_a_reference_another_format_booked_for_another_credit_is_refused(
    app: QuoteToCash,
) -> None:
    """The CSV carries TX-1 for 10.00 on another day: not the camt.053's TX-1, and not a new
    credit either: one reference cannot name two credits."""
    build(app)
    bank(app).import_bytes(first_entry_only(), "apr02.xml", actor="bank-sync")
    other = csv("05.04.2024;10,00;EUR;tip;ACME GMBH;;TX-1", account=OURS)
    with pytest.raises(ImportRejected) as caught:
        bank(app).import_bytes(other, "apr05.csv", actor="bank-sync")
    (problem,) = caught.value.problems
    assert problem.field == "reference" and "already booked" in problem.rule
    assert len(app.bank_credits()) == 1


@pytest.mark.parametrize("old_key", [f"csv:{OURS}:TX-1", "csv::TX-1"])
def test_a_credit_an_earlier_version_booked_from_csv_is_known_in_every_format(
    app: QuoteToCash, old_key: str
) -> None:
    """Before, a CSV credit was keyed ``csv:<account cell>:<reference>``: the camt.053 and the
    CSV imported after the upgrade skip it, and a camt.053 reversal bounces it."""
    ids = build(app)
    rows, problems, _ = read_bank_csv(csv(ACME_TX1, account=OURS).decode())
    assert problems == []
    app.import_bank_credits(
        ImportSource(hashlib.sha256(b"old").hexdigest(), "old.csv", ImportKind.BANK_STATEMENT),
        [attrs.evolve(rows[0], credit_key=old_key, aliases=())],
        imported_on=date(2024, 4, 3),
        actor="bank-sync",
    )
    for data, name in ((first_entry_only(), "apr02.xml"), (csv(ACME_TX1), "apr02.csv")):
        report = bank(app).import_bytes(data, name, actor="bank-sync")
        assert (report.recorded, report.skipped) == (0, 1), name
    paid_once(app, ids)


@pytest.mark.parametrize("first_with_account", [False, True])
def test_a_credit_without_a_reference_in_both_export_layouts_is_booked_once(
    app: QuoteToCash, first_with_account: bool
) -> None:
    """No reference at all: the credit is known by its content, whichever layout came first."""
    ids = build(app)
    row = "02.04.2024;238,00;EUR;INV-000003;ACME GMBH;;"
    with_it, without = csv(row, account=OURS), csv(row)
    first, second = (with_it, without) if first_with_account else (without, with_it)
    bank(app).import_bytes(first, "first.csv", actor="bank-sync")
    report = bank(app).import_bytes(second, "second.csv", actor="bank-sync")
    assert (report.recorded, report.skipped) == (0, 1)
    assert len(app.payments(ids["acme"])) == 1
