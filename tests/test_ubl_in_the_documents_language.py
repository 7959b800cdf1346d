"""The e-invoice speaks the document's language, as its PDF does.

Q2C GmbH bills Brauhaus Nord in Hamburg for maintenance. In Germany the XRechnung is the
invoice in law; the PDF beside it is only a picture of it. The PDF said "Wartungsvertrag MC-1,
Abrechnungszeitraum 01.06.2024 – 30.06.2024" and "Zahlbar ...", but the UBL that the buyer's
system booked said "Maintenance contract MC-1, period 2024-06-01..2024-06-30" and "Payment
within 30 days": two versions of one invoice in two languages, and ``q2c invoice render -f ubl
--lang de`` silently ignored ``--lang``. Now the UBL writes q2c's own texts (payment terms,
how a credit note is settled, why a category charges no VAT, the billing run's line and note
texts) in the language asked for, word for word as the PDF prints them; English is as before,
to the byte. A branding shapes the PDF and HTML only, so ``--branding`` with ``-f ubl`` is
refused, as the other options of another format are.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from test_beancount_ledger import manual_line
from test_cli_documents import cli, make_invoice
from test_ubl import _customer, _issued, assert_conforms, text
from test_ubl_german_seller import GERMAN_SELLER, brauhaus_story, validator  # noqa: F401
from typer.testing import CliRunner

from q2c_adapters.accounting.peppol_validation import PeppolValidator
from q2c_adapters.accounting.ubl import UblRenderer
from q2c_adapters.documents import Branding, build_document
from q2c_adapters.documents.i18n import exemption_reason
from q2c_core import InvalidValue, QuoteToCash, TaxCategory, TaxRate

LINE_NAME = "cac:InvoiceLine/cac:Item/cbc:Name"
NOTE_LINE_NAME = "cac:CreditNoteLine/cac:Item/cbc:Name"
TERMS = "cac:PaymentTerms/cbc:Note"


def test_a_german_e_invoice_says_what_its_pdf_says(validator: PeppolValidator) -> None:  # noqa: F811
    app = QuoteToCash.open("memory:")
    _, (june, _july, note) = brauhaus_story(app, city="Hamburg", postal_code="20457")
    german = UblRenderer(app, GERMAN_SELLER, language="de")
    pdf = {i: build_document(app, i, Branding(language="de")) for i in (june, note)}

    invoice = german.render(june)
    assert_conforms(validator.validate(invoice))
    assert text(invoice, LINE_NAME) == [line.description for line in pdf[june].lines]
    assert text(invoice, LINE_NAME) == [
        "MC-1 / Control [S1]: 01.06.2024 – 30.06.2024, 30/30 Tage des Abrechnungszeitraums "
        "01.06.2024 – 30.06.2024 zu 1.200,00 EUR pro Jahr"
    ]
    assert text(invoice, "cbc:Note") == [pdf[june].note]
    assert text(invoice, "cbc:Note") == [
        "Wartungsvertrag MC-1, Abrechnungszeitraum 01.06.2024 – 30.06.2024"
    ]
    assert text(invoice, TERMS) == ["Zahlbar innerhalb von 30 Tagen, bis 31.07.2024"]

    credit = german.render(note)
    assert_conforms(validator.validate(credit))
    assert text(credit, NOTE_LINE_NAME) == [line.description for line in pdf[note].lines]
    assert text(credit, TERMS) == [
        "Diese Gutschrift über 62,45 EUR mindert den offenen Betrag der Rechnung INV-000002"
    ]
    # the amounts and dates the data elements carry are not the language's: ISO, as UBL wants
    assert text(credit, "cac:LegalMonetaryTotal/cbc:PayableAmount") == ["62.45"]


def test_english_is_as_it_always_was() -> None:
    app = QuoteToCash.open("memory:")
    _, ids = brauhaus_story(app, city="Hamburg", postal_code="20457")
    for invoice_id in ids:
        plain = UblRenderer(app, GERMAN_SELLER).render(invoice_id)
        assert UblRenderer(app, GERMAN_SELLER, language="en").render(invoice_id) == plain
    june = UblRenderer(app, GERMAN_SELLER).render(ids[0])
    assert text(june, TERMS) == ["Payment within 30 days, by 2024-07-31"]
    assert text(june, "cbc:Note") == ["Maintenance contract MC-1, period 2024-06-01..2024-06-30"]


def test_french_reverse_charge_gives_its_reason_in_french(validator: PeppolValidator) -> None:  # noqa: F811
    app = QuoteToCash.open("memory:")
    buyer = _customer(app)
    reverse = TaxRate.none(TaxCategory.REVERSE_CHARGE)
    invoice = _issued(app, buyer, [manual_line("L1", "1234.50", reverse)])
    doc = UblRenderer(app, GERMAN_SELLER, language="fr").render(invoice)
    assert_conforms(validator.validate(doc))
    reason = "cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:TaxExemptionReason"
    assert text(doc, reason) == [exemption_reason(TaxCategory.REVERSE_CHARGE, "fr")]
    assert text(doc, reason) != [exemption_reason(TaxCategory.REVERSE_CHARGE, "en")]
    assert text(doc, TERMS) == ["Paiement sous 30 jours, au plus tard le 01/06/2024"]
    # a person's line text stays as typed
    assert text(doc, LINE_NAME) == [app.invoice(invoice).lines[0].description]


def test_a_language_the_documents_do_not_speak_is_refused() -> None:
    app = QuoteToCash.open("memory:")
    with pytest.raises(InvalidValue) as refused:
        UblRenderer(app, GERMAN_SELLER, language="es")
    assert refused.value.field == "language"


SELLER_TOML = (
    'legal_name = "Q2C Services GmbH"\nregistration_id = "HRB 12345"\n'
    'vat_id = "DE999999999"\nstreet = "Werkstr. 5"\ncity = "Hamburg"\n'
    'postal_code = "20095"\ncountry = "DE"\niban = "DE89370400440532013000"\n'
    'contact_name = "Billing"\ntelephone = "+49 40 123456"\nemail = "billing@q2c.de"\n'
)


def test_render_ubl_in_german_from_the_command_line(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'billing.db'}"
    make_invoice(url)
    seller = tmp_path / "seller.toml"
    seller.write_text(SELLER_TOML)
    out = tmp_path / "inv.xml"
    args = ["invoice", "render", "INV-000001", "--url", url, "-f", "ubl", "--seller", str(seller)]
    result = CliRunner().invoke(cli(), [*args, "--lang", "de", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert text(out.read_bytes(), TERMS) == ["Zahlbar innerhalb von 30 Tagen, bis 01.06.2024"]

    unknown = CliRunner().invoke(cli(), [*args, "--lang", "es", "-o", str(tmp_path / "x.xml")])
    assert unknown.exit_code == 2 and "--lang" in unknown.output
    assert not (tmp_path / "x.xml").exists()


def test_a_branding_for_the_ubl_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'billing.db'}"
    make_invoice(url)
    seller = tmp_path / "seller.toml"
    seller.write_text(SELLER_TOML)
    branding = tmp_path / "brand.toml"
    branding.write_text('language = "de"\n')
    out = tmp_path / "inv.xml"
    result = CliRunner().invoke(
        cli(),
        ["invoice", "render", "INV-000001", "--url", url, "-f", "ubl", "--seller", str(seller),
         "--branding", str(branding), "-o", str(out)],
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    (line,) = result.output.strip().splitlines()
    assert line.startswith("error: --branding") and "--lang" in line
    assert not out.exists()
