"""A hand-made overage line on a money allowance drafted before such a line held its net: the
allowance holds its unit price only (2 x 41.64 held 41.64, not 83.28). Stores from then still
void and credit it: what is given back is what the line held, never more, and the figures of
today and of a day agree with the allowance."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from conftest import rewrite_stored_event

from q2c_core import (
    AllowanceUnit,
    CreditDisposition,
    InvoiceLine,
    LineSource,
    Money,
    Period,
    QuoteToCash,
    RevenueKind,
    SourceKind,
    TaxRate,
    TimeEntry,
    charge_key,
)
from q2c_core.projections import Projection, UnbilledRevenue, catch_up, rebuild

A = "alice"
ON = date(2024, 3, 12)
FAR = date(2024, 12, 31)


def eur(amount: str | int) -> Money:
    return Money.of(amount, "EUR")


class OldStore:
    """Acme prepaid 500.00 EUR; 17.5 hours at 33.33 are charged 583.28, so 83.28 is overage.
    Billing drafted it by hand as one line of 2 x 41.64, and the q2c of then held the line's
    unit price on the allowance: 41.64 of the 83.28."""

    def __init__(self, path: Path, issued: bool) -> None:
        self.url = f"sqlite:///{path}"
        app = QuoteToCash.open(self.url)
        self.customer = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
        self.allowance = app.grant_allowance(
            self.customer,
            unit=AllowanceUnit.MONEY,
            quantity="500.00",
            period=Period(date(2024, 1, 1), date(2025, 1, 1)),
            granted_on=date(2024, 1, 1),
            actor=A,
        )
        self.request = app.open_request(
            self.customer, "Tweak", requested_on=date(2024, 3, 1), actor=A
        )
        app.estimate_request(self.request, hours=20, rate=eur("33.33"), actor=A)
        app.cover_request_by_allowance(self.request, self.allowance, actor=A)
        app.authorize_work(self.request, authorized_on=date(2024, 3, 4), actor=A)
        entry = TimeEntry("t1", "bob", date(2024, 3, 10), Decimal("17.5"), eur("33.33"))
        app.log_work(self.request, entry, actor="bob")
        source = LineSource(
            SourceKind.ALLOWANCE_OVERAGE,
            request_id=self.request,
            time_entry_ids=("t1",),
            hours=Decimal("2.5"),
            allowance_id=self.allowance,
        )
        line = InvoiceLine(
            "L1",
            "Tweak: overage beyond prepaid, in two instalments",
            Decimal(2),
            eur("41.64"),
            TaxRate.standard(0),
            source,
            RevenueKind.ENHANCEMENT,
        )
        self.invoice = app.draft_invoice(self.customer, [line], drafted_on=ON, actor=A)
        if issued:
            approve_and_issue(app, self.invoice)
        app.close()
        self.key = charge_key(self.request, "t1")

        def as_then(facts: dict[str, Any]) -> None:
            facts["quantities"][self.key] = {"_type_": "decimal_str", "_data_": "41.64"}

        rewrite_stored_event(path, "PrepaidAllowance.OverageBilled", as_then)


def approve_and_issue(app: QuoteToCash, invoice: UUID) -> None:
    for role, who in (("billing", "bea"), ("account_manager", "mia")):
        app.approve_invoice(invoice, role=role, approved_on=ON, actor=who)
    app.issue_invoice(invoice, issued_on=ON, actor="bea")


@pytest.fixture
def opened() -> Iterator[list[QuoteToCash]]:
    apps: list[QuoteToCash] = []
    yield apps
    for app in apps:
        app.close()


def reopen(store: OldStore, opened: list[QuoteToCash]) -> QuoteToCash:
    app = QuoteToCash.open(store.url)
    opened.append(app)
    return app


def unbilled(app: QuoteToCash, store: OldStore, amount: str) -> None:
    """The request's unbilled work, today and as of the year's end, and the unbilled-revenue
    report (followed equal to rebuilt), all come to ``amount``."""
    assert app.unbilled_work(store.request) == eur(amount)
    assert app.unbilled_work(store.request, as_of=FAR) == eur(amount)
    live: list[Projection] = [UnbilledRevenue()]
    again: list[Projection] = [UnbilledRevenue()]
    catch_up(app, live)
    rebuild(app, again)
    assert live[0].rows() == again[0].rows()
    report = live[0]
    assert isinstance(report, UnbilledRevenue)
    shown = sum((i.amount for i in report.items(FAR)), eur(0))
    assert shown == eur(amount)


def test_voiding_the_old_draft_gives_back_what_it_held(
    tmp_path: Path, opened: list[QuoteToCash]
) -> None:
    """The old draft holds 41.64 of the 83.28, so 41.64 is unbilled, today as on any day.
    Voiding it gives the 41.64 back (not the line's 83.28, which the allowance never held):
    83.28 is unbilled again, and the request's invoice bills it once."""
    store = OldStore(tmp_path / "old.db", issued=False)
    app = reopen(store, opened)
    assert app.allowance(store.allowance).billed_overage == {store.key: Decimal("41.64")}
    unbilled(app, store, "41.64")

    app.void_invoice(store.invoice, reason="one line per instalment", actor=A, voided_on=ON)

    assert app.allowance(store.allowance).billed_overage == {}
    unbilled(app, store, "83.28")
    again = app.draft_request_invoice(store.request, drafted_on=ON, actor=A)
    assert app.invoice(again).net == eur("83.28")
    unbilled(app, store, "0.00")


def test_voiding_it_after_the_rest_was_billed_again_leaves_the_other_invoice_held(
    tmp_path: Path, opened: list[QuoteToCash]
) -> None:
    """With 41.64 left unbilled, the request's invoice billed it: the allowance holds 83.28,
    41.64 for each invoice. Voiding the old draft gives back its 41.64 only, so the other
    invoice still holds its 41.64 and 41.64 is unbilled, not all 83.28 (which would bill it
    twice); voiding the other gives back the rest."""
    store = OldStore(tmp_path / "old.db", issued=False)
    app = reopen(store, opened)
    app.complete_request(store.request, completed_on=ON, actor=A)
    second = app.draft_request_invoice(store.request, drafted_on=ON, actor=A)
    assert app.invoice(second).net == eur("41.64")
    assert app.allowance(store.allowance).billed_overage == {store.key: Decimal("83.28")}

    app.void_invoice(store.invoice, reason="billed twice", actor=A, voided_on=ON)

    assert app.allowance(store.allowance).billed_overage == {store.key: Decimal("41.64")}
    unbilled(app, store, "41.64")
    app.void_invoice(second, reason="redraft", actor=A, voided_on=ON)
    assert app.allowance(store.allowance).billed_overage == {}
    unbilled(app, store, "83.28")


def test_crediting_the_old_line_as_rebillable_gives_back_what_it_held(
    tmp_path: Path, opened: list[QuoteToCash]
) -> None:
    """The old invoice was issued. A re-billable credit note of its line gives back the 41.64
    it held: 83.28 is unbilled and the request's next invoice bills it."""
    store = OldStore(tmp_path / "old.db", issued=True)
    app = reopen(store, opened)
    unbilled(app, store, "41.64")
    note = app.draft_credit_note(
        store.invoice,
        line_ids=["L1"],
        disposition=CreditDisposition.REBILLABLE,
        reason="billed in the wrong month",
        drafted_on=ON,
        actor=A,
    )
    approve_and_issue(app, note)

    assert app.allowance(store.allowance).billed_overage == {}
    unbilled(app, store, "83.28")
    app.complete_request(store.request, completed_on=ON, actor=A)
    again = app.draft_request_invoice(store.request, drafted_on=ON, actor=A)
    assert app.invoice(again).net == eur("83.28")
