"""``q2c import time-entries|contracts|bank-statement`` on real SQLite files: the file's data is
in the books afterwards, the same file again records nothing and says so ("already imported
...: nothing new", the words every command sent again uses), a file with bad rows is refused
whole (each line on standard error, exit 1) and a bad option is one line with exit code 2."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
from test_import_bank import build as owing_invoices
from test_import_contracts import customers
from test_import_time_entries import build as requests_with_tickets
from typer.testing import CliRunner, Result

from q2c_adapters.cli import app as cli
from q2c_core import BillingFrequency, ContractStatus, Money, QuoteToCash
from q2c_core.domain.bank_credit import SuspenseReason

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).parent.parent
runner = CliRunner(env={"COLUMNS": "200"})


def q2c(*args: str) -> Result:
    """The q2c command line as ``main()`` builds it (with its export, invoice and import
    groups)."""
    from q2c_adapters.cli import _register_extensions

    _register_extensions()
    return runner.invoke(cli, list(args))


def books(tmp_path: Path, build: Callable[[QuoteToCash], Any]) -> tuple[str, Any]:
    """A SQLite file holding what ``build`` records; its URL and what ``build`` returned."""
    url = f"sqlite:///{tmp_path / 'billing.db'}"
    app = QuoteToCash.open(url)
    try:
        return url, build(app)
    finally:
        app.close()


@contextmanager
def opened(url: str) -> Iterator[QuoteToCash]:
    """The application as a new process finds it after the command."""
    app = QuoteToCash.open(url)
    try:
        yield app
    finally:
        app.close()


def head(url: str) -> int:
    """The last event recorded in the books (what a refused import must leave as it was)."""
    with opened(url) as app:
        return int(app.recorder.max_notification_id() or 0)


def counts(result: Result) -> dict[str, int]:
    """The counts the report prints, one a line: ``  5 recorded`` is {"recorded": 5}."""
    found: dict[str, int] = {}
    for line in result.stdout.splitlines()[1:]:
        number, label = line.split(maxsplit=1)
        found[label.split(":")[0]] = int(number)
    return found


def tickets(ids: dict[str, UUID]) -> list[str]:
    return [a for k, v in ids.items() if k.startswith("TKT-") for a in ("--ticket", f"{k}={v}")]


# -- time entries ----------------------------------------------------------------------------


def test_a_psa_export_is_imported_once_with_its_tickets_mapped_to_requests(
    tmp_path: Path,
) -> None:
    """The PSA export names tickets; --ticket says which request each is. The work is on the
    requests afterwards; the same file again (under another name too) records nothing."""
    url, ids = books(tmp_path, requests_with_tickets)
    file = str(DATA / "psa_time_entries.csv")
    args = ["--url", url, "--actor", "psa-sync", "--today", "2024-03-10", *tickets(ids)]
    result = q2c("import", "time-entries", file, *args)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("psa_time_entries.csv: time entries imported (import ")
    assert counts(result) == {
        "rows read": 5,
        "recorded": 5,
        "of them without authorization": 1,  # carol's on TKT-102: no PO yet
        "skipped": 0,
    }
    with opened(url) as app:
        work = app.request(ids["TKT-101"]).work
        assert [w.entry.hours for w in work] == [Decimal(4), Decimal("5.5"), Decimal(1)]
        assert {w.entry.worker for w in work} == {"bob", "carol"}
        assert app.unbilled_work(ids["TKT-101"]) == Money.of("950.00", "EUR")
        (flagged,) = app.request(ids["TKT-102"]).work  # no PO yet: kept, flagged
        assert not flagged.authorized
        batch = app.import_batch(hashlib.sha256(Path(file).read_bytes()).hexdigest())
        assert batch is not None and batch.imported_by == "psa-sync"

    before = head(url)
    again = q2c("import", "time-entries", file, *args)
    assert again.exit_code == 0, again.output
    # (in the words q2c refund, write-off and suspense use for a command sent again)
    first_line = again.stdout.splitlines()[0]
    assert first_line.startswith("psa_time_entries.csv: already imported (import ")
    assert first_line.endswith("): nothing new")
    assert counts(again) == {"rows read": 5, "recorded": 0, "skipped": 5}
    renamed = tmp_path / "week-10.csv"
    shutil.copy(file, renamed)
    copy = q2c("import", "time-entries", str(renamed), *args)
    assert copy.exit_code == 0, copy.output
    assert "week-10.csv: already imported as psa_time_entries.csv" in copy.stdout
    assert copy.stdout.splitlines()[0].endswith("): nothing new")
    assert head(url) == before
    with opened(url) as app:
        assert len(app.request(ids["TKT-101"]).work) == 3


def test_a_psa_export_with_bad_rows_is_refused_line_by_line_and_records_nothing(
    tmp_path: Path,
) -> None:
    url, ids = books(tmp_path, requests_with_tickets)
    before = head(url)
    result = q2c(
        "import",
        "time-entries",
        str(DATA / "psa_time_entries_bad.csv"),
        *("--url", url, "--actor", "psa-sync", "--today", "2024-03-10", *tickets(ids)),
    )
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0] == "error: psa_time_entries_bad.csv: 5 bad rows, nothing imported"
    assert [line.split(":")[0].strip() for line in lines[1:]] == [
        "line 3",
        "line 4",
        "line 5",
        "line 6",
        "line 7",
    ]
    assert "line 6: request: " in result.stderr and "TKT-999" in result.stderr
    assert head(url) == before
    with opened(url) as app:
        assert app.request(ids["TKT-101"]).work == []


def export(
    tmp_path: Path, name: str, rows: str, header: str = "worker,date,hours,request,notes"
) -> str:
    """A PSA export of ``rows`` under ``header``, written to ``name``."""
    path = tmp_path / name
    path.write_text(f"{header}\n{rows}")
    return str(path)


def test_date_order_and_source_reach_the_importer(tmp_path: Path) -> None:
    """03/05/2024 reads two ways: refused until --date-order says which (either spelling);
    --source prefixes the PSA's entry ids."""
    url, ids = books(tmp_path, requests_with_tickets)
    request = ids["TKT-101"]
    common = ["--url", url, "--actor", "psa-sync", "--today", "2024-06-01"]

    ambiguous = export(tmp_path, "may.csv", f"bob,03/05/2024,1,{request},call\n")
    refused = q2c("import", "time-entries", ambiguous, *common)
    assert refused.exit_code == 1 and "line 2: date: " in refused.stderr
    day_first = q2c("import", "time-entries", ambiguous, *common, "--date-order", "day-first")
    assert day_first.exit_code == 0, day_first.output
    march = export(tmp_path, "march.csv", f"bob,03/05/2024,1,{request},review\n")
    assert q2c("import", "time-entries", march, *common, "--date-order", "mdy").exit_code == 0
    with opened(url) as app:
        days = {w.entry.note: w.entry.work_date for w in app.request(request).work}
    assert days == {"call": date(2024, 5, 3), "review": date(2024, 3, 5)}

    header = "worker,date,hours,request,notes,entry_id"
    tempo = export(tmp_path, "tempo.csv", f"dana,2024-03-20,2,{request},sync,42\n", header)
    result = q2c("import", "time-entries", tempo, *common, "--source", "tempo-dev")
    assert result.exit_code == 0, result.output
    with opened(url) as app:
        assert app.request(request).entry("tempo-dev:42").worker == "dana"


