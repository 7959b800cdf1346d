"""Dates in import files: read as written, never guessed, never past what a ledger can hold.

``9999-12-31`` is how many systems write "no end": a contract's term read to it made the
importer crash (OverflowError counting the day after it, ValueError counting its months), not
refuse the row. A date after 2999 is refused naming its line and column, as one before 1900
is."""

from __future__ import annotations

from datetime import date

import pytest
from test_import_contracts import customers

from q2c_adapters.importers._files import CellError, parse_date
from q2c_adapters.importers.contracts import ContractImporter
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
