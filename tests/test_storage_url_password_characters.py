"""A generated database password often holds /, ? or #, characters a URL reserves. Typed into
the URL as it is, the operator was told "the port must be a number", "unknown parameter
'ss@127.0.0.1...'" or "must name a database", each with the whole URL and so the password in
clear in the message (and in a log or a terminal). Now the URL is refused saying to write those
characters percent-encoded, and no error shows the password."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from typer.testing import CliRunner

from q2c_adapters.cli import app as cli
from q2c_core import InvalidValue, ProjectionStore, QuoteToCash
from q2c_core.storage import redacted

PASSWORDS = ["Xk9/q2Lp", "Xk9?q2Lp", "Xk9#q2Lp", "Xk9/q?2#Lp", "Xk@9/q2Lp"]


@pytest.mark.parametrize("password", PASSWORDS)
@pytest.mark.parametrize("opener", [QuoteToCash.open, ProjectionStore.open])
def test_a_password_with_a_reserved_character_is_refused_and_never_shown(
    password: str, opener: Callable[[str], Any]
) -> None:
    url = f"postgresql://billing:{password}@127.0.0.1:5999/ledger?schema=acme_nl"
    with pytest.raises(InvalidValue) as refused:
        opener(url)
    shown = f"{refused.value} {refused.value.value}"
    assert password not in shown
    assert "percent-encoded" in str(refused.value)
    assert refused.value.value == "postgresql://billing:***@127.0.0.1:5999/ledger?schema=acme_nl"


@pytest.mark.parametrize("password", PASSWORDS)
def test_the_command_line_never_prints_such_a_password(password: str) -> None:
    url = f"postgresql://billing:{password}@127.0.0.1:5999/ledger"
    result = CliRunner().invoke(cli, ["report", "aging", "--url", url])
    assert result.exit_code != 0
    assert password not in result.output
    assert "q2Lp" not in result.output  # (not even its tail)


def test_a_url_without_a_password_is_shown_as_it_is() -> None:
    for url in (
        "postgresql://billing@127.0.0.1:5999/ledger?schema=acme_nl",
        "postgresql://127.0.0.1/ledger",
        "sqlite:////srv/q2c/billing@2026.db",
    ):
        assert redacted(url) == url
