"""An empty ``--as-of`` (a shell variable left unset: ``--as-of "$CLOSE"``) is refused as a
blank one is, not read as "no --as-of": the auditor asked for the books as of some moment and
must not get today's figures without a word. ``--on ""`` likewise."""

from __future__ import annotations

import pytest
from test_projections_story import story
from typer.testing import CliRunner

from q2c_adapters.cli import app as cli
from q2c_core import QuoteToCash

runner = CliRunner(env={"COLUMNS": "400"})


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('asof') / 'q2c.db'}"
    app = QuoteToCash.open(url)
    story(app)
    app.close()
    return url


@pytest.mark.parametrize("blank", ["", " "])
@pytest.mark.parametrize(
    "command",
    [
        ["report", "customers"],
        ["replay"],
        ["explain", "aging", "INV-000001"],
    ],
)
def test_an_empty_as_of_is_refused(url: str, command: list[str], blank: str) -> None:
    result = runner.invoke(cli, [*command, "--url", url, "--as-of", blank])
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert result.stderr.startswith("error: --as-of: "), result.stderr


@pytest.mark.parametrize("blank", ["", " "])
def test_an_empty_on_is_refused(url: str, blank: str) -> None:
    result = runner.invoke(cli, ["report", "customers", "--url", url, "--on", blank])
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert result.stderr.startswith("error: --on: "), result.stderr
