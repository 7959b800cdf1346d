"""One bank transfer, many invoices: cash application the way a receivables clerk does it.

Hooli's maintenance contract is billed monthly (1,000.00 EUR plus 21 % VAT). Three invoices are
out when one transfer of 3,000.00 arrives: allocated oldest due first, it pays January and
February and part of March. A second transfer pays the rest of March (its receipt named by a
key, so the clerk's tool sending it again after a lost response receives it once), and what is
left over is kept as Hooli's credit, then paid back. Then the bank returns the first transfer
(the bounce sent again records nothing and says so): its allocations are reversed by events
(nothing is rewritten), and the invoices it paid are open again. Every figure is the customer
summary, read as of each day.

Run it with ``python examples/one_payment_many_invoices.py [--db payments.db]`` (replaced).
"""

from __future__ import annotations

import argparse
import os
from datetime import date
from pathlib import Path
from uuid import UUID

from q2c_core import (
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


def show(app: QuoteToCash, hooli: UUID, day: date, what: str) -> None:
    """The customer's money as it stood at the end of ``day``."""
    s = app.customer_summary(hooli, as_of=day)
    print(
        f"{day} {what:<46} invoiced {s.invoiced}  paid {s.paid}  open {s.open}  "
        f"credit {s.credit}  past due {s.past_due}"
    )


def bill_three_months(app: QuoteToCash, hooli: UUID) -> list[str]:
    """January, February and March billed by the month's run and issued that day."""
    contract = app.sign_contract(
        hooli,
        number="MC-HOO-1",
        term=Period(date(2026, 1, 1), date(2027, 1, 1)),
        frequency=BillingFrequency.MONTHLY,
        alignment=PeriodAlignment.CALENDAR,
        signed_on=date(2025, 12, 20),
        actor=MANAGER,
        sub_contracts=[
            SubContract(
                "core",
                "Core platform maintenance",
                SubContractKind.PRODUCT,
                date(2026, 1, 1),
                [PricePoint(date(2026, 1, 1), eur("12000.00"))],
            )
        ],
    )
    app.activate_contract(contract, effective=date(2026, 1, 1), actor=MANAGER)
    numbers = []
    for month in (1, 2, 3):
        day = date(2026, month, 1)
        [invoice] = app.run_billing(day, actor=BILLING).invoice_ids
        app.approve_invoice(invoice, role="billing", approved_on=day, actor=BILLING)
        app.approve_invoice(invoice, role="account_manager", approved_on=day, actor=MANAGER)
        numbers.append(app.issue_invoice(invoice, issued_on=day, actor=BILLING))
    return numbers


def story(app: QuoteToCash) -> None:
    """Hooli's first quarter of receivables."""
    hooli = app.register_customer(
        "Hooli", "EUR", account_manager=MANAGER, actor=BILLING, tax_rate=TaxRate.standard(21)
    )
    numbers = bill_three_months(app, hooli)
    show(app, hooli, date(2026, 3, 9), f"issued {', '.join(numbers)}")

    first = app.receive_payment(
        hooli, eur("3000.00"), received_on=date(2026, 3, 10), reference="SEPA-4411", actor=BILLING
    )
    paid = app.allocate_payment(first, allocated_on=date(2026, 3, 10), actor=BILLING)
    print(f"{'':10} one transfer, {len(paid)} allocations, oldest due first")
    show(app, hooli, date(2026, 3, 10), "3,000.00 received and allocated")

    def receive_second() -> UUID:
        """The clerk's tool names the receipt (its key), so sending it again receives once."""
        return app.receive_payment(
            hooli,
            eur("1000.00"),
            received_on=date(2026, 3, 20),
            reference="SEPA-4502",
            actor=BILLING,
            key="HOO-2026-03-20-1",
        )

    second = receive_second()
    again = receive_second()  # the response was lost: the tool sends the receipt again
    print(f"{'':10} receipt sent again under its key: the same payment {again == second}")
    app.allocate_payment(second, allocated_on=date(2026, 3, 20), actor=BILLING)
    show(app, hooli, date(2026, 3, 20), "1,000.00 more: March paid, the rest is credit")

    app.refund_customer_credit(
        hooli, eur("370.00"), refunded_on=date(2026, 3, 25), reference="SEPA-OUT-9", actor=BILLING
    )
    show(app, hooli, date(2026, 3, 25), "credit paid back")

    for _ in range(2):  # sent again after a lost response, the bounce records nothing
        recorded = app.bounce_payment(
            first, bounced_on=date(2026, 3, 27), reason="R01 insufficient funds", actor=BILLING
        )
        print(f"{'':10} bounce recorded: {recorded}")
    show(app, hooli, date(2026, 3, 27), "the first transfer returned by the bank")
    show(app, hooli, date(2026, 3, 10), "(and 10 March reads as it did)")


def main() -> None:
    """Record the story into a new SQLite file and print each day's figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="payments.db", help="SQLite file (replaced)")
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
