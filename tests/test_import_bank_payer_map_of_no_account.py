"""A payer's account in the map that is nothing but invisible characters is refused.

The controller mapped Globex's parent's IBAN to Globex, but the value pasted from a chat was
only a zero-width space (``--payer "<ZWSP>=globex sa"``): the statement was imported as if the
mapping had been given, the parent's 750.00 parked in suspense as an unknown payer's, and
nothing said the mapping named no account. Read as statements are matched to it (invisible
characters out), it names none: it is refused now, naming ``accounts`` (``--payer``), before
anything is recorded.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from test_cli_imports import DATA, books, head, q2c
from test_import_bank import build

from q2c_adapters.importers.bank import BankStatementImporter
from q2c_core import InvalidValue, QuoteToCash


@pytest.mark.parametrize("written", ["\u200b", " \u2060 ", "\u00a0"])
def test_a_mapped_account_of_invisible_characters_is_refused(
    app: QuoteToCash, written: str
) -> None:
    ids = build(app)
    before = app.recorder.max_notification_id()
    importer = BankStatementImporter(app, today=date(2024, 4, 2), accounts={written: ids["globex"]})
    with pytest.raises(InvalidValue) as caught:
        importer.import_file(DATA / "camt053_statement.xml", actor="bank")
    assert caught.value.field == "accounts"
    assert "no account" in caught.value.rule
    assert app.recorder.max_notification_id() == before


def test_the_cli_refuses_such_a_payer(tmp_path: Path) -> None:
    url, _ = books(tmp_path, build)
    before = head(url)
    result = q2c(
        "import",
        "bank-statement",
        str(DATA / "camt053_statement.xml"),
        *("--url", url, "--actor", "bank-sync", "--today", "2024-04-02"),
        *("--payer", "\u200b=globex sa"),
    )
    assert result.exit_code != 0, result.output
    assert result.stderr.startswith("error: --payer: ")
    assert "no account" in result.stderr
    assert head(url) == before
