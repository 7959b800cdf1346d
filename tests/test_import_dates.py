"""Dates in import files: read as written, never guessed, never past what a ledger can hold.

``9999-12-31`` is how many systems write "no end": a contract's term read to it made the
importer crash (OverflowError counting the day after it, ValueError counting its months), not
refuse the row. A date after 2999 is refused naming its line and column, as one before 1900
is. A date that reads two ways (``03/05/2024``, ``2024315``) is read only as the file shows
it, never guessed."""

from __future__ import annotations

from datetime import date

import pytest
from test_import_bank import build as invoices
from test_import_contracts import customers
from test_import_time_entries import build as requests
from test_import_time_entries import importer as psa

from q2c_adapters.importers._files import CellError, date_order, parse_date
from q2c_adapters.importers.bank import BankStatementImporter
from q2c_adapters.importers.contracts import ContractImporter
from q2c_adapters.importers.time_entries import TimeEntryImporter, read_time_entries_csv
from q2c_core import QuoteToCash
from q2c_core.domain.import_batch import ImportRejected

CRM = (
    "contract_number;customer;currency;term_start;term_end;frequency;signed_on;status;sub_id;"
    "description;kind;effective_from;effective_to;annual_price\n"
)
MC1 = "MC-1;Acme GmbH;EUR;2024-01-01;{end};monthly;2023-12-15;active;ERP;ERP;licence;;{to};1200\n"


@pytest.mark.parametrize(
    ("end", "to", "column"),
    [
        ("9999-12-31", "", "term_end"),
        ("9999-12-30", "", "term_end"),
        ("3000-01-01", "", "term_end"),
        ("2024-12-31", "9999-12-31", "effective_to"),
    ],
)
def test_a_date_past_what_a_ledger_holds_is_a_row_problem_naming_it(
    app: QuoteToCash, end: str, to: str, column: str
) -> None:
    customers(app)
    before = app.recorder.max_notification_id()
    text = CRM + MC1.format(end=end, to=to)
    with pytest.raises(ImportRejected) as caught:
        ContractImporter(app, today=date(2024, 1, 2)).import_bytes(
            text.encode(), "crm.csv", actor="crm"
        )
    (problem,) = caught.value.problems
    assert (problem.line, problem.field) == (2, column)
    assert "after 2999" in problem.rule
    assert app.recorder.max_notification_id() == before


def test_a_far_end_the_ledger_holds_is_read() -> None:
    assert parse_date("2999-12-31", "term_end") == date(2999, 12, 31)
    with pytest.raises(CellError):
        parse_date("3000-01-01", "term_end")


# -- dates that read two ways -------------------------------------------------------------------


@pytest.mark.parametrize("text", ["2024315", "202435", "2024113", "240315", "2024031500"])
def test_digits_only_are_a_date_only_as_eight_of_them(text: str) -> None:
    """``2024315`` is 15 March or 31 May? ``20240315`` is the only form read."""
    with pytest.raises(CellError):
        parse_date(text, "date")
    assert parse_date("20240315", "date") == date(2024, 3, 15)


def test_a_slash_date_is_read_by_the_order_the_file_shows() -> None:
    """03/05/2024 is 3 May in Berlin and 5 March in Boston: the file's other dates tell which
    (a 15 or a 31 in one place), as its numbers tell its decimal mark; when none tells, the
    date is refused, never guessed. 05/05/2024 reads the same both ways."""
    us = date_order(["03/05/2024", "03/15/2024"])
    eu = date_order(["03/05/2024", "31/05/2024"])
    assert (us, eu, date_order(["03/05/2024", "2024-03-05"])) == ("mdy", "dmy", None)
    assert parse_date("03/05/2024", "date", us) == date(2024, 3, 5)
    assert parse_date("03/05/2024", "date", eu) == date(2024, 5, 3)
    assert parse_date("05/05/2024", "date") == date(2024, 5, 5)
    assert parse_date("3/15/2024", "date") == date(2024, 3, 15)  # one order only reads it
    with pytest.raises(CellError, match="ambiguous"):
        parse_date("03/05/2024", "date")
    with pytest.raises(CellError, match="month first"):
        parse_date("15/03/2024", "date", us)


def test_a_timesheet_with_only_ambiguous_slash_dates_is_refused(app: QuoteToCash) -> None:
    ids = requests(app)
    text = "worker,date,hours,ticket\nbob,03/05/2024,1,TKT-101\nbob,03/06/2024,2,TKT-101\n"
    with pytest.raises(ImportRejected) as caught:
        psa(app, ids).import_bytes(text.encode(), "us.csv", actor="psa")
    assert [(p.line, p.field) for p in caught.value.problems] == [(2, "date"), (3, "date")]
    assert app.request(ids["TKT-101"]).item_ids() == set()

    # the same export a week later shows its order: month first
    later = text + "bob,03/13/2024,1,TKT-101\n"
    psa(app, ids).import_bytes(later.encode(), "us-later.csv", actor="psa")
    request = app.request(ids["TKT-101"])
    days = sorted(request.entry(i).work_date for i in request.item_ids())
    assert days == [date(2024, 3, 5), date(2024, 3, 6), date(2024, 3, 13)]


