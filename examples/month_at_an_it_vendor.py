"""A month at an IT vendor: the story q2c exists for, on an embedded SQLite file.

Three customers. Northwind has a maintenance contract and an enhancement that went through the PO
gate; one bank transfer pays both of its invoices, and a second enhancement is still in progress
at month end (worked, not yet invoiced: unbilled revenue). Contoso's enhancement is covered by
prepaid hours, and the hours beyond the allowance are invoiced. Fabrikam's request is stuck
without a PO, and someone already booked time on it: recorded, flagged, not lost. Invoice
numbers follow the issue days (the INV series is opened in date order, as many VAT regimes
require), so Northwind's month-end run is recorded after the others' mid-month invoices.

Run it with ``make demo`` (or ``python examples/month_at_an_it_vendor.py --db demo.db``). Running
it again on the same file finds the month already recorded and prints the same reports, replayed
from the stored events.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path
from uuid import UUID

from rich.console import Console

from q2c_adapters.reports import print_reports as print_projection_reports
from q2c_core import (
    AllowanceUnit,
    BillingFrequency,
    Money,
    Period,
    PricePoint,
    QuoteToCash,
    RuleViolated,
    SubContract,
    SubContractKind,
    TaxRate,
    TimeEntry,
)
from q2c_core.projections import ProjectionStore, all_projections, catch_up, rebuild

BILLING = "bea.billing"
MANAGER = "mia.manager"
PM = "pete.pm"
VAT = TaxRate.standard(21)


def eur(amount: str) -> Money:
    """Euros from a string: never a float."""
    return Money.of(amount, "EUR")


def approve_and_issue(app: QuoteToCash, invoice_id: UUID, on: date) -> str:
    """Billing and the account manager sign off (the drafter is neither), then billing issues."""
    app.approve_invoice(invoice_id, role="billing", approved_on=on, actor=BILLING)
    app.approve_invoice(invoice_id, role="account_manager", approved_on=on, actor=MANAGER)
    return app.issue_invoice(invoice_id, issued_on=on, actor=BILLING)


def northwind(app: QuoteToCash) -> None:
    """Maintenance contract + an enhancement through the PO gate; one payment for both.

    Its month-end run is recorded last (``month_end``), after the other customers' mid-month
    invoices: the INV series numbers in the order of the issue days.
    """
    nw = app.register_customer(
        "Northwind Traders",
        "EUR",
        account_manager=MANAGER,
        actor=BILLING,
        tax_rate=VAT,
        country="NL",
        tax_id="NL123456789B01",
        address="Keizersgracht 1, Amsterdam",
    )
    contract = app.sign_contract(
        nw,
        number="MC-2026-001",
        term=Period(date(2026, 3, 1), date(2027, 3, 1)),
        frequency=BillingFrequency.MONTHLY,
        signed_on=date(2026, 2, 15),
        actor=MANAGER,
        sub_contracts=[
            SubContract(
                "erp",
                "ERP licence maintenance",
                SubContractKind.LICENCE,
                date(2026, 3, 1),
                [PricePoint(date(2026, 3, 1), eur("12000"))],
            ),
            SubContract(
                "ams",
                "Site Amsterdam support",
                SubContractKind.SITE,
                date(2026, 3, 1),
                [PricePoint(date(2026, 3, 1), eur("2400"))],
            ),
        ],
    )
    app.activate_contract(contract, effective=date(2026, 3, 1), actor=MANAGER)
    # month-start billing run: one invoice per contract and period, a line per sub-contract
    [maintenance] = app.run_billing(date(2026, 3, 1), actor=BILLING).invoice_ids
    approve_and_issue(app, maintenance, date(2026, 3, 2))
    # a third site joins mid-March, after March was billed: the next run bills exactly its days
    app.add_sub_contract(
        contract,
        SubContract(
            "rtm",
            "Site Rotterdam support",
            SubContractKind.SITE,
            date(2026, 3, 16),
            [PricePoint(date(2026, 3, 16), eur("2400"))],
        ),
        actor=MANAGER,
    )

    sso = app.open_request(
        nw,
        "Single sign-on for the ERP",
        requested_on=date(2026, 3, 2),
        actor=PM,
        contract_id=contract,
        product_area="security",
    )
    app.estimate_request(sso, hours=16, rate=eur("110"), actor=PM)
    app.send_quote(sso, sent_on=date(2026, 3, 3), actor=BILLING)
    app.receive_purchase_order(
        sso, number="PO-NW-7781", amount=eur("1760"), received_on=date(2026, 3, 5), actor=BILLING
    )
    app.authorize_work(sso, authorized_on=date(2026, 3, 5), due_on=date(2026, 3, 20), actor=PM)
    for n, (day, hours) in enumerate([(9, "6"), (10, "6"), (12, "5.5")], start=1):
        app.log_work(
            sso,
            TimeEntry(f"nw-sso-{n}", "dev.dana", date(2026, 3, day), Decimal(hours), eur("110")),
            actor="dev.dana",
        )
    app.complete_request(sso, completed_on=date(2026, 3, 12), actor=PM)
    enhancement = app.draft_request_invoice(sso, drafted_on=date(2026, 3, 13), actor=PM)
    approve_and_issue(app, enhancement, date(2026, 3, 13))

    # one bank transfer pays both March invoices, allocated oldest due first
    owed = app.invoice(maintenance).total + app.invoice(enhancement).total
    payment = app.receive_payment(
        nw, owed, received_on=date(2026, 3, 27), reference="Northwind March invoices", actor=BILLING
    )
    app.allocate_payment(payment, allocated_on=date(2026, 3, 27), actor=BILLING)
    # work in progress at month end: logged, not yet invoiced, and on the unbilled report
    export = app.open_request(
        nw,
        "Month-end report export to the data warehouse",
        requested_on=date(2026, 3, 18),
        actor=PM,
        contract_id=contract,
        product_area="reporting",
    )
    app.estimate_request(export, hours=10, rate=eur("110"), actor=PM)
    app.send_quote(export, sent_on=date(2026, 3, 19), actor=BILLING)
    app.receive_purchase_order(
        export,
        number="PO-NW-7802",
        amount=eur("1100"),
        received_on=date(2026, 3, 23),
        actor=BILLING,
    )
    app.authorize_work(export, authorized_on=date(2026, 3, 23), due_on=date(2026, 4, 10), actor=PM)
    for n, (day, hours) in enumerate([(25, "3"), (26, "1.5")], start=1):
        app.log_work(
            export,
            TimeEntry(f"nw-export-{n}", "dev.dana", date(2026, 3, day), Decimal(hours), eur("110")),
            actor="dev.dana",
        )
    # an hour of internal code review on it: hours worked, never billed (the billable-hours KPI)
    app.log_work(
        export,
        TimeEntry(
            "nw-export-review",
            "dev.dana",
            date(2026, 3, 26),
            Decimal("1"),
            eur("110"),
            billable=False,
            note="internal code review",
        ),
        actor="dev.dana",
    )


def contoso(app: QuoteToCash) -> None:
    """Prepaid hours cover an enhancement; the hours beyond the allowance are invoiced."""
    co = app.register_customer(
        "Contoso Ltd",
        "EUR",
        account_manager="max.manager",
        actor=BILLING,
        tax_rate=VAT,
        country="BE",
    )
    hours = app.grant_allowance(
        co,
        unit=AllowanceUnit.HOURS,
        quantity=20,
        period=Period(date(2026, 1, 1), date(2027, 1, 1)),
        granted_on=date(2026, 1, 1),
        actor=BILLING,
    )
    dash = app.open_request(
        co,
        "Sales dashboard tweaks",
        requested_on=date(2026, 3, 3),
        actor=PM,
        product_area="reporting",
    )
    app.estimate_request(dash, hours=20, rate=eur("95"), actor=PM)
    app.cover_request_by_allowance(dash, hours, actor=BILLING)
    app.authorize_work(dash, authorized_on=date(2026, 3, 4), due_on=date(2026, 3, 31), actor=PM)
    # the timesheet for the 5th arrives last; it still draws first (work-date order)
    for entry_id, day, h in [
        ("co-1", 10, "8"),
        ("co-2", 11, "8"),
        ("co-3", 12, "6"),
        ("co-0", 5, "4"),
    ]:
        app.log_work(
            dash,
            TimeEntry(entry_id, "dev.omar", date(2026, 3, day), Decimal(h), eur("95")),
            actor="dev.omar",
        )
    app.complete_request(dash, completed_on=date(2026, 3, 12), actor=PM)
    overage = app.draft_request_invoice(dash, drafted_on=date(2026, 3, 13), actor=PM)
    approve_and_issue(app, overage, date(2026, 3, 13))


def fabrikam(app: QuoteToCash) -> None:
    """A quote waits for its PO, and time was booked on it anyway: flagged, not dropped."""
    fa = app.register_customer(
        "Fabrikam GmbH",
        "EUR",
        account_manager=MANAGER,
        actor=BILLING,
        tax_rate=TaxRate.standard(19),
        country="DE",
    )
    migration = app.open_request(
        fa,
        "Data migration from legacy CRM",
        requested_on=date(2026, 3, 9),
        actor=PM,
        product_area="integration",
    )
    app.estimate_request(migration, fixed_price=eur("4800"), actor=PM)
    app.send_quote(migration, sent_on=date(2026, 3, 10), actor=BILLING)
    app.import_work(
        migration,
        TimeEntry(
            "psa-4471", "dev.dana", date(2026, 3, 16), Decimal("3"), eur("110"), note="kick-off"
        ),
        source="psa-export-2026-03.csv",
        actor="psa-import",
    )


def month_end(app: QuoteToCash) -> None:
    """The month-end run bills Northwind's Rotterdam days (16-31 March): extra lines, never a
    rewrite of the invoice issued on the 2nd."""
    for invoice_id in app.run_billing(date(2026, 3, 31), actor=BILLING).invoice_ids:
        approve_and_issue(app, invoice_id, date(2026, 3, 31))


def run_month(app: QuoteToCash) -> None:
    """Record the whole month, in the order of its days where invoices take numbers.

    The INV series is opened in date order, as many VAT regimes require: an invoice issued on a
    day before the series' last issue would be refused, so the month-end run comes last.
    """
    app.open_number_series("INV", prefix="INV-", in_date_order=True, actor=BILLING)
    northwind(app)
    contoso(app)
    fabrikam(app)
    month_end(app)


def print_reports(app: QuoteToCash, url: str, as_of: date) -> None:
    """Bring the read models (kept in the same SQLite file) up to date, then print them.

    The follower resumes from its tracked position: on a second run it finds nothing new. Read
    models an older q2c built in the same file are refused, and then rebuilt from the events.
    """
    store = ProjectionStore.open(url)
    projections = all_projections(store)
    head = app.recorder.max_notification_id() or 0
    try:
        since = min(store.position(p.tracking_name) for p in projections)
        applied = catch_up(app, projections)
        print(
            f"Read models caught up: {applied} new events applied{_others(head - since, applied)}"
        )
    except RuleViolated as refused:
        print(f"{refused}: rebuilding the read models from the events.")
        applied = rebuild(app, projections)
        print(f"Read models rebuilt: {applied} events applied{_others(head, applied)}")
    console = Console(width=None if sys.stdout.isatty() else 160)
    print_projection_reports(app, console=console, as_of=as_of, projections=projections)


def _others(new: int, applied: int) -> str:
    """What the count of events applied to the read models leaves out of the events recorded:
    the kinds no report reads (approvals, invoice numbers and the opening of their series, the
    indexes kept to find a customer's documents or a bank reference, the names kept one
    customer each)."""
    if new <= applied:
        return ".\n"
    return (
        f"; the other {new - applied} of the {new} new events (approvals, invoice numbers and "
        "their series, index entries, customer names) change no report.\n"
    )


def main() -> None:
    """Record the month once (idempotent on re-runs), then print the reports."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="demo.db", help="SQLite file to record into")
    args = parser.parse_args()
    url = f"sqlite:///{Path(args.db).resolve()}"
    app = QuoteToCash.open(url)
    try:
        if any(c.name == "Northwind Traders" for c in app.customers()):
            print(f"{args.db} already holds the month: replaying it from the stored events.\n")
        else:
            run_month(app)
            print(
                f"Recorded the month in {args.db}: {app.recorder.max_notification_id()} events "
                "(every fact, approvals and invoice numbers too).\n"
            )
        print_reports(app, url, as_of=date(2026, 3, 31))
    finally:
        app.close()


if __name__ == "__main__":
    main()
