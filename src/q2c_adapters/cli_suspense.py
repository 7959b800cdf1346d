"""``q2c suspense ...``: the bank credits waiting for a person, and clearing them from a shell.

    q2c suspense list    --url URL [--on DAY] [--format table|csv|json]
    q2c suspense resolve CREDIT --url URL --on DAY --actor NAME [--customer CUSTOMER]
                         [--pay INVOICE=AMOUNT ...] [--keep-as-credit] [--note TEXT]
    q2c suspense return  CREDIT --url URL --on DAY --reason TEXT --actor NAME

A credit the bank statement import could not match (unknown payer, no invoice found, several
candidates) waits in suspense (``QuoteToCash.bank_suspense``) until a person assigns it to a
customer (``resolve_bank_credit``) or sends the money back (``return_bank_credit``). CREDIT is
the credit's id, as ``list`` prints it, or the bank's reference for it when one credit has it.
A refusal records nothing and is one line, ``error: ...``, exit code 2.

The main CLI calls ``register(app)`` to add the ``suspense`` group.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from uuid import UUID

import typer
from rich.text import Text

from q2c_adapters.cli import (
    console,
    fact,
    money_of,
    parse_amount,
    parse_date,
    print_table,
    require_text,
)
from q2c_adapters.cli_support import fail, find_customer, find_invoice, one_line, open_app
from q2c_adapters.reports import ReportTable
from q2c_core.application import QuoteToCash
from q2c_core.domain.bank_credit import BankCredit, CreditStatus, SuspenseReason
from q2c_core.domain.errors import NotFound, Q2CError, RuleViolated
from q2c_core.domain.money import Money

UrlOption = Annotated[
    str, typer.Option("--url", help="Storage URL: sqlite:///billing.db, postgresql://...")
]
CreditArgument = Annotated[
    str,
    typer.Argument(
        help="the credit's id (as `q2c suspense list` prints it) or the bank's reference for it"
    ),
]
ActorOption = Annotated[str, typer.Option("--actor", help="who clears it (on every event)")]

COLUMNS = (
    "credit id",
    "booked_on",
    "days_waiting",
    "amount",
    "reason",
    "customer",
    "payer",
    "payer_account",
    "bank_reference",
    "remittance",
)


def find_credit(app: QuoteToCash, ref: str) -> UUID:
    """A booked bank credit by its id (with or without dashes) or by the bank's reference for
    it: ``NotFound`` naming ``credit`` when none has it, ``RuleViolated`` when the reference
    names several credits (two accounts' statements may reuse one): give the id then."""
    ref = ref.strip()
    try:
        credit_id = UUID(ref)
    except ValueError:
        pass
    else:
        try:
            return app.bank_credit(credit_id).id
        except NotFound:
            raise NotFound("no bank credit has this id", field="credit", value=ref) from None
    found = [c.id for c in app.bank_credits() if c.credit.bank_reference == ref]
    if not found:
        raise NotFound(
            f"no bank credit has this id or bank reference: {ref!r}", field="credit", value=ref
        )
    if len(found) > 1:
        ids = ", ".join(c.hex for c in found)
        raise RuleViolated(
            f"several bank credits have the reference {ref!r} ({ids}): give the id",
            field="credit",
            value=ref,
        )
    return found[0]


def suspense_table(app: QuoteToCash, day: date, as_of: date | None) -> ReportTable:
    """The credits waiting at the end of ``as_of`` (None: now), oldest booking first, with
    the days each had waited by ``day``. Of a past day, each row's amount is what the credit
    held in ``Liabilities:Suspense`` then (``BankCredit.suspense_amount``: minus its amount for
    money the bank had taken back that the books still credited to the customer), so the
    rows add up to minus the books' suspense of that day, and its reason says why it is there."""
    names = {c.id: c.name for c in app.customers()}
    credits = sorted(app.bank_suspense(as_of), key=lambda c: (c.credit.booked_on, c.credit_key))
    rows = tuple(_row(c, day, as_of, names) for c in credits)
    return ReportTable("Bank credits in suspense", COLUMNS, rows)


def suspense_reason(credit: BankCredit, as_of: date | None) -> str:
    """Why ``credit`` is listed at the end of ``as_of`` (None: now): the bank holding the money
    of a payment bounced by hand before its reversal, the bank having taken back money whose
    payment had not bounced yet, else why it waits for a person (``SuspenseReason``)."""
    bounced_on, reversed_on = credit.payment_bounced_on, credit.reversed_on
    if as_of is not None and credit.held_for_the_bank_on(as_of):
        return f"bounced on {bounced_on}, awaiting the bank's reversal of {reversed_on}"
    if as_of is not None and credit.taken_back_unsettled_on(as_of):
        return f"taken back by the bank on {reversed_on}, awaiting the payment's bounce"
    reason = credit.suspense_reason
    if reason is SuspenseReason.MAYBE_RECORDED_BY_HAND and credit.maybe_payment_id is not None:
        return f"may be payment {credit.maybe_payment_id.hex}, recorded by hand"
    return "" if reason is None else reason.value


def _row(
    credit: BankCredit, day: date, as_of: date | None, names: dict[UUID, str]
) -> tuple[Any, ...]:
    said = credit.credit
    customer = "" if credit.customer_id is None else names.get(credit.customer_id, "")
    if (
        as_of is not None
        and not credit.booked_as_payment
        and (credit.resolved_on is None or credit.resolved_on > as_of)
    ):
        # (an unknown payer's money, or one naming several customers, was nobody's until a
        # person assigned it: the customer it went to later is no customer of that day's
        # suspense)
        customer = ""
    amount = said.amount if as_of is None else credit.suspense_amount(as_of)
    return (
        credit.id.hex,
        said.booked_on,
        max((day - said.booked_on).days, 0),
        amount,
        suspense_reason(credit, as_of),
        customer,
        said.debtor_name,
        said.debtor_account,
        said.bank_reference,
        said.remittance,
    )


def list_suspense(
    url: UrlOption,
    on: Annotated[
        str | None,
        typer.Option(
            "--on",
            help="the business day (ISO date): the bank money in suspense at its end, by "
            "the days recorded, to tie to the books (default: the credits waiting for a "
            "person now)",
        ),
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="table, csv or json")] = "table",
) -> None:
    """The bank credits waiting for a person, oldest booking first (``bank_suspense``).

    With --on, the list to tie to the books' ``Liabilities:Suspense`` at the end of that day:
    the bank money not yet settled against a customer then (an unknown payer's credit booked by
    then, not yet assigned, returned or taken back by the bank; a payment bounced by hand that
    the bank still held; money the bank had taken back whose payment had not bounced yet,
    shown at minus its amount), each with its reason and the days it had waited by then; the
    amounts add up to minus the books' suspense. A known customer's credit that fit no invoice
    is the customer's credit, not suspense: it is listed without --on only."""
    if fmt not in ("table", "csv", "json"):
        raise typer.BadParameter(f"{fmt!r} is not table, csv or json", param_hint="--format")
    as_of = parse_date(on, "--on") if on is not None else None
    application = open_app(url)
    try:
        table = suspense_table(application, as_of or date.today(), as_of)
    except Q2CError as error:
        fail(one_line(error))
    finally:
        application.close()
    # (the ``credit id`` column is a key: as resolve and return take it, never a ' before it)
    print_table(table, fmt, "suspense", ("amount",))


