"""A cancelled fixed-price request's invoice caps its hours at the agreed price on a last line
("capped at the agreed fixed price"). That line lowers the hour lines it caps: a credit note
takes it back only together with those of them not credited yet, and the last of them only
with it, so that the request's hours are never billed above its price. A credit note adding
to what the customer owes is never written off: a write-off gives money up."""

from __future__ import annotations

from datetime import date
from uuid import UUID

import pytest
from test_cancelled_fixed_price_net_billed import Books, acme, capped_invoice_issued, portal
from test_projections_story import eur, issue, work

from q2c_core import (
    CreditDisposition,
    Expense,
    InvalidValue,
    Money,
    QuoteToCash,
    RuleViolated,
)

A = "alice"


def credit(
    app: QuoteToCash,
    invoice: UUID,
    line_ids: list[str],
    disposition: CreditDisposition,
    on: date = date(2024, 3, 10),
) -> UUID:
    note = app.draft_credit_note(
        invoice,
        line_ids=line_ids,
        disposition=disposition,
        reason="credited on the customer's request",
        drafted_on=on,
        actor="bea",
    )
    issue(app, note, on)
    return note


def net_billed(app: QuoteToCash, invoices: list[UUID], notes: list[UUID]) -> Money:
    """What the customer is billed, net, by the invoices less the credit notes."""
    return sum((app.invoice(i).net for i in invoices), eur(0)) - sum(
        (app.invoice(n).net for n in notes), eur(0)
    )


def refused_with_nothing_recorded(
    app: QuoteToCash,
    invoice: UUID,
    line_ids: list[str],
    disposition: CreditDisposition,
    error: type[Exception] = RuleViolated,
) -> str:
    before = app.recorder.max_notification_id()
    with pytest.raises(error) as refused:
        app.draft_credit_note(
            invoice,
            line_ids=line_ids,
            disposition=disposition,
            reason="credited on the customer's request",
            drafted_on=date(2024, 3, 12),
            actor="bea",
        )
    assert app.recorder.max_notification_id() == before
    return str(refused.value)


@pytest.mark.parametrize(
    "disposition", [CreditDisposition.WRITTEN_OFF, CreditDisposition.REBILLABLE]
)
def test_the_cap_line_alone_is_refused_the_price_billed_once(
    app: QuoteToCash, disposition: CreditDisposition
) -> None:
    """Bea credits only L4, the 2,000.00 the capped invoice took off: it would bill Acme
    3,000.00 for a 1,000.00 price (a write-off raising what Acme owes). Refused, naming the
    hour lines L1, L2 and L3 to credit with it; nothing recorded, Acme still billed 1,000.00
    and nothing owed."""
    books = Books(app)
    r, invoice = capped_invoice_issued(app)
    why = refused_with_nothing_recorded(app, invoice, ["L4"], disposition)
    assert "L1, L2, L3" in why and "capped at the agreed fixed price" in why
    assert app.invoice(invoice).credited == eur(0)
    assert books.owed(r) == eur(0)


def test_the_hour_lines_without_the_cap_line_are_refused(app: QuoteToCash) -> None:
    """Crediting L1, L2 and L3 leaves the cap line taking 2,000.00 off what no hour line
    bills any more: refused, naming L4 to credit with them."""
    _, invoice = capped_invoice_issued(app)
    why = refused_with_nothing_recorded(
        app, invoice, ["L1", "L2", "L3"], CreditDisposition.REBILLABLE
    )
    assert "credit L4 with them" in why


def test_the_whole_capped_invoice_written_off_gives_back_what_was_billed(
    app: QuoteToCash,
) -> None:
    """All four lines written off: the note gives back the 1,210.00 Acme was billed, no more;
    nothing is billed of the portal and nothing is owed again."""
    books = Books(app)
    r, invoice = capped_invoice_issued(app)
    note = credit(app, invoice, ["L1", "L2", "L3", "L4"], CreditDisposition.WRITTEN_OFF)
    assert app.invoice(note).total == eur("1210.00")
    assert net_billed(app, [invoice], [note]) == eur(0)
    assert books.owed(r) == eur(0)


def test_after_one_hour_line_credited_rebillable_the_cap_goes_with_the_other_two(
    app: QuoteToCash,
) -> None:
    """L1 is credited re-billable first (the portal owes its 1,000.00 again). Writing off L4
    alone then would bill 2,000.00 and still owe 1,000.00 more: refused, naming L2 and L3;
    with L2 only, refused naming L3. L2, L3 and L4 credited re-billable (a note of 0.00) leave
    nothing billed; the portal owes its price, 1,000.00, billed anew on a capped invoice:
    1,000.00 in all."""
    books = Books(app)
    r, invoice = capped_invoice_issued(app)
    first = credit(app, invoice, ["L1"], CreditDisposition.REBILLABLE)
    assert books.owed(r) == eur("1000.00")

    why = refused_with_nothing_recorded(app, invoice, ["L4"], CreditDisposition.WRITTEN_OFF)
    assert "(L2, L3)" in why
    why = refused_with_nothing_recorded(app, invoice, ["L2", "L4"], CreditDisposition.REBILLABLE)
    assert "credit L3 with it" in why
    assert books.owed(r) == eur("1000.00")

    rest = credit(app, invoice, ["L2", "L3", "L4"], CreditDisposition.REBILLABLE, date(2024, 3, 11))
    assert app.invoice(rest).total == eur(0)
    assert net_billed(app, [invoice], [first, rest]) == eur(0)
    assert books.owed(r) == eur("1000.00")
    again = app.draft_request_invoice(r, drafted_on=date(2024, 3, 12), actor="billy")
    assert app.invoice(again).net == eur("1000.00")
    assert net_billed(app, [invoice, again], [first, rest]) == eur("1000.00")
    assert books.owed(r) == eur(0)


