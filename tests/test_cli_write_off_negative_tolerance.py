"""`q2c write-off --at-most -0.05`: a tolerance below zero is a typo (the sign of a remainder
the clerk read off a statement), refused like every other bad option value: one line naming
`--at-most`, exit code 2, nothing recorded. It was handed to the application, whose refusal
named the invoice's internal id and `at_most`, an option the shell does not have."""

from __future__ import annotations

from pathlib import Path

from test_cli_write_off import WRITE_OFF, acme_pays_short_in_a_file, runner

from q2c_adapters.cli import app as cli
from q2c_core import QuoteToCash


def test_a_negative_tolerance_is_refused_naming_the_option(tmp_path: Path) -> None:
    url, invoice, number, before = acme_pays_short_in_a_file(tmp_path)

    refused = runner.invoke(
        cli, ["write-off", number, "--url", url, "--at-most", "-0.05", *WRITE_OFF]
    )
    assert refused.exit_code == 2, refused.output
    assert refused.output.startswith("error: --at-most: "), refused.output
    assert "negative" in refused.output
    assert invoice.hex not in refused.output.replace("-", "")
    assert len(refused.output.strip().splitlines()) == 1

    app = QuoteToCash.open(url)
    assert app.recorder.max_notification_id() == before
    app.close()