def _payments(app: QuoteToCash, pay: list[str], currency: str) -> list[tuple[UUID, Money]]:
    """``--pay INVOICE=AMOUNT`` pairs as (invoice id, amount in the credit's currency)."""
    pairs: list[tuple[UUID, Money]] = []
    for item in pay:
        invoice, sep, amount = item.partition("=")
        if not sep or not invoice.strip() or not amount.strip():
            raise typer.BadParameter(
                f"{item!r} must be INVOICE=AMOUNT (an invoice's number or id, e.g. "
                "INV-000042=60.00)",
                param_hint="--pay",
            )
        value = parse_amount(amount.strip(), "--pay")
        if value <= 0:
            raise typer.BadParameter(
                f"{item!r}: the amount must be more than zero", param_hint="--pay"
            )
        pairs.append((find_invoice(app, invoice), money_of(value, currency, "--pay")))
    return pairs


def resolve_credit(
    credit: CreditArgument,
    url: UrlOption,
    on: Annotated[str, typer.Option("--on", help="the business day it is assigned")],
    actor: ActorOption,
    customer: Annotated[
        str | None,
        typer.Option(
            "--customer",
            help="the customer the money came from (id or name): needed when the bank "
            "statement named nobody",
        ),
    ] = None,
    pay: Annotated[
        list[str] | None,
        typer.Option(
            "--pay",
            help="INVOICE=AMOUNT: put AMOUNT on that invoice (number or id); repeat for "
            "several (default: the customer's open invoices, oldest due first)",
        ),
    ] = None,
    keep_as_credit: Annotated[
        bool,
        typer.Option("--keep-as-credit", help="pay no invoice: keep the money as the credit"),
    ] = False,
    note: Annotated[str, typer.Option("--note", help="why, for the auditor")] = "",
    by_hand: Annotated[
        str | None,
        typer.Option(
            "--payment",
            help="the payment recorded by hand (its id) the credit is: no new payment, the "
            "payment stays allocated as it is",
        ),
    ] = None,
) -> None:
    """Assign a credit in suspense to a customer (``resolve_bank_credit``).

    With --payment, the credit is that payment a person recorded by hand (the one the list
    says it may be, or another of the same customer, amount and currency): no new payment is
    made, and --pay and --keep-as-credit are refused.

    The money becomes the customer's on --on (it was nobody's, in suspense, from the bank's
    booking day until then), and pays --pay's invoices, or the customer's open invoices
    oldest due first, or nothing with --keep-as-credit; what is left stays the customer's
    credit. Payment, invoices and credit are saved in one transaction: a refusal (a credit not
    in suspense, more than the credit on the invoices, an invoice of another customer, a day
    before the bank booked it) records nothing. The same command run again (a retry after a
    lost response, by anyone) records nothing and says the credit was assigned (or matched)
    already, "nothing new", exit code 0, then what the assignment paid."""
    day = parse_date(on, "--on")
    require_text(actor, "--actor", "must say who assigns the money")
    if pay and keep_as_credit:
        raise typer.BadParameter(
            "pays invoices; --keep-as-credit pays none: give one of them", param_hint="--pay"
        )
    hand_payment = None if by_hand is None else _payment_id(by_hand)
    if hand_payment is not None and (pay or keep_as_credit):
        raise typer.BadParameter(
            "the payment recorded by hand pays what it pays: give no --pay nor "
            "--keep-as-credit with it",
            param_hint="--payment",
        )
    application = open_app(url)
    try:
        credit_id = find_credit(application, credit)
        held = application.bank_credit(credit_id)
        customer_id = None if customer is None else find_customer(application, customer)
        currency = held.credit.amount.currency
        allocations = [] if keep_as_credit else _payments(application, pay or [], currency)
        before: set[str] = set()
        # (assigned already: the same command again, after a lost response, is answered as the
        # first was, so it lists what the assignment paid, not what this call added: nothing)
        again = held.status is CreditStatus.RESOLVED and held.payment_id is not None
        if held.payment_id is not None and not again:
            before = {a.allocation_id for a in application.payment(held.payment_id).allocations}
        payment_id = application.resolve_bank_credit(
            credit_id,
            resolved_on=day,
            actor=actor,
            customer_id=customer_id,
            allocations=allocations if (pay or keep_as_credit) else None,
            note=note,
            payment_id=hand_payment,
        )
        payment = application.payment(payment_id)
        name = application.customer(payment.customer_id).name
        paid = [
            (_number(application, a.invoice_id), a.amount)
            for a in payment.live_allocations()
            if a.allocation_id not in before
            and (
                not again
                or (a.allocated_on == held.resolved_on and a.invoice_id in held.invoice_ids)
            )
        ]
        left = payment.unallocated_on(day)
    except Q2CError as error:
        fail(one_line(error))
    finally:
        application.close()
    said = held.credit
    reference = said.bank_reference or credit_id.hex
    named = f"{said.amount} (credit {reference} booked {said.booked_on})"

    def already(done: str, detail: str) -> str:
        # (assigned before this run: resolve_bank_credit answered it as the first call,
        # recording nothing, and the head says so, as refund and suspense return say of theirs)
        return (
            f"credit {reference} was {done} already ({said.amount} booked {said.booked_on}, "
            f"{detail}): nothing new"
        )

    if hand_payment is not None:
        # (no new payment: the money was counted when the payment was received by hand)
        matched = (
            f"{name}'s payment {payment_id.hex} recorded by hand, "
            f"received {payment.received_on}, on {day}"
        )
        head = already("matched", f"to {matched}") if again else f"matched {named} to {matched}"
        console.print(Text(head), soft_wrap=True)
        return
    assigned = f"{name} on {day}: payment {payment_id.hex}"
    head = already("assigned", f"to {assigned}") if again else f"assigned {named} to {assigned}"
    console.print(Text(head), soft_wrap=True)
    for number, amount in paid:
        console.print(Text(f"  paid {amount} on {number}"), soft_wrap=True)
    console.print(Text(f"  left as {name}'s credit: {left}"), soft_wrap=True)


