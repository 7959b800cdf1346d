"""Numbering series: gapless always; in the order of the issue days when a series is opened so
(many VAT regimes require it), with the prefix and width its owner chooses."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from racing import save_once_all_looked
from test_invoice_controls import line
from test_story_invoice import approve, customer

from q2c_core import (
    CreditDisposition,
    DuplicateEntry,
    InvalidValue,
    InvoiceStatus,
    Money,
    QuoteToCash,
    RuleViolated,
)

MARCH_31 = date(2024, 3, 31)
JANUARY_10 = date(2024, 1, 10)


def drafted(app: QuoteToCash, on: date) -> object:
    """An approved invoice of Acme's (registered with its first invoice)."""
    found = [c.id for c in app.customers() if c.name == "Acme"]
    cust = found[0] if found else customer(app)
    invoice = app.draft_invoice(cust, [line()], drafted_on=on, actor="billy")
    approve(app, invoice)
    return invoice


def test_a_series_in_date_order_refuses_an_issue_dated_before_its_last() -> None:
    """INV-000001 went out on 31 March; an invoice dated 10 January would get INV-000002, a
    number after one with a later date. Refused, naming issued_on, nothing recorded; issued
    on the 31st or later it takes the next number."""
    app = QuoteToCash.open("memory:")
    app.open_number_series("INV", prefix="INV-", in_date_order=True, actor="alice")
    first = drafted(app, JANUARY_10)
    late = drafted(app, JANUARY_10)
    assert app.issue_invoice(first, issued_on=MARCH_31, actor="bea") == "INV-000001"
    before = app.recorder.max_notification_id()
    with pytest.raises(RuleViolated) as refused:
        app.issue_invoice(late, issued_on=JANUARY_10, actor="bea")
    assert refused.value.field == "issued_on"
    assert "last number was issued (2024-03-31)" in str(refused.value)
    assert app.recorder.max_notification_id() == before
    assert app.issue_invoice(late, issued_on=MARCH_31, actor="bea") == "INV-000002"


def test_a_series_opened_by_itself_keeps_numbers_gapless_but_not_in_date_order() -> None:
    """Without opening it, ``INV`` opens on the first issue, as before: back-dated issues are
    numbered on, gapless."""
    app = QuoteToCash.open("memory:")
    first, late = drafted(app, JANUARY_10), drafted(app, JANUARY_10)
    assert app.issue_invoice(first, issued_on=MARCH_31, actor="bea") == "INV-000001"
    assert app.issue_invoice(late, issued_on=JANUARY_10, actor="bea") == "INV-000002"


def test_a_series_keeps_the_prefix_and_width_it_was_opened_with() -> None:
    app = QuoteToCash.open("memory:")
    app.open_number_series("R2024", prefix="R-2024/", width=4, actor="alice")
    invoice = drafted(app, JANUARY_10)
    assert app.issue_invoice(invoice, issued_on=JANUARY_10, actor="bea", series="R2024") == (
        "R-2024/0001"
    )


def test_a_series_opens_once_and_with_sensible_settings() -> None:
    app = QuoteToCash.open("memory:")
    app.open_number_series("INV", prefix="INV-", actor="alice")
    before = app.recorder.max_notification_id()
    with pytest.raises(DuplicateEntry):
        app.open_number_series("INV", prefix="X-", in_date_order=True, actor="alice")
    for wrong in ({"width": 0}, {"width": "6"}, {"in_date_order": "yes"}, {"name": " "}):
        settings: dict[str, object] = {"name": "CN", "prefix": "CN-", "actor": "alice", **wrong}
        with pytest.raises(InvalidValue) as refused:
            app.open_number_series(**settings)  # type: ignore[arg-type]
        assert refused.value.field == next(iter(wrong))
    assert app.recorder.max_notification_id() == before


def test_a_series_whose_numbers_could_read_as_another_series_numbers_is_refused() -> None:
    """Billing opens an EXPORT series for export customers. With the prefix INV- its first
    invoice would be INV-000001 beside Acme's INV-000001, and the bank import and the command
    line find an invoice by its number. Refused, naming the prefix, whether it is INV-'s as
    typed, as a bank reads it (inv /, case and punctuation aside) or INV- with digits after it
    (INV-2026-000001 reads as INV-2026000001, a number INV- reaches by counting on), and
    whether or not INV was opened yet; nothing recorded. A prefix with a letter after INV- can
    never read as an INV number: EXPORT opens with INV-E-."""
    app = QuoteToCash.open("memory:")
    before = app.recorder.max_notification_id()
    for prefix in ("INV-", "inv /", "INV-2026-", "CN-"):
        with pytest.raises(DuplicateEntry) as refused:
            app.open_number_series("EXPORT", prefix=prefix, actor="alice")
        assert refused.value.field == "prefix"
    assert "could read as this series' numbers" in str(refused.value)
    assert app.recorder.max_notification_id() == before
    app.open_number_series("EXPORT", prefix="INV-E-", actor="alice")
    with pytest.raises(DuplicateEntry) as refused:
        app.open_number_series("EXPORT-2", prefix="Inv-e", actor="alice")
    assert refused.value.field == "prefix"
    assert "'INV-E-'" in str(refused.value)


