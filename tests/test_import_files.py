"""What an import file looks like on the outside: columns that say the same thing twice, bytes
no encoding we read can decode, numbers no ledger can hold. Each is read one documented way or
refused whole, naming what is wrong; never a silent choice, never a bare Python error."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

import pytest

from q2c_adapters.importers.bank import BankStatementImporter
from q2c_adapters.importers.contracts import ContractImporter
from q2c_adapters.importers.time_entries import TimeEntryImporter
from q2c_core import InvoiceLine, LineSource, Money, QuoteToCash, SourceKind, TaxRate
from q2c_core.domain.import_batch import ImportRejected

A = "alice"


def issued_invoice(app: QuoteToCash, customer: UUID, gross: str, on: date) -> UUID:
    line = InvoiceLine(
        line_id="L1",
        description="Services",
        quantity=Decimal(1),
        unit_price=Money.of(gross, "EUR"),
        tax=TaxRate.standard(0),
        source=LineSource(SourceKind.MANUAL, note="agreed"),
    )
    invoice = app.draft_invoice(customer, [line], drafted_on=on, actor="billy")
    app.approve_invoice(invoice, role="billing", approved_on=on, actor="bea")
    app.approve_invoice(invoice, role="account_manager", approved_on=on, actor="mia")
    app.issue_invoice(invoice, issued_on=on, actor="bea")
    return invoice


def acme_owes_119(app: QuoteToCash) -> tuple[UUID, str]:
    acme = app.register_customer("Acme GmbH", "EUR", account_manager="mia", actor=A)
    invoice = issued_invoice(app, acme, "119.00", date(2024, 3, 28))
    number = app.invoice(invoice).number
    assert number is not None
    return invoice, number


def time_entries_app(app: QuoteToCash) -> UUID:
    """A customer's open request, for time entries to be logged against."""
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    request = app.open_request(acme, "Export", requested_on=date(2024, 3, 1), actor=A)
    return request


def bank(app: QuoteToCash) -> BankStatementImporter:
    return BankStatementImporter(app, today=date(2024, 4, 5))


def refused(app: QuoteToCash, importer: object, data: bytes) -> ImportRejected:
    """Import ``data``, expecting the whole file refused and nothing recorded."""
    before = app.recorder.max_notification_id()
    with pytest.raises(ImportRejected) as caught:
        importer.import_bytes(data, "export.csv", actor=A)  # type: ignore[attr-defined]
    assert app.recorder.max_notification_id() == before
    return caught.value


# -- columns that say the same thing twice -------------------------------------------------------


GERMAN_STATEMENT = "Booking date;Value date;Amount;Currency;Purpose;Description\n"


def test_a_credit_is_booked_on_its_booking_date_and_its_purpose_pays_the_invoice(
    app: QuoteToCash,
) -> None:
    """Acme pays INV-000001 over Easter: booked on Good Friday, value date the Tuesday after.
    The statement also carries the bank's own text. The credit is booked on the booking date
    (as a camt.053 statement's BookgDt would book it) and the purpose the payer wrote finds the
    invoice, whatever the bank's description says."""
    invoice, number = acme_owes_119(app)
    text = GERMAN_STATEMENT + f"2024-03-29;2024-04-02;119,00;EUR;{number};SEPA credit transfer\n"
    report = bank(app).import_bytes(text.encode(), "statement.csv", actor=A)
    assert (report.recorded, report.suspended) == (1, 0)
    (credit,) = app.bank_credits()
    assert credit.credit.booked_on == date(2024, 3, 29)
    assert credit.credit.remittance == f"{number} SEPA credit transfer"
    assert app.invoice(invoice).outstanding == Money.of("0", "EUR")
    assert app.bank_suspense() == []


def test_a_statement_with_only_a_value_date_is_still_read_by_it(app: QuoteToCash) -> None:
    invoice, number = acme_owes_119(app)
    text = f"Value date;Amount;Currency;Verwendungszweck\n2024-04-02;119,00;EUR;{number}\n"
    bank(app).import_bytes(text.encode(), "valuta.csv", actor=A)
    (credit,) = app.bank_credits()
    assert credit.credit.booked_on == date(2024, 4, 2)
    assert app.invoice(invoice).outstanding == Money.of("0", "EUR")


def test_a_statement_imported_before_both_columns_were_read_books_nothing_twice(
    app: QuoteToCash,
) -> None:
    """Earlier versions read the last of the two columns (the value date, the description): an
    overlapping statement read now, with the booking date and the purpose, is the same credit."""
    _, number = acme_owes_119(app)
    as_read_before = "Value date;Amount;Currency;Description\n2024-04-02;119,00;EUR;SEPA\n"
    bank(app).import_bytes(as_read_before.encode(), "march.csv", actor=A)
    overlapping = GERMAN_STATEMENT + f"2024-03-29;2024-04-02;119,00;EUR;{number};SEPA\n"
    report = bank(app).import_bytes(overlapping.encode(), "march-april.csv", actor=A)
    assert (report.recorded, report.skipped) == (0, 1)
    assert len(app.bank_credits()) == 1


