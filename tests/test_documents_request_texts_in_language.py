"""A request invoice's texts q2c writes itself read in the document's language.

Found by review: a German or French request invoice printed q2c's own words in English under
its lines: "no charge: time entry t3 at a zero rate", "0.5 of 1 hours beyond the allowance at
33.33 EUR an hour, billed 16.66 EUR so that the pieces add up to 33.33 EUR", a cancelled fixed
price's "cancelled at a fixed price of 1,000.00 EUR: ...", and lines "Portal: bob 2024-02-05",
"... beyond prepaid allowance", "...: capped at the agreed fixed price". They now read in the
document's language, amounts, hours and dates as it writes them; the request's title, the
worker's name and a note a person typed are printed as typed, and English documents print what
the invoice records.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from test_beancount_ledger import issue
from test_cancelled_fixed_price_net_billed import capped_invoice_issued
from test_documents_line_reasons import acme_with_shared_hour, eur, ordered_request, pdf_words

from q2c_adapters.documents import Branding, render_html, render_pdf
from q2c_adapters.documents.i18n import generated_text
from q2c_core import QuoteToCash, TimeEntry


def test_hours_at_no_charge_say_why_in_german_and_french() -> None:
    app = QuoteToCash.open("memory:")
    r = ordered_request(app)
    app.log_work(r, TimeEntry("e1", "dana", date(2024, 3, 4), Decimal(2), eur(100)), actor="d")
    app.log_work(r, TimeEntry("e2", "dana", date(2024, 3, 5), Decimal(1), eur(0)), actor="d")
    app.log_work(
        r,
        TimeEntry(
            "e3", "dana", date(2024, 3, 5), Decimal(1), eur(0), note="Garantie: unser Fehler"
        ),
        actor="d",
    )
    invoice = app.draft_request_invoice(r, drafted_on=date(2024, 3, 6), actor="pete")
    issue(app, invoice, date(2024, 3, 6))

    german = pdf_words(render_pdf(app, invoice, Branding(language="de")))
    assert "keine Berechnung: Zeiteintrag e2 zum Stundensatz null" in german
    # the note the worker typed is printed as typed, after q2c's words
    assert "keine Berechnung: Garantie: unser Fehler" in german
    assert "Export fix: dana 05.03.2024" in german
    assert "no charge" not in german and "zero rate" not in german
    french = render_html(app, invoice, Branding(language="fr"))
    assert "non facturé : temps passé e2 à un taux horaire nul" in french
    assert "Export fix : dana 04/03/2024" in french
    english = render_html(app, invoice, Branding())
    assert "no charge: time entry e2 at a zero rate" in english
    assert "Export fix: dana 2024-03-04" in english


def test_an_overage_piece_says_why_in_french_with_its_amounts_as_french_writes_them() -> None:
    app = QuoteToCash.open("memory:")
    a, b = acme_with_shared_hour(app)
    app.log_work(a, TimeEntry("a1", "dana", date(2024, 3, 20), Decimal(1), eur("33.33")), actor="d")
    app.log_work(b, TimeEntry("b1", "eve", date(2024, 3, 10), Decimal("0.5"), eur(100)), actor="e")
    first = app.draft_request_invoice(a, drafted_on=date(2024, 3, 21), actor="pete")
    issue(app, first, date(2024, 3, 21))
    app.log_work(b, TimeEntry("b2", "eve", date(2024, 3, 11), Decimal("0.5"), eur(100)), actor="e")
    second = app.draft_request_invoice(a, drafted_on=date(2024, 3, 22), actor="pete")
    issue(app, second, date(2024, 3, 22))
    [line] = app.invoice(second).lines
    assert line.price_reason is not None and "so that the pieces" in line.price_reason

    french = pdf_words(render_pdf(app, second, Branding(language="fr")))
    assert (
        "0,5 sur 1 heures au-delà du forfait à 33,33 EUR de l'heure, facturées 16,66 EUR pour "
        "que les parts totalisent 33,33 EUR"
    ) in french
    assert "Report A : dana 20/03/2024 au-delà du forfait prépayé" in french
    german = render_html(app, second, Branding(language="de"))
    assert "damit die Teile zusammen 33,33 EUR ergeben" in german
    assert "Report A: dana 20.03.2024 über das Vorauszahlungskontingent hinaus" in german
    assert "beyond" not in german


def test_a_cancelled_fixed_price_and_its_credit_note_read_in_german() -> None:
    app = QuoteToCash.open("memory:")
    _, invoice = capped_invoice_issued(app)
    german = pdf_words(render_pdf(app, invoice, Branding(language="de")))
    assert "Portal: begrenzt auf den vereinbarten Festpreis" in german
    assert (
        "storniert zum Festpreis von 1.000,00 EUR: seine Stunden im Wert von 3.000,00 EUR "
        "werden bis zum Festpreis berechnet"
    ) in german
    assert "Portal: bob 05.02.2024" in german
    assert "capped" not in german and "cancelled" not in german


def test_text_a_person_typed_in_q2cs_words_stays_as_typed() -> None:
    # an amount that is none, in q2c's words: printed as typed, never a bare error
    typed = "no charge: time entry x at 5 QQQ an hour rounds to nothing"
    assert (
        generated_text(typed, "de")
        == "keine Berechnung: time entry x at 5 QQQ an hour rounds to nothing"
    )
    # a request line's words are read only on a request invoice's line
    assert generated_text("Portal: bob 2024-02-05", "fr") == "Portal: bob 2024-02-05"
    assert generated_text("Portal: bob 2024-02-05", "fr", request_line=True) == (
        "Portal : bob 05/02/2024"
    )
    assert generated_text("Portal: bob 2024-02-30", "de", request_line=True) == (
        "Portal: bob 2024-02-30"
    )
    assert generated_text("no charge: time entry e2 at a zero rate", "en") == (
        "no charge: time entry e2 at a zero rate"
    )
