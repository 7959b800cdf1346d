"""Allocations of one payment, dated back or not: how long 4,000 of them take.

A payment receives enough money for every allocation, then one allocation dated later than
all the others; each case then allocates 1.00 at a time to new invoices:

- not dated back: each on the payment's latest day (only ``unallocated`` is checked);
- dated back, one day: each on an earlier day, the same for all (checked against that day and
  every day since: what a remittance allocated as of its value date does);
- dated back, each day earlier: each a day before the one before it (every allocation adds a
  day to check: the worst case).

Prints the best of ``--repeats`` runs of each case in seconds; writes no results file.

Usage: python benchmarks/backdated_allocation.py [--allocations N] [--repeats K]
"""

from __future__ import annotations

import argparse
import time
from datetime import date, timedelta
from uuid import uuid4

from q2c_core import Money, Payment

RECEIVED = date(2024, 1, 1)
ONE = Money.of("1.00", "EUR")


def allocate(case: str, n: int) -> float:
    """Seconds to make ``n`` allocations of one payment in one case."""
    payment = Payment(
        customer_id=uuid4(),
        amount=Money.of(str(2 * n), "EUR"),
        received_on=RECEIVED,
        reference="remittance",
        actor="bench",
    )
    latest = RECEIVED + timedelta(days=n + 10)
    payment.allocate("latest", uuid4(), ONE, latest, "bench")
    days = {
        "not dated back": [latest] * n,
        "dated back, one day": [RECEIVED + timedelta(days=5)] * n,
        "dated back, each day earlier": [RECEIVED + timedelta(days=n - k) for k in range(n)],
    }[case]
    invoices = [uuid4() for _ in range(n)]
    start = time.perf_counter()
    for k, (invoice, day) in enumerate(zip(invoices, days, strict=True)):
        payment.allocate(f"a{k}", invoice, ONE, day, "bench")
    return time.perf_counter() - start


def main() -> None:
    """Run each case and print its best time."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--allocations", type=int, default=4000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    for case in ("not dated back", "dated back, one day", "dated back, each day earlier"):
        best = min(allocate(case, args.allocations) for _ in range(args.repeats))
        print(f"{args.allocations} allocations, {case}: {best:.2f} s")


if __name__ == "__main__":
    main()
