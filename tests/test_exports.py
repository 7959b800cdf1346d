"""CSV and JSON exports of invoices (with lines) and payments (with allocations).

Read back with the csv and json modules, the exports add up to q2c's own figures, exactly.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import date
from decimal import Decimal

import attrs
import pytest
from test_beancount_ledger import build_books, issue, manual_line

from q2c_adapters.accounting.exports import export, invoices_csv, payment_records
from q2c_core import InvalidValue, Money, QuoteToCash, TaxRate

D1, D2 = date(2024, 5, 2), date(2024, 6, 3)


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_invoice_csv_has_one_row_per_line_and_adds_up(
    app_factory: Callable[[], QuoteToCash],
) -> None:
    """On every backend: line nets per invoice add up to the invoice net, and every issued
    invoice's total and outstanding equal q2c's."""
    app = app_factory()
    books = build_books(app)
    rows = _rows(export(app, "invoices", "csv"))
    invoices = app.invoices(books.acme) + app.invoices(books.globex)
    assert len(rows) == sum(len(i.lines) for i in invoices)
    for invoice in invoices:
        mine = [r for r in rows if r["invoice_id"] == str(invoice.id)]
        assert sum(Decimal(r["line_net"]) for r in mine) == invoice.net.amount
        assert {r["total"] for r in mine} == {f"{invoice.total.amount:.2f}"}
        assert {r["outstanding"] for r in mine} == {f"{invoice.outstanding.amount:.2f}"}
    final = [r for r in rows if r["invoice_id"] == str(books.final_invoice)]
    assert [r["line_quantity"] for r in final] == ["1", "3", "-1"]
    assert final[2]["line_source_kind"] == "deposit_deduction"
    note = next(r for r in rows if r["invoice_id"] == str(books.credit_note))
    assert note["credits_invoice_number"] == app.invoice(books.request_invoice).number
    assert note["kind"] == "credit_note" and note["credit_disposition"] == "rebillable"
    maint = next(r for r in rows if r["invoice_id"] == str(books.maintenance_invoice))
    assert (maint["line_period_start"], maint["line_period_end"]) == ("2024-01-01", "2025-01-01")
    assert maint["line_period_last_day"] == "2024-12-31"  # as the invoice prints it
    assert maint["line_contract_id"] == str(books.contract)


def test_invoice_json_nests_lines_and_tax_subtotals() -> None:
    """JSON keeps amounts as exact decimal strings and nests lines and tax per category."""
    app = QuoteToCash.open("memory:")
    books = build_books(app)
    records = json.loads(export(app, "invoices", "json", customer_id=books.globex))
    assert {r["customer"] for r in records} == {"Globex"}
    final = next(r for r in records if r["invoice_id"] == str(books.final_invoice))
    assert final["tax_subtotals"] == [
        {"category": "S", "rate": "25", "taxable": "2000.30", "tax": "500.08"}
    ]
    assert final["total"] == "2500.38" and final["outstanding"] == "1800.38"
    assert [line["net"] for line in final["lines"]] == ["3000.00", "0.30", "-1000.00"]
    assert all(isinstance(line["net"], str) for r in records for line in r["lines"])


def test_payments_export_lists_allocations_live_and_reversed() -> None:
    """Payments with every allocation; live allocations plus unallocated equal the amount
    (zero once bounced), in CSV and JSON alike."""
    app = QuoteToCash.open("memory:")
    books = build_books(app)
    records = json.loads(export(app, "payments", "json"))
    assert len(records) == 4
    for record in records:
        live = sum((Decimal(a["amount"]) for a in record["allocations"] if a["live"]), Decimal(0))
        assert Decimal(record["allocated"]) == live
        if record["bounced_on"] is None:
            assert live + Decimal(record["unallocated"]) == Decimal(record["amount"])
    bounced = next(r for r in records if r["payment_id"] == str(books.bounced_payment))
    assert bounced["bounce_reason"] == "insufficient funds" and bounced["unallocated"] == "0.00"
    assert [a["reversed_reason"] for a in bounced["allocations"]] == ["bounced: insufficient funds"]
    rows = _rows(export(app, "payments", "csv"))
    assert len(rows) == sum(max(1, len(r["allocations"])) for r in records)
    credit = app.customer_credit(books.acme)
    acme_unallocated = {
        r["payment_id"]: r["unallocated"] for r in rows if r["customer"] == "Acme Corp."
    }
    assert sum(Decimal(v) for v in acme_unallocated.values()) == credit.amount
    assert payment_records(app, books.acme)[0]["reference"] == "INV-1"


def test_spreadsheet_formulas_are_neutralised_and_numbers_are_not() -> None:
    """A description starting with '=' is exported as text; a negative amount stays a number."""
    app = QuoteToCash.open("memory:")
    c = app.register_customer('=HYPERLINK("x")', "EUR", account_manager="m", actor="a")
    line = attrs.evolve(manual_line("L1", "10", TaxRate.standard(21)), description="=1+1")
    inv = app.draft_invoice(c, [line], drafted_on=date(2024, 1, 1), actor="b")
    issue(app, inv, date(2024, 1, 2))
    rows = _rows(invoices_csv(app))
    assert rows[0]["line_description"] == "'=1+1"
    assert rows[0]["customer"] == '\'=HYPERLINK("x")'
    assert rows[0]["total"] == "12.10"
    assert Money.of(rows[0]["line_net"], "EUR") == Money.of("10", "EUR")


def test_unknown_subject_or_format_is_refused() -> None:
    """Typed errors name the field."""
    app = QuoteToCash.open("memory:")
    with pytest.raises(InvalidValue) as e1:
        export(app, "orders", "csv")
    assert e1.value.field == "subject"
    with pytest.raises(InvalidValue) as e2:
        export(app, "invoices", "xlsx")
    assert e2.value.field == "format"


def test_the_sales_register_names_each_buyer_with_the_vat_id_and_country_as_issued() -> None:
    """A VAT return's sales register lists each invoice's buyer with its VAT id and country,
    as the invoice names them: Acme's first invoice was issued to NL820646660B01 in the
    Netherlands; Acme then moved to Belgium under a new VAT id. The invoice issued before
    keeps the Dutch id and country in the export, as on its PDF; one issued after names the
    Belgian ones, and so does a draft."""
    app = QuoteToCash.open("memory:")
    v21 = TaxRate.standard(21)
    acme = app.register_customer(
        "Acme BV", "EUR", account_manager="mia", actor="bea", tax_rate=v21,
        country="NL", tax_id="NL820646660B01",
    )  # fmt: skip
    before = app.draft_invoice(acme, [manual_line("L1", "100", v21)], drafted_on=D1, actor="b")
    issue(app, before, D1)
    app.correct_customer_details(acme, actor="bea", country="BE", tax_id="BE0403170701")
    after = app.draft_invoice(acme, [manual_line("L1", "50", v21)], drafted_on=D2, actor="b")
    issue(app, after, D2)
    draft = app.draft_invoice(acme, [manual_line("L1", "10", v21)], drafted_on=D2, actor="b")

    as_csv = _rows(export(app, "invoices", "csv"))
    as_json = json.loads(export(app, "invoices", "json"))
    for records in (as_csv, as_json):
        by_id = {r["invoice_id"]: r for r in records}
        assert (by_id[str(before)]["buyer_vat_id"], by_id[str(before)]["buyer_country"]) == (
            "NL820646660B01",
            "NL",
        )
        for later in (after, draft):
            assert (by_id[str(later)]["buyer_vat_id"], by_id[str(later)]["buyer_country"]) == (
                "BE0403170701",
                "BE",
            )
