"""The auditor example runs as a newcomer would run it and answers its four questions.

``examples/auditor_replay.py``: today nothing of Initech is unbilled or open; rebuilt as of a
moment before the invoice, the 8 hours (800.00 EUR) are unbilled; the live read models equal a
rebuild from an empty start; the events behind that unbilled row are the request's own, each
with who recorded it; the invoice's history runs from its draft to the payment applied.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "auditor_replay.py"


def test_the_auditor_example_answers_from_the_events(tmp_path: Path) -> None:
    ran = subprocess.run(
        [sys.executable, str(EXAMPLE), "--db", str(tmp_path / "audit.db")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert ran.returncode == 0, ran.stderr
    out = ran.stdout
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
