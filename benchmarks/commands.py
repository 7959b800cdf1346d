"""Full request -> invoice -> payment cycles per second, on SQLite and in memory.

Each cycle: open a request, estimate, send the quote, receive the PO, authorize, log three time
entries, complete, draft the invoice, two approvals, issue (with its gapless number), receive a
payment and allocate it. The floor (``../shared/bench/es_floor.py``: bare eventsourcing on this
machine) runs in the same run, and q2c's events per second are quoted as a ratio to the floor's
``a1_save_1evt_per_s`` (one event per save), because absolute times drift on noisy machines.

Usage: python benchmarks/commands.py [--cycles N] [--floor-repeats K]
Writes benchmarks/results/commands.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from q2c_core import Money, QuoteToCash, TaxRate, TimeEntry

HERE = Path(__file__).resolve().parent
FLOOR = HERE.parent.parent / "shared" / "bench" / "es_floor.py"
RESULTS = HERE / "results" / "commands.json"


def one_cycle(app: QuoteToCash, customer: Any, n: int) -> None:
    """One enhancement from request to paid invoice."""
    eur = Money.of("120", "EUR")
    day = date(2026, 3, 2)
    r = app.open_request(customer, f"Enhancement {n}", requested_on=day, actor="pm")
    app.estimate_request(r, hours=10, rate=eur, actor="pm")
    app.send_quote(r, sent_on=day, actor="billing")
    app.receive_purchase_order(
        r, number=f"PO-{n}", amount=Money.of("1200", "EUR"), received_on=day, actor="billing"
    )
    app.authorize_work(r, authorized_on=day, actor="pm")
    for k in range(3):
        app.log_work(r, TimeEntry(f"{n}-{k}", "dev", day, Decimal("3"), eur), actor="dev")
    app.complete_request(r, completed_on=day, actor="pm")
    inv = app.draft_request_invoice(r, drafted_on=day, actor="pm")
    app.approve_invoice(inv, role="billing", approved_on=day, actor="billing")
    app.approve_invoice(inv, role="account_manager", approved_on=day, actor="am")
    app.issue_invoice(inv, issued_on=day, actor="billing")
    total = app.invoice(inv).total
    p = app.receive_payment(customer, total, received_on=day, reference=f"pay {n}", actor="billing")
    app.allocate_payment(p, [(inv, total)], allocated_on=day, actor="billing")


def measure(url: str, cycles: int) -> dict[str, float]:
    """Run ``cycles`` full cycles on one store and report rates."""
    app = QuoteToCash.open(url)
    customers = [
        app.register_customer(
            f"Customer {i}",
            "EUR",
            account_manager="am",
            actor="billing",
            tax_rate=TaxRate.standard(21),
        )
        for i in range(10)
    ]
    start_events = app.recorder.max_notification_id() or 0
    t = time.perf_counter()
    for n in range(cycles):
        one_cycle(app, customers[n % len(customers)], n)
    seconds = time.perf_counter() - t
    events = (app.recorder.max_notification_id() or 0) - start_events
    app.close()
    return {
        "cycles": cycles,
        "seconds": seconds,
        "cycles_per_s": cycles / seconds,
        "events": events,
        "events_per_cycle": events / cycles,
        "events_per_s": events / seconds,
    }


def run_floor(repeats: int) -> dict[str, Any] | None:
    """Run the shared floor benchmark (SQLite) in this same run, when it is there."""
    if not FLOOR.exists():
        print(f"floor not found at {FLOOR}; ratios omitted", file=sys.stderr)
        return None
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "floor.json"
        subprocess.run(
            [sys.executable, str(FLOOR), "sqlite", str(repeats), f"--out={out}"],
            check=True,
            cwd=tmp,
            stdout=subprocess.DEVNULL,
        )
        data: dict[str, Any] = json.loads(out.read_text())
        return data


def main() -> None:
    """Measure, compare with the floor, write the JSON result."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--cycles", type=int, default=300)
    parser.add_argument("--floor-repeats", type=int, default=3)
    args = parser.parse_args()
    floor = run_floor(args.floor_repeats)
    with tempfile.TemporaryDirectory() as tmp:
        sqlite = measure(f"sqlite:///{tmp}/bench.db", args.cycles)
    memory = measure("memory:", args.cycles)
    result: dict[str, Any] = {
        "benchmark": "request->invoice->payment cycles",
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "sqlite": sqlite,
        "memory": memory,
    }
    if floor is not None:
        a1 = floor["medians"]["a1_save_1evt_per_s"]
        result["floor"] = {"a1_save_1evt_per_s": a1, "medians": floor["medians"]}
        result["ratio_sqlite_events_per_s_to_a1"] = sqlite["events_per_s"] / a1
        result["ratio_memory_events_per_s_to_a1"] = memory["events_per_s"] / a1
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