def _payment_id(text: str) -> UUID:
    """``--payment``'s payment id (its hex or hyphenated form)."""
    try:
        return UUID(text.strip())
    except ValueError:
        raise typer.BadParameter(f"{text!r} is no payment id", param_hint="--payment") from None


def _number(app: QuoteToCash, invoice_id: UUID) -> str:
    return app.invoice(invoice_id).number or invoice_id.hex


def return_credit(
    credit: CreditArgument,
    url: UrlOption,
    on: Annotated[str, typer.Option("--on", help="the business day the money was sent back")],
    reason: Annotated[str, typer.Option("--reason", help="why, e.g. 'not ours'")],
    actor: ActorOption,
) -> None:
    """Record that the money of a credit in suspense was sent back to its sender
    (``return_bank_credit``): it leaves suspense and the books' bank on --on. Only a credit
    with no payment (its payer unknown) is returned; one already a customer's payment is
    reversed there instead. The same return run again (a retry after a lost response: same
    --on and --reason) records nothing and says the credit was returned already. A refusal
    records nothing."""
    day = parse_date(on, "--on")
    require_text(reason, "--reason", "must say why the money was sent back")
    require_text(actor, "--actor", "must say who sends the money back")
    application = open_app(url)
    try:
        credit_id = find_credit(application, credit)
        recorded = application.return_bank_credit(
            credit_id, returned_on=day, reason=reason, actor=actor
        )
        said = application.bank_credit(credit_id).credit
    except Q2CError as error:
        fail(one_line(error))
    finally:
        application.close()
    named = fact(said.bank_reference) if said.bank_reference else credit_id.hex
    # (the reason as history shows it: a line break in it kept on the confirmation's line)
    why = fact(reason)
    if not recorded:  # (the same return again: return_bank_credit recorded nothing)
        console.print(
            Text(
                f"credit {named} was returned already ({said.amount} booked {said.booked_on}, "
                f"returned on {day}: {why}): nothing new"
            ),
            soft_wrap=True,
        )
        return
    console.print(
        Text(f"returned {said.amount} (credit {named} booked {said.booked_on}) on {day}: {why}"),
        soft_wrap=True,
    )


def register(app: typer.Typer) -> None:
    """Add the ``suspense`` command group (list, resolve, return) to the main CLI."""
    group = typer.Typer(help="Bank credits waiting for a person: list, assign, send back.")
    group.command("list")(list_suspense)
    group.command("resolve")(resolve_credit)
    group.command("return")(return_credit)
    app.add_typer(group, name="suspense")
