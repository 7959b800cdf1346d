"""A newcomer copies the README's Python into a file and runs it: it must work as printed.

The quickstart records Acme's first enhancement on ``billing.db`` (quoted, PO, authorized,
9.5 hours, invoiced, paid by one transfer) and the second block follows the read models on the
same file. Both run here, in a fresh folder, in a fresh interpreter, as the README shows them.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def readme_python_blocks() -> list[str]:
    """Every fenced ```python block of the README, in order."""
    return re.findall(r"^```python\n(.*?)^```$", README, re.M | re.S)


def test_the_readme_shows_the_quickstart_and_the_read_models_in_python() -> None:
    """Two blocks: the quickstart (which opens ``billing.db``) and the read models on it."""
    blocks = readme_python_blocks()
    assert len(blocks) == 2
    assert 'QuoteToCash.open("sqlite:///billing.db")' in blocks[0]
    assert "catch_up(app, projections)" in blocks[1]


def test_the_readme_python_runs_as_printed_and_acme_is_paid(tmp_path: Path) -> None:
    """9.5 hours at 100.00 EUR plus 21 % VAT is 1,149.50, invoiced and paid by one transfer:
    nothing open, nothing unbilled, no credit. Then the read models follow the same file."""
    script = tmp_path / "quickstart.py"
    script.write_text(
        "\n".join(readme_python_blocks()) + "\nprint('read models:', len(projections))\n",
        encoding="utf-8",
    )
    ran = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"},
    )
    assert ran.returncode == 0, ran.stderr
    out = ran.stdout
    assert "name='Acme'" in out
    assert "invoiced=Money(amount=Decimal('1149.50'), currency='EUR')" in out
    assert "paid=Money(amount=Decimal('1149.50'), currency='EUR')" in out
    assert "open=Money(amount=Decimal('0.00'), currency='EUR')" in out
    assert "unbilled_work=Money(amount=Decimal('0.00'), currency='EUR')" in out
    assert re.search(r"^read models: [1-9]\d*$", out, re.M)
    assert (tmp_path / "billing.db").is_file()
