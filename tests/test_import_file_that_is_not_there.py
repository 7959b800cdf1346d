"""A clerk imports a file by a path that is wrong: a typo, a folder, a file not yet downloaded.

The importer refuses it as a q2c error naming the path and saying why, on one line, as every
other refusal of an import: nothing is recorded. The CLI says so in one line too.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from test_cli_imports import q2c

from q2c_adapters.importers import BankStatementImporter, ContractImporter, TimeEntryImporter
from q2c_core import QuoteToCash
from q2c_core.domain.errors import InvalidValue


@pytest.mark.parametrize("importer", [BankStatementImporter, ContractImporter, TimeEntryImporter])
def test_a_file_that_is_not_there_is_refused_naming_its_path(
    tmp_path: Path, importer: type[BankStatementImporter]
) -> None:
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")
    missing = tmp_path / "statements" / "april.csv"
    with pytest.raises(InvalidValue) as refused:
        importer(app, today=date(2024, 4, 30)).import_file(missing, actor="bank")
    assert refused.value.field == "path"
    assert refused.value.value == str(missing)
    said = str(refused.value)
    assert str(missing) in said and "no such file" in said
    assert "\n" not in said
    assert app.bank_credits() == []


def test_a_folder_given_for_a_file_is_refused_naming_it(tmp_path: Path) -> None:
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")
    with pytest.raises(InvalidValue) as refused:
        BankStatementImporter(app).import_file(tmp_path, actor="bank")
    assert refused.value.field == "path"
    assert str(tmp_path) in str(refused.value) and "folder" in str(refused.value)


def test_the_cli_says_a_missing_file_in_one_line(tmp_path: Path) -> None:
    missing = tmp_path / "april.csv"
    url = f"sqlite:///{tmp_path / 'q2c.db'}"
    result = q2c("import", "bank-statement", str(missing), "--url", url, "--actor", "bank")
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert str(missing) in lines[0] and "No such file" in lines[0]
