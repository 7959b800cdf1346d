"""A projection store (``--store``) on a PostgreSQL server that does not answer is named as the
store: the books (``--url``) and the store may both be on PostgreSQL, on two servers, and
"cannot connect to PostgreSQL database 'test' at 127.0.0.1:1" left the operator to guess which
one was down (every other refusal of ``--store`` starts ``--store:``). The password is never
shown."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from q2c_adapters.cli import app as cli
from q2c_core import QuoteToCash

runner = CliRunner()


def test_a_store_on_a_server_that_does_not_answer_is_named_as_the_store(tmp_path: Path) -> None:
    books = f"sqlite:///{tmp_path / 'q2c.db'}"
    app = QuoteToCash.open(books)
    app.register_customer("Acme", "EUR", account_manager="mia", actor="bea")
    app.close()
    store = "postgresql://reports:s3cret@127.0.0.1:1/reporting?connect_timeout=2"

    result = runner.invoke(cli, ["report", "customers", "--url", books, "--store", store])

    assert result.exit_code == 2
    assert result.output.startswith(
        "error: --store: cannot connect to PostgreSQL database 'reporting' at 127.0.0.1:1"
    ), result.output
    assert "s3cret" not in result.output