def test_a_series_named_as_another_but_for_case_and_spaces_is_refused() -> None:
    """'inv' beside INV reads as the same series to a person choosing one at issue."""
    app = QuoteToCash.open("memory:")
    with pytest.raises(DuplicateEntry) as refused:
        app.open_number_series(" inv", prefix="I-", actor="alice")
    assert refused.value.field == "name"
    app.open_number_series("INV", prefix="I-", actor="alice")  # INV itself may choose its own
    with pytest.raises(DuplicateEntry):
        app.open_number_series("X", prefix="i/", actor="alice")


def test_an_issue_into_a_series_never_opened_is_refused_but_inv_and_cn_open_by_themselves() -> None:
    """Bea types series='inv' for INV: the invoice would have gone out as inv-000001, the
    first number of a series nobody opened. Refused naming the series and suggesting INV,
    nothing recorded, the invoice still approved; INV (and CN) open by themselves as ever."""
    app = QuoteToCash.open("memory:")
    invoice = drafted(app, JANUARY_10)
    before = app.recorder.max_notification_id()
    with pytest.raises(InvalidValue) as refused:
        app.issue_invoice(invoice, issued_on=JANUARY_10, actor="bea", series="inv")
    assert refused.value.field == "series"
    assert "did you mean 'INV'?" in str(refused.value)
    assert app.recorder.max_notification_id() == before
    assert app.invoice(invoice).number is None
    assert app.issue_invoice(invoice, issued_on=JANUARY_10, actor="bea", series="INV") == (
        "INV-000001"
    )


def test_a_series_a_store_opened_before_the_rules_still_issues_as_before() -> None:
    """A store where an issue opened EXPORT with the prefix INV- before q2c checked series
    (recorded here as it was recorded then) still loads, and issues its next numbers."""
    from q2c_core.domain.invoice_numbering import InvoiceNumberSeries

    app = QuoteToCash.open("memory:")
    app.save(InvoiceNumberSeries(name="EXPORT", prefix="INV-", actor="alice"))
    invoice = drafted(app, JANUARY_10)
    assert app.issue_invoice(invoice, issued_on=JANUARY_10, actor="bea", series="EXPORT") == (
        "INV-000001"
    )


def test_two_openers_of_series_that_would_read_as_one_open_one(shared_url: str) -> None:
    """Bea opens EXPORT with prefix EXP- while Dana, in her own process, opens EXPORT2 with
    prefix 'exp ': both looked and found no clash before either saved. EXP-000001 and
    exp 000001 read as one number to the bank import, so the store keeps one of them: one
    opening is recorded, the other is refused naming the prefix (each series' id comes from
    its own name, so only the store's one record of openings makes them clash)."""
    bea, dana = QuoteToCash.open(shared_url), QuoteToCash.open(shared_url)
    opened: dict[str, str] = {}
    refused: dict[str, DuplicateEntry] = {}

    def open_series(clerk: str, app: QuoteToCash, name: str, prefix: str) -> None:
        try:
            app.open_number_series(name, prefix=prefix, actor=clerk)
            opened[clerk] = name
        except DuplicateEntry as error:
            refused[clerk] = error

    save_once_all_looked([bea, dana])
    try:
        threads = []
        for clerk, app, name, prefix in (
            ("bea", bea, "EXPORT", "EXP-"),
            ("dana", dana, "EXPORT2", "exp "),
        ):
            threads.append(threading.Thread(target=open_series, args=(clerk, app, name, prefix)))
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert len(opened) == 1 and len(refused) == 1
        (error,) = refused.values()
        assert error.field == "prefix"
        (winner,) = opened.values()
        assert f"numbers of series {winner!r}" in str(error)
        later = QuoteToCash.open(shared_url)
        try:
            names = set(later._number_series())
        finally:
            later.close()
        assert names == {"INV", "CN", winner}
    finally:
        bea.close()
        dana.close()


def credit_note_for(app: QuoteToCash, invoice: object) -> object:
    """An approved credit note for line L1 of an issued invoice."""
    note = app.draft_credit_note(
        invoice,  # type: ignore[arg-type]
        line_ids=["L1"],
        disposition=CreditDisposition.WRITTEN_OFF,
        reason="goodwill",
        drafted_on=JANUARY_10,
        actor="billy",
    )
    approve(app, note)
    return note


