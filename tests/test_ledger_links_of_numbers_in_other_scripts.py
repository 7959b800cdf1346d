"""Each document's ledger link names that document alone, whatever script its number is in.

A Greek seller numbers its invoices ``ΤΙΜ-000001`` (τιμολόγιο) and its credit notes
``ΠΙΣ-000001`` (πιστωτικό); its Russian branch numbers invoices ``СЧ-000001`` (счёт) and
acts ``АК-000001``. Beancount takes only ASCII letters, digits and ``-_/.`` in a link, so the
ledger cannot write ``^ΤΙΜ-000001`` as it is; but it must not write every one of these numbers
as dashes and digits either (``^----000001`` for the first invoice *and* the first credit
note), which links documents that have nothing to do with each other: the accountant who
follows an invoice's link (Fava's link view, ``bean-query ... WHERE '...' IN links``) would
find another customer's credit note among its payments. Each number gets a link of its own,
the same in every export, and the ASCII numbers q2c prints by default (``INV-000001``) keep
the link they always had.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from beancount.core import data
from test_beancount_ledger import load_ok, manual_line

from q2c_adapters.accounting.beancount_ledger import export_ledger
from q2c_core import CreditDisposition, Money, QuoteToCash, TaxRate

VAT24 = TaxRate.standard(24)


def issue(app: QuoteToCash, invoice: UUID, day: date, series: str) -> str:
    app.approve_invoice(invoice, role="billing", approved_on=day, actor="bea")
    app.approve_invoice(invoice, role="account_manager", approved_on=day, actor="mia")
    return app.issue_invoice(invoice, issued_on=day, actor="bea", series=series)


def bill(app: QuoteToCash, customer: UUID, amount: str, day: date, series: str) -> UUID:
    invoice = app.draft_invoice(
        customer, [manual_line("L1", amount, VAT24)], drafted_on=day, actor="billy"
    )
    issue(app, invoice, day, series)
    return invoice


def linked(entries: list[data.Directive]) -> dict[str, set[str]]:
    """Each link, and the narrations of the transactions it links."""
    found: dict[str, set[str]] = {}
    for entry in entries:
        if isinstance(entry, data.Transaction):
            for link in entry.links:
                found.setdefault(link, set()).add(entry.narration)
    return found


def test_greek_and_russian_numbers_each_link_their_own_document() -> None:
    app = QuoteToCash.open("memory:")
    for name, prefix in (("TIM", "ΤΙΜ-"), ("PIS", "ΠΙΣ-"), ("SCH", "СЧ-"), ("AKT", "АК-")):
        app.open_number_series(name, prefix=prefix, actor="alice")
    athens = app.register_customer("Αθηναϊκή ΑΕ", "EUR", account_manager="mia", actor="a")
    patras = app.register_customer("Πατρινή ΟΕ", "EUR", account_manager="mia", actor="a")
    moscow = app.register_customer("ООО Ромашка", "EUR", account_manager="mia", actor="a")

    first = bill(app, athens, "100", date(2024, 3, 1), "TIM")  # ΤΙΜ-000001
    second = bill(app, patras, "50", date(2024, 3, 2), "TIM")  # ΤΙΜ-000002
    note = app.draft_credit_note(
        second, line_ids=["L1"], disposition=CreditDisposition.CORRECTED,
        reason="wrong price", drafted_on=date(2024, 3, 3), actor="billy",
    )  # fmt: skip
    assert issue(app, note, date(2024, 3, 3), "PIS") == "ΠΙΣ-000001"
    bill(app, moscow, "70", date(2024, 3, 4), "SCH")  # СЧ-000001
    bill(app, moscow, "30", date(2024, 3, 5), "AKT")  # АК-000001
    payment = app.receive_payment(
        athens, Money.of("124", "EUR"), received_on=date(2024, 3, 10), reference="ΤΙΜ-000001",
        actor="alice",
    )  # fmt: skip
    app.allocate_payment(payment, [(first, Money.of("124", "EUR"))],
                         allocated_on=date(2024, 3, 10), actor="alice")  # fmt: skip

    text = export_ledger(app)
    links = linked(load_ok(text))

    invoice_links = {
        number: [link for link, told in links.items() if f"Invoice {number}" in told]
        for number in ("ΤΙΜ-000001", "ΤΙΜ-000002", "СЧ-000001", "АК-000001")
    }
    assert all(len(found) == 1 for found in invoice_links.values()), invoice_links
    (of_first,) = invoice_links["ΤΙΜ-000001"]
    # the first invoice's link: its issue and its payment, nothing of another document
    assert links[of_first] == {"Invoice ΤΙΜ-000001", "Payment allocated to ΤΙΜ-000001"}
    # the credit note is linked to the invoice it credits, and has a link of its own
    (of_second,) = invoice_links["ΤΙΜ-000002"]
    assert links[of_second] == {"Invoice ΤΙΜ-000002", "Credit note ΠΙΣ-000001 for ΤΙΜ-000002"}
    own = [
        link for link, told in links.items() if told == {"Credit note ΠΙΣ-000001 for ΤΙΜ-000002"}
    ]
    assert len(own) == 1
    # the two Russian series' first documents are two links
    assert invoice_links["СЧ-000001"] != invoice_links["АК-000001"]
    assert links[invoice_links["СЧ-000001"][0]] == {"Invoice СЧ-000001"}
    assert export_ledger(app) == text  # the same links in every export


def test_ascii_numbers_keep_their_link() -> None:
    """``INV-000001`` is still ``^INV-000001`` (a running journal's earlier blocks say so)."""
    app = QuoteToCash.open("memory:")
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor="a")
    invoice = app.draft_invoice(
        acme, [manual_line("L1", "10", VAT24)], drafted_on=date(2024, 3, 1), actor="billy"
    )
    assert issue(app, invoice, date(2024, 3, 1), "INV") == "INV-000001"
    assert "^INV-000001" in links_text(export_ledger(app))


def links_text(text: str) -> str:
    return " ".join(line for line in text.splitlines() if " * " in line)
