"""Our account given to the bank importer (``account=``, ``q2c import bank-statement
--account``) holding an invisible or full-width character is refused as the setting it is.

The controller pasted our IBAN from a chat into ``--account`` for a CSV export without an
account column; a zero-width space came along. Every row was refused as "line 2: account:
holds an invisible ... character", "line 4: account: ...", naming a column the file does not
have, on lines that were fine; the controller looked for the fault in the file. The setting is
now refused itself, before anything is read, naming ``account`` (the CLI: ``--account``),
nothing recorded; a camt.053 imported with such a setting is refused as well (the setting is
wrong whatever the file). Spaces (no-break ones too) stay allowed.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from test_cli_imports import DATA, books, head, q2c
from test_import_bank import build

from q2c_adapters.importers.bank import BankStatementImporter
from q2c_core import InvalidValue, QuoteToCash

CSV = b"date,amount,currency,reference,remittance\n2024-04-02,750.00,EUR,R1,INV-000004\n"


@pytest.mark.parametrize(
    "account",
    ["DE89\u200b370400440532013000", "ＤＥ89370400440532013000"],
    ids=["zero-width space", "full-width"],
)
def test_the_importer_refuses_our_account_so_written(app: QuoteToCash, account: str) -> None:
    build(app)
    before = app.recorder.max_notification_id()
    with pytest.raises(InvalidValue) as caught:
        BankStatementImporter(app, today=date(2024, 4, 3), account=account)
    assert caught.value.field == "account"
    assert "invisible or full-width" in caught.value.rule
    assert app.recorder.max_notification_id() == before


def test_our_account_with_no_break_spaces_is_our_account(app: QuoteToCash) -> None:
    ids = build(app)
    spaced = "DE89\u00a03704\u00a00044\u00a00532\u00a00130\u00a000"
    importer = BankStatementImporter(app, today=date(2024, 4, 3), account=spaced)
    report = importer.import_bytes(CSV, "april.csv", actor="bank")
    assert report.recorded == 1
    assert app.invoice(ids["INV-000004"]).outstanding.is_zero()
    assert app.bank_accounts() == ["DE89370400440532013000"]


def test_the_cli_refuses_the_option_not_the_file_s_lines(tmp_path: Path) -> None:
    url, _ = books(tmp_path, build)
    before = head(url)
    result = q2c(
        "import",
        "bank-statement",
        str(DATA / "bank_statement.csv"),
        *("--url", url, "--actor", "bank-sync", "--today", "2024-04-05"),
        *("--account", "DE89\u200b3704 0044 0532 0130 00"),
    )
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("error: --account: holds an invisible or full-width")
    assert "line 2" not in result.stderr
    assert head(url) == before
