"""The cash-application example runs as a newcomer would run it, and its figures hold.

``examples/one_payment_many_invoices.py``: three monthly invoices of 1,210.00; one transfer of
3,000.00 pays two and part of the third (open 630.00); a second of 1,000.00 leaves 370.00 of
credit, refunded; the first transfer bounces and 3,000.00 is open again, while 10 March still
reads as it did.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "one_payment_many_invoices.py"


def figures(line: str) -> str:
    """A printed day's figures, after its description."""
    return line[line.index("invoiced") :]


def test_the_cash_application_example_adds_up(tmp_path: Path) -> None:
    ran = subprocess.run(
        [sys.executable, str(EXAMPLE), "--db", str(tmp_path / "payments.db")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert ran.returncode == 0, ran.stderr
    days = [line for line in ran.stdout.splitlines() if line.startswith("2026-")]
    assert [figures(line) for line in days] == [
        "invoiced 3,630.00 EUR  paid 0.00 EUR  open 3,630.00 EUR  credit 0.00 EUR  "
        "past due 2,420.00 EUR",
        "invoiced 3,630.00 EUR  paid 3,000.00 EUR  open 630.00 EUR  credit 0.00 EUR  "
        "past due 0.00 EUR",
        "invoiced 3,630.00 EUR  paid 3,630.00 EUR  open 0.00 EUR  credit 370.00 EUR  "
        "past due 0.00 EUR",
        "invoiced 3,630.00 EUR  paid 3,630.00 EUR  open 0.00 EUR  credit 0.00 EUR  "
        "past due 0.00 EUR",
        "invoiced 3,630.00 EUR  paid 630.00 EUR  open 3,000.00 EUR  credit 0.00 EUR  "
        "past due 2,420.00 EUR",
        "invoiced 3,630.00 EUR  paid 3,000.00 EUR  open 630.00 EUR  credit 0.00 EUR  "
        "past due 0.00 EUR",
    ]
    assert "one transfer, 3 allocations, oldest due first" in ran.stdout
