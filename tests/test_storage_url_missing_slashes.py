"""A PostgreSQL URL typed with one slash or none after its scheme
(``postgresql:/billing:pw@db.internal/ledger``) has no host part for a URL parser: q2c took the
whole text as the name of a database on 127.0.0.1, connected there as user postgres without a
password, and printed the URL, password and all, in the error. Now such a URL is refused before
any connection (InvalidValue naming url and saying to write two slashes), its password left
out, on the command line too."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from typer.testing import CliRunner

from q2c_adapters.cli import app as cli
from q2c_core import InvalidValue, ProjectionStore, QuoteToCash

MISTYPED = [
    "postgresql:/billing:Xk9q2Lp@127.0.0.1:5999/ledger",
    "postgresql:billing:Xk9q2Lp@127.0.0.1:5999/ledger",
    "postgres:/billing:Xk9q2Lp@127.0.0.1:5999/ledger?schema=acme_nl",
]


@pytest.mark.parametrize("url", MISTYPED)
@pytest.mark.parametrize("opener", [QuoteToCash.open, ProjectionStore.open])
def test_a_url_without_its_two_slashes_is_refused_without_its_password(
    url: str, opener: Callable[[str], Any]
) -> None:
    with pytest.raises(InvalidValue) as refused:
        opener(url)
    assert refused.value.field == "url"
    assert "Xk9q2Lp" not in f"{refused.value} {refused.value.value}"
    assert "//" in str(refused.value)
    assert ":***@127.0.0.1:5999/ledger" in str(refused.value.value)


@pytest.mark.parametrize("url", MISTYPED)
def test_the_command_line_refuses_it_without_the_password(url: str) -> None:
    result = CliRunner().invoke(cli, ["report", "aging", "--url", url])
    assert result.exit_code != 0
    assert "Xk9q2Lp" not in result.output
