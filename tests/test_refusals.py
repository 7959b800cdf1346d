"""Every refused command raises a typed q2c error that names the aggregate, the field and the
rule, and records nothing: the notification log does not grow."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import attrs
import pytest

from q2c_core import (
    AllowanceExhausted,
    AllowanceUnit,
    ApprovalRefused,
    BillingFrequency,
    CardNumberRefused,
    CreditDisposition,
    CurrencyMismatch,
    DuplicateEntry,
    Expense,
    InvalidTransition,
    InvalidValue,
    InvoiceLine,
    InvoiceLinesRejected,
    LineSource,
    Money,
    NotFound,
    OverAllocation,
    Period,
    PricePoint,
    PurchaseOrderBelowEstimate,
    Q2CError,
    QuoteToCash,
    RuleViolated,
    SourceKind,
    SubContract,
    SubContractKind,
    TaxRate,
    TimeEntry,
    WorkNotAuthorized,
)

A = "alice"
D = date(2024, 3, 10)
YEAR = Period(date(2024, 1, 1), date(2025, 1, 1))
NEXT_YEAR = Period(date(2025, 1, 1), date(2026, 1, 1))


def eur(amount: str | int) -> Money:
    return Money.of(amount, "EUR")


def entry(entry_id: str, hours: str = "2", rate: Money | None = None) -> TimeEntry:
    return TimeEntry(entry_id, "bob", D, Decimal(hours), rate or eur(100))


def line(line_id: str = "L1", price: str = "100", source: Any = "manual") -> InvoiceLine:
    return InvoiceLine(
        line_id,
        "item",
        Decimal(1),
        eur(price),
        TaxRate.standard(21),
        LineSource(SourceKind.MANUAL, note="agreed") if source == "manual" else source,
    )


@dataclass
class World:
    """Aggregates in every state a refusal needs."""

    app: QuoteToCash
    customer: UUID
    other_customer: UUID
    requested: UUID
    quoted: UUID
    authorized: UUID
    completed_invoiced: UUID
    allowance: UUID
    expired_allowance: UUID
    other_allowance: UUID
    draft: UUID
    issued: UUID
    payment: UUID
    early_payment: UUID
    bounced: UUID
    big_payment: UUID
    unsourced: UUID
    contract: UUID


def approve(app: QuoteToCash, invoice: UUID) -> None:
    app.approve_invoice(invoice, role="billing", approved_on=D, actor="bea")
    app.approve_invoice(invoice, role="account_manager", approved_on=D, actor="mia")


def build(app: QuoteToCash) -> World:
    cust = app.register_customer(
        "Acme", "EUR", account_manager="mia", actor=A, tax_rate=TaxRate.standard(21)
    )
    other = app.register_customer("Other", "EUR", account_manager="mia", actor=A)

    def request(stage: str) -> UUID:
        r = app.open_request(cust, f"{stage} request", requested_on=date(2024, 3, 1), actor=A)
        if stage == "requested":
            return r
        app.estimate_request(r, hours=10, rate=eur(100), actor=A)
        app.send_quote(r, sent_on=date(2024, 3, 2), actor=A)
        if stage == "quoted":
            return r
        app.receive_purchase_order(
            r, number="PO-1", amount=eur(1000), received_on=date(2024, 3, 3), actor=A
        )
        app.authorize_work(r, authorized_on=date(2024, 3, 4), actor=A)
        app.log_work(r, entry("t1"), actor="bob")
        if stage == "authorized":
            app.draft_request_invoice(r, drafted_on=D, actor="billy")  # bills t1 already
            return r
        app.complete_request(r, completed_on=D, actor=A)
        app.draft_request_invoice(r, drafted_on=D, actor="billy")
        return r

    allowance = app.grant_allowance(
        cust, unit=AllowanceUnit.HOURS, quantity=5, period=YEAR, granted_on=YEAR.start, actor=A
    )
    expired = app.grant_allowance(
        cust,
        unit=AllowanceUnit.HOURS,
        quantity=5,
        period=Period(date(2023, 1, 1), date(2024, 1, 1)),
        granted_on=date(2023, 1, 1),
        actor=A,
    )
    app.expire_allowance(expired, expired_on=date(2024, 1, 1), actor=A)
    other_allowance = app.grant_allowance(
        other, unit=AllowanceUnit.HOURS, quantity=5, period=YEAR, granted_on=YEAR.start, actor=A
    )
    draft = app.draft_invoice(cust, [line()], drafted_on=D, actor="billy")
    issued = app.draft_invoice(cust, [line()], drafted_on=D, actor="billy")
    approve(app, issued)
    app.issue_invoice(issued, issued_on=D, actor="bea")
    payment = app.receive_payment(cust, eur(50), received_on=D, reference="transfer", actor=A)
    early = app.receive_payment(
        cust, eur(50), received_on=date(2024, 3, 1), reference="prepaid", actor=A
    )
    bounced = app.receive_payment(cust, eur(50), received_on=D, reference="transfer", actor=A)
    app.bounce_payment(bounced, bounced_on=D, reason="returned", actor=A)
    big = app.receive_payment(cust, eur(500), received_on=D, reference="transfer", actor=A)
    unsourced = app.draft_invoice(cust, [line(source=None)], drafted_on=D, actor="billy")
    contract = app.sign_contract(
        cust,
        number="MC-1",
        term=YEAR,
        frequency=BillingFrequency.MONTHLY,
        signed_on=YEAR.start,
        actor=A,
        sub_contracts=[
            SubContract(
                "erp",
                "ERP",
                SubContractKind.LICENCE,
                YEAR.start,
                [PricePoint(YEAR.start, eur(1200))],
            )
        ],
    )
    app.activate_contract(contract, effective=YEAR.start, actor=A)
    return World(
        app,
        cust,
        other,
        request("requested"),
        request("quoted"),
        request("authorized"),
        request("completed"),
        allowance,
        expired,
        other_allowance,
        draft,
        issued,
        payment,
        early,
        bounced,
        big,
        unsourced,
        contract,
    )


@dataclass
class Case:
    name: str
    command: Callable[[World], object]
    error: type[Q2CError]
    field: str
    target: Callable[[World], object] | None  # the aggregate the error must name


W = World
CARD = "4111 1111 1111 1111"  # a test card number: passes the Luhn check

CASES = [
    # facts of the wrong type are refused before an event exists (``check_facts``)
    Case(
        "payment without a day",
        lambda w: w.app.receive_payment(
            w.customer,
            eur(5),
            received_on=None,
            reference="x",
            actor=A,  # type: ignore[arg-type]
        ),
        InvalidValue,
        "received_on",
        None,
    ),
    Case(
        "payment dated by text",
        lambda w: w.app.receive_payment(
            w.customer,
            eur(5),
            received_on="2024-03-20",
            reference="x",
            actor=A,  # type: ignore[arg-type]
        ),
        InvalidValue,
        "received_on",
        None,
    ),
    Case(
        "request dated by a number",
        lambda w: w.app.open_request(
            w.customer,
            "x",
            requested_on=20240301,
            actor=A,  # type: ignore[arg-type]
        ),
        InvalidValue,
        "requested_on",
        None,
    ),
    Case(
        "quote sent at a datetime, not on a day",
        lambda w: w.app.send_quote(w.requested, sent_on=datetime(2024, 3, 2, 9, 30), actor=A),
        InvalidValue,
        "sent_on",
        lambda w: w.requested,
    ),
    Case(
        "invoice issued on a text day",
        lambda w: w.app.issue_invoice(w.draft, issued_on="2024-03-10", actor=A),  # type: ignore[arg-type]
        InvalidValue,
        "issued_on",
        None,
    ),
    Case(
        "time entry dated by text",
        lambda w: w.app.log_work(
            w.authorized,
            TimeEntry("t9", "bob", "2024-03-05", Decimal(1), eur(100)),  # type: ignore[arg-type]
            actor="bob",
        ),
        InvalidValue,
        "entry.work_date",
        lambda w: w.authorized,
    ),
    Case(
        "anonymous actor",
        lambda w: w.app.register_customer("X", "EUR", account_manager="m", actor=" "),
        InvalidValue,
        "actor",
        None,
    ),
    Case(
        "no actor at all",
        lambda w: w.app.complete_request(
            w.authorized,
            completed_on=D,
            actor=None,  # type: ignore[arg-type]
        ),
        InvalidValue,
        "actor",
        lambda w: w.authorized,
    ),
    # business days in order: nothing is done before what it follows (``DAY_ORDER``)
    Case(
        "quote sent before the request came in",
        lambda w: w.app.send_quote(w.quoted, sent_on=date(2024, 2, 28), actor=A),
        RuleViolated,
        "sent_on",
        lambda w: w.quoted,
    ),
    Case(
        "work logged for a day before it was authorized",
        lambda w: w.app.log_work(
            w.authorized,
            TimeEntry("t8", "bob", date(2024, 3, 3), Decimal(1), eur(100)),
            actor="bob",
        ),
        WorkNotAuthorized,
        "entry.work_date",
        lambda w: w.authorized,
    ),
    Case(
        "invoice approved before it was drafted",
        lambda w: w.app.approve_invoice(
            w.draft, role="billing", approved_on=date(2024, 3, 1), actor="c"
        ),
        RuleViolated,
        "approved_on",
        lambda w: w.draft,
    ),
    Case(
        "invoice issued before it was drafted",
        lambda w: w.app.issue_invoice(w.draft, issued_on=date(2024, 3, 1), actor=A),
        RuleViolated,
        "issued_on",
        lambda w: w.draft,
    ),
    Case(
        "payment allocated before the money arrived",
        lambda w: w.app.allocate_payment(
            w.payment, [(w.issued, eur(10))], allocated_on=date(2024, 3, 1), actor=A
        ),
        RuleViolated,
        "allocated_on",
        lambda w: w.payment,
    ),
    Case(
        "payment allocated before the invoice was issued",
        lambda w: w.app.allocate_payment(
            w.early_payment, [(w.issued, eur(10))], allocated_on=date(2024, 3, 5), actor=A
        ),
        RuleViolated,
        "allocated_on",
        lambda w: w.issued,
    ),
    Case(
        "credit note drafted before the invoice was issued",
        lambda w: w.app.draft_credit_note(
            w.issued,
            line_ids=["L1"],
            disposition=CreditDisposition.REBILLABLE,
            reason="x",
            drafted_on=date(2024, 3, 5),
            actor=A,
        ),
        RuleViolated,
        "drafted_on",
        lambda w: w.issued,
    ),
    Case(
        "payment bounced before the money arrived",
        lambda w: w.app.bounce_payment(
            w.payment, bounced_on=date(2024, 3, 1), reason="returned", actor=A
        ),
        RuleViolated,
        "bounced_on",
        lambda w: w.payment,
    ),
    # card numbers never reach the log through free text
    Case(
        "card number in a customer's address",
        lambda w: w.app.register_customer(
            "X", "EUR", account_manager="m", actor=A, address=f"pay with {CARD}"
        ),
        CardNumberRefused,
        "address",
        None,
    ),
    Case(
        "card number in a request's description",
        lambda w: w.app.open_request(
            w.customer, "x", requested_on=D, actor=A, description=f"card {CARD}"
        ),
        CardNumberRefused,
        "description",
        None,
    ),
    Case(
        "card number in an expense",
        lambda w: w.app.log_expense(
            w.authorized, Expense("e9", f"taxi, card {CARD}", eur(20), D), actor="bob"
        ),
        CardNumberRefused,
        "expense.description",
        lambda w: w.authorized,
    ),
    Case(
        "card number in a hand-made invoice line",
        lambda w: w.app.draft_invoice(
            w.customer,
            [attrs.evolve(line("L7"), description=f"paid by {CARD}")],
            drafted_on=D,
            actor="billy",
        ),
        CardNumberRefused,
        "lines.L7.description",
        None,
    ),
    Case(
        "card number in a time entry's notes",
        lambda w: w.app.log_work(
            w.authorized,
            TimeEntry("t9", "bob", D, Decimal(1), eur(100), note=f"card {CARD}"),
            actor="bob",
        ),
        CardNumberRefused,
        "entry.note",
        lambda w: w.authorized,
    ),
    # customers
    Case(
        "customer without a name",
        lambda w: w.app.register_customer(" ", "EUR", account_manager="m", actor=A),
        InvalidValue,
        "name",
        None,
    ),
    Case(
        "customer with a made-up currency",
        lambda w: w.app.register_customer("X", "EUX", account_manager="m", actor=A),
        InvalidValue,
        "currency",
        None,
    ),
    Case(
        "customer with negative terms",
        lambda w: w.app.register_customer(
            "X", "EUR", account_manager="m", actor=A, payment_terms_days=-1
        ),
        InvalidValue,
        "payment_terms_days",
        None,
    ),
    # requests
    Case(
        "request for an unknown customer",
        lambda w: w.app.open_request(uuid4(), "x", requested_on=D, actor=A),
        NotFound,
        "id",
        None,
    ),
    Case(
        "request without a title",
        lambda w: w.app.open_request(w.customer, " ", requested_on=D, actor=A),
        InvalidValue,
        "title",
        lambda w: w.customer,
    ),
    Case(
        "estimate without hours or price",
        lambda w: w.app.estimate_request(w.requested, actor=A),
        InvalidValue,
        "estimate",
        lambda w: w.requested,
    ),
    Case(
        "estimate in float hours",
        lambda w: w.app.estimate_request(w.requested, hours=1.5, rate=eur(1), actor=A),
        InvalidValue,
        "hours",
        lambda w: w.requested,
    ),  # type: ignore[arg-type]
    Case(
        "estimate after the quote",
        lambda w: w.app.estimate_request(w.quoted, hours=1, rate=eur(1), actor=A),
        InvalidTransition,
        "status",
        lambda w: w.quoted,
    ),
    Case(
        "quote before an estimate",
        lambda w: w.app.send_quote(w.requested, sent_on=D, actor=A),
        InvalidTransition,
        "status",
        lambda w: w.requested,
    ),
    Case(
        "PO below the estimate",
        lambda w: w.app.receive_purchase_order(
            w.quoted, number="P", amount=eur(999), received_on=D, actor=A
        ),
        PurchaseOrderBelowEstimate,
        "po.amount",
        lambda w: w.quoted,
    ),
    Case(
        "PO in another currency",
        lambda w: w.app.receive_purchase_order(
            w.quoted, number="P", amount=Money.of(2000, "USD"), received_on=D, actor=A
        ),
        CurrencyMismatch,
        "po.amount",
        lambda w: w.quoted,
    ),
    Case(
        "PO without a number",
        lambda w: w.app.receive_purchase_order(
            w.quoted, number=" ", amount=eur(1000), received_on=D, actor=A
        ),
        InvalidValue,
        "po.number",
        lambda w: w.quoted,
    ),
    Case(
        "PO before the quote",
        lambda w: w.app.receive_purchase_order(
            w.requested, number="P", amount=eur(1000), received_on=D, actor=A
        ),
        InvalidTransition,
        "status",
        lambda w: w.requested,
    ),
    Case(
        "allowance of another customer",
        lambda w: w.app.cover_request_by_allowance(w.quoted, w.other_allowance, actor=A),
        RuleViolated,
        "allowance_id",
        lambda w: w.quoted,
    ),
    Case(
        "expired allowance",
        lambda w: w.app.cover_request_by_allowance(w.quoted, w.expired_allowance, actor=A),
        InvalidTransition,
        "allowance_id",
        lambda w: w.quoted,
    ),
    Case(
        "allowance before an estimate",
        lambda w: w.app.cover_request_by_allowance(w.requested, w.allowance, actor=A),
        InvalidTransition,
        "status",
        lambda w: w.requested,
    ),
    Case(
        "decline authorized work",
        lambda w: w.app.decline_request(w.authorized, reason="x", actor=A),
        InvalidTransition,
        "status",
        lambda w: w.authorized,
    ),
    Case(
        "decline without a reason",
        lambda w: w.app.decline_request(w.quoted, reason="", actor=A),
        InvalidValue,
        "reason",
        lambda w: w.quoted,
    ),
    Case(
        "cancel without a reason",
        lambda w: w.app.cancel_request(w.quoted, reason=" ", cancelled_on=D, actor=A),
        InvalidValue,
        "reason",
        lambda w: w.quoted,
    ),
    Case(
        "cancel without a day",
        lambda w: w.app.cancel_request(
            w.quoted,
            reason="x",
            cancelled_on=None,
            actor=A,  # type: ignore[arg-type]
        ),
        InvalidValue,
        "cancelled_on",
        lambda w: w.quoted,
    ),
    Case(
        "cancel dated by text",
        lambda w: w.app.cancel_request(
            w.quoted,
            reason="x",
            cancelled_on="2024-03-20",
            actor=A,  # type: ignore[arg-type]
        ),
        InvalidValue,
        "cancelled_on",
        lambda w: w.quoted,
    ),
    Case(
        "cancel dated before the request",
        lambda w: w.app.cancel_request(
            w.quoted, reason="x", cancelled_on=date(2024, 2, 29), actor=A
        ),
        RuleViolated,
        "cancelled_on",
        lambda w: w.quoted,
    ),
    Case(
        "cancel dated before the last day of work logged",
        lambda w: w.app.cancel_request(
            w.authorized, reason="x", cancelled_on=date(2024, 3, 9), actor=A
        ),
        RuleViolated,
        "cancelled_on",
        lambda w: w.authorized,
    ),
    Case(
        "cancel an invoiced request",
        lambda w: w.app.cancel_request(w.completed_invoiced, reason="x", cancelled_on=D, actor=A),
        InvalidTransition,
        "status",
        lambda w: w.completed_invoiced,
    ),
    Case(
        "authorize without a PO",
        lambda w: w.app.authorize_work(w.quoted, authorized_on=D, actor=A),
        WorkNotAuthorized,
        "status",
        lambda w: w.quoted,
    ),
    Case(
        "log unauthorized work",
        lambda w: w.app.log_work(w.quoted, entry("t9"), actor="bob"),
        WorkNotAuthorized,
        "status",
        lambda w: w.quoted,
    ),
    Case(
        "log an entry twice",
        lambda w: w.app.log_work(w.authorized, entry("t1"), actor="bob"),
        DuplicateEntry,
        "entry_id",
        lambda w: w.authorized,
    ),
    Case(
        "log work in another currency",
        lambda w: w.app.log_work(w.authorized, entry("t9", rate=Money.of(1, "USD")), actor="bob"),
        CurrencyMismatch,
        "rate",
        lambda w: w.authorized,
    ),
    Case(
        "log an expense without an id",
        lambda w: w.app.log_expense(w.authorized, Expense(" ", "taxi", eur(10), D), actor=A),
        InvalidValue,
        "expense.expense_id",
        lambda w: w.authorized,
    ),
    Case(
        "log an expense incurred before the work was authorized",
        lambda w: w.app.log_expense(
            w.authorized, Expense("e8", "taxi", eur(10), date(2024, 3, 3)), actor=A
        ),
        WorkNotAuthorized,
        "expense.incurred_on",
        lambda w: w.authorized,
    ),
    Case(
        "log an expense before authorization",
        lambda w: w.app.log_expense(w.quoted, Expense("x1", "taxi", eur(10), D), actor=A),
        InvalidTransition,
        "status",
        lambda w: w.quoted,
    ),
    Case(
        "complete before authorization",
        lambda w: w.app.complete_request(w.quoted, completed_on=D, actor=A),
        InvalidTransition,
        "status",
        lambda w: w.quoted,
    ),
    # allowances
    Case(
        "grant a negative allowance",
        lambda w: w.app.grant_allowance(
            w.customer, unit=AllowanceUnit.HOURS, quantity=-1, period=YEAR, granted_on=D, actor=A
        ),
        InvalidValue,
        "quantity",
        lambda w: w.customer,
    ),
    Case(
        "grant float hours",
        lambda w: w.app.grant_allowance(
            w.customer, unit=AllowanceUnit.HOURS, quantity=1.5, period=YEAR, granted_on=D, actor=A
        ),
        InvalidValue,
        "quantity",
        lambda w: w.customer,
    ),  # type: ignore[arg-type]
    Case(
        "top up by nothing",
        lambda w: w.app.top_up_allowance(w.allowance, 0, topped_up_on=D, reason="x", actor=A),
        InvalidValue,
        "quantity",
        lambda w: w.allowance,
    ),
    Case(
        "top up an expired allowance",
        lambda w: w.app.top_up_allowance(
            w.expired_allowance, 1, topped_up_on=D, reason="x", actor=A
        ),
        InvalidTransition,
        "status",
        lambda w: w.expired_allowance,
    ),
    Case(
        "expire before the period ends",
        lambda w: w.app.expire_allowance(w.allowance, expired_on=D, actor=A),
        InvalidTransition,
        "expired_on",
        lambda w: w.allowance,
    ),
    Case(
        "roll over more than is left",
        lambda w: w.app.roll_over_allowance(
            w.allowance, new_period=NEXT_YEAR, rolled_over_on=YEAR.end, actor=A, quantity=6
        ),
        AllowanceExhausted,
        "quantity",
        lambda w: w.allowance,
    ),
    # values of the wrong type, given where an allowance's unit or period goes: recorded, they
    # would break every replay of the allowance for good
    Case(
        "grant hours named by text, not an AllowanceUnit",
        lambda w: w.app.grant_allowance(
            w.customer,
            unit="hours",  # type: ignore[arg-type]
            quantity=5,
            period=YEAR,
            granted_on=D,
            actor=A,
        ),
        InvalidValue,
        "unit",
        lambda w: w.customer,
    ),
    Case(
        "grant for no period",
        lambda w: w.app.grant_allowance(
            w.customer,
            unit=AllowanceUnit.HOURS,
            quantity=5,
            period=None,  # type: ignore[arg-type]
            granted_on=D,
            actor=A,
        ),
        InvalidValue,
        "period",
        lambda w: w.customer,
    ),
    Case(
        "grant for a period given as two days, not a Period",
        lambda w: w.app.grant_allowance(
            w.customer,
            unit=AllowanceUnit.HOURS,
            quantity=5,
            period=(YEAR.start, YEAR.end),  # type: ignore[arg-type]
            granted_on=D,
            actor=A,
        ),
        InvalidValue,
        "period",
        lambda w: w.customer,
    ),
    Case(
        "roll over into no period",
        lambda w: w.app.roll_over_allowance(
            w.allowance,
            new_period=None,  # type: ignore[arg-type]
            rolled_over_on=YEAR.end,
            actor=A,
        ),
        InvalidValue,
        "new_period",
        lambda w: w.allowance,
    ),
    Case(
        "roll over into a period given as two days",
        lambda w: w.app.roll_over_allowance(
            w.allowance,
            new_period=(NEXT_YEAR.start, NEXT_YEAR.end),  # type: ignore[arg-type]
            rolled_over_on=YEAR.end,
            actor=A,
        ),
        InvalidValue,
        "new_period",
        lambda w: w.allowance,
    ),
    # a roll-over closes the period as an expiry does: not before it ends, into a later one
    Case(
        "roll over before the period ends",
        lambda w: w.app.roll_over_allowance(
            w.allowance, new_period=NEXT_YEAR, rolled_over_on=date(2024, 12, 1), actor=A
        ),
        InvalidTransition,
        "rolled_over_on",
        lambda w: w.allowance,
    ),
    Case(
        "roll over into a period that starts before the old one ends",
        lambda w: w.app.roll_over_allowance(
            w.allowance,
            new_period=Period(date(2024, 12, 1), date(2025, 12, 1)),
            rolled_over_on=YEAR.end,
            actor=A,
        ),
        InvalidValue,
        "new_period",
        lambda w: w.allowance,
    ),
    Case(
        "roll over into the year before",
        lambda w: w.app.roll_over_allowance(
            w.allowance,
            new_period=Period(date(2023, 1, 1), date(2024, 1, 1)),
            rolled_over_on=YEAR.end,
            actor=A,
        ),
        InvalidValue,
        "new_period",
        lambda w: w.allowance,
    ),
    Case(
        "roll over with a negative extra grant",
        lambda w: w.app.roll_over_allowance(
            w.allowance, new_period=NEXT_YEAR, rolled_over_on=YEAR.end, actor=A, extra=-3
        ),
        InvalidValue,
        "extra",
        lambda w: w.allowance,
    ),
    Case(
        "top up without a reason",
        lambda w: w.app.top_up_allowance(w.allowance, 1, topped_up_on=D, reason=" ", actor=A),
        InvalidValue,
        "reason",
        lambda w: w.allowance,
    ),
    Case(
        "roll over an expired allowance",
        lambda w: w.app.roll_over_allowance(
            w.expired_allowance, new_period=YEAR, rolled_over_on=D, actor=A
        ),
        InvalidTransition,
        "status",
        lambda w: w.expired_allowance,
    ),
    # invoices
    Case(
        "draft a line in another currency",
        lambda w: w.app.draft_invoice(w.customer, [line()], drafted_on=D, actor=A, currency="USD"),
        CurrencyMismatch,
        "lines",
        None,
    ),
    Case(
        "draft the same line twice",
        lambda w: w.app.draft_invoice(w.customer, [line(), line()], drafted_on=D, actor=A),
        DuplicateEntry,
        "line_id",
        None,
    ),
    Case(
        "invoice a request before work",
        lambda w: w.app.draft_request_invoice(w.quoted, drafted_on=D, actor=A),
        InvalidTransition,
        "status",
        lambda w: w.quoted,
    ),
    Case(
        "invoice an invoiced request",
        lambda w: w.app.draft_request_invoice(w.completed_invoiced, drafted_on=D, actor=A),
        InvalidTransition,
        "status",
        lambda w: w.completed_invoiced,
    ),
    Case(
        "invoice work that is billed already",
        lambda w: w.app.draft_request_invoice(w.authorized, drafted_on=D, actor=A),
        RuleViolated,
        "work",
        lambda w: w.authorized,
    ),
    Case(
        "approve for an unknown role",
        lambda w: w.app.approve_invoice(w.draft, role="ceo", approved_on=D, actor="c"),
        ApprovalRefused,
        "role",
        lambda w: w.draft,
    ),
    Case(
        "approve an issued invoice",
        lambda w: w.app.approve_invoice(w.issued, role="billing", approved_on=D, actor="c"),
        InvalidTransition,
        "status",
        lambda w: w.issued,
    ),
    Case(
        "approve a line without source",
        lambda w: w.app.approve_invoice(w.unsourced, role="billing", approved_on=D, actor="c"),
        InvoiceLinesRejected,
        "lines",
        lambda w: w.unsourced,
    ),
    Case(
        "issue an unapproved invoice",
        lambda w: w.app.issue_invoice(w.draft, issued_on=D, actor=A),
        InvalidTransition,
        "status",
        lambda w: w.draft,
    ),
    Case(
        "void an issued invoice",
        lambda w: w.app.void_invoice(w.issued, reason="x", actor=A, voided_on=D),
        InvalidTransition,
        "status",
        lambda w: w.issued,
    ),
    Case(
        "void without a reason",
        lambda w: w.app.void_invoice(w.draft, reason="", actor=A, voided_on=D),
        InvalidValue,
        "reason",
        lambda w: w.draft,
    ),
    Case(
        "credit a draft",
        lambda w: w.app.draft_credit_note(
            w.draft,
            line_ids=["L1"],
            disposition=CreditDisposition.REBILLABLE,
            reason="x",
            drafted_on=D,
            actor=A,
        ),
        InvalidTransition,
        "status",
        lambda w: w.draft,
    ),
    Case(
        "credit an unknown line",
        lambda w: w.app.draft_credit_note(
            w.issued,
            line_ids=["L9"],
            disposition=CreditDisposition.REBILLABLE,
            reason="x",
            drafted_on=D,
            actor=A,
        ),
        RuleViolated,
        "line_ids",
        lambda w: w.issued,
    ),
    Case(
        "credit without a reason",
        lambda w: w.app.draft_credit_note(
            w.issued,
            line_ids=["L1"],
            disposition=CreditDisposition.REBILLABLE,
            reason=" ",
            drafted_on=D,
            actor=A,
        ),
        InvalidValue,
        "reason",
        lambda w: w.issued,
    ),
    Case(
        "credit no line",
        lambda w: w.app.draft_credit_note(
            w.issued,
            line_ids=[],
            disposition=CreditDisposition.REBILLABLE,
            reason="x",
            drafted_on=D,
            actor=A,
        ),
        InvalidValue,
        "line_ids",
        lambda w: w.issued,
    ),
    Case(
        "deduct a standard invoice as deposit",
        lambda w: w.app.deduct_deposit(w.draft, w.issued, actor=A),
        InvalidTransition,
        "kind",
        lambda w: w.issued,
    ),
    # payments
    Case(
        "payment with a card number",
        lambda w: w.app.receive_payment(
            w.customer, eur(1), received_on=D, reference="4111111111111111", actor=A
        ),
        CardNumberRefused,
        "reference",
        lambda w: w.customer,
    ),
    Case(
        "payment of nothing",
        lambda w: w.app.receive_payment(w.customer, eur(0), received_on=D, reference="x", actor=A),
        InvalidValue,
        "amount",
        lambda w: w.customer,
    ),
    Case(
        "payment of a fraction of a cent",
        lambda w: w.app.receive_payment(
            w.customer, eur("1.001"), received_on=D, reference="x", actor=A
        ),
        InvalidValue,
        "amount",
        lambda w: w.customer,
    ),
    Case(
        "allocate more than received",
        lambda w: w.app.allocate_payment(w.payment, [(w.issued, eur(51))], allocated_on=D, actor=A),
        OverAllocation,
        "amount",
        lambda w: w.payment,
    ),
    Case(
        "allocate more than outstanding",
        lambda w: w.app.allocate_payment(
            w.big_payment,
            [(w.issued, eur(122))],
            allocated_on=D,
            actor=A,
        ),
        OverAllocation,
        "amount",
        lambda w: w.issued,
    ),
    Case(
        "allocate to a draft",
        lambda w: w.app.allocate_payment(w.payment, [(w.draft, eur(1))], allocated_on=D, actor=A),
        InvalidTransition,
        "status",
        lambda w: w.draft,
    ),
    Case(
        "allocate a fraction of a cent",
        lambda w: w.app.allocate_payment(
            w.payment, [(w.issued, eur("0.001"))], allocated_on=D, actor=A
        ),
        InvalidValue,
        "amount",
        lambda w: w.payment,
    ),
    Case(
        "allocate a bounced payment",
        lambda w: w.app.allocate_payment(w.bounced, [(w.issued, eur(1))], allocated_on=D, actor=A),
        InvalidTransition,
        "status",
        lambda w: w.bounced,
    ),
    Case(
        "reverse an unknown allocation",
        lambda w: w.app.reverse_allocation(w.payment, "nope", reason="x", actor=A),
        RuleViolated,
        "allocation_id",
        lambda w: w.payment,
    ),
    Case(
        "bounce twice, for another reason",
        lambda w: w.app.bounce_payment(w.bounced, bounced_on=D, reason="x", actor=A),
        InvalidTransition,
        "reason",
        lambda w: w.bounced,
    ),
    Case(
        "unknown payment",
        lambda w: w.app.bounce_payment(uuid4(), bounced_on=D, reason="x", actor=A),
        NotFound,
        "id",
        None,
    ),
    Case(
        "payment id given as invoice",
        lambda w: w.app.approve_invoice(w.payment, role="billing", approved_on=D, actor="c"),
        NotFound,
        "id",
        lambda w: w.payment,
    ),
    # contracts
    Case(
        "contract without a number",
        lambda w: w.app.sign_contract(
            w.customer,
            number=" ",
            term=YEAR,
            frequency=BillingFrequency.MONTHLY,
            signed_on=D,
            actor=A,
        ),
        InvalidValue,
        "number",
        None,
    ),
    Case(
        "evergreen contract whose uplift would cut prices below zero",
        lambda w: w.app.sign_contract(
            w.customer,
            number="MC-9",
            term=YEAR,
            frequency=BillingFrequency.MONTHLY,
            signed_on=D,
            actor=A,
            auto_renew=True,
            renewal_uplift_percent=-150,
        ),
        InvalidValue,
        "renewal_uplift_percent",
        None,
    ),
    Case(
        "activate an active contract",
        lambda w: w.app.activate_contract(w.contract, effective=D, actor=A),
        InvalidTransition,
        "status",
        lambda w: w.contract,
    ),
    Case(
        "re-price an unknown sub-contract",
        lambda w: w.app.reprice_sub_contract(
            w.contract, "nope", effective=D, annual_price=eur(1), actor=A
        ),
        RuleViolated,
        "sub_id",
        lambda w: w.contract,
    ),
]


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    app = QuoteToCash.open("memory:")
    yield build(app)
    app.close()


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_refused_command_records_nothing(world: World, case: Case) -> None:
    app = world.app
    before = app.recorder.max_notification_id()
    with pytest.raises(case.error) as refused:
        case.command(world)
    error = refused.value
    assert type(error) is case.error, f"{type(error).__name__}: {error}"
    assert error.field == case.field, str(error)
    assert error.rule.strip()
    if case.target is not None:
        assert error.aggregate_id == case.target(world), str(error)
    assert app.recorder.max_notification_id() == before
