"""``explain`` lists the handover behind an unbilled item's manager.

Books' Export request is handed from Mia to Bob from 1 May: the unbilled report as of 10 May
shows its 400.00 of work on Bob. The handover is recorded on the request, not on the item,
yet it is what puts the item on Bob: ``q2c explain unbilled_revenue item:<request>|<entry>``
lists it, and the request that first named Mia; not the request's other work, logged on 6
May, which is another item's story."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from test_account_manager_handover import Books
from typer.testing import CliRunner

from q2c_adapters.cli import app as cli
from q2c_core import Money, QuoteToCash, TimeEntry

runner = CliRunner(env={"COLUMNS": "250"})


def test_explaining_an_unbilled_item_lists_the_handover_that_put_it_on_bob(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path}/books.db"
    app = QuoteToCash.open(url)
    books = Books(app)
    books.hand_over()
    more = TimeEntry("t-Export-2", "dev", date(2024, 5, 6), Decimal(2), Money.of(100, "EUR"))
    app.log_work(books.export, more, actor="dev")
    app.close()
    out = runner.invoke(
        cli, ["report", "unbilled", "--url", url, "--on", "2024-05-10", "--format", "csv"]
    )
    assert out.exit_code == 0, out.output
    (line,) = [x for x in out.output.splitlines() if x.endswith("|t-Export")]
    assert "Bob" in line and "400.00" in line

    key = f"item:{books.export.hex}|t-Export"
    out = runner.invoke(cli, ["explain", "unbilled_revenue", key, "--url", url])
    assert out.exit_code == 0, out.output
    for what in (
        "EnhancementRequest.WorkLogged",
        "EnhancementRequest.Requested",  # named Mia
        "EnhancementRequest.RequestHandedOver",  # Bob from 1 May
    ):
        assert what in out.output, what
    assert "t-Dashboard" not in out.output  # Zoe's request is another story
    assert "t-Export-2" not in out.output  # and the request's other work the other item's
