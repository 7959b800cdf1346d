"""An auditor reads a history in which a clerk's tool sent keyed commands and sent them again
after lost responses (a grant, a top-up, a draft, a receipt). The retries recorded nothing, so
every auditor's tool reads the history as if each command had been sent once: the keys' own
events (``RetryKey``) read by the projections' fast decoder exactly as by the application,
``q2c history`` saying who gave each key and what it made, ``q2c replay`` finding no
difference, and a snapshot of a key (or of what it made) changing nothing: the command given
again after the snapshot is still answered as a retry.

Each story runs on a real SQLite file and a PostgreSQL schema, the retries from an application
opened again on it, as a tool's second process would."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from conftest import Reopen
from test_beancount_ledger import issue, manual_line
from typer.testing import CliRunner

from q2c_adapters.cli import app as cli
from q2c_core import AllowanceUnit, Money, Period, QuoteToCash, RetryKey, TaxRate
from q2c_core.projections.decoding import TrustedDecoder
from q2c_core.projections.reader import NotificationReader

A = "bea"
VAT = TaxRate.standard(19)
YEAR = Period(date(2026, 1, 1), date(2027, 1, 1))


def mar(day: int) -> date:
    return date(2026, 3, day)


def keyed_commands(app: QuoteToCash, acme: UUID) -> dict[str, UUID]:
    """Acme's 10 prepaid hours for 2026 and 5 more bought, an invoice of 100.00 drafted and
    issued, and its 119.00 received: each command under a key of the clerk's tool. Returns
    what each made."""
    hours = app.grant_allowance(
        acme,
        unit=AllowanceUnit.HOURS,
        quantity=10,
        period=YEAR,
        granted_on=mar(1),
        actor=A,
        key="grant-2026",
    )
    app.top_up_allowance(hours, 5, topped_up_on=mar(2), reason="5 more", actor=A, key="tu-1")
    invoice = app.draft_invoice(
        acme, [manual_line("L1", "100", VAT)], drafted_on=mar(2), actor="billy", key="inv-1"
    )
    payment = app.receive_payment(
        acme, Money.of("119.00", "EUR"), received_on=mar(5), reference="TR-1", actor=A, key="r-1"
    )
    return {"allowance": hours, "invoice": invoice, "payment": payment}


def test_the_keys_of_retried_commands_read_alike_by_every_auditor_tool(
    reopen: Reopen, shared_url: str
) -> None:
    """Bea's tool grants, tops up, drafts and receives under keys; each response is lost and
    the tool, started again, sends all four again: they answer with what the first calls made
    and record nothing. The auditor then reads the store: the fast decoder reads every event
    (the four keys' too) as the application does, the grant's key's history names Bea, the
    command and the allowance it made, and the replay finds no difference."""
    first = reopen()
    acme = first.register_customer("Acme GmbH", "EUR", account_manager="mia", actor=A)
    made = keyed_commands(first, acme)
    issue(first, made["invoice"], mar(3))
    recorded = first.recorder.max_notification_id()

    retry = reopen()
    assert keyed_commands(retry, acme) == made
    assert retry.recorder.max_notification_id() == recorded  # the retries recorded nothing

    reader = NotificationReader(retry.recorder)
    decoder = TrustedDecoder(retry)
    rows = reader.select(1, 1_000)
    topics = [row[3] for row in rows]
    assert sum(topic.endswith("RetryKey.RetryKeyRecorded") for topic in topics) == 4
    for _ in range(2):  # (the second reading by the templates learned in the first)
        for row in rows:
            expected = retry.mapper.to_domain_event(reader.as_notification(row))
            event, key = decoder.decode_row(row, reader.as_notification)
            assert type(event) is type(expected)
            assert vars(event) == vars(expected)
            assert key == expected.originator_id.hex

    grant_key = RetryKey.create_id("grant", acme, "grant-2026")
    shown = CliRunner().invoke(cli, ["history", str(grant_key), "--url", shared_url])
    assert shown.exit_code == 0, shown.output
    assert "1 event" in shown.output
    assert "bea  RetryKey.RetryKeyRecorded" in shown.output
    assert "command=grant" in shown.output
    assert f"made_id={made['allowance'].hex}" in shown.output

    replayed = CliRunner().invoke(cli, ["replay", "--url", shared_url])
    assert replayed.exit_code == 0, replayed.output
    assert "replay matches" in replayed.output


def test_a_command_sent_again_after_its_key_was_snapshotted_is_still_a_retry(
    reopen: Reopen,
) -> None:
    """The keys and what they made are snapshotted (an operator's maintenance); a retry sent
    after that, from another process, reads each key from its snapshot: it is still the same
    command (not another under the key, refused), answered with what the first call made,
    recording nothing; and every snapshot equals its aggregate's events."""
    first = reopen()
    acme = first.register_customer("Acme GmbH", "EUR", account_manager="mia", actor=A)
    made = keyed_commands(first, acme)
    keys = [
        RetryKey.create_id("grant", acme, "grant-2026"),
        RetryKey.create_id("top-up", made["allowance"], "tu-1"),
        RetryKey.create_id("draft", acme, "inv-1"),
        RetryKey.create_id("receipt", acme, "r-1"),
    ]
    for aggregate_id in [*keys, *made.values(), acme]:
        first.take_snapshot(aggregate_id)
    recorded = first.recorder.max_notification_id()

    retry = reopen()
    assert keyed_commands(retry, acme) == made
    assert retry.recorder.max_notification_id() == recorded
    check = retry.verify_snapshots()
    assert check.checked == len(keys) + len(made) + 1
    assert check.mismatches == ()
