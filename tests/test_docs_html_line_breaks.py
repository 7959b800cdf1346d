"""Text typed on several lines prints on several lines in the HTML, as in the PDF.

An invoice's note ("Project: Portal relaunch" over "Contact: Jan de Vries"), a line's text
("Setup" over "Training") or why it is priced so, a branding's footer of several lines: the
PDF breaks them where they were typed, but the HTML wrote the text as it is, and a browser
shows a line break in text as a space, so the HTML ran the lines together ("Project: Portal
relaunch Contact: Jan de Vries"). q2c's template now writes each typed line break as ``<br>``
(the ``breaks`` filter; the text still escaped), carriage returns and CR LF too, in the lines,
the note, the payment text, a void reason, the time entries' notes and the footer."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from q2c_adapters.documents import Branding, render_html, template_environment
from q2c_core import InvoiceLine, LineSource, Money, QuoteToCash, SourceKind, TaxRate

D = date(2024, 5, 2)


def test_lines_typed_on_several_lines_stay_apart_in_the_html(app: QuoteToCash) -> None:
    customer = app.register_customer(
        "Kade BV", "EUR", account_manager="mia", actor="a", country="NL", address="Kade 2"
    )
    lines = [
        InvoiceLine(
            line_id="L1",
            description="Setup\nTraining <2 days>",
            quantity=Decimal(1),
            unit_price=Money.of("100", "EUR"),
            tax=TaxRate.standard(21),
            source=LineSource(SourceKind.MANUAL, note="agreed"),
            price_reason="Agreed flat fee\r\nsee offer 7",
        )
    ]
    invoice = app.draft_invoice(
        customer,
        lines,
        drafted_on=D,
        actor="b",
        note="Project: Portal relaunch\rContact: Jan de Vries & Co",
    )
    brand = Branding(footer="Kade Services BV\nKvK 12345678", iban="NL91ABNA0417164300")
    html = render_html(app, invoice, brand)
    assert "Setup<br>\nTraining &lt;2 days&gt;" in html  # still escaped
    assert "Agreed flat fee<br>\nsee offer 7" in html
    assert "Project: Portal relaunch<br>\nContact: Jan de Vries &amp; Co" in html
    assert "Kade Services BV<br>\nKvK 12345678" in html
    # text of one line is written as it was
    assert "<p>Your Company · IBAN NL91ABNA0417164300</p>" in html


def test_the_filter_is_there_for_a_users_own_template() -> None:
    breaks = template_environment().filters["breaks"]
    assert str(breaks("a\nb<c>")) == "a<br>\nb&lt;c&gt;"
    assert str(breaks("one")) == "one"
