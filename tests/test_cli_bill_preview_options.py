"""``q2c bill --preview`` with ``--workers`` or ``--batch-size`` is refused, not ignored.

Bea previews the month-end run with the options she bills with (``--workers 4 --batch-size
2000 --preview``): the preview ran in one process and saved nothing, as a preview does, and
said nothing of the two options she gave, so she took the figures as those of the run she had
asked for. A preview saves nothing and reads in one process: both options are now a usage
error with it (exit 2, one line naming the option), and the preview without them is as before.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from test_contract_billing_backends import setup
from typer.testing import CliRunner

from q2c_adapters.cli import app as cli
from q2c_core import QuoteToCash


@pytest.fixture
def url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'q2c.db'}"
    app = QuoteToCash.open(url)
    setup(app, 2)
    app.close()
    return url


def events(url: str) -> int:
    app = QuoteToCash.open(url)
    try:
        return app.recorder.max_notification_id() or 0
    finally:
        app.close()


BILL = ["bill", "--as-of", "2024-01-01", "--actor", "run", "--preview"]


@pytest.mark.parametrize(
    ("option", "value"), [("--workers", "2"), ("--batch-size", "100"), ("--workers", "1")]
)
def test_a_run_option_with_the_preview_is_refused(url: str, option: str, value: str) -> None:
    before = events(url)
    result = CliRunner().invoke(cli, [*BILL, "--url", url, option, value])
    assert result.exit_code == 2, result.output
    assert option in result.output and "preview" in result.output
    assert events(url) == before


def test_the_preview_alone_is_as_before(url: str) -> None:
    before = events(url)
    result = CliRunner().invoke(cli, [*BILL, "--url", url])
    assert result.exit_code == 0, result.output
    assert "Preview of the billing run" in result.stdout
    assert events(url) == before


def test_the_run_still_takes_both(url: str) -> None:
    result = CliRunner().invoke(
        cli,
        ["bill", "--url", url, "--as-of", "2024-01-01", "--actor", "run",
         "--workers", "1", "--batch-size", "1"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "2 contracts, 0 renewed, 4 events in 2 saves" in result.stdout