def test_a_credit_with_the_banks_reference_read_before_otherwise_is_known_again(
    app: QuoteToCash,
) -> None:
    """The bank's reference names the credit; booked before on its value date with the bank's
    text, it is the same credit now read on its booking date with the purpose: skipped, not
    refused as another credit under a reused reference, nor booked twice."""
    _, number = acme_owes_119(app)
    header = "Booking date;Value date;Amount;Currency;Reference;Purpose;Description\n"
    as_read_before = "Value date;Amount;Currency;Reference;Description\n"
    bank(app).import_bytes(
        (as_read_before + "2024-04-02;119,00;EUR;BANK-77;SEPA\n").encode(), "a.csv", actor=A
    )
    row = f"2024-03-29;2024-04-02;119,00;EUR;BANK-77;{number};SEPA\n"
    report = bank(app).import_bytes((header + row).encode(), "b.csv", actor=A)
    assert (report.recorded, report.skipped) == (0, 1)
    assert len(app.bank_credits()) == 1
    other = f"2024-03-29;2024-04-02;119,00;EUR;BANK-77;{number};SEPA Eil\n"
    error = refused(app, bank(app), (header + other).encode())
    assert [(p.line, p.field) for p in error.problems] == [(2, "reference")]


def test_two_booking_dates_in_one_statement_are_refused_naming_both_columns(
    app: QuoteToCash,
) -> None:
    acme_owes_119(app)
    text = "Date;Booking date;Amount;Currency\n2024-03-29;2024-03-30;119,00;EUR\n"
    error = refused(app, bank(app), text.encode())
    (problem,) = error.problems
    assert (problem.line, problem.field) == (1, "date")
    assert "'Date'" in problem.rule and "'Booking date'" in problem.rule
    assert app.bank_credits() == []


@pytest.mark.parametrize(
    ("columns", "field"),
    [(("Notes", "Description"), "notes"), (("ID", "Entry"), "entry_id")],
)
def test_a_psa_export_naming_one_field_twice_is_refused_naming_both_columns(
    app: QuoteToCash, columns: tuple[str, str], field: str
) -> None:
    """Which of the two is the entry's note (or id)? q2c does not guess: the file is refused."""
    request = time_entries_app(app)
    first, second = columns
    text = f"worker,date,hours,request,rate,{first},{second}\nbob,2024-03-05,8,{request},100,a,b\n"
    error = refused(app, TimeEntryImporter(app), text.encode())
    (problem,) = error.problems
    assert (problem.line, problem.field) == (1, field)
    assert f"'{first}'" in problem.rule and f"'{second}'" in problem.rule


@pytest.mark.parametrize(
    ("columns", "field"),
    [(("Product", "Description"), "description"), (("Type", "Kind"), "kind")],
)
def test_a_crm_export_naming_one_field_twice_is_refused_naming_both_columns(
    app: QuoteToCash, columns: tuple[str, str], field: str
) -> None:
    app.register_customer("Acme GmbH", "EUR", account_manager="mia", actor=A)
    first, second = columns
    text = (
        f"contract;customer;currency;term_start;term_end;frequency;sub_id;annual_price;"
        f"{first};{second}\n"
        f"MC-1;Acme GmbH;EUR;2024-01-01;2024-12-31;annual;HW;1200,00;product;licence\n"
    )
    error = refused(app, ContractImporter(app), text.encode())
    (problem,) = error.problems
    assert (problem.line, problem.field) == (1, field)
    assert f"'{first}'" in problem.rule and f"'{second}'" in problem.rule
    assert all(not c.contract_ids for c in app.customers())


# -- bytes no encoding we read can decode --------------------------------------------------------


def test_a_dos_export_neither_utf8_nor_windows_1252_is_refused_naming_the_byte_and_line(
    app: QuoteToCash,
) -> None:
    """A CP850 (DOS) export writes 'ü' as byte 0x81, which Windows-1252 leaves undefined."""
    data = "date;amount;currency;remittance\n2024-04-02;5,00;EUR;Zahlung Müller\n".encode("cp850")
    importers = (bank(app), TimeEntryImporter(app), ContractImporter(app))
    for importer in importers:
        error = refused(app, importer, data)
        (problem,) = error.problems
        assert (problem.line, problem.field) == (2, "encoding")
        assert "0x81" in problem.rule
        assert "UTF-8" in problem.rule and "Windows-1252" in problem.rule
        assert error.value == "export.csv"
    assert app.bank_credits() == []


def test_an_excel_unicode_text_export_is_read_by_its_byte_order_mark(app: QuoteToCash) -> None:
    invoice, number = acme_owes_119(app)
    text = f"Booking date;Amount;Currency;Purpose\n2024-03-29;119,00;EUR;{number} Müller\n"
    data = text.encode("utf-16")
    assert data.startswith(b"\xff\xfe")
    report = bank(app).import_bytes(data, "unicode.csv", actor=A)
    assert report.recorded == 1
    (credit,) = app.bank_credits()
    assert credit.credit.remittance == f"{number} Müller"
    assert app.invoice(invoice).outstanding == Money.of("0", "EUR")


