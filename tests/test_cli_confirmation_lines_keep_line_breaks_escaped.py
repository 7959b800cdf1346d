"""What a command confirms it recorded stays on its lines when the text given holds a break.

Bea writes off Acme's 0.02 with a reason of two lines ("bank fee" / "see ticket 7"), pays back
credit under a bank reference pasted with its line break, and Ana sends a credit in suspense
back with a reason of two lines. Each is recorded as given (free text may span lines), but
the confirmation printed it raw: ``wrote off 0.02 EUR of INV-000001 on 2024-02-05 (bank fee``
and, on the next line, ``see ticket 7)``, a line a log reader takes for another, and a
refund's ``(OUT`` / ``1), from 1 payment:``. ``q2c history`` shows the same text escaped
(``reason=bank fee\\nsee ticket 7``); the confirmations now write it so too, each on its own
lines as for any other text.
"""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

from test_cli import runner
from test_cli_refund import books, refund
from test_cli_suspense import april
from test_cli_write_off import WRITE_OFF, acme_pays_short_in_a_file

from q2c_adapters.cli import _register_extensions
from q2c_adapters.cli import app as cli

_register_extensions()  # (the suspense group, as main() adds it)

__all__ = ["books"]  # (the refund's books: Acme's 200.00 of credit, a fixture)


def test_a_write_off_reason_of_two_lines_is_confirmed_on_one_line(tmp_path: Path) -> None:
    url, _, number, _ = acme_pays_short_in_a_file(tmp_path)
    given = [*WRITE_OFF]
    given[given.index("--reason") + 1] = "bank fee\nsee ticket 7"

    done = runner.invoke(cli, ["write-off", number, "--url", url, "--at-most", "0.05", *given])

    assert done.exit_code == 0, done.output
    assert done.stdout.splitlines() == [
        f"wrote off 0.02 EUR of {number} on 2024-02-05 (bank fee\\nsee ticket 7)"
    ]


def test_a_refund_reference_with_a_line_break_is_confirmed_on_its_line(
    books: tuple[str, UUID, UUID],
) -> None:
    url, _, pay = books

    done = runner.invoke(cli, refund(url, "acme", "120.00", "OUT\n1"))

    assert done.exit_code == 0, done.output
    head, part, left = done.stdout.splitlines()
    assert head == "refunded 120.00 EUR to Acme on 2024-02-01 (OUT\\n1), from 1 payment:"
    assert pay.hex in part
    assert left == "customer credit in EUR left: 80.00 EUR"

    again = runner.invoke(cli, refund(url, "acme", "120.00", "OUT\n1"))

    assert again.exit_code == 0, again.output
    assert again.stdout.splitlines()[0] == (
        "refund OUT\\n1 was recorded already (120.00 EUR to Acme on 2024-02-01): nothing new"
    )


def test_a_return_reason_of_two_lines_is_confirmed_on_one_line(tmp_path: Path) -> None:
    url, _ = april(tmp_path)
    back = [
        "suspense", "return", "G1", "--url", url, "--on", "2024-04-10", "--actor", "ana",
        "--reason", "not ours\nsent back",
    ]  # fmt: skip

    done = runner.invoke(cli, back)

    assert done.exit_code == 0, done.output
    assert done.stdout.splitlines() == [
        "returned 15.00 EUR (credit G1 booked 2024-04-05) on 2024-04-10: not ours\\nsent back"
    ]
    again = runner.invoke(cli, back)
    assert again.exit_code == 0, again.output
    assert len(again.stdout.splitlines()) == 1
    assert "not ours\\nsent back): nothing new" in again.stdout