@pytest.mark.parametrize(("flags", "calls"), [([], 1), (["--delta"], 2)])
def test_a_delta_export_lists_new_work_only(tmp_path: Path, flags: list[str], calls: int) -> None:
    """Bob's call on 5 March was imported from an export without ids. The PSA's next export
    lists a call of bob's, identical, under its id 7: the same call re-exported with its id
    (skipped), unless --delta says the export lists only work made since (a second call)."""
    url, ids = books(tmp_path, requests_with_tickets)
    request = ids["TKT-101"]
    common = ["--url", url, "--actor", "psa-sync", "--today", "2024-03-10"]
    first = export(tmp_path, "monday.csv", f"bob,2024-03-05,1,{request},call\n")
    assert q2c("import", "time-entries", first, *common).exit_code == 0
    header = "worker,date,hours,request,notes,entry_id"
    later = export(tmp_path, "tuesday.csv", f"bob,2024-03-05,1,{request},call,7\n", header)
    result = q2c("import", "time-entries", later, *common, *flags)
    assert result.exit_code == 0, result.output
    assert counts(result)["recorded"] == calls - 1
    with opened(url) as app:
        assert len(app.request(request).work) == calls


# -- contracts -------------------------------------------------------------------------------


def test_a_crm_export_signs_its_contracts_once(tmp_path: Path) -> None:
    url, (acme, globex) = books(tmp_path, customers)
    file = str(DATA / "crm_contracts.csv")
    args = ["--url", url, "--actor", "crm-sync", "--today", "2024-01-02"]
    result = q2c("import", "contracts", file, *args)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("crm_contracts.csv: contracts imported (import ")
    assert counts(result) == {"rows read": 3, "recorded": 5, "skipped": 0, "corrected": 0}
    with opened(url) as app:
        (mc100,) = (app.contract(c) for c in app.customer(acme).contract_ids)
        assert mc100.number == "MC-100" and mc100.status is ContractStatus.ACTIVE
        assert sorted(mc100.sub_contracts) == ["ERP", "SITE-B"]
        assert mc100.annual_value(date(2024, 5, 1)) == Money.of("1800.00", "EUR")
        (mc200,) = (app.contract(c) for c in app.customer(globex).contract_ids)
        assert mc200.frequency is BillingFrequency.QUARTERLY

    before = head(url)
    again = q2c("import", "contracts", file, *args)
    assert again.exit_code == 0, again.output
    assert "already imported" in again.stdout and counts(again)["recorded"] == 0
    assert again.stdout.splitlines()[0].endswith("): nothing new")
    assert head(url) == before


