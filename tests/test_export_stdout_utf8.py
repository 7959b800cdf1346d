"""``q2c export ...`` to standard output writes the same UTF-8 bytes as ``--out FILE``,
whatever the terminal's encoding.

A bookkeeper's server runs with a Latin-1 locale (``LANG=de_DE.ISO-8859-1``; here
``PYTHONIOENCODING=latin-1``) and the nightly job redirects the export, ``q2c export invoices
... > register.csv``. The register names a Greek customer: it must not stop with a traceback
half way (Greek is not Latin-1), and a German one's ``ü`` must not come out as Latin-1 bytes
that the BI tool, Beancount or a JSON reader (UTF-8 by RFC 8259) reads as mojibake: the
export is the file ``--out`` writes, byte for byte."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from test_beancount_ledger import issue, manual_line

from q2c_core import QuoteToCash, TaxRate

SRC = str(Path(__file__).resolve().parents[1] / "src")


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('utf8') / 'billing.db'}"
    app = QuoteToCash.open(url)
    for name in ("Ελληνική Λογιστική ΑΕ", "Müller GmbH"):
        customer = app.register_customer(
            name, "EUR", account_manager="mia", actor="alice", tax_rate=TaxRate.standard(21)
        )
        invoice = app.draft_invoice(
            customer,
            [manual_line("L1", "100.00", TaxRate.standard(21))],
            drafted_on=date(2024, 3, 1),
            actor="billy",
        )
        issue(app, invoice, date(2024, 3, 1))
    app.close()
    return url


def q2c(*args: str, encoding: str) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "PYTHONPATH": SRC, "PYTHONIOENCODING": encoding}
    command = [sys.executable, "-m", "q2c_adapters.cli", *args]
    return subprocess.run(command, capture_output=True, env=env, timeout=300)


@pytest.mark.parametrize(
    "what",
    [
        ("invoices", "--format", "csv"),
        ("invoices", "--format", "json"),
        ("payments", "--format", "csv"),
        ("beancount",),
    ],
    ids=["invoices-csv", "invoices-json", "payments-csv", "beancount"],
)
def test_an_export_to_a_latin1_terminal_is_the_utf8_file_out_writes(
    url: str, tmp_path: Path, what: tuple[str, ...]
) -> None:
    out = tmp_path / "export.txt"
    written = q2c("export", *what, "--url", url, "--out", str(out), encoding="utf-8")
    assert written.returncode == 0, written.stderr
    printed = q2c("export", *what, "--url", url, encoding="latin-1")
    assert printed.returncode == 0, printed.stderr.decode(errors="replace")[-400:]
    assert printed.stdout == out.read_bytes()
    if what[0] == "invoices":
        text = printed.stdout.decode("utf-8")
        assert "Ελληνική Λογιστική ΑΕ" in text and "Müller GmbH" in text
