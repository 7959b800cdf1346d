"""``explain`` lists every event behind a prepaid allowance's numbers, not only those that
wrote its row.

Acme has 10 prepaid hours; 12 are logged on 10 March and a 15 March draft bills the 2 hours
over. The draft is voided with its day, 10 April (or, issued, credited re-billable that
day): the allowance reads 2 hours of overage billed on 9 April and none from 10 April. The
void or credit is recorded on the invoice (its draft, void and credit days), not on the
allowance, yet it is what changes the allowance's numbers on 10 April: ``q2c explain
prepaid_credit_usage alw:<id>`` lists it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from uuid import UUID

from typer.testing import CliRunner

from q2c_adapters.cli import app as cli
from q2c_core import AllowanceUnit, CreditDisposition, Money, Period, QuoteToCash, TimeEntry
from q2c_core.projections import PrepaidCreditUsage, rebuild

runner = CliRunner(env={"COLUMNS": "250"})
A = "alice"


def eur(x: str | int) -> Money:
    return Money.of(x, "EUR")


def _acme_billed_2_hours_over(app: QuoteToCash) -> tuple[UUID, UUID]:
    """Acme's 10 prepaid hours and the 15 March draft billing the 2 hours over them."""
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    hours = app.grant_allowance(
        acme,
        unit=AllowanceUnit.HOURS,
        quantity=10,
        period=Period(date(2024, 1, 1), date(2025, 1, 1)),
        granted_on=date(2024, 1, 1),
        actor=A,
    )
    tweaks = app.open_request(acme, "Tweaks", requested_on=date(2024, 3, 1), actor=A)
    app.estimate_request(tweaks, hours=10, rate=eur(100), actor=A)
    app.cover_request_by_allowance(tweaks, hours, actor=A)
    app.authorize_work(tweaks, authorized_on=date(2024, 3, 1), actor=A)
    app.log_work(
        tweaks, TimeEntry("t1", "bob", date(2024, 3, 10), Decimal(12), eur(100)), actor="bob"
    )
    app.complete_request(tweaks, completed_on=date(2024, 3, 14), actor=A)
    draft = app.draft_request_invoice(tweaks, drafted_on=date(2024, 3, 15), actor=A)
    return hours, draft


def _overage_billed(app: QuoteToCash) -> tuple[Decimal, Decimal]:
    """The allowance's overage billed on 9 April and on 10 April."""
    usage = PrepaidCreditUsage()
    rebuild(app, [usage])
    (april_9,) = usage.usage(date(2024, 4, 9))
    (april_10,) = usage.usage(date(2024, 4, 10))
    return april_9.overage_billed, april_10.overage_billed


def test_explaining_an_allowance_lists_the_void_that_gave_its_overage_back(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path}/acme.db"
    app = QuoteToCash.open(url)
    hours, draft = _acme_billed_2_hours_over(app)
    app.void_invoice(draft, reason="wrong", actor=A, voided_on=date(2024, 4, 10))
    assert _overage_billed(app) == (2, 0)
    app.close()

    out = runner.invoke(cli, ["explain", "prepaid_credit_usage", f"alw:{hours.hex}", "--url", url])
    assert out.exit_code == 0, out.output
    for what in (
        "PrepaidAllowance.Granted",
        "PrepaidAllowance.WorkCharged",
        "Invoice.Drafted",
        "Invoice.Voided",  # the only event holding 10 April
    ):
        assert what in out.output, what


def test_explaining_an_allowance_lists_the_re_billable_credit_that_gave_its_overage_back(
    tmp_path: Path,
) -> None:
    """The 15 March invoice issued, its overage line credited re-billable on 10 April: the
    credit, recorded on the invoice, gives the 2 hours back from its day."""
    url = f"sqlite:///{tmp_path}/acme.db"
    app = QuoteToCash.open(url)
    hours, invoice = _acme_billed_2_hours_over(app)
    for role, who in (("billing", "bea"), ("account_manager", "mia")):
        app.approve_invoice(invoice, role=role, approved_on=date(2024, 3, 15), actor=who)
    app.issue_invoice(invoice, issued_on=date(2024, 3, 15), actor=A)
    lines = [line.line_id for line in app.invoice(invoice).lines]
    note = app.draft_credit_note(
        invoice,
        line_ids=lines,
        disposition=CreditDisposition.REBILLABLE,
        reason="billed too soon",
        drafted_on=date(2024, 4, 10),
        actor=A,
    )
    for role, who in (("billing", "bea"), ("account_manager", "mia")):
        app.approve_invoice(note, role=role, approved_on=date(2024, 4, 10), actor=who)
    app.issue_invoice(note, issued_on=date(2024, 4, 10), actor=A)
    assert _overage_billed(app) == (2, 0)
    app.close()

    out = runner.invoke(cli, ["explain", "prepaid_credit_usage", f"alw:{hours.hex}", "--url", url])
    assert out.exit_code == 0, out.output
    assert "Invoice.Credited" in out.output  # the only event holding 10 April
