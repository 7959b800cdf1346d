"""The invoices and payments exports, read back as an accounting system would load them: every
document once, exact decimal text."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

from test_beancount_ledger import issue, manual_line

from q2c_adapters.accounting.exports import export
from q2c_core import QuoteToCash, TaxRate


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_a_draft_with_no_lines_yet_is_a_row_of_the_invoices_csv_as_it_is_in_the_json() -> None:
    """Bea starts Acme's April invoice on 1 April and has not added its lines yet; INV-000001
    (121.00) is issued. The JSON lists both documents, and so must the CSV: a document with no
    line is one row with its line columns empty (as a payment with no allocation is), not
    left out of the register."""
    app = QuoteToCash.open("memory:")
    vat = TaxRate.standard(21)
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor="a", tax_rate=vat)
    issued = app.draft_invoice(
        acme, [manual_line("L1", "100", vat)], drafted_on=date(2024, 3, 1), actor="bea"
    )
    issue(app, issued, date(2024, 3, 1))
    empty = app.draft_invoice(acme, [], drafted_on=date(2024, 4, 1), actor="bea")

    records = json.loads(export(app, "invoices", "json"))
    assert [r["invoice_id"] for r in records] == [str(issued), str(empty)]
    rows = _rows(export(app, "invoices", "csv"))
    assert [r["invoice_id"] for r in rows] == [str(issued), str(empty)]
    draft = rows[1]
    assert (draft["status"], draft["drafted_on"], draft["total"]) == ("draft", "2024-04-01", "0.00")
    assert all(draft[c] == "" for c in draft if c.startswith("line_"))
    assert rows[0]["total"] == "121.00" and rows[0]["line_net"] == "100.00"
