"""A dunning notice is for a debt, not for an invoice forever: an invoice noticed past due,
then settled (nothing owed at the end of some day), then owed again (its payment bounced, its
allocation reversed) is noticed again by the next run after it is past due again, while an
invoice owed without a break since its notice is not noticed twice. Past days keep their
answers: the receivables follow-up of a day before the new notice, and a rebuild as of a time
before it, still show the first notice.

Before, ``notice_past_due`` skipped every invoice with a notice: Acme's INV-000001 (1,000.00,
due 31 January 2024), noticed on 10 February, paid in full on 5 March, reopened on 2 May by the
bank returning that payment, showed "noticed 10 February" on the follow-up list of 10 May and
was never noticed again, so nobody chased the 1,000.00."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime
from pathlib import Path
from uuid import UUID

import pytest
from test_story_payment import issued

from q2c_core import Money, QuoteToCash
from q2c_core.projections import ReceivablesAging, catch_up, rebuild

A = "alice"
DUNNING = "dunning"
FEB_10, MAR_5, MAY_2, MAY_10, MAY_20 = (
    date(2024, 2, 10),
    date(2024, 3, 5),
    date(2024, 5, 2),
    date(2024, 5, 10),
    date(2024, 5, 20),
)


def eur(amount: str | int) -> Money:
    return Money.of(amount, "EUR")


@pytest.fixture
def app(tmp_path: Path) -> QuoteToCash:
    """A real SQLite file."""
    return QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")


def noticed_then_paid(app: QuoteToCash, amount: str = "1000") -> tuple[UUID, UUID, UUID]:
    """Acme's INV-000001 (1,000.00, issued 1 January 2024, due 31 January) is noticed past due
    on 10 February; Acme pays ``amount`` on 5 March, allocated to it that day."""
    cust = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    invoice = issued(app, cust, "1000", date(2024, 1, 1))
    assert app.notice_past_due(FEB_10, actor=DUNNING) == [invoice]
    pay = app.receive_payment(cust, eur(amount), received_on=MAR_5, reference="acme", actor=A)
    app.allocate_payment(pay, allocated_on=MAR_5, actor=A)
    return cust, invoice, pay


def follow_up(app: QuoteToCash, day: date) -> list[tuple[str, str, date | None]]:
    """The receivables follow-up list of ``day``: number, outstanding, noticed on."""
    aging = ReceivablesAging()
    catch_up(app, [aging])
    return [(i.number, str(i.outstanding), i.noticed_on) for i in aging.past_due(day)]


def test_an_invoice_paid_then_reopened_by_a_bounce_is_noticed_again(app: QuoteToCash) -> None:
    """Paid in full on 5 March, INV-000001 owes nothing until the bank returns the payment on
    2 May: the run of 10 May notices the reopened 1,000.00 (a second ``PastDueNoticed``), the
    run of 20 May does not notice it again, and the follow-up of 10 May shows it noticed that
    day."""
    _, invoice, pay = noticed_then_paid(app)
    assert app.invoice(invoice).is_settled()
    assert app.notice_past_due(date(2024, 4, 1), actor=DUNNING) == []
    app.bounce_payment(pay, bounced_on=MAY_2, reason="returned", actor="bank")
    assert app.notice_past_due(MAY_10, actor=DUNNING) == [invoice]
    assert app.invoice(invoice).past_due_noticed_on == MAY_10
    assert app.notice_past_due(MAY_10, actor=DUNNING) == []
    assert app.notice_past_due(MAY_20, actor=DUNNING) == []
    assert app.invoice(invoice).past_due_noticed_on == MAY_10
    assert follow_up(app, MAY_10) == [("INV-000001", "1,000.00 EUR", MAY_10)]
    assert follow_up(app, MAY_20) == [("INV-000001", "1,000.00 EUR", MAY_10)]
    # on 5 March it was paid: not on the list
    assert follow_up(app, MAR_5) == []
    notices = _notices(app, invoice)
    assert notices == [FEB_10, MAY_10]


def _notices(app: QuoteToCash, invoice: UUID) -> list[date]:
    """The days of the invoice's ``PastDueNoticed`` events, in the order recorded."""
    return [
        e.as_of
        for e in app.repository.event_store.get(invoice)
        if type(e).__qualname__ == "Invoice.PastDueNoticed"
    ]


def test_an_invoice_reopened_by_a_reversed_allocation_is_noticed_again(
    app: QuoteToCash,
) -> None:
    """The 5 March allocation is reversed on 2 May (it was another customer's money): the run
    of 10 May notices INV-000001 again."""
    _, invoice, pay = noticed_then_paid(app)
    [allocation] = [a.allocation_id for a in app.payment(pay).live_allocations()]
    app.reverse_allocation(pay, allocation, reversed_on=MAY_2, reason="wrong payer", actor=A)
    assert app.notice_past_due(MAY_10, actor=DUNNING) == [invoice]
    assert _notices(app, invoice) == [FEB_10, MAY_10]


