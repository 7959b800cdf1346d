"""One time entry whose hours become overage a piece at a time, each piece billed on its own
invoice: back-dated work on another request sharing the prepaid allowance draws first. The
pieces add back up to the entry's overage hours at its rate, rounded once, never a cent more
(the cent drift DESIGN.md forbids): a piece is billed at what the entry's overage billed so far
plus it is worth, less what was billed of it already. Voided or credited as re-billable and
billed again, the pieces still add up; the read models owe what the next invoice bills."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from uuid import UUID

from hypothesis import given, settings
from hypothesis import strategies as st
from test_projections_story import issue

from q2c_core import (
    AllowanceUnit,
    CreditDisposition,
    Money,
    Period,
    QuoteToCash,
    SourceKind,
    TimeEntry,
)
from q2c_core.projections import ReviewMeeting, UnbilledRevenue, catch_up, rebuild

A = "bea"
YEAR = Period(date(2024, 1, 1), date(2025, 1, 1))
DAY = date(2024, 12, 31)


def eur(amount: str | int | Decimal) -> Money:
    return Money.of(amount, "EUR")


def covered_request(app: QuoteToCash, customer: UUID, allowance: UUID, title: str) -> UUID:
    r = app.open_request(customer, title, requested_on=date(2024, 3, 1), actor="pete")
    app.estimate_request(r, hours=100, rate=eur(100), actor="pete")
    app.cover_request_by_allowance(r, allowance, actor=A)
    app.authorize_work(r, authorized_on=date(2024, 3, 1), actor="pete")
    return r


def shared_allowance(app: QuoteToCash, hours: Decimal | int) -> tuple[UUID, UUID, UUID]:
    """Acme's hours allowance covering two requests, A and B."""
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    allowance = app.grant_allowance(
        acme, unit=AllowanceUnit.HOURS, quantity=hours, period=YEAR, granted_on=YEAR.start, actor=A
    )
    a = covered_request(app, acme, allowance, "Report A")
    b = covered_request(app, acme, allowance, "Report B")
    return acme, a, b


def read_models_owe(app: QuoteToCash, request: UUID) -> tuple[Money, Money]:
    """What UnbilledRevenue and the review meeting show owed of the request's overage, followed
    as recorded (a rebuild from an empty start holds the same rows)."""
    unbilled, review = UnbilledRevenue(), ReviewMeeting()
    catch_up(app, [unbilled, review])
    again = UnbilledRevenue()
    rebuild(app, [again])
    assert unbilled.rows() == again.rows()
    items = [i for i in unbilled.items(DAY) if i.request_id == request.hex]
    assert {i.kind for i in items} <= {"allowance_overage"}
    owed = sum((i.amount for i in items), eur(0))
    rows = [r for r in review.items(DAY) if r.request_id == request.hex]
    return owed, rows[0].unbilled_overage if rows else eur(0)


def test_an_hour_at_33_33_billed_as_overage_in_two_halves_bills_33_33(app: QuoteToCash) -> None:
    _, a, b = shared_allowance(app, 1)
    # Dana's hour on A, 20 March, at 33.33: covered by the 1-hour allowance
    app.log_work(a, TimeEntry("a1", "dana", date(2024, 3, 20), Decimal(1), eur("33.33")), actor="d")
    # back-dated work on B (10 March) draws first: half of Dana's hour is beyond the allowance
    app.log_work(b, TimeEntry("b1", "eve", date(2024, 3, 10), Decimal("0.5"), eur(100)), actor="e")
    assert app.unbilled_work(a) == eur("16.67")  # 0.5 x 33.33 = 16.665, rounded half up
    assert read_models_owe(app, a) == (eur("16.67"), eur("16.67"))
    first = app.draft_request_invoice(a, drafted_on=date(2024, 3, 21), actor="pete")
    assert app.invoice(first).net == eur("16.67")
    issue(app, first, date(2024, 3, 21))
    # more back-dated work on B: Dana's other half hour is beyond the allowance too; what is
    # owed is the hour's worth less what was billed of it, 33.33 - 16.67
    app.log_work(b, TimeEntry("b2", "eve", date(2024, 3, 11), Decimal("0.5"), eur(100)), actor="e")
    assert app.unbilled_work(a) == eur("16.66")
    assert read_models_owe(app, a) == (eur("16.66"), eur("16.66"))
    second = app.draft_request_invoice(a, drafted_on=date(2024, 3, 22), actor="pete")
    [line] = app.invoice(second).lines
    # the half hour's line bills 16.66: its price says so, and its quantity stays the half hour
    # the allowance holds billed (approval and the e-invoice read quantity x price)
    assert line.source is not None and line.source.kind is SourceKind.ALLOWANCE_OVERAGE
    assert line.quantity == Decimal("0.5") and line.source.hours == Decimal("0.5")
    assert line.net == eur("16.66") == (line.unit_price * line.quantity).rounded()
    assert line.price_reason and "33.33" in line.price_reason
    issue(app, second, date(2024, 3, 22))
    assert app.invoice(first).net + app.invoice(second).net == eur("33.33")
    assert app.unbilled_work(a) == eur(0)
    assert read_models_owe(app, a) == (eur(0), eur(0))


