"""A money option with more decimals than its currency has is refused quoting the amount as
Bea typed it: ``--amount 0.0000001`` was answered "1E-7 has 7 decimals", in the exponent
notation the same option refuses ("'1e-7' is not an amount in plain decimal notation")."""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

from test_cli import runner
from test_cli_refund import books, recorded, refund, refused

from q2c_adapters.cli import app as cli

__all__ = ["books"]  # (the fixture, used by name)


def test_an_amount_of_too_many_decimals_is_quoted_as_typed(
    books: tuple[str, UUID, UUID], tmp_path: Path
) -> None:
    url, _, _ = books
    head = recorded(url)
    for amount, decimals in (("0.0000001", 7), ("0.00000010", 8), ("120.123", 3)):
        line = refused(runner.invoke(cli, refund(url, "Acme", amount, "OUT-9")))
        assert line == (
            f"error: --amount: {amount} has {decimals} decimals: EUR is paid in whole minor "
            "units, 2 decimals at most"
        ), line
        assert "E-" not in line
    assert recorded(url) == head
