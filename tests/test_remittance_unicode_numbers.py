"""Invoice numbers in remittance text read the same however their prefix is written: a series
with a Cyrillic prefix (СФ-000001) or one with a numero sign (Nº-000007) is named by its own
number, never by a bare run of digits (a purchase order number) that happens to be its count."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from uuid import UUID

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from q2c_adapters.importers.bank import BankStatementImporter
from q2c_core import (
    DuplicateEntry,
    InvoiceLine,
    LineSource,
    Money,
    QuoteToCash,
    SourceKind,
    TaxRate,
    invoice_numbers_in,
    normalize_number,
    numbers_could_coincide,
)

EUR = "EUR"
CSV_HEAD = "date,amount,currency,remittance,name,reference\n"


def eur(amount: str) -> Money:
    return Money.of(amount, EUR)


def issue(app: QuoteToCash, customer: UUID, net: str, series: str | None = None) -> UUID:
    on = date(2024, 3, 1)
    line = InvoiceLine(
        "L1",
        "Services",
        Decimal(1),
        eur(net),
        TaxRate.standard(0),
        LineSource(SourceKind.MANUAL, note="test"),
    )
    invoice = app.draft_invoice(customer, [line], drafted_on=on, actor="billy")
    app.approve_invoice(invoice, role="billing", approved_on=on, actor="bea")
    app.approve_invoice(invoice, role="account_manager", approved_on=on, actor="mia")
    app.issue_invoice(invoice, issued_on=on, actor="bea", series=series)
    return invoice


def acme_with_a_russian_series(tmp_path: Path) -> tuple[QuoteToCash, UUID, UUID]:
    """Acme owes INV-000001 (100.00) and СФ-000001 (250.00, series RU), in a SQLite file."""
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")
    acme = app.register_customer("Acme", EUR, account_manager="mia", actor="alice")
    app.open_number_series("RU", prefix="СФ-", actor="alice")
    inv = issue(app, acme, "100")
    ru = issue(app, acme, "250", series="RU")
    assert (app.invoice(inv).number, app.invoice(ru).number) == ("INV-000001", "СФ-000001")
    return app, inv, ru


def import_csv(app: QuoteToCash, amount: str, remittance: str) -> None:
    text = CSV_HEAD + f"2024-04-02,{amount},EUR,{remittance},Acme,B-1\n"
    BankStatementImporter(app, today=date(2024, 4, 2)).import_bytes(
        text.encode(), "statement.csv", actor="bank-sync"
    )


def test_a_purchase_order_number_does_not_pay_the_cyrillic_series_invoice(
    tmp_path: Path,
) -> None:
    """Acme pays 100.00 with 'our purchase order 000001'. The text names no invoice: 000001 is
    not СФ-000001 (the bank import used to drop the Cyrillic letters and read it as one, paying
    150.00 short on СФ-000001 while INV-000001 stayed open). The amount decides: INV-000001
    is paid, СФ-000001 still owes 250.00."""
    app, inv, ru = acme_with_a_russian_series(tmp_path)
    assert invoice_numbers_in("our purchase order 000001", ["INV-000001", "СФ-000001"]) == []
    import_csv(app, "100.00", "our purchase order 000001")
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")  # as read back from the file
    assert app.invoice(ru).outstanding == eur("250.00")
    assert app.invoice(inv).outstanding.is_zero()
    (credit,) = app.bank_credits()
    assert credit.invoice_ids == (inv,) and not credit.is_suspended


@pytest.mark.parametrize("written", ["СФ-000001", "сф 000001", "Сф000001", "СФ/000001"])
def test_a_cyrillic_number_quoted_in_the_remittance_pays_its_invoice(
    tmp_path: Path, written: str
) -> None:
    """Acme pays 100.00 'по счету СФ-000001' (however the bank spells it): the text names
    СФ-000001, so it is paid 100.00 (150.00 left), though the amount alone would have chosen
    INV-000001."""
    app, inv, ru = acme_with_a_russian_series(tmp_path)
    import_csv(app, "100.00", f"оплата по счету {written}")
    assert app.invoice(ru).outstanding == eur("150.00")
    assert app.invoice(inv).outstanding == eur("100.00")
    (credit,) = app.bank_credits()
    assert credit.invoice_ids == (ru,)


def test_a_number_with_a_numero_sign_is_found() -> None:
    """Nº-000007 is found quoted word for word, and as banks spell it (the numero sign №,
    'No', another case); a longer number or the bare digits are not it."""
    known = ["Nº-000007", "INV-000007"]
    assert invoice_numbers_in("Nº-000007", known) == ["Nº-000007"]
    assert invoice_numbers_in("paid № 000007 and inv 000007", known) == [
        "Nº-000007",
        "INV-000007",
    ]
    assert invoice_numbers_in("re NO-000007", known) == ["Nº-000007"]
    assert invoice_numbers_in("Nº-0000071 and 000007", known) == []


def test_numbers_read_alike_in_text_and_in_the_index() -> None:
    """One reading for numbers and text: full width and compatibility forms as plain ones, case
    folded, letters and digits of any script kept, everything else dropped."""
    assert normalize_number("СФ-000001") == "сф000001"
    assert normalize_number("ＩＮＶ－０００００１") == normalize_number("inv 000001")
    assert normalize_number("Nº-000007") == normalize_number("№ 000007") == "no000007"
    assert normalize_number("STRAßE-1") == normalize_number("strasse 1")
    assert invoice_numbers_in("ＩＮＶ－０００００１", ["INV-000001"]) == ["INV-000001"]
    assert invoice_numbers_in("Straße 000001", ["STRASSE-000001"]) == ["STRASSE-000001"]
    # an en dash reads as a hyphen; a separator text is not read across ("Ŀ" reads as "l·"):
    # quoted as printed
    assert invoice_numbers_in("re RE–2024–000001", ["RE–2024–000001"]) == ["RE–2024–000001"]
    assert invoice_numbers_in("Ŀ000002 paid", ["Ŀ000002"]) == ["Ŀ000002"]
    # a number of a script with vowel signs, with or without its separator
    assert invoice_numbers_in("बि-000003 बि000003", ["बि-000003"]) == ["बि-000003"]


def test_a_number_whose_letters_a_bank_cannot_read_is_not_named_by_bare_digits() -> None:
    """A prefix with no letter (#, ../) or digits only (2024-): the number reads as digits, like
    any purchase order number, so bare digits never name it; the number quoted as printed
    does. A number of digits only is named by its digits."""
    known = ["#000001", "../000002", "2024-000003", "000004"]
    assert invoice_numbers_in("po 000001 000002 2024000003 2024 000003", known) == []
    assert invoice_numbers_in("re #000001, ../000002 and 2024-000003", known) == [
        "#000001",
        "../000002",
        "2024-000003",
    ]
    assert invoice_numbers_in("12024-000003 2024-0000031 x#0000011", known) == []
    assert invoice_numbers_in("ref 000004", known) == ["000004"]


def test_series_whose_numbers_a_bank_reads_alike_are_refused_whatever_the_script() -> None:
    """RU opens with СФ-; a second series with 'сф ' (its numbers read the same to a bank) is
    refused naming the prefix, as is NO- beside Nº-; СФ- beside INV- and Nº- beside N- are
    fine. A prefix without letters or digits reads as digits only: beside digits only it is
    refused, beside INV- it is not."""
    app = QuoteToCash.open("memory:")
    app.open_number_series("RU", prefix="СФ-", actor="alice")
    app.open_number_series("NUM", prefix="Nº-", actor="alice")
    app.open_number_series("N", prefix="N-", actor="alice")
    before = app.recorder.max_notification_id()
    for name, prefix in (("RU2", "сф "), ("RU3", "СФ-2024-"), ("NO", "NO-"), ("NO2", "№/")):
        with pytest.raises(DuplicateEntry) as refused:
            app.open_number_series(name, prefix=prefix, actor="alice")
        assert refused.value.field == "prefix"
    assert app.recorder.max_notification_id() == before
    app.open_number_series("HASH", prefix="#", actor="alice")
    with pytest.raises(DuplicateEntry) as refused:
        app.open_number_series("PLAIN", prefix="", actor="alice")
    assert refused.value.field == "prefix" and "'#'" in str(refused.value)
    assert numbers_could_coincide("СФ-", "сф/") and not numbers_could_coincide("СФ-", "CФ-")
    assert numbers_could_coincide("", "2024-") and not numbers_could_coincide("#", "INV-")


_LETTERS = st.characters(categories=["Lu", "Ll", "Lo"])


@settings(max_examples=80, deadline=None)
@given(
    prefix=st.text(_LETTERS, min_size=1, max_size=4),
    sep=st.sampled_from(["", "-", "/", " ", "."]),
    n=st.integers(min_value=1, max_value=999_999),
)
def test_a_number_of_any_script_is_found_as_printed_and_never_by_its_digits(
    prefix: str, sep: str, n: int
) -> None:
    """Whatever letters a series' prefix has, its number quoted as printed names it, and its
    digits alone do not."""
    number = f"{prefix}{sep}{n:06d}"
    assert invoice_numbers_in(f"paid {number} thanks", [number]) == [number]
    assert invoice_numbers_in(f"paid order {n:06d}", [number]) == []
