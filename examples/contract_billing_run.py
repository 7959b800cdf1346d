"""A maintenance contract through a year of billing runs: what the run promises, it posts.

Globex signs a master contract billed quarterly in advance, aligned to calendar quarters, with
two sub-contracts. The story shows the four promises of the billing run:

1. ``preview_billing(day)`` lists exactly the lines ``run_billing(day)`` then drafts;
2. running again (or after a crash) bills nothing twice;
3. a change after invoicing (a site removed back-dated) is settled by a credit note for exactly
   the days affected, never by rewriting the issued invoice;
4. a renewal with an uplift bills the new term at the new price, and the account manager sees
   the contract coming up for renewal beforehand.

Run it with ``python examples/contract_billing_run.py [--db contracts.db]`` (a new SQLite file
each time: the file is replaced). Copy the parts you need: every call is the public API.
"""

from __future__ import annotations

import argparse
import os
from datetime import date, timedelta
from pathlib import Path
from uuid import UUID

from q2c_core import (
    BillingDraft,
    BillingFrequency,
    Money,
    Period,
    PeriodAlignment,
    PricePoint,
    QuoteToCash,
    SubContract,
    SubContractKind,
    TaxRate,
)

BILLING = "bea.billing"
MANAGER = "mia.manager"


def eur(amount: str) -> Money:
    """Euros from a string: never a float."""
    return Money.of(amount, "EUR")


def show(drafts: list[BillingDraft]) -> None:
    """Each document a run drafts (or would draft), a line per sub-contract slice."""
    for draft in drafts:
        # a Period's end is the first day it no longer covers; the lines show the last day
        period = (
            f"{draft.period.start}..{draft.period.end - timedelta(days=1)}"
            if draft.period
            else "extra lines"
        )
        print(f"  {draft.kind.name:<12} {draft.contract_number} {period}  net {draft.net}")
        for line in draft.lines:
            print(f"    {line.description:<60} {line.quantity:>8} x {line.unit_price}")


def issue(app: QuoteToCash, invoice_id: UUID, on: date) -> str:
    """Billing and the account manager approve, billing issues: the gapless number."""
    app.approve_invoice(invoice_id, role="billing", approved_on=on, actor=BILLING)
    app.approve_invoice(invoice_id, role="account_manager", approved_on=on, actor=MANAGER)
    return app.issue_invoice(invoice_id, issued_on=on, actor=BILLING)


def run(app: QuoteToCash, day: date) -> list[str]:
    """Preview the run of ``day``, post it, check they agree, issue what it drafted."""
    preview = app.preview_billing(day)
    print(f"Run of {day}: {len(preview)} document(s) previewed")
    show(preview)
    result = app.run_billing(day, actor=BILLING, progress=lambda done, total: None)
    posted = [(d.contract_id, d.kind, d.period, d.net) for d in result.documents]
    assert posted == [(d.contract_id, d.kind, d.period, d.net) for d in preview]
    print(f"  posted the same: {len(result.documents)} document(s), {result.events_written} events")
    numbers = [issue(app, invoice_id, day) for invoice_id in result.invoice_ids]
    print(f"  issued {', '.join(numbers)}\n")
    return numbers


def story(app: QuoteToCash) -> None:
    """Globex's contract from signing to its renewal."""
    globex = app.register_customer(
        "Globex", "EUR", account_manager=MANAGER, actor=BILLING, tax_rate=TaxRate.standard(21)
    )
    contract = app.sign_contract(
        globex,
        number="MC-GLX-1",
        term=Period(date(2026, 1, 1), date(2027, 1, 1)),
        frequency=BillingFrequency.QUARTERLY,
        alignment=PeriodAlignment.CALENDAR,
        signed_on=date(2025, 12, 15),
        actor=MANAGER,
        sub_contracts=[
            SubContract(
                "erp",
                "ERP licence maintenance",
                SubContractKind.LICENCE,
                date(2026, 1, 1),
                [PricePoint(date(2026, 1, 1), eur("12000.00"))],  # a year's price
            ),
            SubContract(
                "lyon",
                "Site Lyon support",
                SubContractKind.SITE,
                date(2026, 1, 1),
                [PricePoint(date(2026, 1, 1), eur("3650.00"))],
            ),
        ],
    )
    app.activate_contract(contract, effective=date(2026, 1, 1), actor=MANAGER)

    run(app, date(2026, 1, 1))
    # the same run again, a retry after a time-out: nothing is billed twice
    again = app.run_billing(date(2026, 1, 1), actor=BILLING)
    print(f"Run of 2026-01-01 again: {len(again.documents)} documents\n")

    # a site joins on 15 February, in the middle of a quarter already billed: its days are
    # billed by the next run, prorated by actual days
    app.add_sub_contract(
        contract,
        SubContract(
            "nice",
            "Site Nice support",
            SubContractKind.SITE,
            date(2026, 2, 15),
            [PricePoint(date(2026, 2, 15), eur("3650.00"))],
        ),
        actor=MANAGER,
    )
    run(app, date(2026, 4, 1))

    # Lyon closed on 31 May, told in June after Q2 was invoiced: the next run credits exactly
    # June's days (a credit note naming the days), the issued invoice stays as it was
    app.remove_sub_contract(contract, "lyon", effective_to=date(2026, 6, 1), actor=MANAGER)
    run(app, date(2026, 7, 1))

    expiring = app.contracts_expiring_within(90, date(2026, 10, 15))
    for item in expiring:
        print(f"Expiring for {MANAGER}: {item.number}, {item.days_left} days left\n")
    app.renew_contract(
        contract,
        new_end=date(2028, 1, 1),
        effective=date(2027, 1, 1),
        uplift_percent=3,
        actor=MANAGER,
    )
    run(app, date(2026, 10, 1))
    run(app, date(2027, 1, 1))
    summary = app.customer_summary(globex)
    print(f"Globex invoiced {summary.invoiced}, open {summary.open}")


def main() -> None:
    """Record the story into a new SQLite file and print each run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="contracts.db", help="SQLite file (replaced)")
    args = parser.parse_args()
    path = Path(args.db).resolve()
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(f"{path}{suffix}"):
            os.remove(f"{path}{suffix}")
    app = QuoteToCash.open(f"sqlite:///{path}")
    try:
        story(app)
    finally:
        app.close()


if __name__ == "__main__":
    main()
