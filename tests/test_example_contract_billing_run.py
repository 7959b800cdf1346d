"""The contract billing example runs as a newcomer would run it, and shows what it says.

``examples/contract_billing_run.py`` promises: preview equals posted on every run, a rerun
bills nothing, a site joining mid-quarter bills its 45 of 90 days, a site removed back-dated
is credited for exactly its 30 June days, and the renewal bills the new term 3 % up.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "contract_billing_run.py"


def test_the_contract_billing_example_tells_its_story(tmp_path: Path) -> None:
    db = tmp_path / "contracts.db"
    ran = subprocess.run(
        [sys.executable, str(EXAMPLE), "--db", str(db)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert ran.returncode == 0, ran.stderr
    out = ran.stdout
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
    # running it again replaces the file: the same story, the same numbers
    again = subprocess.run(
        [sys.executable, str(EXAMPLE), "--db", str(db)],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    assert again.stdout == out
