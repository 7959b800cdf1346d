"""`q2c write-off`: the billing clerk writes off Acme's 0.02 from the shell.

Acme paid 1,209.98 of INV-000001 (1,210.00); the bank took 0.02. `q2c write-off INV-000001
--at-most 0.05` writes it off and says so; run again (a retry after a lost response, by Bea or
by a colleague) it records nothing and says the invoice was written off already, "nothing new"
(as `q2c refund` and `q2c suspense return` say of theirs), exit 0: it printed the first run's
"wrote off 0.02 EUR ..." line again, so an auditor reading the operator's log saw two
write-offs where one was recorded; run again on another day, nothing is owed and it says that
in one line, exit 2, recording nothing; a tolerance below the remainder is refused likewise.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from uuid import UUID

from test_write_off_remainder import acme_pays_short
from typer.testing import CliRunner

from q2c_adapters.cli import app as cli
from q2c_core import Money, QuoteToCash

runner = CliRunner(env={"COLUMNS": "200"})
WRITE_OFF = ["--on", "2024-02-05", "--reason", "bank fee", "--actor", "bea"]


def acme_pays_short_in_a_file(tmp_path: Path) -> tuple[str, UUID, str, int]:
    """Acme's short payment of INV-000001, recorded in a SQLite file the shell then opens: the
    file's url, the invoice, its number and the last notification recorded before the shell."""
    url = f"sqlite:///{tmp_path / 'acme.db'}"
    app = QuoteToCash.open(url)
    _, invoice, _ = acme_pays_short(app)
    number = app.invoice(invoice).number
    before = app.recorder.max_notification_id()
    app.close()
    return url, invoice, number, before


def test_the_clerk_writes_off_the_bank_fee_once(tmp_path: Path) -> None:
    url, invoice, number, _ = acme_pays_short_in_a_file(tmp_path)

    too_little = runner.invoke(
        cli, ["write-off", number, "--url", url, "--at-most", "0.01", *WRITE_OFF]
    )
    assert too_little.exit_code == 2, too_little.output
    assert too_little.output.startswith("error: ") and "at_most" in too_little.output

    done = runner.invoke(cli, ["write-off", number, "--url", url, "--at-most", "0.05", *WRITE_OFF])
    assert done.exit_code == 0, done.output
    assert done.stdout.strip() == f"wrote off 0.02 EUR of {number} on 2024-02-05 (bank fee)"

    app = QuoteToCash.open(url)
    written = app.recorder.max_notification_id()
    app.close()
    again = runner.invoke(cli, ["write-off", number, "--url", url, "--at-most", "0.05", *WRITE_OFF])
    assert again.exit_code == 0, again.output
    assert again.stdout.strip() == (
        f"{number} was written off already (0.02 EUR on 2024-02-05: bank fee): nothing new"
    )
    by_cara = [*WRITE_OFF[:-1], "cara"]
    colleague = runner.invoke(
        cli, ["write-off", number, "--url", url, "--at-most", "0.05", *by_cara]
    )
    assert colleague.exit_code == 0, colleague.output
    assert colleague.stdout == again.stdout
    app = QuoteToCash.open(url)
    assert app.recorder.max_notification_id() == written
    app.close()

    later = [*WRITE_OFF]
    later[1] = "2024-02-06"
    refused = runner.invoke(cli, ["write-off", number, "--url", url, "--at-most", "0.05", *later])
    assert refused.exit_code == 2, refused.output
    assert "owes nothing" in refused.output and "written_off_on" in refused.output

    app = QuoteToCash.open(url)
    settled = app.invoice(invoice)
    assert settled.written_off == Money.of("0.02", "EUR")
    assert settled.written_off_by(date(2024, 2, 4)) == Money.of("0.00", "EUR")
    app.close()


def test_refusals_of_the_shell_record_nothing(tmp_path: Path) -> None:
    url, _, number, before = acme_pays_short_in_a_file(tmp_path)
    for args in (
        [number, "--at-most", "abc", *WRITE_OFF],
        [number, "--at-most", "0.05", "--on", "5 Feb", "--reason", "fee", "--actor", "bea"],
        [number, "--at-most", "0.05", "--on", "2024-02-05", "--reason", " ", "--actor", "bea"],
        ["INV-999999", "--at-most", "0.05", *WRITE_OFF],
    ):
        refused = runner.invoke(cli, ["write-off", args[0], "--url", url, *args[1:]])
        assert refused.exit_code == 2, (args, refused.output)
    app = QuoteToCash.open(url)
    assert app.recorder.max_notification_id() == before
    app.close()
