"""A quote the export did not close never swallows the rest of the file.

A PSA wrote bob's note ``"fixed the ""export" screen`` (one quote too few): read leniently, the
quoted cell ran on to the end of the file, so carol's and dave's hours vanished into bob's note
and a bank statement's next credits into one remittance (Acme's 1,190.00 was allocated as the
99.00 of someone else). A file that is not well-formed CSV is refused whole, naming the line
where the broken cell starts; so is a cell longer than any export writes."""

from __future__ import annotations

import csv
from datetime import date

import pytest
from test_import_bank import build as invoices
from test_import_time_entries import build as requests
from test_import_time_entries import importer as psa

from q2c_adapters.importers.bank import BankStatementImporter
from q2c_adapters.importers.contracts import read_contracts_csv
from q2c_core import QuoteToCash
from q2c_core.domain.import_batch import ImportRejected

PSA_HEADER = "worker,date,hours,ticket,notes\n"


@pytest.mark.parametrize(
    "note",
    ['"fixed the ""export" screen', '"12"" monitor', '"unterminated'],
    ids=["closed too early", "never closed", "opened only"],
)
def test_a_psa_export_with_a_broken_quote_is_refused_naming_its_line(
    app: QuoteToCash, note: str
) -> None:
    ids = requests(app)
    text = PSA_HEADER + (
        "bob,2024-03-04,2,TKT-101,setup\n"
        f"bob,2024-03-05,1,TKT-101,{note}\n"
        "bob,2024-03-06,8,TKT-101,tests\n"
        "carol,2024-03-07,6,TKT-101,review\n"
    )
    before = app.recorder.max_notification_id()
    with pytest.raises(ImportRejected) as caught:
        psa(app, ids).import_bytes(text.encode(), "psa.csv", actor="psa")
    (problem,) = caught.value.problems
    assert (problem.line, problem.field) == (3, "csv")
    assert "quote" in problem.rule
    assert app.recorder.max_notification_id() == before


def test_a_bank_statement_with_an_unclosed_quote_books_nothing(app: QuoteToCash) -> None:
    ids = invoices(app)
    text = (
        "date;amount;currency;remittance;name;reference\n"
        '02.04.2024;99,00;EUR;"Bestellung 5521 ""Express;Initech;B-1\n'
        "02.04.2024;1.190,00;EUR;INV-000001;ACME GMBH;B-2\n"
    )
    with pytest.raises(ImportRejected) as caught:
        BankStatementImporter(app, today=date(2024, 4, 3)).import_bytes(
            text.encode(), "bank.csv", actor="bank-sync"
        )
    assert [(p.line, p.field) for p in caught.value.problems] == [(2, "csv")]
    assert app.bank_credits() == []
    assert not app.invoice(ids["INV-000001"]).outstanding.is_zero()


def test_well_formed_quotes_are_still_read() -> None:
    """A doubled quote inside a quoted cell, a quote inside an unquoted one, a line break in a
    quoted cell: all CSV, all read."""
    rows, problems = read_contracts_csv(
        "contract;customer;term_start;term_end;frequency\n"
        '"MC ""1""";Acme 12" GmbH;2024-01-01;2024-12-31;monthly\n'
        '"MC\n2";Acme;2024-01-01;2024-12-31;monthly\n'
    )
    assert problems == []
    assert [(r.number, r.customer_ref, r.line) for r in rows] == [
        ('MC "1"', 'Acme 12" GmbH', 2),
        ("MC\n2", "Acme", 4),
    ]


def test_a_cell_longer_than_any_export_writes_is_refused_naming_its_line(
    app: QuoteToCash,
) -> None:
    ids = requests(app)
    huge = "x" * (csv.field_size_limit() + 1)
    text = PSA_HEADER + f'bob,2024-03-05,1,TKT-101,ok\nbob,2024-03-05,1,TKT-101,"{huge}"\n'
    with pytest.raises(ImportRejected) as caught:
        psa(app, ids).import_bytes(text.encode(), "psa.csv", actor="psa")
    (problem,) = caught.value.problems
    assert (problem.line, problem.field) == (3, "csv")
    assert str(csv.field_size_limit()) in problem.rule
