"""A cancelled fixed-price request owes its hours up to its agreed price less what was BILLED of
it: the net of the live invoice lines billing its hours (lines naming its time entries, and the
line capping them at the price), less what credit notes gave back as re-billable. Not what its
billed hours are worth: a capped invoice bills them below their worth, a goodwill rate too.
``unbilled_work``, ``UnbilledRevenue``, the review meeting and the invoice it drafts agree."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

import pytest
from test_projections_story import eur, issue, work

from q2c_core import (
    CreditDisposition,
    Expense,
    InvoiceLine,
    LineSource,
    Money,
    QuoteToCash,
    RevenueKind,
    RuleViolated,
    SourceKind,
    TaxRate,
)
from q2c_core.projections import ReviewMeeting, UnbilledRevenue, catch_up, rebuild

A = "alice"
MARCH_END = date(2024, 3, 31)


class Books:
    """What the three readers say a request owes: the domain, unbilled revenue and the review
    meeting, followed as the story happens and checked against a rebuild from scratch."""

    def __init__(self, app: QuoteToCash) -> None:
        self.app = app
        self.unbilled = UnbilledRevenue()
        self.review = ReviewMeeting()

    def follow(self) -> None:
        catch_up(self.app, [self.unbilled, self.review], page_size=5)
        again = [UnbilledRevenue(), ReviewMeeting()]
        rebuild(self.app, again)
        assert self.unbilled.rows() == again[0].rows()
        assert self.review.rows() == again[1].rows()

    def owed(self, request: UUID, on: date = MARCH_END) -> Money:
        """What the request owes, the same in the domain (now and as of ``on``) and in
        unbilled revenue (by request and item by item)."""
        self.follow()
        now = self.app.unbilled_work(request)
        assert self.app.unbilled_work(request, as_of=on) == now
        listed = self.unbilled.totals(on, "request").totals.get((request.hex, "EUR"), eur(0))
        assert listed == now
        items = [i for i in self.unbilled.items(on) if i.request_id == request.hex]
        assert sum((i.amount for i in items), eur(0)) == now
        assert all(not i.amount.is_negative() for i in items)
        return now

    def on_agenda(self, request: UUID) -> bool:
        self.follow()
        return request.hex in {i.request_id for i in self.review.items(MARCH_END)}


def portal(app: QuoteToCash, customer: UUID) -> UUID:
    """Acme's portal at a fixed 1,000.00, quoted, covered by a PO, authorized on 1 February."""
    on = date(2024, 2, 1)
    r = app.open_request(customer, "Portal", requested_on=on, actor=A)
    app.estimate_request(r, fixed_price=eur("1000.00"), actor=A)
    app.send_quote(r, sent_on=on, actor=A)
    app.receive_purchase_order(r, number="PO-P", amount=eur("1000.00"), received_on=on, actor=A)
    app.authorize_work(r, authorized_on=on, actor=A)
    return r


def acme(app: QuoteToCash) -> UUID:
    return app.register_customer(
        "Acme", "EUR", account_manager="mia", actor=A, tax_rate=TaxRate.standard(21)
    )


def capped_invoice_issued(app: QuoteToCash) -> tuple[UUID, UUID]:
    """The portal runs to 30 hours (3,000.00) and Acme cancels it on 8 March; its invoice bills
    the three 10-hour lines and takes 2,000.00 off on its cap line: 1,000.00, issued on 9
    March. Returns (request, invoice)."""
    r = portal(app, acme(app))
    for entry_id, day in (
        ("t1", date(2024, 2, 5)),
        ("t2", date(2024, 3, 5)),
        ("t3", date(2024, 3, 6)),
    ):
        app.log_work(r, work(entry_id, day, "10"), actor="bob")
    app.cancel_request(r, reason="customer stopped", cancelled_on=date(2024, 3, 8), actor=A)
    invoice = app.draft_request_invoice(r, drafted_on=date(2024, 3, 9), actor="billy")
    assert [(line.line_id, line.net) for line in app.invoice(invoice).lines] == [
        ("L1", eur("1000.00")),
        ("L2", eur("1000.00")),
        ("L3", eur("1000.00")),
        ("L4", eur("-2000.00")),
    ]
    issue(app, invoice, date(2024, 3, 9))
    return r, invoice


def credit_first_line(app: QuoteToCash, invoice: UUID, disposition: CreditDisposition) -> UUID:
    note = app.draft_credit_note(
        invoice,
        line_ids=["L1"],
        disposition=disposition,
        reason="t1 booked on the wrong project day",
        drafted_on=date(2024, 3, 10),
        actor="bea",
    )
    issue(app, note, date(2024, 3, 10))
    return note


def test_hours_credited_rebillable_off_a_capped_invoice_are_owed_up_to_the_price_again(
    app: QuoteToCash,
) -> None:
    """L1 (t1, 1,000.00) of the capped invoice is credited as re-billable: what is billed of
    the portal nets to 0.00 (3,000.00 of hours less the 2,000.00 cap, less the 1,000.00
    credited), so t1 owes the price again, 1,000.00, everywhere (t2 and t3 stay billed, their
    2,000.00 taken off by the cap line). Billed anew, t1 bills its 1,000.00 with no cap line,
    the portal is billed 1,000.00 in all and owes nothing more."""
    books = Books(app)
    r, invoice = capped_invoice_issued(app)
    assert books.owed(r) == eur(0)
    note = credit_first_line(app, invoice, CreditDisposition.REBILLABLE)
    assert app.invoice(invoice).net - app.invoice(note).net == eur(0)

    assert books.owed(r) == eur("1000.00")
    assert app.unbilled_work(r, as_of=date(2024, 3, 9)) == eur(0)  # (before the credit)
    assert books.on_agenda(r)

    again = app.draft_request_invoice(r, drafted_on=date(2024, 3, 11), actor="billy")
    lines = app.invoice(again).lines
    assert [(line.source.time_entry_ids if line.source else (), line.net) for line in lines] == [
        (("t1",), eur("1000.00"))
    ]
    assert books.owed(r) == eur(0)
    with pytest.raises(RuleViolated) as refused:
        app.draft_request_invoice(r, drafted_on=date(2024, 3, 12), actor="billy")
    assert refused.value.field == "work"
    item = next(i for i in books.review.items(MARCH_END) if i.request_id == r.hex)
    assert item.invoiced == eur("1000.00")  # on the agenda until paid


