"""The PostgreSQL example runs against the real server, as a newcomer would run it.

``examples/postgres_at_scale.py`` on a fresh schema with 40 contracts: the run of 1 April bills
each contract's first two quarters (80 invoices) with two worker processes, a second run bills
nothing, the read models on the same server follow the log and equal a rebuild from an empty
start. Skipped on a laptop without PostgreSQL (with the reason); under CI=true it fails.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import storage_url

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "postgres_at_scale.py"


def test_the_postgres_example_bills_once_and_its_read_models_replay(tmp_path: Path) -> None:
    with storage_url("postgres", tmp_path) as url:
        ran = subprocess.run(
            [sys.executable, str(EXAMPLE), "--url", url, "--contracts", "40"],
            capture_output=True,
            text=True,
            timeout=600,
        )
    assert ran.returncode == 0, ran.stderr
    out = ran.stdout
    assert "Run of 2026-04-01: 80 invoices drafted by 2 workers" in out
    assert "Run of 2026-04-01 again: 0 invoices drafted" in out
    assert "Unbilled contract periods on 2026-04-01: 0" in out
    assert "equal to the live ones: True" in out
