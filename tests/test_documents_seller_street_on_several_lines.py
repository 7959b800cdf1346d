"""A seller profile whose street runs over several lines states each line on the PDF and HTML.

Q2C GmbH's profile gives its street as ``Hauptstr. 1`` and, below it, ``Hinterhaus, 2. OG``:
the e-invoice writes them as the street and the additional street line (BT-50, BT-51). The
branding took the whole street as one address line holding a line break, so the HTML's
letterhead ran the two lines together (``Hauptstr. 1 Hinterhaus, 2. OG``: a browser shows a
line break in text as a space) where the PDF printed them apart. Each line of the street is now
one line of the branding's address, as a branding's own address text is split.
"""

from __future__ import annotations

from q2c_adapters.accounting.seller import SellerProfile
from q2c_adapters.documents import Branding

SELLER = SellerProfile(
    legal_name="Q2C GmbH",
    registration_id="HRB 12345",
    vat_id="DE811907980",
    street="Hauptstr. 1\r\n  Hinterhaus, 2. OG  \n\n",
    city="Berlin",
    postal_code="10115",
    country="DE",
    iban="DE89 3704 0044 0532 0130 00",
)


def test_each_line_of_the_sellers_street_is_one_address_line() -> None:
    branding = Branding().with_seller(SELLER)
    assert branding.address == ("Hauptstr. 1", "Hinterhaus, 2. OG", "10115 Berlin")


def test_the_html_letterhead_shows_the_street_lines_apart() -> None:
    from datetime import date

    from test_beancount_ledger import issue, manual_line

    from q2c_adapters.documents import render_html
    from q2c_core import QuoteToCash, TaxRate

    app = QuoteToCash.open("memory:")
    acme = app.register_customer(
        "Acme", "EUR", account_manager="mia", actor="a", tax_rate=TaxRate.standard(19)
    )
    day = date(2024, 3, 1)
    invoice = app.draft_invoice(
        acme, [manual_line("L1", "100", TaxRate.standard(19))], drafted_on=day, actor="billy"
    )
    issue(app, invoice, day)
    html = render_html(app, invoice, Branding().with_seller(SELLER))
    assert "<div>Hauptstr. 1</div><div>Hinterhaus, 2. OG</div><div>10115 Berlin</div>" in html
