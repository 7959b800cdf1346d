"""A PostgreSQL server on an IPv6 address is named as a URL writes it, in brackets: the command
line said "at ::1:5432", which reads as the address ::1:5432 on no port (or port 1:5432)."""

from __future__ import annotations

from typer.testing import CliRunner

from q2c_adapters.cli import app as cli
from q2c_adapters.cli_support import describe_url
from q2c_core.storage import env_for_url

runner = CliRunner()


def test_a_server_on_an_ipv6_address_that_does_not_answer_is_named_in_brackets() -> None:
    url = "postgresql://postgres@[::1]:1/books?connect_timeout=2"
    result = runner.invoke(cli, ["report", "customers", "--url", url])
    assert result.exit_code == 2
    assert "cannot connect to PostgreSQL database 'books' at [::1]:1:" in result.output


def test_the_books_on_an_ipv6_server_are_described_with_the_address_in_brackets() -> None:
    env = env_for_url("postgresql://postgres@[fd00::5]:5433/books?schema=billing")
    assert describe_url(env) == ("PostgreSQL database 'books' (schema 'billing') at [fd00::5]:5433")
    assert describe_url(env_for_url("postgresql://postgres@db.example/books")) == (
        "PostgreSQL database 'books' (schema 'public') at db.example:5432"
    )
