"""The account manager reads the follow-up list as it stood on a past day: which quotes were out
without a PO on 10 March, and how old each was then.

Acme is sent two quotes on 1 March: "Export" is answered by a PO received on 20 March, "Reports"
is cancelled on 20 March. On 10 March both were still waiting for a PO, 9 days old. The list
for 10 March read the requests as they stand now (a PO, a cancellation) and came back empty
once those were recorded, though the PO and the cancellation carry their business days. Now a
quote is listed from the day it was sent up to the day its PO was received or it was
cancelled. A decline or a prepaid allowance cover has no business day: it answers the quote on
every day, as recorded. A request cancelled after its PO came is not listed again.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from uuid import UUID

from test_projections_story import A, eur

from q2c_core import AllowanceUnit, Period, QuoteToCash, TaxRate
from q2c_core.projections import AwaitingPurchaseOrder, ProjectionStore, catch_up, rebuild

MARCH_1 = date(2024, 3, 1)
MARCH_10 = date(2024, 3, 10)
MARCH_20 = date(2024, 3, 20)


def acme(app: QuoteToCash) -> UUID:
    return app.register_customer(
        "Acme", "EUR", account_manager="mia", actor=A, tax_rate=TaxRate.standard(21)
    )


def quoted(app: QuoteToCash, customer: UUID, title: str, on: date = MARCH_1) -> UUID:
    r = app.open_request(customer, title, requested_on=on, actor=A, product_area="api")
    app.estimate_request(r, hours=10, rate=eur(100), actor=A)
    app.send_quote(r, sent_on=on, actor=A)
    return r


def followed_and_rebuilt(app: QuoteToCash) -> AwaitingPurchaseOrder:
    """The list followed event by event, checked against one rebuilt from the first event."""
    followed, rebuilt = AwaitingPurchaseOrder(), AwaitingPurchaseOrder()
    catch_up(app, [followed], page_size=1)
    rebuild(app, [rebuilt])
    assert followed.rows() == rebuilt.rows()
    return rebuilt


def listed(book: AwaitingPurchaseOrder, on: date) -> list[tuple[str, int]]:
    return [(q.title, q.age_days) for q in book.awaiting(on)]


def test_a_quote_answered_later_was_awaiting_a_po_before_it_was_answered(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'books.db'}"
    app = QuoteToCash.open(url)
    customer = acme(app)
    export = quoted(app, customer, "Export")
    reports = quoted(app, customer, "Reports")
    assert listed(followed_and_rebuilt(app), MARCH_10) == [("Export", 9), ("Reports", 9)]

    app.receive_purchase_order(
        export, number="PO-1", amount=eur(1000), received_on=MARCH_20, actor=A
    )
    app.cancel_request(reports, reason="budget cut", cancelled_on=MARCH_20, actor=A)
    book = followed_and_rebuilt(app)
    assert listed(book, MARCH_10) == [("Export", 9), ("Reports", 9)]
    assert listed(book, date(2024, 3, 19)) == [("Export", 18), ("Reports", 18)]
    assert listed(book, MARCH_20) == []  # answered that day
    assert listed(book, date(2024, 2, 29)) == []  # not sent yet

    # the same list read back from the read model stored in the SQLite file
    store = ProjectionStore.open(url)
    stored = AwaitingPurchaseOrder(store)
    catch_up(app, [stored])
    again = AwaitingPurchaseOrder(ProjectionStore.open(url))
    assert listed(again, MARCH_10) == [("Export", 9), ("Reports", 9)]
    assert listed(again, MARCH_20) == []
    app.close()


def test_work_after_the_po_and_a_late_cancellation_keep_the_po_s_day() -> None:
    """Export's PO came on 20 March, work was authorized and the request cancelled on 25 March:
    it awaited a PO up to 20 March, not up to the cancellation."""
    app = QuoteToCash.open("memory:")
    customer = acme(app)
    export = quoted(app, customer, "Export")
    app.receive_purchase_order(
        export, number="PO-1", amount=eur(1000), received_on=MARCH_20, actor=A
    )
    app.authorize_work(export, authorized_on=MARCH_20, actor=A)
    app.cancel_request(export, reason="scope dropped", cancelled_on=date(2024, 3, 25), actor=A)
    book = followed_and_rebuilt(app)
    assert listed(book, MARCH_10) == [("Export", 9)]
    assert listed(book, date(2024, 3, 22)) == []


def test_a_request_cancelled_before_its_quote_is_never_listed() -> None:
    app = QuoteToCash.open("memory:")
    customer = acme(app)
    draft = app.open_request(customer, "Draft", requested_on=MARCH_1, actor=A, product_area="api")
    app.estimate_request(draft, hours=10, rate=eur(100), actor=A)
    app.cancel_request(draft, reason="not needed", cancelled_on=MARCH_20, actor=A)
    assert listed(followed_and_rebuilt(app), MARCH_10) == []


def test_a_decline_or_an_allowance_cover_answers_the_quote_on_every_day() -> None:
    """Neither event carries a business day, so the quote is answered as recorded."""
    app = QuoteToCash.open("memory:")
    customer = acme(app)
    hours = app.grant_allowance(
        customer,
        unit=AllowanceUnit.HOURS,
        quantity=40,
        period=Period(date(2024, 1, 1), date(2025, 1, 1)),
        granted_on=date(2024, 1, 1),
        actor=A,
    )
    charts = quoted(app, customer, "Charts")
    filters = quoted(app, customer, "Filters")
    quoted(app, customer, "Open")
    app.decline_request(charts, reason="went with a spreadsheet", actor=A)
    app.cover_request_by_allowance(filters, hours, actor=A)
    assert listed(followed_and_rebuilt(app), MARCH_10) == [("Open", 9)]