def test_an_invoice_owed_without_a_break_since_its_notice_is_not_noticed_twice(
    app: QuoteToCash,
) -> None:
    """Acme pays 400.00 of it on 5 March, and that payment bounces on 2 May: INV-000001 was
    owed every day since its notice of 10 February (600.00, then 1,000.00 again), so the runs
    of 10 and 20 May notice nothing, and the follow-up still names 10 February."""
    _, invoice, pay = noticed_then_paid(app, "400")
    app.bounce_payment(pay, bounced_on=MAY_2, reason="returned", actor="bank")
    assert app.notice_past_due(MAY_10, actor=DUNNING) == []
    assert app.notice_past_due(MAY_20, actor=DUNNING) == []
    assert _notices(app, invoice) == [FEB_10]
    assert follow_up(app, MAY_10) == [("INV-000001", "1,000.00 EUR", FEB_10)]


def test_a_run_for_a_day_before_the_latest_notice_notices_nothing(app: QuoteToCash) -> None:
    """Noticed again on 10 May, the invoice is not noticed by a late run for 5 May (the 10 May
    notice is the one standing for this debt), nor by a run for 10 February again."""
    _, invoice, pay = noticed_then_paid(app)
    app.bounce_payment(pay, bounced_on=MAY_2, reason="returned", actor="bank")
    assert app.notice_past_due(MAY_10, actor=DUNNING) == [invoice]
    assert app.notice_past_due(date(2024, 5, 5), actor=DUNNING) == []
    assert app.notice_past_due(FEB_10, actor=DUNNING) == []
    assert _notices(app, invoice) == [FEB_10, MAY_10]


def test_the_notice_event_keeps_its_name_and_facts(app: QuoteToCash, tmp_path: Path) -> None:
    """Stores recorded before this change hold ``Invoice.PastDueNoticed`` events of the same
    topic and facts (``as_of``, ``actor``): they load as before, the invoice noticed once on
    its day."""
    _, invoice, _ = noticed_then_paid(app)
    app.close()
    with sqlite3.connect(tmp_path / "q2c.db") as db:
        topics = {
            topic
            for (topic,) in db.execute("SELECT topic FROM stored_events")
            if topic.endswith("PastDueNoticed")
        }
    assert topics == {"q2c_core.domain.invoice:Invoice.PastDueNoticed"}
    again = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")
    assert again.invoice(invoice).past_due_noticed_on == FEB_10
    again.close()


def test_a_rebuild_as_of_before_the_new_notice_shows_the_reopened_debt_unnoticed(
    app: QuoteToCash,
) -> None:
    """Rebuilt as of a time before the 10 May run was recorded, the follow-up of 10 May shows
    the reopened debt noticed by no one, as it did then (the 10 February notice chased a debt
    paid on 5 March); a full rebuild shows the 10 May notice."""
    _, _, pay = noticed_then_paid(app)
    app.bounce_payment(pay, bounced_on=MAY_2, reason="returned", actor="bank")
    before_the_run = datetime.now(UTC)
    app.notice_past_due(MAY_10, actor=DUNNING)
    aging = ReceivablesAging()
    rebuild(app, [aging], as_of=before_the_run)
    assert [(i.number, i.noticed_on) for i in aging.past_due(MAY_10)] == [("INV-000001", None)]
    rebuild(app, [aging])
    assert [(i.number, i.noticed_on) for i in aging.past_due(MAY_10)] == [("INV-000001", MAY_10)]


def test_the_follow_up_between_the_reopening_and_the_new_notice_names_no_notice(
    app: QuoteToCash,
) -> None:
    """On 5 May (reopened on 2 May, not noticed again yet) the follow-up list names no notice:
    the 10 February one chased a debt paid in full on 5 March, so the 1,000.00 owed again is
    for someone to chase. It reads so before and after the 10 May run; on 1 March, before the
    payment, it names 10 February."""
    _, _, pay = noticed_then_paid(app)
    app.bounce_payment(pay, bounced_on=MAY_2, reason="returned", actor="bank")
    day = date(2024, 5, 5)
    assert follow_up(app, day) == [("INV-000001", "1,000.00 EUR", None)]
    app.notice_past_due(MAY_10, actor=DUNNING)
    assert follow_up(app, day) == [("INV-000001", "1,000.00 EUR", None)]
    assert follow_up(app, date(2024, 3, 1)) == [("INV-000001", "1,000.00 EUR", FEB_10)]
    assert follow_up(app, MAY_10) == [("INV-000001", "1,000.00 EUR", MAY_10)]
