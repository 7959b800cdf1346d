"""`q2c refund` on a real SQLite file: Bea pays Acme's credit back from the shell, once per
bank reference however often the command is run, and a refund the credit does not cover, or
any other mistake, is one line on standard error, exit code 2, and records nothing."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from uuid import UUID

import pytest
from test_cli import _clean_exit, runner
from test_contract_billing import customer
from test_story_payment import issued

from q2c_adapters.cli import app as cli
from q2c_core import Money, PaymentRefund, QuoteToCash


def eur(amount: str | int) -> Money:
    return Money.of(amount, "EUR")


@pytest.fixture
def books(tmp_path: Path) -> tuple[str, UUID, UUID]:
    """Acme paid 500.00 on 5 January for a 300.00 invoice: 200.00 of credit, on a SQLite file."""
    url = f"sqlite:///{tmp_path / 'q2c.db'}"
    app = QuoteToCash.open(url)
    acme = customer(app)
    issued(app, acme, "300", date(2024, 1, 1))
    pay = app.receive_payment(
        acme, eur(500), received_on=date(2024, 1, 5), reference="transfer 1", actor="alice"
    )
    app.allocate_payment(pay, allocated_on=date(2024, 1, 5), actor="alice")
    app.close()
    return url, acme, pay


def refund(
    url: str, who: str, amount: str, reference: str, *more: str, on: str = "2024-02-01"
) -> list[str]:
    """The arguments of ``q2c refund`` as Bea gives them."""
    return [
        "refund",
        who,
        "--url",
        url,
        "--amount",
        amount,
        "--on",
        on,
        "--reference",
        reference,
        "--actor",
        "bea",
        *more,
    ]


def recorded(url: str) -> int:
    app = QuoteToCash.open(url)
    try:
        return app.recorder.max_notification_id() or 0
    finally:
        app.close()


def refused(result: object) -> str:
    """A refusal: exit 2, no traceback, nothing on standard output, one line on standard
    error (``error: ...``); returns that line."""
    _clean_exit(result)
    assert result.stdout == ""  # type: ignore[attr-defined]
    [line] = result.stderr.splitlines()  # type: ignore[attr-defined]
    assert line.startswith("error: ")
    return str(line)


def test_bea_refunds_acme_s_credit_from_the_shell_once_per_reference(
    books: tuple[str, UUID, UUID],
) -> None:
    """120.00 of Acme's 200.00 goes back by transfer OUT-1: one refund on the payment, 80.00
    left. The same command again (a retry after a lost connection) pays nothing twice and
    says so; another amount under OUT-1 is refused."""
    url, acme, pay = books
    done = runner.invoke(cli, refund(url, "acme", "120.00", "OUT-1"))
    assert done.exit_code == 0, done.output
    assert "refunded 120.00 EUR to Acme on 2024-02-01 (OUT-1), from 1 payment" in done.stdout
    assert pay.hex in done.stdout and "80.00 EUR" in done.stdout
    app = QuoteToCash.open(url)
    [made] = app.payment(pay).refunds
    assert made == PaymentRefund(made.refund_id, eur(120), date(2024, 2, 1), "OUT-1")
    assert app.customer_credit(acme) == eur(80)
    head = app.recorder.max_notification_id()
    app.close()

    again = runner.invoke(cli, refund(url, acme.hex, "120.00", "OUT-1"))
    assert again.exit_code == 0, again.output
    assert "refund OUT-1 was recorded already" in again.stdout
    assert made.refund_id in again.stdout
    assert recorded(url) == head

    line = refused(runner.invoke(cli, refund(url, "Acme", "50.00", "OUT-1")))
    assert "reference" in line and "one reference names one refund" in line
    assert recorded(url) == head


def test_a_refund_of_more_than_the_credit_is_refused_and_records_nothing(
    books: tuple[str, UUID, UUID],
) -> None:
    url, acme, _ = books
    head = recorded(url)
    line = refused(runner.invoke(cli, refund(url, "Acme", "250.00", "OUT-2")))
    assert "amount" in line and "250.00 EUR is more than the 200.00 EUR" in line
    assert recorded(url) == head
    app = QuoteToCash.open(url)
    assert app.customer_credit(acme) == eur(200)
    app.close()


def test_mistakes_in_the_command_are_refused_and_record_nothing(
    books: tuple[str, UUID, UUID],
) -> None:
    """An amount that is no number or not in whole cents, a currency the customer has no
    credit in, an unknown customer, a name two customers share, a blank reference or a day
    that is no date: exit 2, one line (or a usage message), nothing recorded."""
    url, _, _ = books
    app = QuoteToCash.open(url)
    for reference in ("T-1", "T-2"):  # (two customers of one name, told apart by reference)
        app.register_customer(
            "Twin", "EUR", account_manager="mia", actor="bea", reference=reference
        )
    app.close()
    head = recorded(url)
    for args, said in (
        (refund(url, "Acme", "ten", "X"), "--amount: 'ten' is not an amount"),
        (refund(url, "Acme", "0.001", "X"), "whole minor units"),
        (refund(url, "Acme", "10", "X", "--currency", "USD"), "0.00 USD of customer credit"),
        (refund(url, "Acme", "10", "X", "--currency", "EURO"), "currency"),
        (refund(url, "Initech", "10", "X"), "no customer has this id or name"),
        (refund(url, "twin", "10", "X"), "several customers are named 'twin'"),
    ):
        assert said in refused(runner.invoke(cli, args)), args
    for args, said in (
        (refund(url, "Acme", "10", "  "), "--reference"),
        (refund(url, "Acme", "10", "X", on="1 Feb"), "--on"),
    ):
        assert said in _clean_exit(runner.invoke(cli, args)), args
    assert recorded(url) == head


def test_an_amount_is_given_in_plain_decimal_notation_and_whole_minor_units(
    books: tuple[str, UUID, UUID],
) -> None:
    """Bea types 1e2 (meaning 100.00?), 1,000.00, 20.000, -5 or 0: each is refused in one line
    naming --amount, nothing paid. Only digits, a sign and one decimal point, to the currency's
    minor unit (2 decimals for EUR, none for JPY), are an amount, and more than zero; 120 is
    120.00 EUR."""
    url, acme, _ = books
    head = recorded(url)
    for amount in ("1e2", "1E2", "1,000.00", "1_000", "NaN", "Infinity", "0x10", "١٢", "1.2.3"):
        line = refused(runner.invoke(cli, refund(url, "Acme", amount, "OUT-9")))
        assert line.startswith(f"error: --amount: {amount!r} is not an amount in plain"), line
    for amount, currency, said in (
        ("20.000", "EUR", "20.000 has 3 decimals: EUR is paid in whole minor units, 2"),
        ("10.5", "JPY", "10.5 has 1 decimal: JPY is paid in whole minor units, 0"),
    ):
        args = refund(url, "Acme", amount, "OUT-9", "--currency", currency)
        assert refused(runner.invoke(cli, args)) == f"error: --amount: {said} decimals at most"
    for amount in ("-5", "0", "-0.00"):  # (the option is named, as for every other refusal)
        line = refused(runner.invoke(cli, refund(url, "Acme", amount, "OUT-9")))
        assert line == f"error: --amount: {amount!r} must be more than zero: the money paid back"
    assert recorded(url) == head
    done = runner.invoke(cli, refund(url, "Acme", " 120 ", "OUT-9"))
    assert done.exit_code == 0, done.output
    assert "refunded 120.00 EUR to Acme" in done.stdout
    app = QuoteToCash.open(url)
    assert app.customer_credit(acme) == eur(80)
    app.close()


def test_one_reference_pays_out_once_whatever_customer_currency_or_spelling(
    books: tuple[str, UUID, UUID],
) -> None:
    """OUT-7 pays Acme 100.00. The same bank reference given again under Acme's USD credit,
    for Acme Ltd, or typed "out-7 " is another payout under a reference that names one refund:
    refused, nothing recorded. The same instruction typed differently is a retry: it pays
    nothing and names the refund made."""
    url, acme, _ = books
    app = QuoteToCash.open(url)
    usd = app.receive_payment(
        acme, Money.of(500, "USD"), received_on=date(2024, 1, 6), reference="usd", actor="alice"
    )
    ltd = customer(app, "Acme Ltd")
    app.receive_payment(ltd, eur(500), received_on=date(2024, 1, 6), reference="ltd", actor="alice")
    app.close()
    done = runner.invoke(cli, refund(url, "Acme", "100.00", "OUT-7"))
    assert done.exit_code == 0, done.output
    head = recorded(url)
    for args in (
        refund(url, "Acme", "100.00", "OUT-7", "--currency", "USD"),
        refund(url, "Acme Ltd", "100.00", "OUT-7"),
        refund(url, "Acme", "100.00", "OUT-7 ", on="2024-02-02"),
        refund(url, "Acme", "50.00", "out-7"),
    ):
        line = refused(runner.invoke(cli, args))
        assert "one reference names one refund" in line, args
    assert recorded(url) == head
    again = runner.invoke(cli, refund(url, "Acme", "100.00", " out-7"))
    assert again.exit_code == 0, again.output
    assert "was recorded already" in again.stdout
    assert recorded(url) == head
    app = QuoteToCash.open(url)
    assert app.payment(usd).refunds == []
    assert app.customer_credit(ltd) == eur(500)
    assert app.customer_credit(acme) == eur(100)
    app.close()