def test_a_bank_statement_with_an_ambiguous_slash_date_is_refused(app: QuoteToCash) -> None:
    """04/02/2024 with an amount of 1190.00: nothing tells day from month."""
    bank_ids = invoices(app)
    text = (
        "date;amount;currency;remittance;name;reference\n04/02/2024;1190.00;EUR;INV-000001;X;B-1\n"
    )
    with pytest.raises(ImportRejected) as caught:
        BankStatementImporter(app, today=date(2024, 4, 3)).import_bytes(
            text.encode(), "us.csv", actor="bank-sync"
        )
    assert [(p.line, p.field) for p in caught.value.problems] == [(2, "date")]
    assert not app.invoice(bank_ids["INV-000001"]).outstanding.is_zero()


def test_a_timesheet_dated_years_ahead_is_refused(app: QuoteToCash) -> None:
    """Work is done, then exported: a work date over a year after the import is a typo (2031
    for 2024), refused as a bank statement's booking date is."""
    ids = requests(app)
    text = "worker,date,hours,ticket\nbob,2031-03-05,1,TKT-101\n"
    with pytest.raises(ImportRejected) as caught:
        psa(app, ids).import_bytes(text.encode(), "typo.csv", actor="psa")
    (problem,) = caught.value.problems
    assert (problem.line, problem.field) == (2, "date") and "2031" in problem.rule
    rows, problems = read_time_entries_csv(text, today=date(2030, 12, 1))
    assert problems == [] and rows[0].work_date == date(2031, 3, 5)


def test_a_file_writing_decimals_with_a_comma_writes_its_dates_day_first(app: QuoteToCash) -> None:
    """Claire's French PSA exports the week of 4 to 8 March as 04/03 to 08/03, her hours as
    7,5: no country writing a decimal comma writes the month first, so it is 4 to 8 March."""
    psa_week = "Worker;Date;Hours;Ticket;Billable\n" + "".join(
        f"claire;{d:02d}/03/2024;7,5;T-1;oui\n" for d in range(4, 9)
    )
    rows, problems = read_time_entries_csv(psa_week, today=date(2024, 3, 9))
    assert problems == []
    assert [r.work_date for r in rows] == [date(2024, 3, d) for d in range(4, 9)]
    assert date_order(["04/03/2024"], mark=",") == "dmy"
    assert date_order(["04/03/2024"], mark=".") is None
    # the file's own dates still tell first: a 03/13 in a decimal-comma file is month first
    assert date_order(["04/03/2024", "03/13/2024"], mark=",") == "mdy"


def test_the_importer_is_told_the_date_order_a_file_cannot_show(app: QuoteToCash) -> None:
    """A UK bank's daily CSV of 10 April lists one credit, 10/04/2024, amount 1190.00: told
    ``date_order="dmy"``, it is booked on 10 April; a US one told "mdy", on 4 October."""
    bank_ids = invoices(app)
    text = (
        "date;amount;currency;remittance;name;reference\n10/04/2024;1190.00;EUR;INV-000001;X;B-1\n"
    )
    BankStatementImporter(app, today=date(2024, 4, 11), date_order="dmy").import_bytes(
        text.encode(), "uk.csv", actor="bank-sync"
    )
    (credit,) = app.bank_credits()
    assert credit.credit.booked_on == date(2024, 4, 10)
    assert app.invoice(bank_ids["INV-000001"]).outstanding.is_zero()

    rows, problems = read_time_entries_csv(
        "worker,date,hours,ticket\nbob,03/05/2024,1,T\n", today=date(2024, 12, 1), date_order="mdy"
    )
    assert (problems, rows[0].work_date) == ([], date(2024, 3, 5))
    # told one order, a date that reads only the other way is a row problem, not guessed
    rows, problems = read_time_entries_csv(
        "worker,date,hours,ticket\nbob,31/05/2024,1,T\n", today=date(2024, 12, 1), date_order="mdy"
    )
    assert [(p.line, p.field) for p in problems] == [(2, "date")]


@pytest.mark.parametrize("order", ["ymd", "DMY", "", 1])
def test_a_date_order_other_than_dmy_or_mdy_is_refused(app: QuoteToCash, order: object) -> None:
    from q2c_core import InvalidValue

    for make in (
        lambda: BankStatementImporter(app, date_order=order),  # type: ignore[arg-type]
        lambda: ContractImporter(app, date_order=order),  # type: ignore[arg-type]
        lambda: psa_importer(app, order),
    ):
        with pytest.raises(InvalidValue) as caught:
            make()
        assert caught.value.field == "date_order"


def psa_importer(app: QuoteToCash, order: object) -> TimeEntryImporter:
    return TimeEntryImporter(app, date_order=order)  # type: ignore[arg-type]
