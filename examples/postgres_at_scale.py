"""q2c on PostgreSQL at scale: contracts billed by two worker processes, read models followed.

The application and its read models share one PostgreSQL database (each in the schema the URL
names, created when missing). The billing run, by two worker processes, reports its progress
through a callback, drawn here as a rich progress bar; a second run bills nothing. The read
models follow the log from their stored positions, and a rebuild from an empty start into a
scratch store equals them.

Run it with ``python examples/postgres_at_scale.py --url postgresql://user@127.0.0.1:5432/db
[--contracts 500]``; use a schema of its own (``...?schema=q2c_example``): the run bills what
it finds there.
"""

from __future__ import annotations

import argparse
from datetime import date

from rich.progress import Progress

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
from q2c_core.projections import (
    ProjectionStore,
    UnbilledRevenue,
    all_projections,
    catch_up,
    rebuild,
)

BILLING = "bea.billing"
MANAGER = "mia.manager"
RUN_DAY = date(2026, 4, 1)


def eur(amount: str) -> Money:
    """Euros from a string: never a float."""
    return Money.of(amount, "EUR")


def sign_contracts(app: QuoteToCash, count: int) -> None:
    """``count`` customers with a quarterly contract of three sub-contracts each."""
    for n in range(1, count + 1):
        customer = app.register_customer(
            f"Customer {n:05}",
            "EUR",
            account_manager=MANAGER,
            actor=BILLING,
            tax_rate=TaxRate.standard(21),
        )
        subs = [
            SubContract(
                sub_id,
                f"{sub_id.title()} maintenance",
                SubContractKind.PRODUCT,
                date(2026, 1, 1),
                [PricePoint(date(2026, 1, 1), eur(price))],
            )
            for sub_id, price in (("erp", "12000.00"), ("crm", "4800.00"), ("bi", "2400.00"))
        ]
        contract = app.sign_contract(
            customer,
            number=f"MC-{n:05}",
            term=Period(date(2026, 1, 1), date(2027, 1, 1)),
            frequency=BillingFrequency.QUARTERLY,
            alignment=PeriodAlignment.CALENDAR,
            signed_on=date(2025, 12, 1),
            actor=MANAGER,
            sub_contracts=subs,
        )
        app.activate_contract(contract, effective=date(2026, 1, 1), actor=MANAGER)


def bill(app: QuoteToCash, workers: int) -> int:
    """The quarter's run by ``workers`` processes, with a progress bar; documents drafted."""
    # (drawn at each update: rich's refresh thread would keep the workers from being forked)
    with Progress(transient=True, auto_refresh=False) as bar:
        task = bar.add_task(f"billing run of {RUN_DAY}", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total, refresh=True)

        result = app.run_billing(RUN_DAY, actor=BILLING, progress=progress, workers=workers)
    return len(result.documents)


def main() -> None:
    """Sign, bill twice, follow the read models, rebuild them and compare."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="postgresql://... (a schema of its own)")
    parser.add_argument("--contracts", type=int, default=500)
    args = parser.parse_args()
    app = QuoteToCash.open(args.url)
    store = ProjectionStore.open(args.url)
    try:
        if not app.customers():
            sign_contracts(app, args.contracts)
        drafted = bill(app, workers=2)
        print(f"Run of {RUN_DAY}: {drafted} invoices drafted by 2 workers")
        print(f"Run of {RUN_DAY} again: {bill(app, workers=2)} invoices drafted")

        live = all_projections(store)
        applied = catch_up(app, live)
        print(f"Read models on PostgreSQL followed the log: {applied} events applied")
        unbilled = next(p for p in live if isinstance(p, UnbilledRevenue))
        print(f"Unbilled contract periods on {RUN_DAY}: {len(unbilled.items(RUN_DAY))}")

        scratch = all_projections(ProjectionStore.memory())
        rebuilt = rebuild(app, scratch, workers=1)
        same = all(a.rows() == b.rows() for a, b in zip(live, scratch, strict=True))
        print(f"Rebuilt from an empty start ({rebuilt} events): equal to the live ones: {same}")
    finally:
        store.close()
        app.close()


if __name__ == "__main__":
    main()