def test_a_crm_export_with_bad_rows_signs_nothing(tmp_path: Path) -> None:
    url, (acme, _) = books(tmp_path, customers)
    before = head(url)
    result = q2c(
        "import", "contracts", str(DATA / "crm_contracts_bad.csv"), "--url", url, "--actor", "crm"
    )
    assert result.exit_code == 1, result.output
    problems = result.stderr.splitlines()[1:]
    assert [p.split(":")[0].strip() for p in problems] == ["line 3", "line 4", "line 5", "line 6"]
    assert "line 4: customer: " in result.stderr and "Nobody Ltd" in result.stderr
    assert "line 5: frequency: " in result.stderr
    assert head(url) == before
    with opened(url) as app:
        assert app.customer(acme).contract_ids == []


# -- bank statements -------------------------------------------------------------------------


def test_a_csv_statement_pays_invoices_and_names_the_payer_given_by_its_account(
    tmp_path: Path,
) -> None:
    """Acme's transfer names two invoices: both paid. Initech's 99.00 comes from an account
    --payer says is Globex's (by its name): Globex's credit, parked as it fits no invoice. The
    statement has no account column: --account says whose it is."""
    url, ids = books(tmp_path, owing_invoices)
    file = str(DATA / "bank_statement.csv")
    args = [
        *("--url", url, "--actor", "bank-sync", "--today", "2024-04-05"),
        *("--account", "DE89 3704 0044 0532 0130 00"),
        *("--payer", "GB33 BUKB 2020 1555 5555 55=globex sa"),
    ]
    result = q2c("import", "bank-statement", file, *args)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("bank_statement.csv: bank statement imported (import ")
    assert counts(result) == {
        "rows read": 3,
        "recorded": 1,
        "in suspense": 1,
        "skipped": 0,
        "ignored": 1,
    }
    with opened(url) as app:
        assert app.invoice(ids["INV-000001"]).outstanding.is_zero()
        assert app.invoice(ids["INV-000002"]).outstanding.is_zero()
        (parked,) = app.bank_suspense()
        assert parked.customer_id == ids["globex"]
        assert parked.suspense_reason is SuspenseReason.NO_INVOICE
        assert app.bank_accounts() == ["DE89370400440532013000"]

    before = head(url)
    again = q2c("import", "bank-statement", file, *args)
    assert again.exit_code == 0, again.output
    assert "already imported" in again.stdout
    assert again.stdout.splitlines()[0].endswith("): nothing new")
    assert counts(again) == {
        "rows read": 3,
        "recorded": 0,
        "in suspense": 0,
        "skipped": 2,
        "ignored": 1,
    }
    assert head(url) == before


def test_a_camt053_statement_is_imported_with_a_payer_given_by_id(tmp_path: Path) -> None:
    url, ids = books(tmp_path, owing_invoices)
    payer = f"GB33BUKB20201555555555={ids['globex'].hex}"
    result = q2c(
        "import",
        "bank-statement",
        str(DATA / "camt053_statement.xml"),
        *("--url", url, "--actor", "bank-sync", "--today", "2024-04-02", "--payer", payer),
    )
    assert result.exit_code == 0, result.output
    assert counts(result)["rows read"] == 8 and counts(result)["ignored"] == 2
    with opened(url) as app:
        for n in ("INV-000001", "INV-000002", "INV-000003", "INV-000004", "INV-000005"):
            assert app.invoice(ids[n]).outstanding.is_zero(), n
        assert len(app.bank_credits()) == 6


