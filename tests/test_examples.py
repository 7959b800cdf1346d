"""Each example under ``examples/`` runs as a newcomer would run it, and shows what it says.

(``month_at_an_it_vendor.py``, the demo, has its own tests in ``test_demo.py``.)
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from conftest import storage_url

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def run_example(name: str, *args: str) -> str:
    """Run ``examples/<name>.py`` in a fresh interpreter; its standard output."""
    ran = subprocess.run(
        [sys.executable, str(EXAMPLES / f"{name}.py"), *args],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert ran.returncode == 0, ran.stderr
    return ran.stdout


def test_contract_billing_run(tmp_path: Path) -> None:
    """Preview equals posted on every run, a rerun bills nothing, a site joining mid-quarter
    bills its 45 of 90 days, a site removed back-dated is credited for exactly its 30 June
    days, and the renewal bills the new term 3 % up. Run again, the file is replaced: the same
    story, the same numbers."""
    db = str(tmp_path / "contracts.db")
    out = run_example("contract_billing_run", "--db", db)
    # five runs, each previewed and posted the same (the example asserts the equality)
    assert out.count("posted the same") == 5
    assert "Run of 2026-01-01 again: 0 documents" in out
    assert "Site Nice support [nice]: 2026-02-15..2026-03-31, 45/90 days" in out
    assert "CREDIT_NOTE  MC-GLX-1 extra lines  net 300.82 EUR" in out
    assert "Site Lyon support [lyon]: 2026-06-01..2026-06-30, 30/91 days" in out
    assert "issued CN-000001, INV-000004" in out
    assert "Expiring for mia.manager: MC-GLX-1, 77 days left" in out
    assert "at 12,360.00 EUR a year" in out
    assert "Globex invoiced 25,104.86 EUR, open 25,104.86 EUR" in out
    assert run_example("contract_billing_run", "--db", db) == out


def test_one_payment_many_invoices(tmp_path: Path) -> None:
    """Three monthly invoices of 1,210.00; one transfer of 3,000.00 pays two and part of the
    third (open 630.00); a second of 1,000.00 leaves 370.00 of credit, refunded; the first
    transfer bounces and 3,000.00 is open again, while 10 March still reads as it did. The second
    receipt and the bounce, each sent again, record nothing."""
    out = run_example("one_payment_many_invoices", "--db", str(tmp_path / "payments.db"))
    days = [line[line.index("invoiced") :] for line in out.splitlines() if line[:5] == "2026-"]
    assert days == [
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
    assert "one transfer, 3 allocations, oldest due first" in out
    # the receipt and the bounce sent again after a lost response record nothing
    assert "receipt sent again under its key: the same payment True" in out
    assert "bounce recorded: True" in out and "bounce recorded: False" in out


def test_auditor_replay(tmp_path: Path) -> None:
    """Today nothing of Initech is unbilled or open; rebuilt as of a moment before the
    invoice, the 8 hours (800.00 EUR) are unbilled; the live read models equal a rebuild from
    an empty start; the events behind that unbilled row are the request's own, each with who
    recorded it; the invoice's history runs from its draft to the payment applied."""
    out = run_example("auditor_replay", "--db", str(tmp_path / "audit.db"))
    assert "unbilled today: 0 items" in out
    assert "open invoices today: 0" in out
    assert "unbilled work: TPS report export: dana.dev 2026-05-06, 8 h, 800.00 EUR" in out
    assert "Live equals rebuilt from scratch: True" in out
    behind = out[out.index("Events behind") : out.index("The invoice's history")]
    assert [line.split()[0] for line in behind.strip().splitlines()[1:]] == [
        "EnhancementRequest.Requested",
        "EnhancementRequest.Estimated",
        "EnhancementRequest.WorkAuthorized",
        "EnhancementRequest.WorkLogged",
    ]
    assert behind.strip().splitlines()[-1].endswith("by dana.dev")
    history = out[out.index("The invoice's history") :].strip().splitlines()[1:]
    assert [line.split()[2] for line in history] == [
        "Invoice.Drafted",
        "Invoice.Approved",
        "Invoice.Approved",
        "Invoice.Issued",
        "Invoice.PaymentApplied",
    ]
    assert [line.split()[3] for line in history[1:3]] == ["bea.billing", "mia.manager"]


def test_postgres_at_scale(tmp_path: Path) -> None:
    """On a fresh schema of the real server, 40 contracts: the run of 1 April bills each
    contract's first two quarters (80 invoices) with two worker processes, a second run bills
    nothing, the read models on the same server follow the log and equal a rebuild from an
    empty start. Skipped on a laptop without PostgreSQL (with the reason); fails under CI."""
    with storage_url("postgres", tmp_path) as url:
        out = run_example("postgres_at_scale", "--url", url, "--contracts", "40")
    assert "Run of 2026-04-01: 80 invoices drafted by 2 workers" in out
    assert "Run of 2026-04-01 again: 0 invoices drafted" in out
    assert "Unbilled contract periods on 2026-04-01: 0" in out
    assert "equal to the live ones: True" in out


def test_each_example_says_in_a_whole_sentence_what_it_is() -> None:
    """``--help`` shows an example's first docstring line as its description: a sentence
    cut at the line's end ("... read models on the") tells a newcomer half of what it does."""
    for example in sorted(EXAMPLES.glob("*.py")):
        doc = ast.get_docstring(ast.parse(example.read_text(encoding="utf-8"))) or ""
        first = doc.splitlines()[0] if doc else ""
        assert first.endswith("."), f"{example.name}: {first!r}"
