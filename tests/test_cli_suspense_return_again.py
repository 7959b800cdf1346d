"""``q2c suspense return`` run again after a lost response says nothing new was recorded.

Ana sends Globex's 15.00 back on 12 April; her script times out and runs the same command
again. ``return_bank_credit`` answers the retry with False, recording nothing (the README says
so), but the command threw that away and printed "returned 15.00 EUR ... on 2024-04-12" a
second time, as if the money had gone back twice; ``q2c refund`` run again says "recorded
already ... nothing new". The retry now says the credit was returned already, and records
nothing; the first run's output is as before."""

from __future__ import annotations

from pathlib import Path

from test_cli_suspense import april, listed, runner

from q2c_adapters.cli import app as cli
from q2c_core import QuoteToCash

RETURN_G1 = [
    "suspense", "return", "G1", "--on", "2024-04-12", "--reason", "not ours", "--actor", "ana",
]  # fmt: skip


def test_the_same_return_run_again_says_it_was_returned_already(tmp_path: Path) -> None:
    url, _ = april(tmp_path)
    first = runner.invoke(cli, [*RETURN_G1, "--url", url])
    assert first.exit_code == 0, first.output
    assert first.stdout.strip() == (
        "returned 15.00 EUR (credit G1 booked 2024-04-05) on 2024-04-12: not ours"
    )
    app = QuoteToCash.open(url)
    before = app.recorder.max_notification_id()
    app.close()

    again = runner.invoke(cli, [*RETURN_G1, "--url", url])
    assert again.exit_code == 0, again.output
    assert again.stdout.strip() == (
        "credit G1 was returned already (15.00 EUR booked 2024-04-05, returned on 2024-04-12: "
        "not ours): nothing new"
    )
    app = QuoteToCash.open(url)
    assert app.recorder.max_notification_id() == before
    app.close()
    assert [r["bank_reference"] for r in listed(url)] == ["U7"]


def test_a_return_on_another_day_is_still_refused(tmp_path: Path) -> None:
    url, _ = april(tmp_path)
    assert runner.invoke(cli, [*RETURN_G1, "--url", url]).exit_code == 0
    other = [*RETURN_G1[:4], "2024-04-13", *RETURN_G1[5:], "--url", url]
    refused = runner.invoke(cli, other)
    assert refused.exit_code == 2
    assert "returned_on" in refused.output