# -- numbers no ledger can hold ------------------------------------------------------------------

GARBAGE = ["1e999999", "1234567890123456789012345678901", "NaN", "Infinity", "-Infinity", "1E-30"]


@pytest.mark.parametrize("cell", [*GARBAGE, "0.001", "0,004"])
def test_an_hours_cell_no_day_can_hold_is_a_row_problem(app: QuoteToCash, cell: str) -> None:
    """A spreadsheet overflow, an IBAN pasted in, or less than a hundredth of an hour (36
    seconds): the row is refused by its line like 25 hours would be, nothing imported."""
    request = time_entries_app(app)
    text = (
        "worker;date;hours;request;rate\n"
        f"bob;2024-03-05;8;{request};100\n"
        f"bob;2024-03-06;{cell};{request};100\n"
    )
    error = refused(app, TimeEntryImporter(app), text.encode())
    (problem,) = error.problems
    assert (problem.line, problem.field) == (3, "hours")


def test_a_hundredth_of_an_hour_and_finer_quarters_are_still_hours(app: QuoteToCash) -> None:
    request = time_entries_app(app)
    text = (
        "worker;date;hours;request;rate\n"
        f"bob;2024-03-05;0.01;{request};100\n"
        f"bob;2024-03-06;0.125;{request};100\n"
    )
    report = TimeEntryImporter(app).import_bytes(text.encode(), "t.csv", actor=A)
    assert report.recorded == 2


@pytest.mark.parametrize("cell", GARBAGE)
def test_a_time_entry_rate_no_ledger_can_hold_is_a_row_problem(app: QuoteToCash, cell: str) -> None:
    request = time_entries_app(app)
    text = f"worker;date;hours;request;rate;currency\nbob;2024-03-05;8;{request};{cell};EUR\n"
    (problem,) = refused(app, TimeEntryImporter(app), text.encode()).problems
    assert (problem.line, problem.field) == (2, "rate")


# what Python's Decimal reads but no export writes: digit groups joined by "_", digits of
# other scripts (Arabic-Indic, fullwidth), which a look-alike paste turns into an amount
NOT_EXPORTED = ["1_000", "1_000,00", "\u0661\u0662\u0663", "\uff11\uff12\uff13,00", "12\u0663"]


@pytest.mark.parametrize("cell", NOT_EXPORTED)
def test_a_bank_amount_in_a_form_no_export_writes_is_a_row_problem(
    app: QuoteToCash, cell: str
) -> None:
    """Decimal("1_000") is 1000 and Decimal("١٢٣") is 123; a bank file never writes either,
    so such a cell is a mistake to show, not an amount to book: the row is refused by its
    line and nothing is imported."""
    acme_owes_119(app)
    text = f"date;amount;currency;remittance\n2024-03-29;119,00;EUR;x\n2024-03-29;{cell};EUR;y\n"
    (problem,) = refused(app, bank(app), text.encode()).problems
    assert (problem.line, problem.field) == (3, "amount")
    assert "digits 0-9" in problem.rule
    assert app.bank_credits() == []


@pytest.mark.parametrize("cell", ["1_0", "\u0668", "\uff18,5"])
def test_an_hours_cell_in_a_form_no_export_writes_is_a_row_problem(
    app: QuoteToCash, cell: str
) -> None:
    request = time_entries_app(app)
    text = f"worker;date;hours;request;rate\nbob;2024-03-05;{cell};{request};100\n"
    (problem,) = refused(app, TimeEntryImporter(app), text.encode()).problems
    assert (problem.line, problem.field) == (2, "hours")


@pytest.mark.parametrize("column", ["amount", "credit", "debit"])
@pytest.mark.parametrize("cell", GARBAGE)
def test_a_bank_amount_no_ledger_can_hold_is_a_row_problem(
    app: QuoteToCash, column: str, cell: str
) -> None:
    acme_owes_119(app)
    text = f"date;{column};currency;remittance\n2024-03-29;119,00;EUR;x\n2024-03-29;{cell};EUR;y\n"
    (problem,) = refused(app, bank(app), text.encode()).problems
    assert (problem.line, problem.field) == (3, column)
    assert app.bank_credits() == []


@pytest.mark.parametrize("column", ["annual_price", "renewal_uplift"])
@pytest.mark.parametrize("cell", GARBAGE)
def test_a_contract_price_or_uplift_no_ledger_can_hold_is_a_row_problem(
    app: QuoteToCash, column: str, cell: str
) -> None:
    app.register_customer("Acme GmbH", "EUR", account_manager="mia", actor=A)
    price, uplift = (cell, "3") if column == "annual_price" else ("1200,00", cell)
    text = (
        "contract;customer;currency;term_start;term_end;frequency;auto_renew;renewal_uplift;"
        "sub_id;description;annual_price\n"
        f"MC-1;Acme GmbH;EUR;2024-01-01;2024-12-31;annual;yes;{uplift};HW;Server;{price}\n"
    )
    (problem,) = refused(app, ContractImporter(app), text.encode()).problems
    assert (problem.line, problem.field) == (2, column)
    assert all(not c.contract_ids for c in app.customers())