def test_hours_credited_as_written_off_off_a_capped_invoice_are_not_owed_again(
    app: QuoteToCash,
) -> None:
    """L1 of the capped invoice is written off instead: the money is given back, the hours are
    not billable again, and the write-off is not taken back through the portal's other hours:
    what was billed of the price stays 1,000.00 (a written-off line counts as billed), so
    nothing is owed and the portal, its invoice settled by the credit, leaves the agenda."""
    books = Books(app)
    r, invoice = capped_invoice_issued(app)
    credit_first_line(app, invoice, CreditDisposition.WRITTEN_OFF)

    assert books.owed(r) == eur(0)
    assert not books.on_agenda(r)
    with pytest.raises(RuleViolated):
        app.draft_request_invoice(r, drafted_on=date(2024, 3, 11), actor="billy")


def test_hours_billed_by_hand_at_a_goodwill_rate_count_what_was_billed_not_their_worth(
    app: QuoteToCash,
) -> None:
    """Bob's first 4 hours (worth 400.00) were billed by hand at a goodwill 50.00 an hour:
    200.00. Then 20 more hours, and Acme cancels. The price less what was billed is 800.00:
    owed everywhere, and billed by the capped invoice, whose cap line tells the customer
    "less 200.00 EUR billed already". The portal is billed 1,000.00 in all."""
    books = Books(app)
    c = acme(app)
    r = portal(app, c)
    app.log_work(r, work("t0", date(2024, 3, 4), "4"), actor="bob")
    goodwill = InvoiceLine(
        "L1",
        "Portal: agreed extra (goodwill rate)",
        Decimal(4),
        eur(50),
        TaxRate.standard(21),
        LineSource(SourceKind.WORK, request_id=r, time_entry_ids=("t0",), hours=Decimal(4)),
        RevenueKind.ENHANCEMENT,
    )
    by_hand = app.draft_invoice(c, [goodwill], drafted_on=date(2024, 3, 5), actor="billy")
    app.log_work(r, work("t1", date(2024, 3, 6), "10"), actor="bob")
    app.log_work(r, work("t2", date(2024, 3, 7), "10"), actor="bob")
    app.cancel_request(r, reason="customer stopped", cancelled_on=date(2024, 3, 8), actor=A)

    assert books.owed(r) == eur("800.00")
    assert books.on_agenda(r)

    capped = app.draft_request_invoice(r, drafted_on=date(2024, 3, 9), actor="billy")
    assert app.invoice(capped).net == eur("800.00")
    cap = app.invoice(capped).lines[-1]
    assert cap.net == eur("-1200.00")
    assert cap.price_reason is not None
    assert cap.price_reason.endswith("less 200.00 EUR billed already")
    assert app.invoice(by_hand).net + app.invoice(capped).net == eur("1000.00")
    assert books.owed(r) == eur(0)


def test_hours_credited_while_the_cap_line_stays_are_owed_whole(app: QuoteToCash) -> None:
    """The capped invoice also bills a 5,000.00 server the portal bought, so two of its hour
    lines (t1, t2) can be credited as re-billable while the cap line stays: what is billed of
    the portal's hours nets to -1,000.00 (t3's 1,000.00 less the 2,000.00 cap), so t1 and t2
    are owed whole, 2,000.00, and billed anew with no cap line: the portal's hours are billed
    1,000.00 in all, its price."""
    books = Books(app)
    r = portal(app, acme(app))
    for entry_id, day in (
        ("t1", date(2024, 2, 5)),
        ("t2", date(2024, 3, 5)),
        ("t3", date(2024, 3, 6)),
    ):
        app.log_work(r, work(entry_id, day, "10"), actor="bob")
    app.log_expense(r, Expense("x1", "server", eur(5000), date(2024, 3, 7)), actor="bob")
    app.cancel_request(r, reason="customer stopped", cancelled_on=date(2024, 3, 8), actor=A)
    invoice = app.draft_request_invoice(r, drafted_on=date(2024, 3, 9), actor="billy")
    assert app.invoice(invoice).net == eur("6000.00")
    issue(app, invoice, date(2024, 3, 9))
    note = app.draft_credit_note(
        invoice,
        line_ids=["L1", "L2"],
        disposition=CreditDisposition.REBILLABLE,
        reason="t1 and t2 booked on the wrong days",
        drafted_on=date(2024, 3, 10),
        actor="bea",
    )
    issue(app, note, date(2024, 3, 10))

    assert books.owed(r) == eur("2000.00")
    again = app.draft_request_invoice(r, drafted_on=date(2024, 3, 11), actor="billy")
    assert [line.net for line in app.invoice(again).lines] == [eur("1000.00"), eur("1000.00")]
    assert books.owed(r) == eur(0)