def test_the_first_half_given_back_and_billed_again_still_adds_up(app: QuoteToCash) -> None:
    """The first half (16.67) is credited as re-billable while the second (16.66) stays
    billed: the credit note gives back the 16.67 billed, and the half billed again is 16.67."""
    _, a, b = shared_allowance(app, 1)
    app.log_work(a, TimeEntry("a1", "dana", date(2024, 3, 20), Decimal(1), eur("33.33")), actor="d")
    app.log_work(b, TimeEntry("b1", "eve", date(2024, 3, 10), Decimal("0.5"), eur(100)), actor="e")
    first = app.draft_request_invoice(a, drafted_on=date(2024, 3, 21), actor="pete")
    issue(app, first, date(2024, 3, 21))
    app.log_work(b, TimeEntry("b2", "eve", date(2024, 3, 11), Decimal("0.5"), eur(100)), actor="e")
    second = app.draft_request_invoice(a, drafted_on=date(2024, 3, 22), actor="pete")
    issue(app, second, date(2024, 3, 22))
    note = app.draft_credit_note(
        first,
        line_ids=["L1"],
        disposition=CreditDisposition.REBILLABLE,
        reason="hours disputed",
        drafted_on=date(2024, 4, 2),
        actor=A,
    )
    assert app.invoice(note).net == eur("16.67")  # (what a credit note gives back)
    issue(app, note, date(2024, 4, 2))
    assert app.unbilled_work(a) == eur("16.67")
    assert read_models_owe(app, a) == (eur("16.67"), eur("16.67"))
    third = app.draft_request_invoice(a, drafted_on=date(2024, 4, 3), actor="pete")
    assert app.invoice(third).net == eur("16.67")
    billed = [app.invoice(i).net for i in (first, second, third)]
    assert sum(billed, eur(0)) - app.invoice(note).net == eur("33.33")
    # the second half voided now gives back its 16.66, owed again at 16.66
    app.void_invoice(third, reason="sent to the wrong contact", actor=A, voided_on=date(2024, 4, 3))
    assert app.unbilled_work(a) == eur("16.67")
    assert read_models_owe(app, a) == (eur("16.67"), eur("16.67"))


def test_a_piece_states_the_entrys_rate_with_all_its_decimals(app: QuoteToCash) -> None:
    """Dana's 7 hours at 333.5 JPY, covered by a 7-hour allowance, become overage in pieces of
    2.33, 2.33 and 2.34 hours. The last piece bills what makes the three add up to 7 x 333.5
    = 2,334.5, rounded to 2,335 JPY, and its reason says so at the rate the entry was logged
    at, 333.5 JPY an hour (it said 334, beside a total 7 x 334 = 2,338 contradicts)."""
    acme = app.register_customer("Acme", "JPY", account_manager="mia", actor=A)
    hours = app.grant_allowance(
        acme, unit=AllowanceUnit.HOURS, quantity=7, period=YEAR, granted_on=YEAR.start, actor=A
    )
    requests = []
    for title in ("Report A", "Report B"):
        r = app.open_request(acme, title, requested_on=date(2024, 3, 1), actor="pete")
        app.estimate_request(r, hours=100, rate=Money.of(100, "JPY"), actor="pete")
        app.cover_request_by_allowance(r, hours, actor=A)
        app.authorize_work(r, authorized_on=date(2024, 3, 1), actor="pete")
        requests.append(r)
    a, b = requests
    yen = Money.of("333.5", "JPY")
    app.log_work(a, TimeEntry("a1", "dana", date(2024, 3, 20), Decimal(7), yen), actor="d")
    reasons, billed = [], Money.zero("JPY")
    for n, piece in enumerate(("2.33", "2.33", "2.34")):
        work_day = date(2024, 3, 1) + timedelta(days=n)
        app.log_work(
            b, TimeEntry(f"b{n}", "eve", work_day, Decimal(piece), Money.of(100, "JPY")), actor="e"
        )
        invoice = app.draft_request_invoice(a, drafted_on=date(2024, 4, 1 + n), actor="pete")
        issue(app, invoice, date(2024, 4, 1 + n))
        [line] = app.invoice(invoice).lines
        billed += line.net
        reasons.append(line.price_reason)
    assert billed == Money.of(2335, "JPY")
    assert reasons[:2] == [None, None]  # (2.33 x 333.5 = 777.055: billed 777 at the rate)
    assert reasons[2] == (
        "2.34 of 7.00 hours beyond the allowance at 333.5 JPY an hour, billed 781 JPY so that "
        "the pieces add up to 2,335 JPY"
    )


