"""A storage URL the URL parser itself cannot read (a host's opening bracket not closed,
``postgresql://postgres@[::1/test``) is refused like any other bad URL: ``InvalidValue``
naming ``url``, its password never shown; the command line prints ``error: url: ...`` and
exits 2, no traceback."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from typer.testing import CliRunner

from q2c_adapters.cli import app as cli
from q2c_core import InvalidValue, QuoteToCash
from q2c_core.projections import ProjectionStore
from q2c_core.storage import env_for_url, redacted

MALFORMED = [
    "postgresql://postgres@[::1/test",
    "postgresql://postgres:secret@[::1/test?schema=acme_nl",
    "postgresql://postgres:secret@::1]/test",
    "postgres://postgres:secret@[127.0.0.1/test",
]


@pytest.mark.parametrize("opener", [QuoteToCash.open, ProjectionStore.open, env_for_url])
@pytest.mark.parametrize("url", MALFORMED)
def test_a_url_that_cannot_be_parsed_is_an_invalid_url(
    opener: Callable[[str], Any], url: str
) -> None:
    with pytest.raises(InvalidValue) as refused:
        opener(url)
    assert refused.value.field == "url"
    assert "secret" not in str(refused.value) and "secret" not in str(refused.value.value)


@pytest.mark.parametrize("url", MALFORMED)
def test_the_command_line_says_so_in_one_line(url: str) -> None:
    for args in (["report", "customers", "--url", url], ["history", "INV-000001", "--url", url]):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 2, result.output
        assert result.output.startswith("error: url: "), result.output
        assert len(result.output.strip().splitlines()) == 1 and "secret" not in result.output


def test_a_password_is_masked_in_a_url_the_parser_refuses() -> None:
    assert redacted("postgresql://billing:Hunter2@[::1/test") == (
        "postgresql://billing:***@[::1/test"
    )