def test_an_invoice_and_a_credit_note_are_numbered_each_in_a_series_of_their_kind() -> None:
    """Bea issued an invoice with series='CN' and it went out as CN-000001, a credit note's
    number; a credit note issued with series='INV' became INV-000001. INV numbers invoices
    (deposit invoices too), CN credit notes: each is refused in the other's series, naming
    the series, nothing recorded, the document still approved; in its own it is numbered."""
    app = QuoteToCash.open("memory:")
    invoice = drafted(app, JANUARY_10)
    before = app.recorder.max_notification_id()
    with pytest.raises(InvalidValue) as refused:
        app.issue_invoice(invoice, issued_on=JANUARY_10, actor="bea", series="CN")
    assert refused.value.field == "series" and refused.value.value == "CN"
    assert "series 'CN' numbers credit notes, not invoices" in str(refused.value)
    assert app.recorder.max_notification_id() == before
    assert app.invoice(invoice).status is InvoiceStatus.APPROVED
    assert app.issue_invoice(invoice, issued_on=JANUARY_10, actor="bea") == "INV-000001"
    note = credit_note_for(app, invoice)
    before = app.recorder.max_notification_id()
    with pytest.raises(InvalidValue) as refused:
        app.issue_invoice(note, issued_on=JANUARY_10, actor="bea", series="INV")
    assert refused.value.field == "series"
    assert "series 'INV' numbers invoices, not credit notes" in str(refused.value)
    assert app.recorder.max_notification_id() == before
    assert app.invoice(note).status is InvoiceStatus.APPROVED
    assert app.issue_invoice(note, issued_on=JANUARY_10, actor="bea", series="CN") == "CN-000001"


def test_a_series_opened_by_hand_numbers_invoices_and_credit_notes_in_one_sequence() -> None:
    """Some companies number every sales document in one sequence: SALES (S-) is opened by
    hand, and an invoice, a credit note for it and a deposit invoice take S-000001, S-000002
    and S-000003, gapless; INV and CN stay each to its kind."""
    app = QuoteToCash.open("memory:")
    app.open_number_series("SALES", prefix="S-", actor="alice")
    invoice = drafted(app, JANUARY_10)
    assert app.issue_invoice(invoice, issued_on=JANUARY_10, actor="bea", series="SALES") == (
        "S-000001"
    )
    note = credit_note_for(app, invoice)
    assert app.issue_invoice(note, issued_on=JANUARY_10, actor="bea", series="SALES") == (
        "S-000002"
    )
    cust = app.invoice(invoice).customer_id
    deposit = app.draft_deposit_invoice(
        cust, Money.of(100, "EUR"), description="Deposit", drafted_on=JANUARY_10, actor="billy"
    )
    approve(app, deposit)
    assert app.issue_invoice(deposit, issued_on=JANUARY_10, actor="bea", series="SALES") == (
        "S-000003"
    )


def test_a_series_that_numbered_both_kinds_before_the_rule_still_loads_and_issues() -> None:
    """A store where INV numbered a credit note before q2c kept INV to invoices (recorded
    here as it was recorded then, the number's kind not kept) still loads: INV issues its next
    invoice, INV-000002, and refuses credit notes from now on; a series opened by hand whose
    numbers were recorded so goes on numbering both."""
    from uuid import uuid4

    from q2c_core.domain.invoice_numbering import InvoiceNumberSeries

    app = QuoteToCash.open("memory:")
    old = InvoiceNumberSeries(name="INV", prefix="INV-", actor="alice")
    old.assign(uuid4(), "INV-000001", "bea", JANUARY_10)
    export = InvoiceNumberSeries(name="EXPORT", prefix="EXP-", actor="alice")
    export.assign(uuid4(), "EXP-000001", "bea", JANUARY_10)
    app.save(old, export)
    invoice = drafted(app, JANUARY_10)
    assert app.issue_invoice(invoice, issued_on=JANUARY_10, actor="bea") == "INV-000002"
    note = credit_note_for(app, invoice)
    with pytest.raises(InvalidValue):
        app.issue_invoice(note, issued_on=JANUARY_10, actor="bea", series="INV")
    assert app.issue_invoice(note, issued_on=JANUARY_10, actor="bea", series="EXPORT") == (
        "EXP-000002"
    )
    other = drafted(app, JANUARY_10)
    assert app.issue_invoice(other, issued_on=JANUARY_10, actor="bea", series="EXPORT") == (
        "EXP-000003"
    )