def test_a_statement_with_a_card_number_books_nothing_and_never_echoes_it(
    tmp_path: Path,
) -> None:
    url, _ = books(tmp_path, owing_invoices)
    before = head(url)
    result = q2c(
        "import",
        "bank-statement",
        str(DATA / "bank_statement_card.csv"),
        *("--url", url, "--actor", "bank-sync", "--today", "2024-04-05"),
    )
    assert result.exit_code == 1, result.output
    assert "line 3: remittance: " in result.stderr and "line 4: currency: " in result.stderr
    assert "4111" not in result.output
    assert head(url) == before
    with opened(url) as app:
        assert app.bank_credits() == []


# -- options refused -------------------------------------------------------------------------


BAD_OPTIONS = [
    (["time-entries", "{data}/missing.csv"], "FILE", "No such file or directory"),
    (["time-entries", "{data}"], "FILE", "directory"),
    (["time-entries", "{psa}", "--today", "2024-02-30"], "--today", "is not an ISO date"),
    (["contracts", "{crm}", "--today", "next week"], "--today", "is not an ISO date"),
    (["time-entries", "{psa}", "--ticket", "TKT-101"], "--ticket", "is not REF=REQUEST_ID"),
    (["time-entries", "{psa}", "--ticket", "=abc"], "--ticket", "is not REF=REQUEST_ID"),
    (["time-entries", "{psa}", "--ticket", "TKT-101=abc"], "--ticket", "is not a request id"),
    (
        ["time-entries", "{psa}", "--ticket", f"TKT-101={uuid4()}"],
        "--ticket",
        "no request has this id",
    ),
    (
        ["time-entries", "{psa}", "--ticket", f"T={uuid4()}", "--ticket", f"T={uuid4()}"],
        "--ticket",
        "'T' is given twice",
    ),
    (["time-entries", "{psa}", "--source", "tempo dev"], "--source", "must name the PSA"),
    (["contracts", "{crm}", "--date-order", "ymd"], "--date-order", "must be 'dmy'"),
    (["bank-statement", "{bank}", "--payer", "GB33"], "--payer", "is not IBAN=CUSTOMER"),
    (["bank-statement", "{bank}", "--payer", "GB33=Nobody"], "--payer", "no customer has"),
    (["bank-statement", "{bank}", "--payer", f"GB33={uuid4()}"], "--payer", "no customer has"),
    (["bank-statement", "{bank}", "--account", " "], "--account", "must name our account"),
    (["contracts", "{crm}", "--actor", " "], "--actor", "must say who imports the file"),
]


@pytest.mark.parametrize(("args", "option", "rule"), BAD_OPTIONS)
def test_a_bad_option_is_one_line_with_exit_code_2_and_imports_nothing(
    tmp_path: Path, args: list[str], option: str, rule: str
) -> None:
    url, _ = books(tmp_path, owing_invoices)
    files = {
        "data": str(DATA),
        "psa": str(DATA / "psa_time_entries.csv"),
        "crm": str(DATA / "crm_contracts.csv"),
        "bank": str(DATA / "bank_statement.csv"),
    }
    command = [a.format(**files) for a in args]
    before = head(url)
    # (the options given last: a second --actor is the one read)
    result = q2c("import", *command[:2], "--url", url, "--actor", "sync", *command[2:])
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"error: {option}: "), line
    assert rule in line
    assert head(url) == before


def test_a_url_without_q2c_history_is_refused_before_anything_is_read(tmp_path: Path) -> None:
    result = q2c(
        "import",
        "contracts",
        str(DATA / "crm_contracts.csv"),
        *("--url", f"sqlite:///{tmp_path / 'typo.db'}", "--actor", "crm"),
    )
    assert result.exit_code == 2
    assert result.stderr.startswith("error: no q2c database at ")
    assert not (tmp_path / "typo.db").exists()


# -- the installed command -------------------------------------------------------------------


def test_the_q2c_command_has_the_import_group(tmp_path: Path) -> None:
    """``python -m q2c_adapters.cli`` (what the q2c script runs) imports a file too."""
    url, (acme, _) = books(tmp_path, customers)
    command = [sys.executable, "-m", "q2c_adapters.cli", "import", "contracts"]
    args = [
        str(DATA / "crm_contracts.csv"),
        "--url",
        url,
        "--actor",
        "crm",
        "--today",
        "2024-01-02",
    ]
    env = {"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"}
    done = subprocess.run([*command, *args], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "5 recorded" in done.stdout
    with opened(url) as app:
        assert len(app.customer(acme).contract_ids) == 1
