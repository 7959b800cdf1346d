"""A file is imported as what it holds, once. The PSA export of week 10 was imported as time
entries; run again by mistake as ``q2c import contracts`` (or given to the contract importer),
it was answered "already imported: nothing recorded", exit 0, with the time entries' counts:
the person syncing the CRM was told the contracts were in when no contract file ever was. A
file imported before as another kind is refused naming what it was imported as, when and under
which name (one line, ``error: kind: ...``, exit 2, nothing recorded)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from test_cli_imports import books, head, opened, q2c, tickets
from test_import_time_entries import build as requests
from test_import_time_entries import importer as psa

from q2c_adapters.importers.bank import BankStatementImporter
from q2c_adapters.importers.contracts import ContractImporter
from q2c_core import QuoteToCash
from q2c_core.domain.errors import RuleViolated
from q2c_core.domain.import_batch import ImportKind, ImportSource

DATA = Path(__file__).parent / "data"
WEEK_10 = (DATA / "psa_time_entries.csv").read_bytes()


def test_a_psa_export_imported_before_is_refused_as_a_crm_export(app: QuoteToCash) -> None:
    ids = requests(app)
    psa(app, ids).import_bytes(WEEK_10, "week-10.csv", actor="psa-sync")
    before = app.recorder.max_notification_id()
    for importer in (ContractImporter(app), BankStatementImporter(app)):
        with pytest.raises(RuleViolated) as refused:
            importer.import_bytes(WEEK_10, "week-10.csv", actor="crm-sync")
        assert refused.value.field == "kind"
        assert "imported as time entries" in refused.value.rule
        assert "week-10.csv" in refused.value.rule
    assert app.recorder.max_notification_id() == before


def test_the_application_refuses_a_file_recorded_as_another_kind(app: QuoteToCash) -> None:
    ids = requests(app)
    report = psa(app, ids).import_bytes(WEEK_10, "week-10.csv", actor="psa-sync")
    batch = app.import_batch(_sha(WEEK_10))
    assert batch is not None and batch.id == report.import_id
    source = ImportSource(_sha(WEEK_10), "week-10.csv", ImportKind.CONTRACTS)
    with pytest.raises(RuleViolated, match="imported as time entries"):
        app.import_contracts(source, [], imported_on=batch.imported_on, actor="crm-sync")


def test_the_cli_says_the_file_was_imported_as_time_entries(tmp_path: Path) -> None:
    url, ids = books(tmp_path, requests)
    file = tmp_path / "week-10.csv"
    file.write_bytes(WEEK_10)
    args = ["--url", url, "--actor", "sync", "--today", "2024-03-10"]
    assert q2c("import", "time-entries", str(file), *args, *tickets(ids)).exit_code == 0
    before = head(url)
    result = q2c("import", "contracts", str(file), *args)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert result.stderr.startswith("error: kind: ")
    assert "imported as time entries" in result.stderr
    assert "already imported" not in result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert head(url) == before
    with opened(url) as app:
        assert app.customer(ids["customer"]).contract_ids == []


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