def capped_with_a_server(app: QuoteToCash) -> tuple[UUID, UUID]:
    """The capped invoice also bills a 5,000.00 server: L1-L3 the hours, L4 the cap
    (-2,000.00), L5 the server; 6,000.00 net. Returns (request, invoice)."""
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
    assert [line.net for line in app.invoice(invoice).lines] == [
        eur("1000.00"),
        eur("1000.00"),
        eur("1000.00"),
        eur("-2000.00"),
        eur("5000.00"),
    ]
    issue(app, invoice, date(2024, 3, 9))
    return r, invoice


def test_the_last_hour_line_goes_with_the_cap_and_the_hours_stay_within_the_price(
    app: QuoteToCash,
) -> None:
    """With the server on the invoice, L1 and L2 can be credited re-billable while the cap
    stays (the portal then owes 2,000.00: its hours billed -1,000.00 net). L3 alone would
    leave the cap taking 2,000.00 off the server: refused, naming L4. L3 and L4 together
    (-1,000.00: Acme owes 1,210.00 more) cannot be written off, naming the disposition (t1
    and t2, billable again, would be billed twice);
    credited re-billable they leave the portal's hours billed nothing, owing their price,
    1,000.00, billed anew: the hours 1,000.00 in all, the server 5,000.00."""
    books = Books(app)
    r, invoice = capped_with_a_server(app)
    first = credit(app, invoice, ["L1", "L2"], CreditDisposition.REBILLABLE)
    assert books.owed(r) == eur("2000.00")

    why = refused_with_nothing_recorded(app, invoice, ["L3"], CreditDisposition.REBILLABLE)
    assert "credit L4 with it" in why
    before = app.recorder.max_notification_id()
    with pytest.raises(InvalidValue) as refused:
        app.draft_credit_note(
            invoice,
            line_ids=["L3", "L4"],
            disposition=CreditDisposition.WRITTEN_OFF,
            reason="credited on the customer's request",
            drafted_on=date(2024, 3, 11),
            actor="bea",
        )
    assert refused.value.field == "disposition"
    assert app.recorder.max_notification_id() == before

    rest = credit(app, invoice, ["L3", "L4"], CreditDisposition.REBILLABLE, date(2024, 3, 11))
    assert app.invoice(rest).total == eur("-1210.00")
    assert net_billed(app, [invoice], [first, rest]) == eur("5000.00")
    assert books.owed(r) == eur("1000.00")
    again = app.draft_request_invoice(r, drafted_on=date(2024, 3, 12), actor="billy")
    assert net_billed(app, [invoice, again], [first, rest]) == eur("6000.00")
    assert books.owed(r) == eur(0)


def test_the_cap_is_not_credited_once_its_hours_were_billed_again(app: QuoteToCash) -> None:
    """L1 and L2 credited re-billable and billed anew (2,000.00: the portal's hours are billed
    its 1,000.00 price again). Crediting L3 with the cap would add 1,000.00, billing the hours
    2,000.00: refused, naming the lines; nothing recorded. Once the new invoice's hours are
    credited re-billable too, L3 and L4 go, and the portal owes its price once."""
    books = Books(app)
    r, invoice = capped_with_a_server(app)
    first = credit(app, invoice, ["L1", "L2"], CreditDisposition.REBILLABLE)
    again = app.draft_request_invoice(r, drafted_on=date(2024, 3, 11), actor="billy")
    issue(app, again, date(2024, 3, 11))
    assert net_billed(app, [invoice, again], [first]) == eur("6000.00")
    assert books.owed(r) == eur(0)

    why = refused_with_nothing_recorded(app, invoice, ["L3", "L4"], CreditDisposition.REBILLABLE)
    assert "above its agreed fixed price" in why

    second = credit(app, again, ["L1", "L2"], CreditDisposition.REBILLABLE, date(2024, 3, 12))
    rest = credit(app, invoice, ["L3", "L4"], CreditDisposition.REBILLABLE, date(2024, 3, 12))
    assert net_billed(app, [invoice, again], [first, second, rest]) == eur("5000.00")
    assert books.owed(r) == eur("1000.00")


def test_hours_written_off_one_by_one_with_the_cap_last_give_back_what_was_billed(
    app: QuoteToCash,
) -> None:
    """With the server on the invoice, L1 and L2 are written off (2,000.00), then L3 with the
    cap (-1,000.00, written off too): the notes give back together the 1,000.00 the hours
    were billed, Acme is billed the server alone and the portal owes nothing more."""
    books = Books(app)
    r, invoice = capped_with_a_server(app)
    first = credit(app, invoice, ["L1", "L2"], CreditDisposition.WRITTEN_OFF)
    rest = credit(app, invoice, ["L3", "L4"], CreditDisposition.WRITTEN_OFF, date(2024, 3, 11))
    assert app.invoice(first).net + app.invoice(rest).net == eur("1000.00")
    assert net_billed(app, [invoice], [first, rest]) == eur("5000.00")
    assert books.owed(r) == eur(0)