def test_a_piece_billing_nothing_as_the_earlier_pieces_took_the_cent_says_so(
    app: QuoteToCash,
) -> None:
    """Dana's hour of monitoring at 0.03 becomes overage a quarter hour at a time. The first
    two quarters bill 0.01 each (0.0075 and 0.015 - 0.01, rounded); the third bills nothing, as
    three quarters are worth 0.0225, 0.02 rounded, billed already. Its line says so; it used to
    say "no charge: time entry a1 at 0.03 EUR an hour rounds to nothing", which is false (a
    quarter hour at 0.03 rounds to 0.01)."""
    _, a, b = shared_allowance(app, 1)
    app.log_work(a, TimeEntry("a1", "dana", date(2024, 3, 20), Decimal(1), eur("0.03")), actor="d")
    lines = []
    for n in range(3):
        work_day = date(2024, 3, 1) + timedelta(days=n)
        app.log_work(b, TimeEntry(f"b{n}", "eve", work_day, Decimal("0.25"), eur(100)), actor="e")
        invoice = app.draft_request_invoice(a, drafted_on=date(2024, 4, 1 + n), actor="pete")
        issue(app, invoice, date(2024, 4, 1 + n))  # (approved: a line of nothing says why)
        [line] = app.invoice(invoice).lines
        lines.append(line)
    assert [line.net for line in lines] == [eur("0.01"), eur("0.01"), eur("0.00")]
    assert [line.price_reason for line in lines[:2]] == [None, None]
    third = lines[2]
    assert third.quantity == Decimal("0.25") and third.unit_price == eur(0)
    assert third.price_reason == (
        "0.25 of 0.75 hours beyond the allowance at 0.03 EUR an hour, billed 0.00 EUR so that "
        "the pieces add up to 0.02 EUR"
    )


@settings(max_examples=25, deadline=None)
@given(
    hours=st.integers(min_value=2, max_value=40).map(lambda q: Decimal(q) / 4),
    rate=st.integers(min_value=1, max_value=99_999).map(lambda c: Decimal(c) / 100),
    cuts=st.lists(st.integers(min_value=1, max_value=100), min_size=1, max_size=5),
)
def test_overage_pieces_billed_one_by_one_add_up_to_the_overage_hours_worth(
    hours: Decimal, rate: Decimal, cuts: list[int]
) -> None:
    """An entry of ``hours`` at ``rate``, covered by an allowance of as many hours, becomes
    overage piece by piece (back-dated entries on the other request, each a share of what is
    left covered, in quarter hours): each piece billed on its own invoice, the nets add up to
    the overage hours at the rate rounded once, and what the read models owe is what the next
    invoice bills."""
    app = QuoteToCash.open("memory:")
    try:
        _, a, b = shared_allowance(app, hours)
        app.log_work(a, TimeEntry("a1", "dana", date(2024, 6, 20), hours, eur(rate)), actor="d")
        left, overage, billed = hours, Decimal(0), eur(0)
        day = date(2024, 6, 21)
        for n, cut in enumerate(cuts):
            piece = max(Decimal("0.25"), (left * cut / 100 * 4).to_integral_value() / 4)
            piece = min(piece, left)
            if piece <= 0:
                break
            work_day = date(2024, 3, 1) + timedelta(days=n)
            app.log_work(b, TimeEntry(f"b{n}", "eve", work_day, piece, eur(100)), actor="eve")
            left, overage = left - piece, overage + piece
            owed = app.unbilled_work(a)
            assert read_models_owe(app, a) == (owed, owed)
            invoice = app.draft_request_invoice(a, drafted_on=day, actor="pete")
            assert app.invoice(invoice).net == owed
            issue(app, invoice, day)
            billed = billed + app.invoice(invoice).net
            whole = (rate * overage).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            assert billed == eur(whole)
            day += timedelta(days=1)
    finally:
        app.close()
